package reload

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFilesReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(a, "1")
	write(b, "x")
	loads := 0
	load := func(c [][]byte) (string, error) {
		loads++
		if string(c[0]) == "bad" {
			return "", errors.New("bad content")
		}
		return string(c[0]) + string(c[1]), nil
	}
	var logs bytes.Buffer
	f, err := New("test value", []string{a, b}, time.Millisecond, load, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Get(); got != "1x" {
		t.Fatalf("Get = %q", got)
	}
	wait := func() { time.Sleep(3 * time.Millisecond) }

	wait()
	f.Get()
	if loads != 1 {
		t.Errorf("unchanged files loaded again: %d loads", loads)
	}

	write(b, "y")
	wait()
	if got := f.Get(); got != "1y" {
		t.Errorf("after a change: Get = %q, want 1y", got)
	}

	write(a, "bad")
	wait()
	if got := f.Get(); got != "1y" {
		t.Errorf("after a bad change: Get = %q, want the previous value", got)
	}
	wait()
	f.Get()
	if n := strings.Count(logs.String(), "refused"); n != 1 {
		t.Errorf("a refused content is logged %d times, want once:\n%s", n, logs.String())
	}

	os.Remove(a)
	wait()
	if got := f.Get(); got != "1y" {
		t.Errorf("after a removal: Get = %q, want the previous value", got)
	}

	write(a, "2")
	wait()
	if got := f.Get(); got != "2y" {
		t.Errorf("after a fix: Get = %q, want 2y", got)
	}
}

func TestFilesNoReloadWithZeroInterval(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a")
	os.WriteFile(p, []byte("1"), 0o600)
	f, err := New("v", []string{p}, 0, func(c [][]byte) (string, error) { return string(c[0]), nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(p, []byte("2"), 0o600)
	time.Sleep(time.Millisecond)
	if got := f.Get(); got != "1" {
		t.Errorf("Get = %q, want 1 (interval 0 never reloads)", got)
	}
}

func TestFilesFirstLoadErrors(t *testing.T) {
	if _, err := New("v", []string{filepath.Join(t.TempDir(), "missing")}, time.Second,
		func([][]byte) (int, error) { return 0, nil }, nil); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("err = %v, want it to name the missing file", err)
	}
}
