package term

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// pipeIO is an IO whose stdin is a real pipe and whose stdout and stderr are buffers.
func pipeIO(t *testing.T, env map[string]string) (*IO, *os.File, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	tio := New(r, &out, &errOut, func(k string) string { return env[k] })
	t.Cleanup(func() { tio.Close(); r.Close(); w.Close() })
	return tio, w, &out, &errOut
}

func TestIO_ReadLine_Pipe(t *testing.T) {
	tio, w, out, _ := pipeIO(t, nil)
	script := "first turn\nsecond \\\ncontinued\r\n\nlast without newline"
	if _, err := w.WriteString(script); err != nil {
		t.Fatal(err)
	}
	w.Close()
	want := []string{"first turn", "second \ncontinued", "", "last without newline"}
	for i, wl := range want {
		got, err := tio.ReadLine(context.Background(), "you> ")
		if err != nil || got != wl {
			t.Fatalf("line %d = %q, %v; want %q", i, got, err, wl)
		}
	}
	if _, err := tio.ReadLine(context.Background(), "you> "); err != io.EOF {
		t.Fatalf("after the script: %v; want io.EOF", err)
	}
	if out.Len() != 0 {
		t.Errorf("ReadLine without a terminal wrote %q; want nothing (no prompt, no escape codes)", out.String())
	}
	if tio.Interactive() || tio.ColorEnabled() {
		t.Errorf("a pipe is interactive or coloured")
	}
}

func TestIO_Confirm_Pipe(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    bool
		wantErr error
	}{
		{name: "yes", input: "yes\n", want: true},
		{name: "y with spaces", input: "  Y \n", want: true},
		{name: "no", input: "no\n"},
		{name: "empty", input: "\n"},
		{name: "end of input", input: "", wantErr: io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tio, w, out, errOut := pipeIO(t, nil)
			w.WriteString(tt.input + "next line\n")
			if tt.input == "" {
				tio, w, out, errOut = pipeIO(t, nil)
				w.Close()
			}
			got, err := tio.Confirm(context.Background(), "Allow write_file?")
			if got != tt.want || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Confirm = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
			if !strings.Contains(errOut.String(), "Allow write_file? [y/N] ") || out.Len() != 0 {
				t.Errorf("question: stderr %q, stdout %q", errOut.String(), out.String())
			}
			if tt.wantErr == nil {
				if line, err := tio.ReadLine(context.Background(), ""); line != "next line" {
					t.Errorf("the line after the answer = %q, %v", line, err)
				}
			}
		})
	}
}

// A cancelled call leaves no reader behind: the line written after it goes
// to the next call.
func TestIO_ReadLine_PipeCancel(t *testing.T) {
	tio, w, _, _ := pipeIO(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := tio.ReadLine(ctx, "")
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled ReadLine = %v; want context.Canceled", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("ReadLine did not return when its context was cancelled")
	}
	w.WriteString("half a ")
	time.Sleep(50 * time.Millisecond) // room for a stray reader to take it
	w.WriteString("line\n")
	if got, err := tio.ReadLine(context.Background(), ""); got != "half a line" || err != nil {
		t.Fatalf("next ReadLine = %q, %v; want the whole line written after the cancel", got, err)
	}
}

