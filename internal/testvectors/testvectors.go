// Package testvectors finds the test vectors this repository shares with
// its sibling projects (Confluent's golden hashes and diff examples): they
// live outside the repository, in ../shared/testdata next to its root. Only
// tests import it.
//
// A clean clone has no such directory. The parity tests then skip, loudly
// (even in `go test ./...`, which hides the output of passing packages), or
// fail when SR_REQUIRE_VECTORS=1, as .ci/run sets.
package testvectors

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
)

const (
	// DirEnv names another shared test data directory; a relative path is
	// taken from the repository root.
	DirEnv = "SR_SHARED_TESTDATA"
	// RequireEnv set to 1 turns the absence of the vectors into a failure.
	RequireEnv = "SR_REQUIRE_VECTORS"
)

// Dir returns the shared test data directory. When it is absent, it fails
// t if RequireEnv is set, and otherwise skips t, naming suite (what the
// test checks against the vectors) and the path looked at.
func Dir(t testing.TB, suite string) string {
	t.Helper()
	dir, err := Find()
	if err != nil {
		missing(t, suite, dir, err)
	}
	return dir
}

// Read returns the file name (slash-separated, relative to the shared test
// data directory), skipping or failing t as Dir does when the directory is
// absent. A directory without that file fails t: the vectors are broken.
func Read(t testing.TB, suite, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t, suite), filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("parity suite %s: %v", suite, err)
	}
	return b
}

// Find returns the shared test data directory: DirEnv if set, else
// ../shared/testdata from the repository root (the first directory holding
// go.mod, from the working directory up). With an error, dir is the path
// that was looked at.
func Find() (dir string, err error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return find(wd, os.Getenv(DirEnv))
}

func find(from, env string) (string, error) {
	root, err := repoRoot(from)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "..", "shared", "testdata")
	if env != "" {
		dir = env
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(root, dir)
		}
	}
	fi, err := os.Stat(dir)
	if err == nil && !fi.IsDir() {
		err = fmt.Errorf("%s is not a directory", dir)
	}
	return dir, err
}

// repoRoot is the first directory holding go.mod from dir up.
func repoRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("no go.mod in %s or above it", dir)
		}
		d = up
	}
}

// missing fails or skips t for an absent vectors directory.
func missing(t testing.TB, suite, dir string, err error) {
	t.Helper()
	if dir == "" {
		dir = "../shared/testdata"
	}
	if required() {
		t.Fatalf("parity suite %s: shared test vectors not found at %s (%v); %s=1 requires them", suite, dir, err, RequireEnv)
		return
	}
	line := fmt.Sprintf("PARITY SUITE SKIPPED (%s: %s): ../shared/testdata not found at %s; .ci/run requires it", pkg(), suite, dir)
	announce(suite, line)
	t.Skipf("%s (%s points elsewhere; %s=1 fails instead)", line, DirEnv, RequireEnv)
}

func required() bool {
	v, _ := strconv.ParseBool(os.Getenv(RequireEnv))
	return v
}

// Announce writes line once per key where `go test ./...` shows it even
// for a passing package, as a skipped parity suite is announced: for other
// suites that skip for want of something on the machine (the console's
// browser tests without Chromium).
func Announce(key, line string) { announce(key, line) }

// announced holds the suites already announced by this process.
var announced sync.Map

// announce writes line once per suite to the standard error of the go
// command that runs this test binary: `go test ./...` shows a passing
// package's output only with -v, and a skip is a pass. It writes nothing
// where that cannot be done safely (not Linux, no access, or a file not in
// append mode, where the go command would write over the line).
func announce(suite, line string) {
	if _, done := announced.LoadOrStore(suite, true); done || runtime.GOOS != "linux" {
		return
	}
	proc := "/proc/" + strconv.Itoa(os.Getppid())
	f, err := os.OpenFile(proc+"/fd/2", os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Mode().IsRegular() && !appending(proc+"/fdinfo/2") {
		return
	}
	f.WriteString(line + "\n")
}

// appending reports whether the fdinfo file describes a descriptor opened
// with O_APPEND.
func appending(fdinfo string) bool {
	b, err := os.ReadFile(fdinfo)
	if err != nil {
		return false
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			return err == nil && flags&syscall.O_APPEND != 0
		}
	}
	return false
}

// pkg names the package under test by its import path, as go test does:
// the module path of go.mod and the working directory below its root.
func pkg() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	root, err := repoRoot(wd)
	if err != nil {
		return wd
	}
	rel, err := filepath.Rel(root, wd)
	if err != nil {
		return wd
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return filepath.ToSlash(rel)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(strings.TrimSpace(l), "module "); ok {
			return path.Join(strings.Trim(strings.TrimSpace(m), `"`), filepath.ToSlash(rel))
		}
	}
	return filepath.ToSlash(rel)
}
