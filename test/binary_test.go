package test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
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
	URL  string
	logs *strings.Builder
	mu   *sync.Mutex
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// start runs the binary on dataDir and port with extra environment, and
// waits until it answers.
func start(t *testing.T, dataDir string, port int, env ...string) *node {
	t.Helper()
	cmd := exec.Command(binary(t))
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("SCHEMA_REGISTRY_LISTENERS=http://127.0.0.1:%d", port),
		"SCHEMA_REGISTRY_DATA_DIR="+dataDir)
	cmd.Env = append(cmd.Env, env...)
	stderr, _ := cmd.StderrPipe()
	n := &node{cmd: cmd, URL: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &strings.Builder{}, mu: &sync.Mutex{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			n.logs.WriteString(sc.Text() + "\n")
			n.mu.Unlock()
		}
	}()
	t.Cleanup(func() { n.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(n.URL + "/")
		if err == nil {
			resp.Body.Close()
			return n
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("registry did not start:\n%s", n.Logs())
	return nil
}

func (n *node) Logs() string {
	n.mu.Lock()
	defer n.mu.Unlock()
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
