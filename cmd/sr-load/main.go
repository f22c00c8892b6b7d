// Command sr-load drives each hot path of the schema registry with
// concurrent keep-alive clients and reports requests per second, latency
// percentiles and errors, each also as a ratio to the bare ceiling: a plain
// net/http handler answering a fixed 200-byte body, measured first in the
// same run with the same clients on the same machine.
//
// Usage:
//
//	go run ./cmd/sr-load [-url http://host:8081] [-c 32] [-d 5s] [-warmup 500ms]
//	                     [-subjects 100] [-scenarios get-id,lookup,...] [-json]
//
// Without -url it builds ./cmd/schema-registry, starts it on a free
// loopback port with its data in a temporary directory, and stops it at the
// end. The scenarios (all by default, in this order):
//
//	get-id        GET  /schemas/ids/{id}
//	get-latest    GET  /subjects/{s}/versions/latest
//	lookup        POST /subjects/{s}                  the registered schema
//	reregister    POST /subjects/{s}/versions         the registered schema (answers its id)
//	compat        POST /compatibility/subjects/{s}/versions/latest   21 fields vs 20, BACKWARD
//	compat100     POST /compatibility/subjects/compat100/versions    101 fields vs 100 versions, FULL_TRANSITIVE
//	list-subjects         GET /subjects?limit=100                 the first page
//	list-subjects-offset  GET /subjects?offset={r}&limit=100      a page anywhere among the subjects
//	list-schemas          GET /schemas?limit=100                  the first page
//	list-schemas-offset   GET /schemas?offset={r}&limit=100       a page anywhere
//	register-new  POST /subjects/new-{i}/versions     a new schema each time (durable writes)
//
// Requests are spread round-robin over the -subjects subjects. GET
// scenarios are compared with the bare GET ceiling, POST scenarios with the
// bare POST ceiling (which sends a body the size of a lookup's).
//
// The preparation registers the -subjects subjects (one 20-field record
// each) with the -c clients: 100,000 take one to two minutes on two busy CPUs,
// and a second run against the same registry (-url) finds them registered.
// The listing scenarios are meant for a large registry:
//
//	go run ./cmd/sr-load -subjects 100000 -scenarios list-subjects,list-subjects-offset,list-schemas,list-schemas-offset
//
// The random pages ({r}) are spread evenly over [0, subjects-100] by a hash
// of the client and the request number, the same on every run. The first
// pages are answered from the registry's page cache while nothing is
// written; the random ones are computed each time.
// The soak scenario (-scenarios soak, alone) measures memory, not speed:
//
//	go run ./cmd/sr-load -scenarios soak [-d 30m] [-warmup 3m] [-c 4] [-soak-every 5s]
//	                     [-soak-subjects 20000] [-soak-versions 10] [-soak-hot 1000]
//	                     [-soak-rate 0] [-soak-walk-rate 0] [-soak-new-rate 5]
//	                     [-soak-max-growth 10] [-url http://host:8081 -pid 1234]
//
// It registers -soak-subjects subjects of -soak-versions versions each
// (with force=true: nothing is parsed), then for -d (10m by default) runs
// -c clients of mixed requests (reads by id, by version and of the latest,
// lookups and re-registrations over all subjects, compatibility checks
// against the latest versions of the first -soak-hot subjects), a walk of
// compatibility checks against each prepared version in turn, paced to
// reach every one once by the end (-soak-walk-rate overrides the pace), and
// -soak-new-rate new registrations per second. Every -soak-every it samples
// the registry's resident memory (VmRSS of /proc/<pid>/status: the registry
// it started, or -pid with -url) with the heap in use and the parsed
// schemas held from /metrics, and prints the curve; at the end, the curve
// condensed, the requests by kind (errors, and answers that are wrong: a
// lookup answering another id, a check answering incompatible), and the
// verdict: the RSS at the end against the RSS when the warm-up ended
// (-warmup; a tenth of -d, from 30s to 5m, by default), FLAT or GROWING
// (beyond -soak-max-growth percent, and then the exit status is 1).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	var (
		url       = flag.String("url", "", "registry base URL; empty: build and start ./cmd/schema-registry on a free loopback port")
		clients   = flag.Int("c", 32, "concurrent clients, one keep-alive connection each")
		duration  = flag.Duration("d", 5*time.Second, "measured duration of each scenario")
		warmup    = flag.Duration("warmup", 500*time.Millisecond, "unmeasured run before each scenario")
		subjects  = flag.Int("subjects", 100, "subjects to prepare and spread requests over")
		names     = flag.String("scenarios", strings.Join(scenarioNames, ","), "comma-separated scenarios to run")
		jsonLines = flag.Bool("json", false, "also print each result as a JSON line")
		inProcess = flag.Bool("bare-in-process", false, "serve the bare ceiling from this process instead of a child process")
		rounds    = flag.Int("rounds", 1, "with more than 1: measure each scenario that many times, each time right after the bare ceiling of its method, and report the round of the median ratio")
		soak      = soakFlags()
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: sr-load [flags]\nscenarios: %s (all by default), or soak alone (memory under a long mixed load)\n", strings.Join(scenarioNames, " "))
		flag.PrintDefaults()
	}
	flag.Parse()
	if os.Getenv(bareChildEnv) != "" { // the child process of startBare
		if err := serveBare(); err != nil {
			fmt.Fprintln(os.Stderr, "sr-load (bare server):", err)
			os.Exit(1)
		}
		return
	}
	var selected []string
	for _, n := range strings.Split(*names, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if !slices.Contains(scenarioNames, n) && n != "soak" {
			fmt.Fprintf(os.Stderr, "sr-load: unknown scenario %q (known: %s)\n", n, strings.Join(scenarioNames, ","))
			os.Exit(2)
		}
		selected = append(selected, n)
	}
	if *clients < 1 || *subjects < 1 || *duration <= 0 || *warmup < 0 || *rounds < 1 {
		fmt.Fprintln(os.Stderr, "sr-load: -c, -subjects and -rounds must be >= 1, -d > 0, -warmup >= 0")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if slices.Contains(selected, "soak") {
		if len(selected) > 1 {
			fmt.Fprintln(os.Stderr, "sr-load: the soak scenario runs alone")
			os.Exit(2)
		}
		set := map[string]bool{}
		flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
		cfg, err := soak.config(*clients, *duration, *warmup, set["d"], set["warmup"])
		if err == nil {
			err = soakTest(ctx, os.Stdout, cfg, *url)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "sr-load:", err)
			os.Exit(1)
		}
		return
	}
	cfg := loadConfig{client: newHTTPClient(*clients), clients: *clients, warmup: *warmup, duration: *duration, rounds: *rounds, bareInProcess: *inProcess}
	if err := loadTest(ctx, os.Stdout, cfg, *url, *subjects, selected, *jsonLines); err != nil {
		fmt.Fprintln(os.Stderr, "sr-load:", err)
		os.Exit(1)
	}
}

