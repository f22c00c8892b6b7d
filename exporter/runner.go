package exporter

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// Runner runs the exporters on the primary: Start when this node becomes
// the primary, Stop when it stops being it. Each exporter that is not
// paused has a worker that brings the destination to the source's state
// (ids, versions, deletes, subject configs) whenever the source changes:
// it compares with what the destination holds, so that a new primary
// continues where the old one stopped, sending nothing twice under
// another id and skipping nothing.
type Runner struct {
	src    *store.Registry
	defs   *Registry
	auto   string
	logger *slog.Logger

	mu      sync.Mutex
	stop    context.CancelFunc
	done    chan struct{}
	success map[string]time.Time // last pass that left the destination up to date
}

// RunnerOptions are what a Runner needs.
type RunnerOptions struct {
	Source    *store.Registry
	Exporters *Registry
	// AutoContext is the context of contextType AUTO (".<source cluster
	// id>").
	AutoContext string
	Logger      *slog.Logger
}

// NewRunner returns a stopped runner.
func NewRunner(o RunnerOptions) *Runner {
	rn := &Runner{src: o.Source, defs: o.Exporters, auto: o.AutoContext, logger: o.Logger, success: map[string]time.Time{}}
	if rn.logger == nil {
		rn.logger = slog.Default()
	}
	return rn
}

// Start runs the exporters (this node is the primary); a running runner
// stays as it is.
func (rn *Runner) Start() {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	if rn.stop != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	rn.stop, rn.done = cancel, make(chan struct{})
	go func(done chan struct{}) { defer close(done); rn.supervise(ctx) }(rn.done)
}

// Stop stops every exporter and returns once they stopped.
func (rn *Runner) Stop() {
	rn.mu.Lock()
	stop, done := rn.stop, rn.done
	rn.stop, rn.done = nil, nil
	rn.mu.Unlock()
	if stop != nil {
		stop()
		<-done
	}
}

// LastSuccess is when an exporter last left its destination up to date.
func (rn *Runner) LastSuccess(name string) (time.Time, bool) {
	rn.mu.Lock()
	defer rn.mu.Unlock()
	t, ok := rn.success[name]
	return t, ok
}

type worker struct {
	key    string
	cancel context.CancelFunc
	done   chan struct{}
}

// supervise keeps one worker per exporter that is not paused, restarted
// when its definition changes or it is reset.
func (rn *Runner) supervise(ctx context.Context) {
	workers := map[string]*worker{}
	defer func() {
		for _, w := range workers {
			w.cancel()
			<-w.done
		}
	}()
	for {
		changed := rn.defs.Changed()
		want := map[string]string{}
		for name, st := range rn.defs.snapshot() {
			if st.State == StatePaused {
				continue
			}
			def, err := rn.defs.Get(name)
			if err != nil {
				continue
			}
			want[name] = string(marshal(def)) + "#" + strconv.Itoa(st.Resets)
		}
		for name, w := range workers {
			if want[name] != w.key {
				w.cancel()
				<-w.done
				delete(workers, name)
			}
		}
		for name, key := range want {
			if workers[name] != nil {
				continue
			}
			wctx, cancel := context.WithCancel(ctx)
			w := &worker{key: key, cancel: cancel, done: make(chan struct{})}
			workers[name] = w
			go func() { defer close(w.done); rn.run(wctx, name) }()
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		}
	}
}

