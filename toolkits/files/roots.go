package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// root is one directory the toolkit may read. All file access goes through
// r, an os.Root, so neither "..", nor symlinks, nor a race can reach outside.
type root struct {
	abs  string // absolute, cleaned, as the user named it
	real string // abs with symlinks resolved
	r    *os.Root
	// fast is the root directory itself, for reads the kernel confines in
	// one call (Linux openat2); hasFast is false where it could not be opened.
	fast    dirHandle
	hasFast bool
}

// close releases the root's handles.
func (rt *root) close() error {
	if rt.hasFast {
		rt.fast.close()
		rt.hasFast = false
	}
	return rt.r.Close()
}

func openRoot(p string) (*root, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", p, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", p, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", p, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("root %s is not a directory", p)
	}
	r, err := os.OpenRoot(real)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", p, err)
	}
	return newRoot(abs, real, r), nil
}

func newRoot(abs, real string, r *os.Root) *root {
	rt := &root{abs: abs, real: real, r: r}
	if h, err := rt.openDirHandle("."); err == nil {
		rt.fast, rt.hasFast = h, true
	}
	return rt
}

// errOutside is returned for any path that names something outside the roots.
var errOutside = errors.New("outside the allowed roots")

// within returns p relative to base ("." for base itself) when p is base or
// lies below it. The separator check keeps /x/allowed_evil out of /x/allowed.
func within(base, p string) (string, bool) {
	if p == base {
		return ".", true
	}
	prefix := base
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	if rel, ok := strings.CutPrefix(p, prefix); ok {
		return filepath.ToSlash(rel), true
	}
	return "", false
}

// cleanRelative cleans a relative path and refuses one that climbs out.
func cleanRelative(p string) (string, error) {
	c := path.Clean(filepath.ToSlash(p))
	if c == ".." || strings.HasPrefix(c, "../") {
		return "", errOutside
	}
	return c, nil
}

// open opens rel (slash-separated, relative) inside the root. os.Root refuses
// absolute symlinks even when they point inside the root, so on failure the
// path is rewritten once through rewriteAbsLinks and tried again.
//
// Files are opened non-blocking, so that a FIFO (or a device) cannot hang a
// call; callers check for a regular file before reading.
func (rt *root) open(rel string) (*os.File, error) {
	f, _, err := rt.openRel(rel)
	return f, err
}

// openRel is open that also returns the path it opened, after any rewrite of
// absolute symlinks, so a walk can start from there.
func (rt *root) openRel(rel string) (*os.File, string, error) {
	const flags = os.O_RDONLY | syscall.O_NONBLOCK
	f, err := rt.r.OpenFile(rel, flags, 0)
	if err == nil {
		return f, rel, nil
	}
	if alt, ok := rt.rewriteAbsLinks(rel); ok {
		if f, err2 := rt.r.OpenFile(alt, flags, 0); err2 == nil {
			return f, alt, nil
		}
	}
	return nil, rel, err
}

// stat is Stat inside the root (following symlinks that stay inside it,
// absolute ones included).
func (rt *root) stat(rel string) (fs.FileInfo, string, error) {
	fi, err := rt.r.Stat(rel)
	if err == nil {
		return fi, rel, nil
	}
	if alt, ok := rt.rewriteAbsLinks(rel); ok {
		if fi, err2 := rt.r.Stat(alt); err2 == nil {
			return fi, alt, nil
		}
	}
	return nil, rel, err
}

// openRegular opens rel when it is a regular file. Its type is checked
// before the open, so no device driver, FIFO or kernel interface is ever
// opened, and again after it (with os.SameFile), so a swap in between is
// refused too.
func (rt *root) openRegular(rel string) (*os.File, fs.FileInfo, error) {
	fi, rel, err := rt.stat(rel)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fi, errNotRegular
	}
	f, err := rt.r.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fi, err
	}
	fi2, err := f.Stat()
	if err != nil || !os.SameFile(fi, fi2) {
		f.Close()
		return nil, fi, errNotRegular
	}
	return f, fi2, nil
}

