package test

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
)

// launch runs the binary with args and env only (no default listener or
// data directory) and returns at once; waitListening tells its URL.
func launch(t *testing.T, args []string, env ...string) *node {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	n := &node{cmd: cmd, logs: &testlog.Buffer{}}
	cmd.Stderr = n.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.kill() })
	return n
}

// listeningLine is the log line of a bound listener: with port 0 it is where
// the port is told.
var listeningLine = regexp.MustCompile(`msg=listening url=(\S+)`)

// fatalLine starts the error that stops the process at start-up.
const fatalLine = "schema-registry: "

// listening waits until the first listener is bound and returns its URL,
// or false when the process stopped at start-up first.
func (n *node) listening(t *testing.T) (url string, ok bool) {
	t.Helper()
	wait := n.startWait
	if wait == 0 {
		wait = 30 * time.Second
	}
	testwait.UntilDetail(t, wait, "a listening log line", func() (bool, string) {
		logs := n.Logs()
		if m := listeningLine.FindStringSubmatch(logs); m != nil {
			url, ok = m[1], true
		}
		return ok || strings.Contains(logs, fatalLine), logs
	})
	return url, ok
}

// waitListening sets n.URL to the first listener's, once bound.
func (n *node) waitListening(t *testing.T) {
	t.Helper()
	url, ok := n.listening(t)
	if !ok {
		t.Fatalf("registry did not start:\n%s", n.Logs())
	}
	n.URL = url
}

// waitLive waits until the registry listens and /health/live answers 200
// through client.
func (n *node) waitLive(t *testing.T, client *http.Client) {
	t.Helper()
	n.waitListening(t)
	testwait.UntilDetail(t, 30*time.Second, "/health/live to answer 200 at "+n.URL, func() (bool, string) {
		resp, err := client.Get(n.URL + "/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true, ""
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		logs := n.Logs()
		if strings.Contains(logs, fatalLine) {
			t.Fatalf("registry did not start:\n%s", logs)
		}
		return false, fmt.Sprintf("%v\n%s", err, logs)
	})
}

// waitLog waits until the process has logged a line containing s.
func (n *node) waitLog(t *testing.T, s string) {
	t.Helper()
	testwait.UntilDetail(t, 10*time.Second, fmt.Sprintf("a log line with %q", s), func() (bool, string) {
		logs := n.Logs()
		return strings.Contains(logs, s), logs
	})
}

// srEnv is the environment variable that sets a property.
func srEnv(name, value string) string { return fmt.Sprintf("SCHEMA_REGISTRY_%s=%s", name, value) }
