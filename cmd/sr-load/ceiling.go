package main

import (
	"io"
	"net"
	"net/http"
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
// listener, served by its own goroutines in this process. Its handler does
// the least a JSON API can do: read the request body, answer a fixed body.
// Whatever the registry reaches is measured as a ratio of what this server
// reaches with the same clients on the same machine.
type bareServer struct {
	URL string
	srv *http.Server
}

// startBare starts the bare server on a free port of 127.0.0.1.
func startBare() (*bareServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(bareHandler)}
	go srv.Serve(ln)
	return &bareServer{URL: "http://" + ln.Addr().String(), srv: srv}, nil
}

// Close stops the bare server.
func (b *bareServer) Close() error { return b.srv.Close() }

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