// lstat is Lstat inside the root.
func (rt *root) lstat(rel string) (fs.FileInfo, error) { return rt.r.Lstat(rel) }

// maxLinkHops bounds symlink rewriting, so a loop ends.
const maxLinkHops = 40

// rewriteAbsLinks walks rel a component at a time through the root and
// replaces every absolute symlink whose target lies inside the root by the
// equivalent root-relative path. It reports false when there was nothing to
// rewrite or a target lies outside.
func (rt *root) rewriteAbsLinks(rel string) (string, bool) {
	parts := strings.Split(rel, "/")
	cur, changed, hops := ".", false, 0
	for i := 0; i < len(parts); i++ {
		next := path.Join(cur, parts[i])
		fi, err := rt.r.Lstat(next)
		if err != nil {
			return "", false
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := rt.r.Readlink(next)
			if err != nil {
				return "", false
			}
			if filepath.IsAbs(target) {
				hops++
				inside, ok := within(rt.real, filepath.Clean(target))
				if !ok {
					inside, ok = within(rt.abs, filepath.Clean(target))
				}
				if !ok || hops > maxLinkHops {
					return "", false
				}
				parts = append(strings.Split(inside, "/"), parts[i+1:]...)
				cur, changed, i = ".", true, -1
				continue
			}
		}
		cur = next
	}
	return cur, changed
}

// location is a resolved user path: a root and a clean relative path in it.
type location struct {
	root *root
	rel  string
}

// resolve maps a path given by the model to a root. Absolute paths must lie
// inside a root (compared lexically, so nothing outside is ever stat'ed);
// relative paths are taken in the first root where they exist. "~" is not
// expanded: it is an ordinary name.
func (t *view) resolve(p string) (location, error) {
	if strings.ContainsRune(p, 0) {
		return location{}, errors.New("the path contains a NUL byte")
	}
	if p == "" {
		p = "."
	}
	if filepath.IsAbs(p) {
		c := filepath.Clean(p)
		for _, rt := range t.roots {
			if rel, ok := within(rt.abs, c); ok {
				return location{rt, rel}, nil
			}
			if rel, ok := within(rt.real, c); ok {
				return location{rt, rel}, nil
			}
		}
		return location{}, errOutside
	}
	rel, err := cleanRelative(p)
	if err != nil {
		return location{}, err
	}
	if len(t.roots) > 1 {
		for _, rt := range t.roots {
			if _, err := rt.lstat(rel); err == nil {
				return location{rt, rel}, nil
			}
		}
	}
	return location{t.roots[0], rel}, nil
}

// display is how a path is shown to the model: relative to its root when
// there is one root, absolute (under the root as named) when there are several.
func (t *view) display(rt *root, rel string) string {
	if len(t.roots) == 1 {
		return rel
	}
	return filepath.Join(rt.abs, filepath.FromSlash(rel))
}

// rootList names the roots, for error messages.
func (t *view) rootList() string {
	names := make([]string, len(t.roots))
	for i, rt := range t.roots {
		names[i] = rt.abs
	}
	return strings.Join(names, ", ")
}

// pathError turns a resolution or open error into a message the model can act on.
func (t *view) pathError(p string, err error) string {
	switch {
	case errors.Is(err, errOutside):
		return fmt.Sprintf("path %q is outside the allowed roots (%s); use a path relative to a root, or an absolute path inside one", p, t.rootList())
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Sprintf("no such file or directory: %q; use find_files or list_directory to locate it", p)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Sprintf("permission denied: %q cannot be read", p)
	case strings.Contains(err.Error(), "escapes"), strings.Contains(err.Error(), "too many levels of symbolic links"):
		return fmt.Sprintf("path %q leads outside the allowed roots through a symlink (or a symlink loop); only paths inside %s can be read", p, t.rootList())
	default:
		return fmt.Sprintf("cannot access %q: %v", p, stripRoot(err))
	}
}

// stripRoot removes the *PathError wrapper, whose path may be an internal form.
func stripRoot(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