// run is one exporter's worker: a pass whenever the source changed, a
// failed pass retried with backoff (its error in the status).
func (rn *Runner) run(ctx context.Context, name string) {
	def, err := rn.defs.Get(name)
	if err != nil {
		return
	}
	st, err := rn.defs.Status(name)
	if err != nil {
		return
	}
	log := rn.logger.With("exporter", name)
	p := &pass{rn: rn, def: def, log: log}
	const minBackoff, maxBackoff = 200 * time.Millisecond, 30 * time.Second
	backoff := minBackoff
	lastWritten := time.Time{}
	state, offset, trace := st.State, st.Offset, st.Trace
	for ctx.Err() == nil {
		rev := rn.src.Revision()
		at := rn.src.Stats().Offset
		err := p.run(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			p.dest = nil // the destination's state is unknown now: read it again
			msg := err.Error()
			log.Warn("export failed; retrying", "err", msg, "backoff", backoff)
			if state != StateError || trace != msg {
				state, trace = StateError, msg
				rn.record(ctx, name, st.Resets, state, offset, trace)
				lastWritten = time.Now()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		rn.mu.Lock()
		rn.success[name] = time.Now()
		rn.mu.Unlock()
		// The position is written when the state changes, else at most
		// once a second: the status follows, the state log stays small.
		if state != StateRunning || offset != at && time.Since(lastWritten) > time.Second {
			if state != StateRunning {
				log.Info("exporter up to date", "offset", at, "subjects", len(p.sent))
			}
			state, offset, trace = StateRunning, at, ""
			rn.record(ctx, name, st.Resets, state, offset, trace)
			lastWritten = time.Now()
		}
		// Wait for the source to change (or the position to be written).
		tick := time.NewTicker(20 * time.Millisecond)
		for rn.src.Revision() == rev && (offset == at || time.Since(lastWritten) <= time.Second) {
			select {
			case <-ctx.Done():
				tick.Stop()
				return
			case <-tick.C:
			}
		}
		tick.Stop()
	}
}

func (rn *Runner) record(ctx context.Context, name string, resets int, state string, offset int64, trace string) {
	if err := rn.defs.progress(ctx, name, resets, state, offset, trace); err != nil && ctx.Err() == nil {
		rn.logger.Warn("could not record an exporter's state", "exporter", name, "err", err)
	}
}

// destVersion is a version as the destination holds it.
type destVersion struct {
	id      int
	deleted bool
}

// pass brings one destination up to date.
type pass struct {
	rn   *Runner
	def  Exporter
	log  *slog.Logger
	cl   *sr.Client
	dest map[string]map[int]destVersion // nil: to read from the destination
	// sent are the destination subjects this worker wrote, with the
	// config last written to each ("" for none).
	sent     map[string]string
	imported map[string]bool // scopes put in IMPORT mode
	// modes are the read-only modes copied to destination subjects.
	modes map[string]store.Mode
}

// want is one source version as the destination should hold it.
type want struct {
	subject string // on the destination
	sv      store.VersionRef
}

func (p *pass) run(ctx context.Context) error {
	if p.cl == nil {
		cl, err := newClient(p.def.Config)
		if err != nil {
			return err
		}
		p.cl = cl
	}
	if p.dest == nil {
		// A new primary may be behind the source's log: what it lacks
		// would be deleted from the destination.
		if err := p.rn.src.CatchUp(ctx); err != nil {
			return fmt.Errorf("catching up with the schema log: %w", err)
		}
		dest, err := p.readDestination(ctx)
		if err != nil {
			return err
		}
		p.dest, p.imported = dest, map[string]bool{}
		if p.sent == nil {
			p.sent, p.modes = map[string]string{}, map[string]store.Mode{}
		}
	}
	wants, subjects := p.source()
	// Registrations in id order: a reference is registered before its
	// referrer.
	slices.SortFunc(wants, func(a, b want) int {
		return cmp.Or(cmp.Compare(a.sv.ID, b.sv.ID), cmp.Compare(a.subject, b.subject), cmp.Compare(a.sv.Version, b.sv.Version))
	})
	wanted := map[string]map[int]bool{}
	written, lastLog := 0, time.Now()
	for _, w := range wants {
		if wanted[w.subject] == nil {
			wanted[w.subject] = map[int]bool{}
		}
		wanted[w.subject][w.sv.Version] = true
		have, ok := p.dest[w.subject][w.sv.Version]
		if ok && have.id == w.sv.ID && have.deleted == w.sv.Deleted {
			continue
		}
		if ok && (have.id != w.sv.ID || have.deleted && !w.sv.Deleted) {
			// Another schema, or deleted here and not at the source: it
			// goes, to be written again.
			if err := p.remove(ctx, w.subject, w.sv.Version, have); err != nil {
				return err
			}
			ok = false
		}
		if !ok {
			if err := p.register(ctx, w); err != nil {
				return err
			}
			if written++; time.Since(lastLog) > 5*time.Second {
				p.log.Info("exporting", "written", written, "versions", len(wants))
				lastLog = time.Now()
			}
		}
		if w.sv.Deleted {
			if err := p.softDelete(ctx, w.subject, w.sv.Version); err != nil {
				return err
			}
		}
	}
	// Versions the source no longer has (deleted for good there).
	for subject, versions := range p.dest {
		_, mine := p.sent[subject]
		if !mine && !p.def.owns(subject, p.rn.auto) {
			continue
		}
		for _, v := range slices.Sorted(mapsKeys(versions)) {
			if !wanted[subject][v] {
				if err := p.remove(ctx, subject, v, versions[v]); err != nil {
					return err
				}
			}
		}
	}
	if err := p.configs(ctx, subjects); err != nil {
		return err
	}
	return p.copyModes(ctx, subjects)
}

func mapsKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// source lists the versions to export and the source subjects exported
// (with their destination names).
func (p *pass) source() ([]want, map[string]string) {
	var out []want
	subjects := map[string]string{}
	for _, ref := range p.rn.src.VersionRefs(":*:") {
		if !p.def.matches(ref.Subject) {
			continue
		}
		d := p.def.destination(ref.Subject, p.rn.auto)
		subjects[ref.Subject] = d
		out = append(out, want{subject: d, sv: ref})
	}
	return out, subjects
}

// readDestination reads every version the destination holds, deleted or
// not, with its id.
func (p *pass) readDestination(ctx context.Context) (map[string]map[int]destVersion, error) {
	type item struct {
		Subject string `json:"subject"`
		Version int    `json:"version"`
		ID      int    `json:"id"`
	}
	read := func(deleted bool) ([]item, error) {
		var all []item
		const page = 1000
		for offset := 0; ; offset += page {
			q := url.Values{"subjectPrefix": {":*:"}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(page)}}
			if deleted {
				q.Set("deleted", "true")
			}
			var batch []item
			if err := p.cl.Do(sr.WithParams(ctx, sr.RawParams(q)), "GET", "/schemas", nil, &batch); err != nil {
				return nil, fmt.Errorf("reading the destination: %s", describe(err))
			}
			all = append(all, batch...)
			if len(batch) < page {
				return all, nil
			}
		}
	}
	every, err := read(true)
	if err != nil {
		return nil, err
	}
	live, err := read(false)
	if err != nil {
		return nil, err
	}
	out := map[string]map[int]destVersion{}
	for _, it := range every {
		if out[it.Subject] == nil {
			out[it.Subject] = map[int]destVersion{}
		}
		out[it.Subject][it.Version] = destVersion{id: it.ID, deleted: true}
	}
	for _, it := range live {
		if vs := out[it.Subject]; vs != nil {
			vs[it.Version] = destVersion{id: it.ID}
		}
	}
	return out, nil
}

func subjectPath(subject string) string { return "/subjects/" + url.PathEscape(subject) }

// importMode puts the scope a destination subject is written in into
// IMPORT mode, once per worker: its context when the exporter owns it,
// else the subject. A scope that already holds subjects and is in another
// mode is someone else's (a standby promoted after a failover, say): the
// exporter refuses to write there rather than take it back.
func (p *pass) importMode(ctx context.Context, subject string) error {
	scope, occupied := subject, len(p.dest[subject]) > 0
	if p.def.owns(subject, p.rn.auto) {
		c, _ := splitSubject(subject)
		scope, occupied = ":"+c+":", false
		for s := range p.dest {
			if sc, _ := splitSubject(s); sc == c && len(p.dest[s]) > 0 {
				occupied = true
				break
			}
		}
	}
	if p.imported[scope] {
		return nil
	}
	var m struct {
		Mode string `json:"mode"`
	}
	err := p.cl.Do(ctx, "GET", "/mode/"+url.PathEscape(scope), nil, &m)
	switch {
	case err == nil && (m.Mode == "IMPORT" || scope == subject && p.modes[subject] != "" && m.Mode == string(p.modes[subject])):
		p.imported[scope] = true
		return nil
	case err != nil && !gone(err):
		return fmt.Errorf("reading the mode of %s: %s", scope, describe(err))
	case occupied:
		mode := m.Mode
		if mode == "" {
			mode = "no mode of its own"
		}
		return fmt.Errorf("%s holds subjects and is in %s on the destination, not IMPORT: the exporter does not write there (set it to IMPORT to export again)", scope, mode)
	}
	err = p.cl.Do(sr.WithParams(ctx, sr.Force), "PUT", "/mode/"+url.PathEscape(scope), map[string]string{"mode": "IMPORT"}, nil)
	if err != nil {
		return fmt.Errorf("setting IMPORT mode on %s: %s", scope, describe(err))
	}
	p.imported[scope] = true
	return nil
}

func (p *pass) register(ctx context.Context, w want) error {
	if err := p.importMode(ctx, w.subject); err != nil {
		return err
	}
	sv, err := p.rn.src.Version(w.sv.Subject, w.sv.Version, store.IncludingDeleted)
	if err != nil || sv.ID != w.sv.ID {
		return nil // gone since it was listed: the next pass sees it so
	}
	srcCtx, _ := splitSubject(sv.Subject)
	refs := make([]formats.Reference, len(sv.References))
	for i, ref := range sv.References {
		rctx, rbare := splitSubject(ref.Subject)
		if !hasContext(ref.Subject) {
			rctx = srcCtx
		}
		refs[i] = ref
		refs[i].Subject = p.def.destination(qualify(rctx, rbare), p.rn.auto)
	}
	body := store.SchemaRequest{Schema: sv.Schema, References: refs, Metadata: sv.Metadata, RuleSet: sv.RuleSet,
		ID: sv.ID, Version: sv.Version}
	if sv.SchemaType != formats.Avro {
		body.SchemaType = string(sv.SchemaType)
	}
	var got struct {
		ID int `json:"id"`
	}
	err = p.cl.Do(ctx, "POST", subjectPath(w.subject)+"/versions", body, &got)
	if modeRefused(err) {
		if err := p.restoreImport(ctx, w.subject); err != nil {
			return err
		}
		err = p.cl.Do(ctx, "POST", subjectPath(w.subject)+"/versions", body, &got)
	}
	if err != nil {
		return fmt.Errorf("registering %s version %d (id %d): %s", w.subject, w.sv.Version, w.sv.ID, describe(err))
	}
	if got.ID != w.sv.ID {
		return fmt.Errorf("registering %s version %d: the destination answered id %d, not %d", w.subject, w.sv.Version, got.ID, w.sv.ID)
	}
	if p.dest[w.subject] == nil {
		p.dest[w.subject] = map[int]destVersion{}
	}
	p.dest[w.subject][w.sv.Version] = destVersion{id: w.sv.ID}
	if _, ok := p.sent[w.subject]; !ok {
		p.sent[w.subject] = ""
	}
	return nil
}

func hasContext(subject string) bool {
	c, _ := splitSubject(subject)
	return c != "" || len(subject) > 2 && subject[:3] == ":.:"
}

func (p *pass) softDelete(ctx context.Context, subject string, v int) error {
	if p.dest[subject][v].deleted {
		return nil
	}
	if err := p.importMode(ctx, subject); err != nil {
		return err
	}
	err := p.cl.Do(ctx, "DELETE", subjectPath(subject)+"/versions/"+strconv.Itoa(v), nil, nil)
	if modeRefused(err) {
		if err := p.restoreImport(ctx, subject); err != nil {
			return err
		}
		err = p.cl.Do(ctx, "DELETE", subjectPath(subject)+"/versions/"+strconv.Itoa(v), nil, nil)
	}
	if err != nil && !gone(err) {
		return fmt.Errorf("deleting %s version %d: %s", subject, v, describe(err))
	}
	d := p.dest[subject][v]
	d.deleted = true
	p.dest[subject][v] = d
	return nil
}

// remove deletes a destination version for good.
func (p *pass) remove(ctx context.Context, subject string, v int, have destVersion) error {
	if err := p.importMode(ctx, subject); err != nil {
		return err
	}
	if !have.deleted {
		if err := p.softDelete(ctx, subject, v); err != nil {
			return err
		}
	}
	err := p.cl.Do(sr.WithParams(ctx, sr.RawParams(url.Values{"permanent": {"true"}})), "DELETE", subjectPath(subject)+"/versions/"+strconv.Itoa(v), nil, nil)
	if err != nil && !gone(err) {
		return fmt.Errorf("deleting %s version %d for good: %s", subject, v, describe(err))
	}
	delete(p.dest[subject], v)
	if len(p.dest[subject]) == 0 {
		delete(p.dest, subject)
	}
	return nil
}

// describe says what a failed call got: the status, Confluent's code and
// message, else the transport's error.
func describe(err error) string {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		return fmt.Sprintf("HTTP %d (error %d) from %s %s: %s", re.StatusCode, re.ErrorCode, re.Method, re.URL, re.Message)
	}
	return err.Error()
}

