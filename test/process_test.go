package test

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// launch runs the binary with args and env only (no default listener or
// data directory) and returns at once; waitLive waits until it answers.
func launch(t *testing.T, baseURL string, args []string, env ...string) *node {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stderr, _ := cmd.StderrPipe()
	n := &node{cmd: cmd, URL: baseURL, logs: &strings.Builder{}, mu: &sync.Mutex{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			n.mu.Lock()
			n.logs.WriteString(sc.Text() + "\n")
			n.mu.Unlock()
		}
	}()
	t.Cleanup(func() { n.kill() })
	return n
}

// waitLive polls /health/live with client until it answers 200.
func (n *node) waitLive(t *testing.T, client *http.Client) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(n.URL + "/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if strings.Contains(n.Logs(), "schema-registry: ") { // the fatal start-up error
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("registry did not start:\n%s", n.Logs())
}

// waitLog waits until the process has logged a line containing s.
func (n *node) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(n.Logs(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q:\n%s", s, n.Logs())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// srEnv is the environment variable that sets a property.
func srEnv(name, value string) string { return fmt.Sprintf("SCHEMA_REGISTRY_%s=%s", name, value) }