func TestIO_ReadLine_PipeLimit(t *testing.T) {
	tio, w, _, _ := pipeIO(t, nil)
	tio.SetMaxLine(4 << 10)
	long := bytes.Repeat([]byte("x"), 32<<20)
	go func() {
		w.Write(long)
		w.WriteString("\nshort\n")
		w.Close()
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := tio.ReadLine(context.Background(), "")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLong) {
		t.Fatalf("a 32 MiB line = %v; want ErrTooLong", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("reading past a 32 MiB line allocated %d bytes; want at most 4 MiB", got)
	}
	if got, err := tio.ReadLine(context.Background(), ""); got != "short" || err != nil {
		t.Fatalf("the line after = %q, %v", got, err)
	}
}

func TestIO_ReadAll(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		limit   int
		want    string
		wantErr error
	}{
		{name: "within the limit", input: "a prompt\nof two lines\n", limit: 100, want: "a prompt\nof two lines\n"},
		{name: "over the limit", input: strings.Repeat("z", 1000), limit: 100, wantErr: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tio, w, _, _ := pipeIO(t, nil)
			w.WriteString(tt.input)
			w.Close()
			got, err := tio.ReadAll(context.Background(), tt.limit)
			if string(got) != tt.want || !errors.Is(err, tt.wantErr) {
				t.Errorf("ReadAll = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestIO_Size_NotTerminal(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		w, h int
	}{
		{name: "defaults", w: 80, h: 24},
		{name: "COLUMNS and LINES", env: map[string]string{"COLUMNS": "132", "LINES": "50"}, w: 132, h: 50},
		{name: "nonsense", env: map[string]string{"COLUMNS": "wide", "LINES": "-3"}, w: 80, h: 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tio := New(strings.NewReader(""), &bytes.Buffer{}, &bytes.Buffer{}, func(k string) string { return tt.env[k] })
			if tio.Width() != tt.w || tio.Height() != tt.h {
				t.Errorf("size = %dx%d; want %dx%d", tio.Width(), tio.Height(), tt.w, tt.h)
			}
		})
	}
}

// A reader that is not a file is read directly, one line per call.
func TestIO_ReadLine_Reader(t *testing.T) {
	tio := New(strings.NewReader("a\nb\n"), &bytes.Buffer{}, &bytes.Buffer{}, nil)
	for _, want := range []string{"a", "b"} {
		if got, err := tio.ReadLine(context.Background(), ""); got != want || err != nil {
			t.Fatalf("ReadLine = %q, %v; want %q", got, err, want)
		}
	}
	if _, err := tio.ReadLine(context.Background(), ""); err != io.EOF {
		t.Fatalf("end = %v; want io.EOF", err)
	}
}

func TestIO_Page(t *testing.T) {
	long := strings.Repeat("a line of the transcript\n", 100)
	tests := []struct {
		name      string
		text      string
		wantPaged bool
	}{
		{name: "longer than the screen", text: long, wantPaged: true},
		{name: "fits", text: "three\nshort\nlines\n", wantPaged: false},
		{name: "wraps past the screen", text: strings.Repeat("w", 100*31) + "\n", wantPaged: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paged := filepath.Join(t.TempDir(), "paged")
			envFile := paged + ".env"
			s := newScreen(t, map[string]string{"PAGER": "cat > " + paged + "; echo $LESS > " + envFile})
			s.io.SetEnviron(func() []string { return []string{"PATH=" + os.Getenv("PATH")} })
			if err := s.io.Page(context.Background(), tt.text); err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(paged)
			if tt.wantPaged {
				if err != nil || string(got) != tt.text {
					t.Fatalf("pager got %d bytes, %v; want the whole text", len(got), err)
				}
				if env, _ := os.ReadFile(envFile); strings.TrimSpace(string(env)) != "FRX" {
					t.Errorf("pager ran with LESS=%q; want FRX", env)
				}
				return
			}
			if err == nil {
				t.Fatalf("a short text went to the pager")
			}
			s.waitFor("lines")
		})
	}
	t.Run("not a terminal", func(t *testing.T) {
		var out bytes.Buffer
		tio := New(strings.NewReader(""), &out, &bytes.Buffer{}, func(string) string { return "false" })
		if err := tio.Page(context.Background(), long); err != nil || out.String() != long {
			t.Fatalf("Page to a buffer: %v, %d bytes", err, out.Len())
		}
	})
}

// A pager that quits early (the user pressed q) is not an error.
func TestIO_Page_QuitEarly(t *testing.T) {
	paged := filepath.Join(t.TempDir(), "paged")
	s := newScreen(t, map[string]string{"PAGER": "head -c 10 > " + paged})
	text := strings.Repeat("a line of a long transcript\n", 20000)
	if err := s.io.Page(context.Background(), text); err != nil {
		t.Fatalf("Page with a pager that quit: %v", err)
	}
	if got, _ := os.ReadFile(paged); string(got) != text[:10] {
		t.Fatalf("pager read %q", got)
	}
}
