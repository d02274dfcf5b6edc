//go:build linux

package files

import (
	"errors"
	"io/fs"
	"unsafe"

	"golang.org/x/sys/unix"
)

// dirHandle is an open directory inside a root. On Linux it is a raw file
// descriptor: children are opened with openat(2) and O_NOFOLLOW one name at a
// time, so no symlink is ever followed and nothing outside the directory is
// named, at one system call per file instead of os.Root's several.
type dirHandle struct{ fd int }

// openDirHandle opens rel inside the root (through os.Root, so it is confined).
func (rt *root) openDirHandle(rel string) (dirHandle, error) {
	f, err := rt.r.Open(rel)
	if err != nil {
		return dirHandle{-1}, err
	}
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return dirHandle{-1}, err
	}
	unix.CloseOnExec(fd)
	return dirHandle{fd}, nil
}

func (d dirHandle) close() {
	if d.fd >= 0 {
		unix.Close(d.fd)
	}
}

// openDir opens the subdirectory name, refusing a symlink.
func (d dirHandle) openDir(name string) (dirHandle, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return dirHandle{-1}, err
	}
	return dirHandle{fd}, nil
}

// entries reads the directory's entries with getdents(2), a buffer at a
// time; after each, more is told what was read and may stop the reading (a
// memory budget, a cancelled call), so a huge directory is never read whole.
func (d dirHandle) entries(buf []byte, more func(read []dirent) bool) ([]dirent, []byte, error) {
	if len(buf) == 0 {
		buf = make([]byte, 32<<10)
	}
	var out []dirent
	if _, err := unix.Seek(d.fd, 0, 0); err != nil {
		return nil, buf, err
	}
	for {
		n, err := unix.Getdents(d.fd, buf)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return out, buf, err
		}
		if n <= 0 {
			return out, buf, nil
		}
		before := len(out)
		out = d.parse(out, buf[:n])
		if !more(out[before:]) {
			return out, buf, nil
		}
	}
}

// parse appends the linux_dirent64 records of b.
func (d dirHandle) parse(out []dirent, b []byte) []dirent {
	const nameOff = int(unsafe.Offsetof(unix.Dirent{}.Name))
	for len(b) >= nameOff {
		reclen := int(*(*uint16)(unsafe.Pointer(&b[unsafe.Offsetof(unix.Dirent{}.Reclen)])))
		if reclen < nameOff || reclen > len(b) {
			return out
		}
		typ := b[unsafe.Offsetof(unix.Dirent{}.Type)]
		name := b[nameOff:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		b = b[reclen:]
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		e := dirent{name: string(name)}
		switch typ {
		case unix.DT_DIR:
			e.typ = fs.ModeDir
		case unix.DT_REG:
			e.typ = 0
		case unix.DT_LNK:
			e.typ = fs.ModeSymlink
		case unix.DT_UNKNOWN:
			e.typ = d.lstatType(e.name)
		default:
			e.typ = fs.ModeIrregular
		}
		out = append(out, e)
	}
	return out
}

// lstatType asks for an entry's type on filesystems whose getdents does not say.
func (d dirHandle) lstatType(name string) fs.FileMode {
	var st unix.Stat_t
	if err := unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fs.ModeIrregular
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		return fs.ModeDir
	case unix.S_IFREG:
		return 0
	case unix.S_IFLNK:
		return fs.ModeSymlink
	}
	return fs.ModeIrregular
}

// errNotRegular is returned by readFile for anything but a regular file.
var errNotRegular = errors.New("not a regular file")

// errTooLarge is returned by readFile for a file over the size limit.
var errTooLarge = errors.New("file too large")

// readFile reads the regular file name (never through a symlink) into buf,
// growing it as needed, refusing files over maxSize.
func (d dirHandle) readFile(name string, buf []byte, maxSize int64) ([]byte, []byte, error) {
	fd, err := unix.Openat(d.fd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, buf, err
	}
	return readFD(fd, buf, maxSize)
}

// readBeneath reads the regular file at the relative path rel below d with
// one openat2(2) that the kernel confines (RESOLVE_BENEATH: no "..", absolute
// path or symlink may leave d). Any error, including a kernel without
// openat2 or a symlink it will not follow, means: use the portable path.
func (d dirHandle) readBeneath(rel string, maxSize int64) ([]byte, error) {
	// First an O_PATH look, which calls no driver: a device is never opened.
	how := unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS,
	}
	pfd, err := unix.Openat2(d.fd, rel, &how)
	if err != nil {
		return nil, err
	}
	var st unix.Stat_t
	err = unix.Fstat(pfd, &st)
	unix.Close(pfd)
	if err != nil {
		return nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, errNotRegular
	}
	how.Flags = unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK
	fd, err := unix.Openat2(d.fd, rel, &how)
	if err != nil {
		return nil, err
	}
	data, _, err := readFD(fd, nil, maxSize)
	if err == nil && len(data) == 0 {
		// An empty result may be a file whose size the kernel does not report
		// (procfs, sysfs, some FUSE): let the portable path read to the end.
		return nil, errNotRegular
	}
	return data, err
}

// readFD reads a regular file from its descriptor and closes it.
func readFD(fd int, buf []byte, maxSize int64) ([]byte, []byte, error) {
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, buf, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, buf, errNotRegular
	}
	if st.Size > maxSize {
		return nil, buf, errTooLarge
	}
	size := int(st.Size)
	if cap(buf) < size+1 {
		if buf == nil { // a one-off read: exactly what is needed
			buf = make([]byte, size+1)
		} else { // a reused buffer: room to grow into
			buf = make([]byte, size+1, size+size/4+4096)
		}
	}
	buf = buf[:size+1]
	n := 0
	for n < len(buf) { // one byte more than the size: a file that grew is noticed
		m, err := unix.Read(fd, buf[n:])
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.EAGAIN) {
			return nil, buf, errWouldBlock
		}
		if err != nil {
			return nil, buf, err
		}
		if m == 0 {
			break
		}
		n += m
	}
	if n > size {
		return nil, buf, errGrew
	}
	return buf[:n], buf, nil
}

// errGrew says a file grew while it was read; the caller reads it another way.
var errGrew = errors.New("file grew while read")
