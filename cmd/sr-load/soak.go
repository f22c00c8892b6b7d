package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// The soak scenario runs a mixed load for a long time and samples the
// registry's resident memory, to show whether it stays flat: reads by id,
// by version and of the latest, lookups and re-registrations over many
// subjects, compatibility checks against the latest versions of the hot
// ones, a walk of compatibility checks that reaches every prepared schema
// once over the run (so that a registry keeping whatever it parsed grows
// all along), and a trickle of new registrations (which add data, and so
// some memory, legitimately).

// soakConfig is what -scenarios soak runs.
type soakConfig struct {
	client    *http.Client
	clients   int           // of the mixed load
	duration  time.Duration // of the load, after the preparation
	warmup    time.Duration // RSS at its end is the verdict's base
	every     time.Duration // between two samples
	subjects  int           // prepared subjects
	versions  int           // prepared versions of each
	hot       int           // subjects whose latest versions are checked against
	rate      float64       // requests per second of the mixed load; 0: as fast as the clients go
	coldRate  float64       // checks per second of the walk; 0: all prepared schemas once over the run
	newRate   float64       // new registrations per second
	maxGrowth float64       // percent of RSS growth after the warm-up beyond which the verdict is GROWING
	pid       int           // of the registry, for /proc/<pid>/status
}

// soakOp is a kind of request of the soak.
type soakOp int

const (
	opGetID soakOp = iota
	opGetLatest
	opGetVersion
	opLookup
	opReregister
	opCompatHot
	opCompatCold
	opRegisterNew
	soakOps
)

var soakOpNames = [soakOps]string{"get-id", "get-latest", "get-version", "lookup", "reregister", "compat-latest", "compat-walk", "register-new"}

// soakMix is what the clients of the mixed load send, one after the other
// from a random start: the walk and the new registrations are paced apart.
var soakMix = []soakOp{opGetID, opGetID, opGetLatest, opGetLatest, opGetVersion, opLookup, opLookup, opReregister, opCompatHot, opCompatHot}

// Names and schemas of the soak: subject s (0-based) holds versions 1..V,
// version v a 20-field record with v-1 optional fields more, so that each
// is a compatible evolution of the previous.
func soakSubject(s int) string   { return fmt.Sprintf("soak-%05d-value", s) }
func soakNamespace(s int) string { return fmt.Sprintf("com.example.soak.s%05d", s) }
func soakSchema(s, v int) string { return avroRecord(soakNamespace(s), "Record", recordFields, v-1) }

// soakFixture is what the preparation registered.
type soakFixture struct {
	subjects, versions int
	ids                []int    // of version v of subject s at s*versions + v-1
	latest             [][]byte // body of the latest version of each subject
	evolved            [][]byte // body of an evolution of the latest version, of the hot subjects
	runID              string
}

func (f *soakFixture) id(s, v int) int { return f.ids[s*f.versions+v-1] }

// prepare registers every version of every subject (force=true: without
// compatibility checks, so that nothing is parsed before the load), on
// workers goroutines, subjects in parallel and the versions of each in
// order. Against a registry holding them already, the ids are answered
// again.
func (f *soakFixture) prepare(ctx context.Context, client *http.Client, base string, workers int, progress io.Writer) error {
	var done atomic.Int64
	total := int64(f.subjects * f.versions)
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				n := done.Load()
				fmt.Fprintf(progress, "prepared %d of %d schemas (%.0f/s)\n", n, total, float64(n)/time.Since(start).Seconds())
			}
		}
	}()
	return parallel(f.subjects, workers, func(s int) error {
		path := base + "/subjects/" + soakSubject(s) + "/versions?force=true"
		for v := 1; v <= f.versions; v++ {
			var out struct{ ID int }
			if err := api(ctx, client, "POST", path, schemaBody(soakSchema(s, v)), &out); err != nil {
				return err
			}
			f.ids[s*f.versions+v-1] = out.ID
			done.Add(1)
		}
		return nil
	})
}

// soakSample is one point of the RSS curve.
type soakSample struct {
	at  time.Duration // since the load started
	rss int64         // bytes; -1 when unknown
	// From /metrics: the Go heap in use (bytes), the parsed schemas held
	// and the parses of stored schemas so far; -1 when unknown.
	heap, parsed, parses float64
	requests, errs       int64
}

// soakRun is the state of a running soak.
type soakRun struct {
	cfg      soakConfig
	base     string
	f        *soakFixture
	count    [soakOps]atomic.Int64
	errs     [soakOps]atomic.Int64
	wrong    [soakOps]atomic.Int64
	firstMu  sync.Mutex
	firstErr string
}

