//go:build !linux

package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// dirHandle is an open directory inside a root; off Linux it is an os.Root,
// which confines every name it opens to the directory.
type dirHandle struct{ r *os.Root }

func (rt *root) openDirHandle(rel string) (dirHandle, error) {
	r, err := rt.r.OpenRoot(rel)
	return dirHandle{r}, err
}

func (d dirHandle) close() {
	if d.r != nil {
		d.r.Close()
	}
}

func (d dirHandle) openDir(name string) (dirHandle, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return dirHandle{}, err
	}
	if !fi.IsDir() {
		return dirHandle{}, errors.New("not a directory")
	}
	r, err := d.r.OpenRoot(name)
	return dirHandle{r}, err
}

func (d dirHandle) entries(buf []byte, more func(read []dirent) bool) ([]dirent, []byte, error) {
	f, err := d.r.Open(".")
	if err != nil {
		return nil, buf, err
	}
	defer f.Close()
	var out []dirent
	for {
		des, err := f.ReadDir(1024)
		before := len(out)
		for _, de := range des {
			out = append(out, dirent{name: de.Name(), typ: de.Type() & (fs.ModeDir | fs.ModeSymlink | fs.ModeIrregular | fs.ModeNamedPipe | fs.ModeSocket | fs.ModeDevice | fs.ModeCharDevice)})
		}
		if err == io.EOF || len(des) == 0 {
			return out, buf, nil
		}
		if err != nil {
			return out, buf, err
		}
		if !more(out[before:]) {
			return out, buf, nil
		}
	}
}

var (
	errNotRegular = errors.New("not a regular file")
	errTooLarge   = errors.New("file too large")
)

func (d dirHandle) readFile(name string, buf []byte, maxSize int64) ([]byte, []byte, error) {
	fi, err := d.r.Lstat(name)
	if err != nil {
		return nil, buf, err
	}
	if !fi.Mode().IsRegular() {
		return nil, buf, errNotRegular
	}
	f, err := d.r.Open(name)
	if err != nil {
		return nil, buf, err
	}
	defer f.Close()
	if fi.Size() > maxSize {
		return nil, buf, errTooLarge
	}
	size := int(fi.Size())
	if cap(buf) < size+1 {
		buf = make([]byte, size+1)
	}
	buf = buf[:size+1]
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return nil, buf, err
	}
	return buf[:min(n, size)], buf, nil
}

// errNoFastPath says the portable path must be used.
var errNoFastPath = errors.New("no fast path on this system")

// readBeneath has no fast path off Linux.
func (d dirHandle) readBeneath(string, int64) ([]byte, error) { return nil, errNoFastPath }