// gone reports an answer saying the version is not there (any more).
func gone(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.StatusCode == 404
}

// configs copies the exported subjects' own configs.
func (p *pass) configs(ctx context.Context, subjects map[string]string) error {
	for _, src := range slices.Sorted(mapsKeys(subjects)) {
		dest := subjects[src]
		body := ""
		if cfg, err := p.rn.src.GetConfig(src, false); err == nil {
			b, _ := json.Marshal(cfg)
			body = string(b)
		}
		if p.sent[dest] == body {
			continue
		}
		var err error
		if body == "" {
			err = p.cl.Do(ctx, "DELETE", "/config/"+url.PathEscape(dest), nil, nil)
			if gone(err) {
				err = nil
			}
		} else {
			err = p.cl.Do(ctx, "PUT", "/config/"+url.PathEscape(dest), json.RawMessage(body), nil)
		}
		if err != nil {
			return fmt.Errorf("copying the config of %s: %s", dest, describe(err))
		}
		p.sent[dest] = body
	}
	return nil
}

// modeRefused reports a write the destination refused for its subject's
// mode (a read-only mode copied earlier, maybe by another primary).
func modeRefused(err error) bool {
	var re *sr.ResponseError
	return errors.As(err, &re) && re.ErrorCode == 42205 && strings.Contains(re.Message, "read-only mode")
}