// runSoak prepares the subjects, runs the load for cfg.duration while
// sampling the registry's RSS, and prints the curve and the verdict to w.
// It returns an error when the verdict is GROWING, or requests failed.
func runSoak(ctx context.Context, w io.Writer, cfg soakConfig, base string) error {
	if cfg.pid <= 0 {
		return errors.New("soak: the registry's pid is unknown: pass -pid with -url")
	}
	if _, err := readRSS(cfg.pid); err != nil {
		return fmt.Errorf("soak: reading the registry's RSS: %w", err)
	}
	f := &soakFixture{subjects: cfg.subjects, versions: cfg.versions, ids: make([]int, cfg.subjects*cfg.versions),
		runID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	total := cfg.subjects * cfg.versions
	fmt.Fprintf(os.Stderr, "preparing %d subjects of %d versions (%d schemas) ...\n", cfg.subjects, cfg.versions, total)
	t0 := time.Now()
	if err := f.prepare(ctx, cfg.client, base, max(cfg.clients, 32), os.Stderr); err != nil {
		return fmt.Errorf("preparing: %w", err)
	}
	prepTime := time.Since(t0)
	for s := range cfg.subjects {
		f.latest = append(f.latest, schemaBody(soakSchema(s, cfg.versions)))
	}
	for s := range cfg.hot {
		f.evolved = append(f.evolved, schemaBody(soakSchema(s, cfg.versions+1)))
	}
	coldRate := cfg.coldRate
	if coldRate <= 0 {
		coldRate = float64(total) / cfg.duration.Seconds()
	}
	rss0, _ := readRSS(cfg.pid)
	fmt.Fprintf(w, "soak: prepared %d schemas (%d subjects × %d versions) in %v; registry RSS %.1f MiB\n",
		total, cfg.subjects, cfg.versions, prepTime.Round(time.Second), mib(rss0))
	mixRate := "as fast as they go"
	if cfg.rate > 0 {
		mixRate = fmt.Sprintf("%.0f req/s", cfg.rate)
	}
	fmt.Fprintf(w, "soak: %v (RSS every %v, warm-up %v): %d clients (%s) of reads by id, version and latest, lookups, re-registrations and checks against the latest of %d subjects; checks walking all %d schemas at %.0f/s; %.1f new registrations/s\n",
		cfg.duration, cfg.every, cfg.warmup, cfg.clients, mixRate, cfg.hot, total, coldRate, cfg.newRate)

	r := &soakRun{cfg: cfg, base: base, f: f}
	loadCtx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	var mixLimit *rate.Limiter
	if cfg.rate > 0 {
		mixLimit = rate.NewLimiter(rate.Limit(cfg.rate), cfg.clients)
	}
	for c := range cfg.clients {
		wg.Go(func() { r.mixed(loadCtx, c, mixLimit) })
	}
	var walked atomic.Int64
	coldLimit := rate.NewLimiter(rate.Limit(coldRate), 1)
	for range 16 { // enough to keep the pace when answers are slow
		wg.Go(func() {
			for coldLimit.Wait(loadCtx) == nil {
				k := int(walked.Add(1)-1) % total
				// Subject by subject at each version: the walk reaches
				// every subject early, and every schema by the end.
				s, v := k%cfg.subjects, k/cfg.subjects+1
				r.send(loadCtx, opCompatCold, "POST", fmt.Sprintf("/compatibility/subjects/%s/versions/%d", soakSubject(s), v), schemaBody(soakSchema(s, v+1)), 0)
			}
		})
	}
	var added atomic.Int64
	if cfg.newRate > 0 {
		newLimit := rate.NewLimiter(rate.Limit(cfg.newRate), 1)
		for range 2 {
			wg.Go(func() {
				for newLimit.Wait(loadCtx) == nil {
					k := added.Add(1)
					name := "New_" + f.runID + "_" + strconv.FormatInt(k, 10)
					r.send(loadCtx, opRegisterNew, "POST", "/subjects/soak-new-"+f.runID+"-"+strconv.FormatInt(k, 10)+"/versions",
						schemaBody(avroRecord("com.example.soak.new", name, recordFields, 0)), 0)
				}
			})
		}
	}

	fmt.Fprintf(w, "\n%8s %10s %10s %8s %9s %12s %9s %8s\n", "time", "RSS MiB", "heap MiB", "parsed", "parses", "requests", "req/s", "errors")
	var samples []soakSample
	sample := func() {
		s := soakSample{at: time.Since(start), rss: -1}
		if b, err := readRSS(cfg.pid); err == nil {
			s.rss = b
		}
		m := scrapeMetrics(ctx, cfg.client, base, "go_memstats_heap_inuse_bytes", "schema_registry_parsed_schemas", "schema_registry_schema_parses_total")
		s.heap, s.parsed, s.parses = m[0], m[1], m[2]
		for op := range soakOps {
			s.requests += r.count[op].Load()
			s.errs += r.errs[op].Load() + r.wrong[op].Load()
		}
		rps := 0.0
		if n := len(samples); n > 0 {
			rps = float64(s.requests-samples[n-1].requests) / (s.at - samples[n-1].at).Seconds()
		}
		samples = append(samples, s)
		fmt.Fprintln(w, s.row(rps))
	}
	sample()
	tick := time.NewTicker(cfg.every)
	for done := false; !done; {
		select {
		case <-tick.C:
			sample()
		case <-loadCtx.Done():
			done = true
		}
	}
	tick.Stop()
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if time.Since(start)-samples[len(samples)-1].at > time.Second {
		sample() // the end
	}

	if len(samples) > 24 {
		// The curve again, a row every ~1/12 of the run, for the report.
		fmt.Fprintf(w, "\ncurve (condensed):\n%8s %10s %10s %8s %9s %12s %9s %8s\n", "time", "RSS MiB", "heap MiB", "parsed", "parses", "requests", "req/s", "errors")
		step := cfg.duration / 12
		next := time.Duration(0)
		for i, s := range samples {
			if s.at >= next || i == len(samples)-1 {
				rps := 0.0
				if i > 0 {
					rps = float64(s.requests-samples[i-1].requests) / (s.at - samples[i-1].at).Seconds()
				}
				fmt.Fprintln(w, s.row(rps))
				next = s.at + step - cfg.every/2
			}
		}
	}

	fmt.Fprintf(w, "\n%-14s %10s %8s %8s\n", "request", "count", "errors", "wrong")
	var errs int64
	for op := range soakOps {
		fmt.Fprintf(w, "%-14s %10d %8d %8d\n", soakOpNames[op], r.count[op].Load(), r.errs[op].Load(), r.wrong[op].Load())
		errs += r.errs[op].Load() + r.wrong[op].Load()
	}
	if r.firstErr != "" {
		fmt.Fprintf(w, "first error: %s\n", r.firstErr)
	}
	fmt.Fprintf(w, "walk: %d checks (%d schemas prepared); new registrations: %d\n", walked.Load(), total, added.Load())
	v := soakVerdict(samples, cfg.warmup, cfg.maxGrowth)
	fmt.Fprintln(w, "verdict:", v.text)
	switch {
	case errs > 0:
		return fmt.Errorf("soak: %d requests failed or answered wrong", errs)
	case v.growing:
		return errors.New("soak: RSS grew after the warm-up")
	}
	return nil
}

func (s soakSample) row(rps float64) string {
	opt := func(v float64, scale float64, format string) string {
		if v < 0 {
			return "-"
		}
		return fmt.Sprintf(format, v/scale)
	}
	return fmt.Sprintf("%8s %10s %10s %8s %9s %12d %9.0f %8d", clock(s.at), opt(float64(s.rss), 1<<20, "%.1f"),
		opt(s.heap, 1<<20, "%.1f"), opt(s.parsed, 1, "%.0f"), opt(s.parses, 1, "%.0f"), s.requests, rps, s.errs)
}

// clock formats d as h:mm:ss or m:ss.
func clock(d time.Duration) string {
	sec := int(d.Round(time.Second).Seconds())
	if sec >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", sec/3600, sec/60%60, sec%60)
	}
	return fmt.Sprintf("%d:%02d", sec/60, sec%60)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// verdict is what the RSS curve says.
type verdict struct {
	text    string
	growing bool
}

// soakVerdict compares the RSS at the first sample after the warm-up with
// the last one, and gives the trend (least squares) of the samples after
// the warm-up.
func soakVerdict(samples []soakSample, warmup time.Duration, maxGrowth float64) verdict {
	var after []soakSample
	for _, s := range samples {
		if s.at >= warmup && s.rss >= 0 {
			after = append(after, s)
		}
	}
	if len(after) < 2 {
		return verdict{text: "too few samples after the warm-up (a longer -d, or a shorter -warmup)"}
	}
	base, end := after[0], after[len(after)-1]
	var peak int64
	var sx, sy, sxx, sxy float64
	for _, s := range after {
		peak = max(peak, s.rss)
		x, y := s.at.Hours(), mib(s.rss)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(after))
	slope := (n*sxy - sx*sy) / (n*sxx - sx*sx)
	growth := mib(end.rss) - mib(base.rss)
	pct := 100 * growth / mib(base.rss)
	v := verdict{growing: pct > maxGrowth}
	word := "FLAT"
	if v.growing {
		word = "GROWING"
	}
	v.text = fmt.Sprintf("%s: RSS %.1f MiB after the warm-up (%s), %.1f MiB at the end (%s): %+.1f MiB (%+.1f%%; threshold %.0f%%); peak after the warm-up %.1f MiB; trend %+.1f MiB/hour",
		word, mib(base.rss), clock(base.at), mib(end.rss), clock(end.at), growth, pct, maxGrowth, mib(peak), slope)
	return v
}

// mixed is one client of the mixed load, until ctx ends.
func (r *soakRun) mixed(ctx context.Context, c int, limit *rate.Limiter) {
	f := r.f
	rng := rand.New(rand.NewPCG(uint64(c), uint64(time.Now().UnixNano())))
	for i := rng.IntN(len(soakMix)); ctx.Err() == nil; i++ {
		if limit != nil && limit.Wait(ctx) != nil {
			return
		}
		op := soakMix[i%len(soakMix)]
		s := rng.IntN(f.subjects)
		switch op {
		case opGetID:
			v := 1 + rng.IntN(f.versions)
			r.send(ctx, op, "GET", "/schemas/ids/"+strconv.Itoa(f.id(s, v)), nil, 0)
		case opGetLatest:
			r.send(ctx, op, "GET", "/subjects/"+soakSubject(s)+"/versions/latest", nil, 0)
		case opGetVersion:
			v := 1 + rng.IntN(f.versions)
			r.send(ctx, op, "GET", "/subjects/"+soakSubject(s)+"/versions/"+strconv.Itoa(v), nil, 0)
		case opLookup:
			r.send(ctx, op, "POST", "/subjects/"+soakSubject(s), f.latest[s], f.id(s, f.versions))
		case opReregister:
			r.send(ctx, op, "POST", "/subjects/"+soakSubject(s)+"/versions", f.latest[s], f.id(s, f.versions))
		case opCompatHot:
			s %= max(len(f.evolved), 1)
			r.send(ctx, op, "POST", "/compatibility/subjects/"+soakSubject(s)+"/versions/latest", f.evolved[s], 0)
		}
	}
}

// send sends one request and checks its answer: 2xx, the id wantID when
// not 0, a compatibility check answering true, a read holding a schema.
func (r *soakRun) send(ctx context.Context, op soakOp, method, path string, body []byte, wantID int) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		panic(err) // a malformed URL: a bug here
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.cfg.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			r.failed(op, &r.errs[op], method+" "+path+": "+err.Error())
		}
		return
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ctx.Err() != nil {
		return // cut at the end of the run: not counted
	}
	r.count[op].Add(1)
	if err != nil || resp.StatusCode/100 != 2 {
		r.failed(op, &r.errs[op], fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, truncate(b, 300)))
		return
	}
	var out struct {
		ID           int    `json:"id"`
		Schema       string `json:"schema"`
		IsCompatible *bool  `json:"is_compatible"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		r.failed(op, &r.wrong[op], fmt.Sprintf("%s %s: %v in %s", method, path, err, truncate(b, 300)))
		return
	}
	var wrong string
	switch op {
	case opGetID, opGetLatest, opGetVersion:
		if out.Schema == "" {
			wrong = "no schema"
		}
	case opLookup, opReregister:
		if out.ID != wantID {
			wrong = fmt.Sprintf("id %d, want %d", out.ID, wantID)
		}
	case opCompatHot, opCompatCold:
		if out.IsCompatible == nil || !*out.IsCompatible {
			wrong = "not compatible: " + truncate(b, 300)
		}
	case opRegisterNew:
		if out.ID <= 0 {
			wrong = "no id"
		}
	}
	if wrong != "" {
		r.failed(op, &r.wrong[op], method+" "+path+": "+wrong)
	}
}

func (r *soakRun) failed(op soakOp, counter *atomic.Int64, msg string) {
	counter.Add(1)
	r.firstMu.Lock()
	if r.firstErr == "" {
		r.firstErr = soakOpNames[op] + ": " + msg
	}
	r.firstMu.Unlock()
}

func truncate(b []byte, n int) string {
	b = bytes.TrimSpace(b)
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// readRSS returns the resident memory of process pid (VmRSS).
func readRSS(pid int) (int64, error) {
	st, err := procStatus(pid)
	if err != nil {
		return 0, err
	}
	v, ok := st["VmRSS"]
	if !ok {
		return 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("VmRSS %q: %v", v, err)
	}
	return kb << 10, nil
}

// scrapeMetrics reads the values of the named series (without labels)
// from the registry's /metrics; -1 for those it does not serve.
func scrapeMetrics(ctx context.Context, client *http.Client, base string, names ...string) []float64 {
	out := make([]float64, len(names))
	for i := range out {
		out[i] = -1
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return out
	}
	resp, err := client.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, value, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if i := slices.Index(names, name); i >= 0 {
			if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
				out[i] = v
			}
		}
	}
	return out
}

// soakFlagValues are the flags of the soak scenario.
type soakFlagValues struct {
	pid                                *int
	every                              *time.Duration
	subjects, versions, hot            *int
	rate, walkRate, newRate, maxGrowth *float64
}

func soakFlags() soakFlagValues {
	return soakFlagValues{
		pid:       flag.Int("pid", 0, "soak with -url: the registry's process id, whose RSS is sampled (/proc/<pid>/status)"),
		every:     flag.Duration("soak-every", 5*time.Second, "soak: time between two samples of the registry's memory"),
		subjects:  flag.Int("soak-subjects", 20000, "soak: subjects to prepare"),
		versions:  flag.Int("soak-versions", 10, "soak: versions of each subject"),
		hot:       flag.Int("soak-hot", 1000, "soak: subjects whose latest versions the mixed load checks against"),
		rate:      flag.Float64("soak-rate", 0, "soak: requests per second of the mixed load, over all clients; 0: as fast as they go"),
		walkRate:  flag.Float64("soak-walk-rate", 0, "soak: checks per second of the walk over every prepared version; 0: paced to reach each once by the end of -d"),
		newRate:   flag.Float64("soak-new-rate", 5, "soak: new registrations per second"),
		maxGrowth: flag.Float64("soak-max-growth", 10, "soak: RSS growth after the warm-up, in percent, beyond which the verdict is GROWING"),
	}
}

// config checks the soak flags and returns the run's configuration: -d is
// 10 minutes unless given, -warmup a tenth of it (30s to 5m) unless given.
func (v soakFlagValues) config(clients int, d, warmup time.Duration, dSet, warmupSet bool) (soakConfig, error) {
	if !dSet {
		d = 10 * time.Minute
	}
	if !warmupSet {
		warmup = min(max(d/10, 30*time.Second), 5*time.Minute)
	}
	cfg := soakConfig{client: newHTTPClient(clients + 24), clients: clients, duration: d, warmup: warmup, every: *v.every,
		subjects: *v.subjects, versions: *v.versions, hot: *v.hot, rate: *v.rate, coldRate: *v.walkRate, newRate: *v.newRate,
		maxGrowth: *v.maxGrowth, pid: *v.pid}
	switch {
	case cfg.subjects < 1 || cfg.versions < 1:
		return cfg, errors.New("-soak-subjects and -soak-versions must be >= 1")
	case cfg.hot < 1 || cfg.hot > cfg.subjects:
		return cfg, errors.New("-soak-hot must be from 1 to -soak-subjects")
	case cfg.every <= 0 || cfg.warmup >= d:
		return cfg, errors.New("-soak-every must be > 0, and -warmup shorter than -d")
	case cfg.rate < 0 || cfg.coldRate < 0 || cfg.newRate < 0:
		return cfg, errors.New("the -soak-*-rate flags must be >= 0")
	}
	return cfg, nil
}

// soakTest runs the soak against the registry at url, or one it starts
// (then it knows its pid).
func soakTest(ctx context.Context, w io.Writer, cfg soakConfig, url string) error {
	printMachine(w)
	reg, url, err := registryAt(ctx, w, url)
	if err != nil {
		return err
	}
	if reg != nil {
		defer reg.stop()
		cfg.pid = reg.cmd.Process.Pid
	} else {
		fmt.Fprintf(w, "registry: %s (pid %d)\n", url, cfg.pid)
	}
	err = runSoak(ctx, w, cfg, url)
	if reg != nil {
		if rss, peak, ok := reg.memory(); ok {
			fmt.Fprintf(w, "registry memory: RSS %s, peak %s\n", rss, peak)
		}
	}
	return err
}
