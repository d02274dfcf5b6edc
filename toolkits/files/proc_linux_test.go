package files

import (
	"strings"
	"testing"
)

// TestToolkit_ReadsFilesWithoutASize: procfs reports size 0 for files that
// have content; read_file must still return it.
func TestToolkit_ReadsFilesWithoutASize(t *testing.T) {
	kit := newKit(t, "/proc/sys/kernel")
	res, text := call(t, kit, "read_file", map[string]any{"path": "ostype"})
	var rr ReadResult
	structured(t, res, &rr)
	if strings.TrimSpace(rr.Text) != "Linux" {
		t.Errorf("read_file /proc/sys/kernel/ostype = %s", text)
	}
}