// registryAt returns the registry to measure: the one at url, or, when url
// is empty, one started here (the caller stops it).
func registryAt(ctx context.Context, w io.Writer, url string) (*registryProcess, string, error) {
	if url != "" {
		return nil, strings.TrimRight(url, "/"), nil
	}
	reg, err := startRegistry(ctx)
	if err != nil {
		return nil, "", err
	}
	fmt.Fprintf(w, "registry: started %s (pid %d, data in %s)\n", reg.url, reg.cmd.Process.Pid, reg.dataDir)
	return reg, reg.url, nil
}

// loadTest runs the whole measurement and prints it to w: the machine, the
// ceilings, then each selected scenario against the registry at url (or
// one started here when url is empty).
func loadTest(ctx context.Context, w io.Writer, cfg loadConfig, url string, subjects int, selected []string, jsonLines bool) error {
	printMachine(w)
	reg, url, err := registryAt(ctx, w, url)
	if err != nil {
		return err
	}
	if reg != nil {
		defer reg.stop()
	} else {
		fmt.Fprintf(w, "registry: %s\n", url)
	}
	f := newFixture(subjects)
	fmt.Fprintf(w, "load: %d clients, %v per scenario after %v warm-up, %d subjects, POST bodies: lookup %d B, compat %d B, compat100 %d B, register-new %d B\n",
		cfg.clients, cfg.duration, cfg.warmup, subjects, len(f.registered.body(0)), len(f.evolved.body(0)), len(f.candidate101), len(f.newBody(0, 0)))

	// The ceilings first, while the registry idles.
	bare, err := startBare(cfg.bareInProcess)
	if err != nil {
		return err
	}
	var results []Result
	regPid := 0 // the registry's pid, for the CPU it uses; 0 when unknown
	if reg != nil {
		regPid = reg.cmd.Process.Pid
	}
	ceilings := ceilingScenarios(f.registered.body(0))
	for _, sc := range ceilings {
		// The registry idles here: its CPU time counts as other processes'.
		results = append(results, measure(ctx, cfg, bare.URL, sc, bare.pid(), true))
	}
	defer bare.Close()

	fmt.Fprintln(os.Stderr, "preparing", subjects, "subjects ...")
	t := time.Now()
	if err := f.prepare(ctx, cfg.client, url, cfg.clients, selected); err != nil {
		return fmt.Errorf("preparing: %w", err)
	}
	fmt.Fprintf(os.Stderr, "prepared in %v\n", time.Since(t).Round(time.Millisecond))
	scs := f.scenarios(cfg.clients, selected)
	for _, p := range f.check(ctx, cfg.client, url, scs) {
		fmt.Fprintln(w, "check:", p)
	}
	var roundLines []string
	if cfg.rounds <= 1 {
		for _, sc := range scs {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			results = append(results, measure(ctx, cfg, url, sc, regPid, reg != nil))
		}
	} else {
		// Each scenario right after its ceiling, round after round: a
		// machine whose speed drifts (other tenants, frequency) moves both
		// figures of a pair together, and the median pair is reported.
		pairs := map[string][][2]Result{}
		for round := range cfg.rounds {
			for _, sc := range scs {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				var ceiling Result
				for _, c := range ceilings {
					if c.method == sc.method {
						ceiling = measure(ctx, cfg, bare.URL, c, bare.pid(), true)
					}
				}
				res := measure(ctx, cfg, url, sc, regPid, reg != nil)
				if ceiling.Rate > 0 {
					res.Ratio = res.Rate / ceiling.Rate
				}
				fmt.Fprintf(os.Stderr, "round %d: %s %.0f req/s, ceiling %.0f req/s\n", round+1, sc.name, res.Rate, ceiling.Rate)
				pairs[sc.name] = append(pairs[sc.name], [2]Result{ceiling, res})
			}
		}
		for _, sc := range scs {
			median, line := medianPair(pairs[sc.name])
			results = append(results, median[1])
			roundLines = append(roundLines, sc.name+": "+line)
		}
	}

	setRatios(results)
	fmt.Fprintln(w)
	printTable(w, results)
	if len(roundLines) > 0 {
		fmt.Fprintf(w, "ratio per round (scenario / bare ceiling of its method measured just before; the table shows the median round):\n")
		for _, l := range roundLines {
			fmt.Fprintln(w, "  "+l)
		}
	}
	if reg != nil {
		if rss, peak, ok := reg.memory(); ok {
			fmt.Fprintf(w, "registry memory: RSS %s, peak %s\n", rss, peak)
		}
	}
	if jsonLines {
		enc := json.NewEncoder(w)
		for _, r := range results {
			enc.Encode(r)
		}
	}
	return ctx.Err()
}

