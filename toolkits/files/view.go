package files

import (
	"context"
	"path/filepath"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/glm-mcp/glm-mcp/toolkits"
)

// view is the toolkit as one call sees it: the configured roots, narrowed to
// the client's roots when the client offered some. Its roots field shadows
// the Toolkit's, so everything that resolves paths does so within the view.
type view struct {
	*Toolkit
	roots []*root
}

// view returns the roots this call may use. Client roots only narrow: a
// client root inside a configured root becomes a root of its own (opened
// through the configured one, so it is confined too); a configured root
// inside a client root stays as it is; anything else is dropped.
func (t *Toolkit) view(ctx context.Context) (*view, *mcp.CallToolResult) {
	client, ok := toolkits.ClientRoots(ctx)
	if !ok {
		return &view{Toolkit: t, roots: t.roots}, nil
	}
	var out []*root
	seen := map[*root]bool{}
	add := func(rt *root) {
		if rt != nil && !seen[rt] {
			seen[rt] = true
			out = append(out, rt)
		}
	}
	for _, c := range client {
		c = filepath.Clean(c)
		for _, rt := range t.roots {
			if rel, ok := rt.contains(c); ok {
				add(t.narrowed(rt, rel, c))
			} else if _, ok := within(c, rt.abs); ok {
				add(rt)
			} else if _, ok := within(c, rt.real); ok {
				add(rt)
			}
		}
	}
	if len(out) == 0 {
		return nil, toolkits.Errorf("the client's roots (%s) do not overlap the folders this server may read (%s); no file can be accessed", strings.Join(client, ", "), (&view{Toolkit: t, roots: t.roots}).rootList())
	}
	return &view{Toolkit: t, roots: out}, nil
}

// contains reports whether p lies in the root, as named or as resolved.
func (rt *root) contains(p string) (string, bool) {
	if rel, ok := within(rt.abs, p); ok {
		return rel, true
	}
	return within(rt.real, p)
}

// narrowed returns the root for the folder rel inside rt, opening it once.
func (t *Toolkit) narrowed(rt *root, rel, name string) *root {
	if rel == "." {
		return rt
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key := rt.real + "\x00" + rel
	if sub, ok := t.subRoots[key]; ok {
		return sub
	}
	r, err := rt.r.OpenRoot(rel)
	if err != nil {
		t.logger.Debug().Str("root", name).Err(err).Msg("client root not usable")
		return nil
	}
	sub := newRoot(name, filepath.Join(rt.real, filepath.FromSlash(rel)), r)
	if t.subRoots == nil {
		t.subRoots = map[string]*root{}
	}
	t.subRoots[key] = sub
	return sub
}
