package test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
)

var httpClient = &http.Client{Timeout: 10 * time.Second}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/schema-registry once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sr-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "schema-registry")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/schema-registry").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// node is a running registry process.
type node struct {
	cmd  *exec.Cmd
	URL  string          // the first listener's, once waitListening returned
	logs *testlog.Buffer // its standard error
	// startWait bounds the wait for its listener (30 s when zero): an
	// embedded log is replayed before it listens.
	startWait time.Duration
}

// start runs the binary on dataDir with extra environment and a listener
// on a free port of 127.0.0.1, and waits until it answers.
func start(t *testing.T, dataDir string, env ...string) *node {
	t.Helper()
	n := launch(t, nil, append([]string{srEnv("LISTENERS", "http://127.0.0.1:0"), srEnv("DATA_DIR", dataDir)}, env...)...)
	n.waitListening(t)
	testwait.UntilDetail(t, 30*time.Second, "the registry to answer at "+n.URL, func() (bool, string) {
		resp, err := http.Get(n.URL + "/")
		if err == nil {
			resp.Body.Close()
			return true, ""
		}
		return false, fmt.Sprintf("%v\n%s", err, n.Logs())
	})
	return n
}

func (n *node) Logs() string {
	return n.logs.String()
}

// kill stops the process with SIGKILL: no shutdown code runs.
func (n *node) kill() {
	if n.cmd.Process != nil {
		n.cmd.Process.Kill()
		n.cmd.Wait()
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(url, contentType, body string) (int, string, error) {
	resp, err := httpClient.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}