// restoreImport gives a destination subject its IMPORT mode back: the
// context's when the exporter owns it (the subject's own mode goes), else
// the subject's own.
func (p *pass) restoreImport(ctx context.Context, subject string) error {
	var err error
	if p.def.owns(subject, p.rn.auto) {
		err = p.cl.Do(ctx, "DELETE", "/mode/"+url.PathEscape(subject), nil, nil)
		if gone(err) {
			err = nil
		}
	} else {
		err = p.cl.Do(sr.WithParams(ctx, sr.Force), "PUT", "/mode/"+url.PathEscape(subject), map[string]string{"mode": "IMPORT"}, nil)
	}
	if err != nil {
		return fmt.Errorf("restoring IMPORT mode on %s: %s", subject, describe(err))
	}
	delete(p.modes, subject)
	return nil
}

// copyModes copies the read-only modes of the exported subjects (a
// source subject in READONLY takes no new version, nor does its copy);
// any other mode leaves the destination subject in IMPORT, which the
// copy needs.
func (p *pass) copyModes(ctx context.Context, subjects map[string]string) error {
	for _, src := range slices.Sorted(mapsKeys(subjects)) {
		dest := subjects[src]
		var want store.Mode
		if m, err := p.rn.src.GetMode(src, false); err == nil && (m == store.ModeReadOnly || m == store.ModeReadOnlyOverride) {
			want = m
		}
		if p.modes[dest] == want {
			continue
		}
		if want == "" {
			if err := p.restoreImport(ctx, dest); err != nil {
				return err
			}
			continue
		}
		if err := p.cl.Do(sr.WithParams(ctx, sr.Force), "PUT", "/mode/"+url.PathEscape(dest), map[string]string{"mode": string(want)}, nil); err != nil {
			return fmt.Errorf("copying the mode of %s: %s", dest, describe(err))
		}
		p.modes[dest] = want
	}
	return nil
}
