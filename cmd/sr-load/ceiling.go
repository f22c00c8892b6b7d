package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

// bareBodySize is the size of the bare handler's answer: about what the
// registry answers to a lookup or a registration.
const bareBodySize = 200

// bareBody is the fixed JSON body the bare handler answers with.
var bareBody = func() []byte {
	const prefix, suffix = `{"id":1,"schema":"`, `"}`
	return []byte(prefix + strings.Repeat("x", bareBodySize-len(prefix)-len(suffix)) + suffix)
}()

// bareServer is the ceiling: a plain net/http server on its own loopback
// listener. Its handler does the least a JSON API can do: read the request
// body, answer a fixed body. Whatever the registry reaches is measured as a
// ratio of what this server reaches with the same clients on the same
// machine. It runs in a process of its own (this program, run with
// SR_LOAD_BARE_CHILD set), as the registry does: served from the clients' own process,
// its goroutines would trade the CPUs with the clients' through one Go
// scheduler, without the process switches the registry pays, and the ratio
// would compare two topologies instead of two handlers.
type bareServer struct {
	URL string
	srv *http.Server // in this process (-bare-in-process)
	cmd *exec.Cmd    // or the child process serving it
}

// startBare starts the bare server on a free port of 127.0.0.1, in a child
// process unless inProcess.
func startBare(inProcess bool) (*bareServer, error) {
	if inProcess {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		srv := &http.Server{Handler: http.HandlerFunc(bareHandler)}
		go srv.Serve(ln)
		return &bareServer{URL: "http://" + ln.Addr().String(), srv: srv}, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), bareChildEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "bare: ")
	if err != nil || !ok {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("the bare server did not start: %q %v", line, err)
	}
	return &bareServer{URL: url, cmd: cmd}, nil
}

// pid is the bare server's process, 0 when it is this one.
func (b *bareServer) pid() int {
	if b.cmd == nil {
		return 0
	}
	return b.cmd.Process.Pid
}

// Close stops the bare server.
func (b *bareServer) Close() error {
	if b.cmd != nil {
		b.cmd.Process.Kill()
		b.cmd.Wait()
		return nil
	}
	return b.srv.Close()
}

// bareChildEnv, set, makes this program the bare server of startBare.
const bareChildEnv = "SR_LOAD_BARE_CHILD"

// serveBare is the child process of startBare: it prints its URL and serves
// until killed.
func serveBare() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("bare: http://%s\n", ln.Addr())
	return http.Serve(ln, http.HandlerFunc(bareHandler))
}

// bareHandler reads the request body (for a POST) and answers 200 with
// bareBody.
func bareHandler(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(bareBody)
}

// ceilingScenarios returns the two ceilings: bare-get, and bare-post that
// sends postBody (the size of the body the POST scenarios send).
func ceilingScenarios(postBody []byte) []scenario {
	return []scenario{
		{name: "bare-get", method: http.MethodGet, next: func(int, int) request {
			return request{method: http.MethodGet, path: "/schemas/ids/1"}
		}},
		{name: "bare-post", method: http.MethodPost, next: func(int, int) request {
			return request{method: http.MethodPost, path: "/subjects/bare/versions", body: postBody}
		}},
	}
}