// measure runs one scenario after a collection, so that garbage left by the
// previous one is not collected during this one, reports progress, and
// measures the CPU other processes used meanwhile (when every process
// serving the scenario is known: this one, and the registry of pid regPid).
func measure(ctx context.Context, cfg loadConfig, base string, sc scenario, regPid int, serverKnown bool) Result {
	runtime.GC()
	fmt.Fprintf(os.Stderr, "running %s ...\n", sc.name)
	before := sampleCPU(regPid)
	r := run(ctx, cfg, base, sc)
	if serverKnown {
		r.OtherCPU = otherCPU(before, sampleCPU(regPid))
	}
	return r
}

// printMachine prints what the figures depend on: CPUs, GOMAXPROCS, the CPU
// model, the Go version, and the load average when the run starts (other
// work on the machine lowers every figure). The load clients, the bare
// server and the registry share these CPUs.
func printMachine(w io.Writer) {
	fmt.Fprintf(w, "machine: %d CPUs, GOMAXPROCS %d, %s, %s %s/%s\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Fprintf(w, "load average at start: %s\n", strings.Join(strings.Fields(string(b))[:3], " "))
	}
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or "unknown CPU".
func cpuModel() string {
	file, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer file.Close()
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// registryProcess is a registry built and started by this command.
type registryProcess struct {
	cmd     *exec.Cmd
	url     string
	dir     string // temporary: the binary, the data, the log
	dataDir string
	logPath string
	exited  chan struct{} // closed when the process has exited
}

// startRegistry builds ./cmd/schema-registry of the module this command
// runs in, starts it on a free port of 127.0.0.1 with its data in a
// temporary directory (other SCHEMA_REGISTRY_ variables of the environment
// are dropped, so it uses its embedded log), and waits until
// /health/ready answers 200.
func startRegistry(ctx context.Context) (*registryProcess, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if err != nil || root == "." || strings.TrimSpace(string(gomod)) == os.DevNull {
		return nil, fmt.Errorf("finding the module to build ./cmd/schema-registry (run inside it or pass -url): %v", err)
	}
	dir, err := os.MkdirTemp("", "sr-load-")
	if err != nil {
		return nil, err
	}
	p := &registryProcess{dir: dir, dataDir: filepath.Join(dir, "data"), logPath: filepath.Join(dir, "registry.log"), exited: make(chan struct{})}
	bin := filepath.Join(dir, "schema-registry")
	fmt.Fprintln(os.Stderr, "building ./cmd/schema-registry ...")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/schema-registry")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("building the registry: %w", err)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	p.url = "http://127.0.0.1:" + strconv.Itoa(port)
	logFile, err := os.Create(p.logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()
	p.cmd = exec.Command(bin)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SCHEMA_REGISTRY_") {
			p.cmd.Env = append(p.cmd.Env, kv)
		}
	}
	p.cmd.Env = append(p.cmd.Env, "SCHEMA_REGISTRY_LISTENERS="+p.url, "SCHEMA_REGISTRY_DATA_DIR="+p.dataDir)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	go func() { p.cmd.Wait(); close(p.exited) }()

	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(p.url + "/health/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		var err error
		select {
		case <-p.exited:
			err = fmt.Errorf("the registry exited before it was ready: %s", p.logTail())
		case <-ctx.Done():
			err = ctx.Err()
		case <-time.After(20 * time.Millisecond):
			if time.Now().After(deadline) {
				err = fmt.Errorf("the registry was not ready within 60s: %s", p.logTail())
			}
		}
		if err != nil {
			p.stop()
			return nil, err
		}
	}
}

// stop ends the registry (SIGTERM, then SIGKILL after 5 s) and removes its
// directory.
func (p *registryProcess) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	os.RemoveAll(p.dir)
}

// memory returns the registry's resident memory now and at its peak, from
// /proc/<pid>/status.
func (p *registryProcess) memory() (rss, peak string, ok bool) {
	st, err := procStatus(p.cmd.Process.Pid)
	if err != nil {
		return "", "", false
	}
	return st["VmRSS"], st["VmHWM"], st["VmRSS"] != ""
}

// procStatus reads the fields of /proc/<pid>/status, their values trimmed.
func procStatus(pid int) (map[string]string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	st := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			st[k] = strings.TrimSpace(v)
		}
	}
	return st, nil
}

// logTail returns the end of the registry's log, for error messages.
func (p *registryProcess) logTail() string {
	b, _ := os.ReadFile(p.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// freePort returns a port of 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
