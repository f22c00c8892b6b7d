package testvectors

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree makes top/repo (with go.mod and repo/a/b) and, when shared is set,
// top/shared/testdata; it returns top.
func tree(t *testing.T, shared bool) string {
	t.Helper()
	top := t.TempDir()
	for _, d := range []string{"repo/a/b", "elsewhere"} {
		if err := os.MkdirAll(filepath.Join(top, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(top, "repo", "go.mod"), []byte("module example.com/m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if shared {
		if err := os.MkdirAll(filepath.Join(top, "shared", "testdata"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return top
}

func TestFind(t *testing.T) {
	top := tree(t, true)
	from := filepath.Join(top, "repo", "a", "b")
	want := filepath.Join(top, "shared", "testdata")
	if dir, err := find(from, ""); err != nil || dir != want {
		t.Errorf("from a package two levels down: %q, %v; want %q", dir, err, want)
	}
	if dir, err := find(filepath.Join(top, "repo"), ""); err != nil || dir != want {
		t.Errorf("from the root: %q, %v; want %q", dir, err, want)
	}
	if dir, err := find(from, "../elsewhere"); err != nil || dir != filepath.Join(top, "elsewhere") {
		t.Errorf("%s relative: %q, %v; want it taken from the repository root", DirEnv, dir, err)
	}
	abs := filepath.Join(top, "repo", "a")
	if dir, err := find(from, abs); err != nil || dir != abs {
		t.Errorf("%s absolute: %q, %v", DirEnv, dir, err)
	}
	if _, err := find(from, filepath.Join(top, "repo", "go.mod")); err == nil {
		t.Error("a file was taken for the directory")
	}

	top = tree(t, false)
	dir, err := find(filepath.Join(top, "repo", "a", "b"), "")
	if want := filepath.Join(top, "shared", "testdata"); err == nil || dir != want {
		t.Errorf("without ../shared/testdata: %q, %v; want an error and the path looked at, %q", dir, err, want)
	}
}

// recorder is a testing.TB that records Fatalf and Skipf instead of stopping.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }
func (r *recorder) Skipf(format string, args ...any)  { r.skip = fmt.Sprintf(format, args...) }

func TestMissingVectors(t *testing.T) {
	absent := filepath.Join(t.TempDir(), "no-such-dir")
	t.Setenv(DirEnv, absent)
	const suite = "testvectors' own test"
	announced.Store(suite, true) // nothing written to the go command's terminal by this test

	t.Setenv(RequireEnv, "1")
	r := &recorder{}
	Dir(r, suite)
	if !strings.Contains(r.fatal, suite) || !strings.Contains(r.fatal, absent) || r.skip != "" {
		t.Errorf("with %s=1: fatal %q, skip %q; want a failure naming the suite and %s", RequireEnv, r.fatal, r.skip, absent)
	}

	t.Setenv(RequireEnv, "")
	r = &recorder{}
	Dir(r, suite)
	if r.fatal != "" || !strings.Contains(r.skip, "PARITY SUITE SKIPPED (github.com/schemaregistry/registry/internal/testvectors: "+suite+")") ||
		!strings.Contains(r.skip, absent) {
		t.Errorf("without %s: fatal %q, skip %q; want a loud skip naming the package, the suite and %s", RequireEnv, r.fatal, r.skip, absent)
	}
}

func TestReadFailsOnAFileMissingFromPresentVectors(t *testing.T) {
	t.Setenv(DirEnv, t.TempDir())
	r := &recorder{}
	Read(r, "a suite", "confluent/none.json")
	if !strings.Contains(r.fatal, "none.json") || r.skip != "" {
		t.Errorf("fatal %q, skip %q; want a failure naming the file", r.fatal, r.skip)
	}
}

func TestAppending(t *testing.T) {
	dir := t.TempDir()
	for flags, want := range map[string]bool{"0102001": true, "0100001": false, "02": false} {
		p := filepath.Join(dir, flags)
		os.WriteFile(p, []byte("pos:\t0\nflags:\t"+flags+"\nmnt_id:\t25\n"), 0o644)
		if got := appending(p); got != want {
			t.Errorf("flags %s: appending %v, want %v", flags, got, want)
		}
	}
	if appending(filepath.Join(dir, "missing")) {
		t.Error("an unreadable fdinfo counts as appending")
	}
}
