// Package interop runs real Schema Registry clients (franz-go pkg/sr and
// confluent-kafka-go's REST client) against a registry started from the
// product's own binary.
package interop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// registryURL is the base URL of the registry TestMain started.
var registryURL string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "interop-go-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)

	root, err := filepath.Abs("../../..")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	bin := filepath.Join(tmp, "sr")
	build := exec.Command("go", "build", "-o", bin, "./cmd/schema-registry")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the registry:", err)
		return 1
	}

	registryBin, rootDir = bin, root
	url, stop, err := startRegistry(tmp)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	registryURL = url
	code := m.Run()
	if code != 0 {
		if b, rerr := os.ReadFile(filepath.Join(tmp, "registry.log")); rerr == nil {
			fmt.Fprintf(os.Stderr, "--- registry log ---\n%s", b)
		}
	}
	return code
}

// registryBin is the registry built from this repository; rootDir the
// repository.
var registryBin, rootDir string

// startRegistry starts the registry with its data and log in dir and the
// environment given, and returns its URL and how to stop it.
func startRegistry(dir string, env ...string) (string, func(), error) {
	logFile, err := os.Create(filepath.Join(dir, "registry.log"))
	if err != nil {
		return "", nil, err
	}
	srv := exec.Command(registryBin)
	srv.Dir = dir
	srv.Env = append(append(os.Environ(),
		"SCHEMA_REGISTRY_LISTENERS=http://127.0.0.1:0", // a free port, told by the log
		"SCHEMA_REGISTRY_DATA_DIR="+filepath.Join(dir, "data"),
	), env...)
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		logFile.Close()
		return "", nil, fmt.Errorf("starting the registry: %w", err)
	}
	stop := func() {
		_ = srv.Process.Kill()
		_ = srv.Wait()
		logFile.Close()
	}
	url, err := listening(logFile.Name(), 30*time.Second)
	if err == nil {
		err = waitReady(url+"/health/ready", 30*time.Second)
	}
	if err != nil {
		if b, rerr := os.ReadFile(logFile.Name()); rerr == nil {
			err = fmt.Errorf("%w\n%s", err, b)
		}
		stop()
		return "", nil, err
	}
	return url, stop, nil
}

// listeningLine is the registry's log line of a bound listener.
var listeningLine = regexp.MustCompile(`msg=listening url=(\S+)`)

// listening waits for the registry's log to tell the URL it listens on.
func listening(logPath string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile(logPath)
		if err != nil {
			return "", err
		}
		if m := listeningLine.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
		if bytes.Contains(b, []byte("schema-registry: ")) { // the error that stops it at start-up
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("the registry did not tell its listening URL within %s", timeout)
}

func waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("registry not ready at %s after %s", url, timeout)
}

// verdict is one result of the validation hook.
type verdict struct {
	Valid   bool   `json:"valid"`
	Side    string `json:"side"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// validate posts value records to POST /validation/topics/{topic} with the
// given value subject name strategy and returns the verdicts.
func validate(t *testing.T, topic, strategy string, payload bool, values ...[]byte) []verdict {
	t.Helper()
	type rec struct {
		Value []byte `json:"value"` // base64 by encoding/json
	}
	body := map[string]any{
		"confluent.value.subject.name.strategy": strategy,
		"confluent.payload.validation":          payload,
	}
	recs := make([]rec, len(values))
	for i, v := range values {
		recs[i] = rec{Value: v}
	}
	body["records"] = recs
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(registryURL+"/validation/topics/"+topic, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var buf bytes.Buffer
		buf.ReadFrom(resp.Body)
		t.Fatalf("validation hook answered %d: %s", resp.StatusCode, buf.String())
	}
	var out struct {
		Results []verdict `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != len(values) {
		t.Fatalf("hook answered %d verdicts for %d records", len(out.Results), len(values))
	}
	return out.Results
}

// assertValid checks every verdict is valid.
func assertValid(t *testing.T, what string, vs []verdict) {
	t.Helper()
	for i, v := range vs {
		if !v.Valid {
			t.Errorf("%s: record %d refused: %s %s", what, i, v.Reason, v.Message)
		}
	}
}
