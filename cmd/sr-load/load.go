package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// request is one HTTP request of a scenario.
type request struct {
	method string
	path   string // appended to the base URL
	body   []byte // nil for a GET
}

// scenario is a named workload. next returns the seq-th request (0, 1, ...)
// of the client numbered client (0 <= client < clients); it is called
// concurrently by all clients and must not block.
type scenario struct {
	name   string
	method string // the method of every request; picks the bare ceiling
	next   func(client, seq int) request
}

// loadConfig is how scenarios are driven: the same for the bare ceiling and
// for the registry.
type loadConfig struct {
	client   *http.Client
	clients  int           // concurrent clients, each looping one request at a time
	warmup   time.Duration // run but not measured, before duration
	duration time.Duration // measured
	rounds   int           // > 1: each scenario paired with its ceiling, that many times
	// bareInProcess serves the ceiling from this process (the old way).
	bareInProcess bool
}

// newHTTPClient returns the client every scenario uses: one transport that
// keeps a keep-alive connection per concurrent client, without compression
// or proxies, so that what is measured is the server.
func newHTTPClient(clients int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        0, // no limit across hosts
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}}
}

// contentType is what the registry's clients send and answer with.
const contentType = "application/vnd.schemaregistry.v1+json"

// run drives sc against base with cfg.clients clients for cfg.warmup and
// then cfg.duration (the measured window), and returns what the measured
// requests saw: those that started in the window. The rate counts those
// answered before the window closed, so that one response stalled past the
// end does not stretch the window. Each client keeps the latencies of its
// own requests in its own slice; they are merged and sorted after the run,
// so measuring costs two clock reads and an append per request.
func run(ctx context.Context, cfg loadConfig, base string, sc scenario) Result {
	start := time.Now().Add(cfg.warmup)
	end := start.Add(cfg.duration)

	var (
		mu         sync.Mutex
		firstError string    // the earliest error of all clients
		firstAt    time.Time // when it was seen
		nErrors    int
		completed  int // measured requests answered before end
	)
	latencies := make([][]time.Duration, cfg.clients)
	var wg sync.WaitGroup
	for c := range cfg.clients {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			var errs, done int
			var first string
			var firstT time.Time
			for seq := 0; ctx.Err() == nil; seq++ {
				rq := sc.next(c, seq)
				var body io.Reader
				if rq.body != nil {
					body = bytes.NewReader(rq.body)
				}
				req, err := http.NewRequestWithContext(ctx, rq.method, base+rq.path, body)
				if err != nil {
					panic(err) // a malformed URL: a bug in the scenario
				}
				if rq.body != nil {
					req.Header.Set("Content-Type", contentType)
				}
				t0 := time.Now()
				if t0.After(end) {
					break
				}
				failure := do(cfg.client, req)
				t1 := time.Now()
				if t0.Before(start) {
					continue // warm-up
				}
				if failure != "" {
					if ctx.Err() != nil {
						break // interrupted: not an error of the server
					}
					errs++
					if first == "" {
						first, firstT = failure, t1
					}
				}
				lat = append(lat, t1.Sub(t0))
				if !t1.After(end) {
					done++
				}
			}
			latencies[c] = lat
			mu.Lock()
			defer mu.Unlock()
			nErrors += errs
			if first != "" && (firstError == "" || firstT.Before(firstAt)) {
				firstError, firstAt = first, firstT
			}
			completed += done
		})
	}
	wg.Wait()

	r := Result{Scenario: sc.name, Method: sc.method, Clients: cfg.clients, Errors: nErrors, FirstError: firstError, OtherCPU: -1}
	summarize(&r, latencies)
	r.Completed, r.Elapsed = completed, cfg.duration
	r.Rate = float64(completed) / cfg.duration.Seconds()
	return r
}

// do sends req and reads the whole answer. It returns "" for a 2xx answer,
// otherwise the transport error or the status and the start of the body.
func do(client *http.Client, req *http.Request) string {
	resp, err := client.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return "reading the body: " + err.Error()
		}
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, resp.Body) // keep the connection
	return fmt.Sprintf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(b))
}
