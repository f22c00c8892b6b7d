package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/sr"
)

// exportFormat names the export file format, on its first line.
const exportFormat = "srctl-export/1"

// line is one line of an export: a header, a schema (a subject-version
// with its id), a config, or a mode.
type line struct {
	Kind string `json:"kind"` // header, schema, config, mode

	// header
	Format   string `json:"format,omitempty"`
	Source   string `json:"source,omitempty"`
	Exported string `json:"exported,omitempty"`

	// schema
	Subject    string               `json:"subject,omitempty"`
	Version    int                  `json:"version,omitempty"`
	ID         int                  `json:"id,omitempty"`
	GUID       string               `json:"guid,omitempty"`
	SchemaType string               `json:"schemaType,omitempty"`
	Schema     string               `json:"schema,omitempty"`
	References []sr.SchemaReference `json:"references,omitempty"`
	Metadata   json.RawMessage      `json:"metadata,omitempty"`
	RuleSet    json.RawMessage      `json:"ruleSet,omitempty"`
	Deleted    bool                 `json:"deleted,omitempty"`

	// config and mode ("" subject: global; ":.name:": a context's)
	Config json.RawMessage `json:"config,omitempty"`
	Mode   string          `json:"mode,omitempty"`
}

// dump is what an export holds.
type dump struct {
	schemas []*line
	configs []*line
	modes   []*line
}

// workers is how many requests a transfer keeps in flight.
const workers = 8

// exportFrom reads a registry: every subject-version of every context
// (soft-deleted ones marked), every config and mode.
func exportFrom(ctx context.Context, cl *sr.Client, progress io.Writer) (*dump, error) {
	d := &dump{}
	all, err := allSchemas(ctx, cl)
	if err != nil {
		return nil, err
	}
	d.schemas = all
	subjects := map[string]bool{}
	for _, l := range all {
		subjects[l.Subject] = true
	}
	scopes := []string{""}
	var contexts []string
	if raw, err := call(ctx, cl, "GET", "/contexts", nil); err == nil {
		_ = json.Unmarshal(raw, &contexts)
	}
	for _, c := range contexts {
		if c != "." {
			scopes = append(scopes, ":"+c+":")
		}
	}
	for s := range subjects {
		scopes = append(scopes, s)
	}
	sort.Strings(scopes)
	var mu sync.Mutex
	err = parallel(ctx, len(scopes), func(i int) error {
		s := scopes[i]
		cfg, err := setting(ctx, cl, "/config", s)
		if err != nil {
			return err
		}
		mode, err := setting(ctx, cl, "/mode", s)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if cfg != nil {
			d.configs = append(d.configs, &line{Kind: "config", Subject: s, Config: cfg})
		}
		if mode != nil {
			var m struct{ Mode string }
			if json.Unmarshal(mode, &m) == nil && m.Mode != "" {
				d.modes = append(d.modes, &line{Kind: "mode", Subject: s, Mode: m.Mode})
			}
		}
		return nil
	})
	sortLines(d.configs)
	sortLines(d.modes)
	if progress != nil {
		fmt.Fprintf(progress, "read %d schemas, %d configs, %d modes\n", len(d.schemas), len(d.configs), len(d.modes))
	}
	return d, err
}

func sortLines(ls []*line) {
	sort.Slice(ls, func(i, j int) bool {
		if ls[i].Subject != ls[j].Subject {
			return ls[i].Subject < ls[j].Subject
		}
		return ls[i].Version < ls[j].Version
	})
}

// setting reads the config or mode a subject (or context, or "") has of
// its own; nil when it has none.
func setting(ctx context.Context, cl *sr.Client, base, subject string) (json.RawMessage, error) {
	path := base
	if subject != "" {
		path += "/" + url.PathEscape(subject)
	}
	var out json.RawMessage
	err := cl.Do(ctx, "GET", path, nil, &out)
	if re, ok := apiError(err); ok && (re.ErrorCode == 40401 || re.ErrorCode == 40408 || re.ErrorCode == 40409 || re.StatusCode == 404) {
		return nil, nil
	}
	return out, err
}

// listSchemas pages through GET /schemas of every context; nil when the
// registry has no such route. hasDeleted says whether its entries carry
// their deleted flag.
func listSchemas(ctx context.Context, cl *sr.Client, deleted bool) ([]*line, bool, error) {
	var out []*line
	hasDeleted := false
	const page = 1000
	seen := map[svKey]bool{}
	for offset := 0; ; {
		q := url.Values{"subjectPrefix": {":*:"}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(page)}}
		if deleted {
			q.Set("deleted", "true")
		}
		var batch []json.RawMessage
		err := cl.Do(sr.WithParams(ctx, sr.RawParams(q)), "GET", "/schemas", nil, &batch)
		if re, ok := apiError(err); ok && (re.StatusCode == 404 || re.StatusCode == 405) && offset == 0 {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		if len(batch) == 0 {
			break
		}
		for _, raw := range batch {
			l := &line{Kind: "schema"}
			if err := json.Unmarshal(raw, l); err != nil {
				return nil, false, err
			}
			l.Kind = "schema"
			k := svKey{l.Subject, l.Version}
			if seen[k] {
				// A registry that does not page (offset ignored).
				return nil, false, fmt.Errorf("GET /schemas answered %s version %d twice: its paging (offset, limit) is not usable", l.Subject, l.Version)
			}
			seen[k] = true
			if strings.Contains(string(raw), `"deleted":`) {
				hasDeleted = true
			}
			out = append(out, l)
		}
		offset += len(batch)
	}
	if out == nil {
		out = []*line{}
	}
	return out, hasDeleted, nil
}

// schemasBySubject reads every version of every subject, one by one.
func schemasBySubject(ctx context.Context, cl *sr.Client) ([]*line, error) {
	raw, err := call(ctx, cl, "GET", "/subjects", nil, sr.ShowDeleted)
	if err != nil {
		return nil, err
	}
	var subjects []string
	if err := json.Unmarshal(raw, &subjects); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var out []*line
	err = parallel(ctx, len(subjects), func(i int) error {
		s := subjects[i]
		raw, err := call(ctx, cl, "GET", subjectPath(s)+"/versions", nil, sr.ShowDeleted)
		if err != nil {
			return err
		}
		var versions, live []int
		if err := json.Unmarshal(raw, &versions); err != nil {
			return err
		}
		// Which are soft-deleted: the versions not listed without deleted.
		raw, err = call(ctx, cl, "GET", subjectPath(s)+"/versions", nil)
		if err != nil && !strings.Contains(err.Error(), "(error 40401)") {
			return err
		}
		_ = json.Unmarshal(raw, &live)
		isLive := map[int]bool{}
		for _, v := range live {
			isLive[v] = true
		}
		for _, v := range versions {
			raw, err := call(ctx, cl, "GET", subjectPath(s)+"/versions/"+strconv.Itoa(v), nil, sr.ShowDeleted)
			if err != nil {
				return err
			}
			l := &line{}
			if err := json.Unmarshal(raw, l); err != nil {
				return err
			}
			l.Kind, l.Deleted = "schema", !isLive[v]
			mu.Lock()
			out = append(out, l)
			mu.Unlock()
		}
		return nil
	})
	sortLines(out)
	return out, err
}

// parallel runs f for 0..n-1 on a few goroutines; the first error stops it.
func parallel(ctx context.Context, n int, f func(i int) error) error {
	var next atomic.Int64
	var first error
	var once sync.Once
	var wg sync.WaitGroup
	for w := 0; w < min(workers, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// write writes an export file.
func (d *dump) write(w io.Writer, source string) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(&line{Kind: "header", Format: exportFormat, Source: source, Exported: time.Now().UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	for _, group := range [][]*line{d.schemas, d.configs, d.modes} {
		for _, l := range group {
			if err := enc.Encode(l); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

// readDump reads an export file, naming the line of a problem.
func readDump(path string) (*dump, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	d := &dump{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 64<<20)
	n := 0
	for sc.Scan() {
		n++
		if len(strings.TrimSpace(sc.Text())) == 0 {
			continue
		}
		l := &line{}
		if err := json.Unmarshal(sc.Bytes(), l); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		switch l.Kind {
		case "header":
			if l.Format != exportFormat {
				return nil, fmt.Errorf("%s:%d: format %q, want %q", path, n, l.Format, exportFormat)
			}
		case "schema":
			if l.ID <= 0 || l.Version <= 0 || l.Schema == "" {
				return nil, fmt.Errorf("%s:%d: a schema line wants an id, a version and a schema", path, n)
			}
			d.schemas = append(d.schemas, l)
		case "config":
			d.configs = append(d.configs, l)
		case "mode":
			d.modes = append(d.modes, l)
		default:
			return nil, fmt.Errorf("%s:%d: unknown kind %q", path, n, l.Kind)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	return d, nil
}

// retarget moves the default context's subjects of a dump into a context
// (".name"): the migration target of Schema Linking. Their references,
// unqualified, follow them.
func (d *dump) retarget(context string) {
	if context == "" || context == "." {
		return
	}
	q := ":" + context + ":"
	move := func(s string) string {
		if strings.HasPrefix(s, ":.") {
			return s
		}
		return q + s
	}
	for _, l := range d.schemas {
		l.Subject = move(l.Subject)
	}
	for _, group := range [][]*line{d.configs, d.modes} {
		for _, l := range group {
			if l.Subject == "" {
				l.Subject = q
			} else if !strings.HasPrefix(l.Subject, ":.") {
				l.Subject = move(l.Subject)
			}
		}
	}
}

// contextOf is the context qualifier of a subject ("" for the default).
func contextOf(subject string) string {
	if !strings.HasPrefix(subject, ":.") {
		return ""
	}
	end := strings.IndexByte(subject[2:], ':')
	if end < 0 {
		return subject + ":"
	}
	return subject[:end+3]
}

// svKey names a subject-version.
type svKey struct {
	subject string
	version int
}

// plan compares a dump with what a target holds: what is there already
// (a resumed import), what conflicts, and whether the target holds
// anything else.
type plan struct {
	present   map[svKey]bool
	undeleted []*line         // present but live in the target, soft-deleted in the dump (an interrupted import)
	subjects  map[string]bool // subjects the target holds
	conflicts []string
	foreign   int // subject-versions of the target not in the dump
}

func planImport(d *dump, target []*line) plan {
	p := plan{present: map[svKey]bool{}, subjects: map[string]bool{}}
	want := map[svKey]*line{}
	idGUID := map[string]string{} // context + id -> guid, of the dump
	for _, l := range d.schemas {
		want[svKey{l.Subject, l.Version}] = l
		idGUID[contextOf(l.Subject)+strconv.Itoa(l.ID)] = l.GUID
	}
	for _, t := range target {
		p.subjects[t.Subject] = true
		k := svKey{t.Subject, t.Version}
		if w, ok := want[k]; ok {
			if w.ID != t.ID || (w.GUID != "" && t.GUID != "" && w.GUID != t.GUID) {
				p.conflicts = append(p.conflicts, fmt.Sprintf("%s version %d: id %d in the target, %d in the export", t.Subject, t.Version, t.ID, w.ID))
				continue
			}
			p.present[k] = true
			if w.Deleted && !t.Deleted {
				p.undeleted = append(p.undeleted, w)
			}
			continue
		}
		p.foreign++
		if g, ok := idGUID[contextOf(t.Subject)+strconv.Itoa(t.ID)]; ok && g != "" && t.GUID != "" && g != t.GUID {
			p.conflicts = append(p.conflicts, fmt.Sprintf("id %d%s: bound to another schema in the target (%s version %d)", t.ID, inContext(t.Subject), t.Subject, t.Version))
		}
	}
	sort.Strings(p.conflicts)
	return p
}

func inContext(subject string) string {
	if c := contextOf(subject); c != "" {
		return " in context " + strings.Trim(c, ":")
	}
	return ""
}

// importOptions tune an import.
type importOptions struct {
	allowNonEmpty bool
	dryRun        bool
	stopAfter     int // for tests: stop after that many writes, as an interruption would
	progress      io.Writer
	quiet         bool
}

// errStopped is the interruption --stop-after simulates.
var errStopped = errors.New("stopped after the writes asked for (--stop-after)")

// importInto writes a dump into a registry keeping its ids: IMPORT mode on
// each context it fills (and on its subjects that have a mode of their
// own), the subject-versions in an order that has every reference before
// its referrer (several subjects at a time), the soft-deleted ones deleted
// again, then configs and modes, then a check that every subject-version,
// config and mode of the dump is served as exported.
func importInto(ctx context.Context, cl *sr.Client, d *dump, o importOptions) error {
	target, err := allSchemas(ctx, cl)
	if err != nil {
		return err
	}
	p := planImport(d, target)
	out := o.progress
	if len(p.conflicts) > 0 {
		for _, c := range p.conflicts {
			fmt.Fprintln(out, "conflict:", c)
		}
		return fmt.Errorf("the target holds %d conflicting ids or versions; nothing was written", len(p.conflicts))
	}
	if p.foreign > 0 && o.dryRun && !o.allowNonEmpty {
		fmt.Fprintf(out, "the target holds %d subject-versions that are not in the export: an import needs --allow-non-empty\n", p.foreign)
	} else if p.foreign > 0 && !o.allowNonEmpty {
		return fmt.Errorf("the target holds %d subject-versions that are not in the export; nothing was written (--allow-non-empty to import beside them)", p.foreign)
	}
	var todo []*line
	for _, l := range d.schemas {
		if !p.present[svKey{l.Subject, l.Version}] {
			todo = append(todo, l)
		}
	}
	configs, modes := d.configs, d.modes
	if o.allowNonEmpty {
		// Beside what the target holds: its own global settings stay.
		configs, modes = withoutGlobal(configs), withoutGlobal(modes)
	}
	if o.dryRun {
		fmt.Fprintf(out, "would write %d of %d subject-versions (%d there already), %d configs, %d modes\n",
			len(todo), len(d.schemas), len(p.present), len(configs), len(modes))
		for _, l := range todo {
			fmt.Fprintf(out, "  %s version %d id %d%s\n", l.Subject, l.Version, l.ID, map[bool]string{true: " (soft-deleted)"}[l.Deleted])
		}
		for _, l := range p.undeleted {
			fmt.Fprintf(out, "  %s version %d: soft-delete again\n", l.Subject, l.Version)
		}
		return nil
	}
	if len(p.present) > 0 {
		fmt.Fprintf(out, "resuming: %d of %d subject-versions are there already\n", len(p.present), len(d.schemas))
	}
	// IMPORT mode on every context written to, and on the subjects written
	// to that the target holds with a mode of their own (which would win).
	// Every context of the dump, written to now or by an interrupted run
	// that left it in IMPORT: the end of this one puts them back.
	scopes := map[string]bool{}
	for _, l := range d.schemas {
		scopes[contextOf(l.Subject)] = true
	}
	for _, l := range todo {
		if p.subjects[l.Subject] {
			scopes[l.Subject] = true
		}
	}
	var inImport []string
	for s := range scopes {
		if s != "" && contextOf(s) != s { // a subject, not a context
			if m, err := setting(ctx, cl, "/mode", s); err != nil || m == nil {
				delete(scopes, s) // a subject without a mode of its own
				continue
			}
		}
		if _, err := call(ctx, cl, "PUT", settingPath("/mode", s), map[string]string{"mode": "IMPORT"}, sr.Force); err != nil {
			return err
		}
		inImport = append(inImport, s)
	}
	sort.Strings(inImport)
	stopped := func(err error, written int64) error {
		left := make([]string, len(inImport))
		for i, s := range inImport {
			left[i] = map[bool]string{true: "the default context"}[s == ""] + s
		}
		hint := fmt.Sprintf("; IMPORT mode is left on %s until an import ends (run it again to resume)", strings.Join(left, ", "))
		if errors.Is(err, errStopped) {
			return fmt.Errorf("%w: %d written%s", err, written, hint)
		}
		return fmt.Errorf("after %d written: %w%s", written, err, hint)
	}
	bar := newBar(o, len(todo)+len(p.undeleted))
	var written, started atomic.Int64
	write := func(method, path string, body any) error {
		if o.stopAfter > 0 && started.Add(1) > int64(o.stopAfter) {
			return errStopped
		}
		if _, err := call(ctx, cl, method, path, body); err != nil && !(method == "DELETE" && alreadySoftDeleted(err)) {
			return err
		}
		written.Add(1)
		return nil
	}
	register := func(l *line) error {
		body := map[string]any{"schema": l.Schema, "id": l.ID, "version": l.Version}
		if l.SchemaType != "" && l.SchemaType != "AVRO" {
			body["schemaType"] = l.SchemaType
		}
		if len(l.References) > 0 {
			body["references"] = l.References
		}
		if len(l.Metadata) > 0 {
			body["metadata"] = l.Metadata
		}
		if len(l.RuleSet) > 0 {
			body["ruleSet"] = l.RuleSet
		}
		if err := write("POST", subjectPath(l.Subject)+"/versions", body); err != nil {
			return err
		}
		if l.Deleted {
			if err := write("DELETE", subjectPath(l.Subject)+"/versions/"+strconv.Itoa(l.Version), nil); err != nil {
				return err
			}
		}
		bar.Add(1)
		return nil
	}
	// What an interrupted import registered and did not delete again.
	for _, l := range p.undeleted {
		if err := write("DELETE", subjectPath(l.Subject)+"/versions/"+strconv.Itoa(l.Version), nil); err != nil {
			bar.Finish()
			return stopped(err, written.Load())
		}
		bar.Add(1)
	}
	for _, level := range orderForImport(todo) {
		// One subject's versions in order; subjects side by side.
		err := parallel(ctx, len(level), func(i int) error {
			for _, l := range level[i] {
				if err := register(l); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			bar.Finish()
			fmt.Fprintln(out)
			return stopped(err, written.Load())
		}
	}
	bar.Finish()
	// Configs, then modes (the export's modes replace IMPORT).
	for _, l := range configs {
		if _, err := call(ctx, cl, "PUT", settingPath("/config", l.Subject), configUpdate(l.Config)); err != nil {
			return err
		}
	}
	restored := map[string]bool{}
	for _, l := range modes {
		if _, err := call(ctx, cl, "PUT", settingPath("/mode", l.Subject), map[string]string{"mode": l.Mode}, sr.Force); err != nil {
			return err
		}
		restored[l.Subject] = true
	}
	for _, s := range inImport {
		if restored[s] {
			continue
		}
		if s == "" {
			_, err = call(ctx, cl, "PUT", "/mode", map[string]string{"mode": "READWRITE"})
		} else {
			_, err = call(ctx, cl, "DELETE", settingPath("/mode", s), nil)
		}
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "wrote %d subject-versions and deletes, %d configs, %d modes\n", written.Load(), len(configs), len(modes))
	return verify(ctx, cl, d, configs, modes, out)
}

// withoutGlobal drops the global ("") setting of a list.
func withoutGlobal(ls []*line) []*line {
	var out []*line
	for _, l := range ls {
		if l.Subject != "" {
			out = append(out, l)
		}
	}
	return out
}

// configUpdate turns a config as GET /config answers it into the body of
// PUT /config: compatibilityLevel is compatibility there (Confluent
// ignores the other name).
func configUpdate(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	if v, ok := m["compatibilityLevel"]; ok {
		m["compatibility"] = v
		delete(m, "compatibilityLevel")
	}
	return m
}

// allSchemas is every subject-version a registry holds, soft-deleted ones
// marked.
func allSchemas(ctx context.Context, cl *sr.Client) ([]*line, error) {
	all, hasDeleted, err := listSchemas(ctx, cl, true)
	if err != nil {
		return nil, err
	}
	if all == nil { // no GET /schemas: subject by subject
		return schemasBySubject(ctx, cl)
	}
	if !hasDeleted && len(all) > 0 {
		// A registry whose /schemas does not say which are deleted
		// (Confluent 8.0.0): the live ones are the others.
		live, _, err := listSchemas(ctx, cl, false)
		if err != nil {
			return nil, err
		}
		isLive := map[svKey]bool{}
		for _, l := range live {
			isLive[svKey{l.Subject, l.Version}] = true
		}
		for _, l := range all {
			l.Deleted = !isLive[svKey{l.Subject, l.Version}]
		}
	}
	return all, nil
}

func settingPath(base, subject string) string {
	if subject == "" {
		return base
	}
	return base + "/" + url.PathEscape(subject)
}

// orderForImport groups the versions to write in levels: a level's
// versions reference only versions of earlier levels (or written before);
// within a level, the versions of one subject stay together and in order
// (a version is never on an earlier level than the subject's previous one).
func orderForImport(todo []*line) [][][]*line {
	index := map[svKey]int{}
	for i, l := range todo {
		index[svKey{l.Subject, l.Version}] = i
	}
	// Edges from what must come first: the subject's previous pending
	// version (same level allowed: one worker writes a subject in order)
	// and referenced pending versions (a level before).
	type edge struct {
		to   int
		step int
	}
	next := make([][]edge, len(todo))
	waiting := make([]int, len(todo))
	bySubject := map[string][]int{}
	for i, l := range todo {
		bySubject[l.Subject] = append(bySubject[l.Subject], i)
	}
	for _, is := range bySubject {
		sort.Slice(is, func(a, b int) bool { return todo[is[a]].Version < todo[is[b]].Version })
		for k := 1; k < len(is); k++ {
			next[is[k-1]] = append(next[is[k-1]], edge{is[k], 0})
			waiting[is[k]]++
		}
	}
	for i, l := range todo {
		for _, r := range l.References {
			rs := r.Subject
			if c := contextOf(l.Subject); c != "" && !strings.HasPrefix(rs, ":.") {
				rs = c + rs // a reference is in its referrer's context
			}
			if j, ok := index[svKey{rs, r.Version}]; ok && j != i {
				next[j] = append(next[j], edge{i, 1})
				waiting[i]++
			}
		}
	}
	level := make([]int, len(todo))
	var queue []int
	for i := range todo {
		if waiting[i] == 0 {
			queue = append(queue, i)
		}
	}
	done := 0
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		done++
		for _, e := range next[i] {
			level[e.to] = max(level[e.to], level[i]+e.step)
			if waiting[e.to]--; waiting[e.to] == 0 {
				queue = append(queue, e.to)
			}
		}
	}
	top := 0
	for _, lv := range level {
		top = max(top, lv)
	}
	if done < len(todo) { // a cycle (no registry holds one): those last
		for i := range todo {
			if waiting[i] > 0 {
				level[i] = top + 1
			}
		}
		top++
	}
	groups := make([]map[string][]*line, top+1)
	for i, l := range todo {
		if groups[level[i]] == nil {
			groups[level[i]] = map[string][]*line{}
		}
		groups[level[i]][l.Subject] = append(groups[level[i]][l.Subject], l)
	}
	var levels [][][]*line
	for _, group := range groups {
		if group == nil {
			continue
		}
		subjects := make([]string, 0, len(group))
		for s := range group {
			subjects = append(subjects, s)
		}
		sort.Strings(subjects)
		var out [][]*line
		for _, s := range subjects {
			vs := group[s]
			sort.Slice(vs, func(i, j int) bool { return vs[i].Version < vs[j].Version })
			out = append(out, vs)
		}
		levels = append(levels, out)
	}
	return levels
}

// verify reads the target back: every subject-version of the dump is there
// with its id, its schema (GUID) and its deleted flag, and every config and
// mode as exported.
func verify(ctx context.Context, cl *sr.Client, d *dump, configs, modes []*line, out io.Writer) error {
	target, err := allSchemas(ctx, cl)
	if err != nil {
		return err
	}
	got := map[svKey]*line{}
	for _, t := range target {
		got[svKey{t.Subject, t.Version}] = t
	}
	var bad []string
	for _, l := range d.schemas {
		t := got[svKey{l.Subject, l.Version}]
		switch {
		case t == nil:
			bad = append(bad, fmt.Sprintf("%s version %d: missing", l.Subject, l.Version))
		case t.ID != l.ID:
			bad = append(bad, fmt.Sprintf("%s version %d: id %d, want %d", l.Subject, l.Version, t.ID, l.ID))
		case l.GUID != "" && t.GUID != "" && t.GUID != l.GUID:
			why := ""
			if len(l.RuleSet) > 0 && len(t.RuleSet) == 0 {
				why = ": the target dropped its rule set (Confluent's open-source build does)"
			}
			bad = append(bad, fmt.Sprintf("%s version %d: another schema (GUID %s, want %s)%s", l.Subject, l.Version, t.GUID, l.GUID, why))
		case t.Deleted != l.Deleted:
			bad = append(bad, fmt.Sprintf("%s version %d: deleted %t, want %t", l.Subject, l.Version, t.Deleted, l.Deleted))
		}
	}
	for _, l := range configs {
		raw, err := setting(ctx, cl, "/config", l.Subject)
		if err != nil {
			return err
		}
		if !sameJSON(raw, l.Config) {
			why := ""
			if strings.Contains(string(l.Config), "RuleSet\"") && !strings.Contains(string(raw), "RuleSet\"") {
				why = " (the target dropped its rule sets: Confluent's open-source build does)"
			}
			bad = append(bad, fmt.Sprintf("config of %q: %s, want %s%s", l.Subject, raw, l.Config, why))
		}
	}
	for _, l := range modes {
		raw, err := setting(ctx, cl, "/mode", l.Subject)
		if err != nil {
			return err
		}
		var m struct{ Mode string }
		if json.Unmarshal(raw, &m); m.Mode != l.Mode {
			bad = append(bad, fmt.Sprintf("mode of %q: %s, want %s", l.Subject, m.Mode, l.Mode))
		}
	}
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(out, "verify:", b)
		}
		return &negativeError{fmt.Sprintf("verify: %d differences", len(bad))}
	}
	fmt.Fprintf(out, "verified: %d subject-versions with their ids, schemas and deleted flags, %d configs, %d modes\n", len(d.schemas), len(configs), len(modes))
	return nil
}

// sameJSON compares two JSON texts as values.
func sameJSON(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func newBar(o importOptions, n int) *progressbar.ProgressBar {
	visible := !o.quiet && isTerminal(os.Stderr)
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(os.Stderr),
		progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(visible),
	)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newExport(g *globals) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export -f FILE",
		Short: "Write everything a registry holds to one file (JSON lines)",
		Long: `export writes every subject-version of every context (with id, GUID, schema type,
references, metadata, rule set, and whether it is soft-deleted), every config and every
mode to one file, JSON lines, for import or backup.`,
		Example: `  srctl --url http://localhost:8081 export -f backup.jsonl`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output == "" {
				return errors.New("--file is required")
			}
			cl, err := g.client()
			if err != nil {
				return err
			}
			base, _ := g.registryURL()
			d, err := exportFrom(cmd.Context(), cl, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			f, err := os.Create(output)
			if err != nil {
				return err
			}
			if err := d.write(f, base); err != nil {
				f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %d subject-versions, %d configs, %d modes to %s\n", len(d.schemas), len(d.configs), len(d.modes), output)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "file", "f", "", "file to write")
	return cmd
}

func importFlags(cmd *cobra.Command, o *importOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.allowNonEmpty, "allow-non-empty", false, "import beside subjects the target holds already (conflicting ids are refused anyway)")
	f.BoolVar(&o.dryRun, "dry-run", false, "print what would be written, write nothing")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress bar")
	f.IntVar(&o.stopAfter, "stop-after", 0, "stop after that many writes (to test resuming)")
	_ = f.MarkHidden("stop-after")
}

func newImport(g *globals) *cobra.Command {
	var (
		input, context string
		o              importOptions
	)
	cmd := &cobra.Command{
		Use:   "import -f FILE",
		Short: "Write an export into a registry, keeping its ids",
		Long: `import writes an export into a registry with the same ids and versions (IMPORT mode),
references before their referrers, soft-deleted versions deleted again, then configs and
modes, and verifies every id afterwards. It refuses a target that holds conflicting ids
(listed) or other subjects (unless --allow-non-empty) before writing anything. Run again
after an interruption: what is there already is skipped.`,
		Example: `  srctl --url http://new-registry:8081 import -f backup.jsonl
  srctl --url http://new-registry:8081 import -f backup.jsonl --context .eu --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if input == "" {
				return errors.New("--file is required")
			}
			d, err := readDump(input)
			if err != nil {
				return err
			}
			d.retarget(context)
			cl, err := g.client()
			if err != nil {
				return err
			}
			o.progress = cmd.OutOrStdout()
			return importInto(cmd.Context(), cl, d, o)
		},
	}
	cmd.Flags().StringVarP(&input, "file", "f", "", "export file to read")
	cmd.Flags().StringVar(&context, "context", "", "put the default context's subjects into this context (.name)")
	importFlags(cmd, &o)
	return cmd
}

func newMigrate(g *globals) *cobra.Command {
	var (
		from, to, context  string
		fromUser, toUser   string
		fromToken, toToken string
		fromProps, toProps string
		o                  importOptions
	)
	cmd := &cobra.Command{
		Use:   "migrate --from URL --to URL",
		Short: "Copy a registry into another, keeping ids (export and import in one go)",
		Long: `migrate reads everything a registry holds (Confluent, Karapace, Apicurio's
compatible API, Redpanda, or this one) and writes it into another as import does: same
ids and versions, references first, verified at the end, resumable by running it again.
--context puts the source's default-context subjects into a context of the target.`,
		Example: `  srctl migrate --from http://confluent:8081 --to http://localhost:8081
  srctl migrate --from http://old:8081 --to http://new:8081 --context .old --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" || to == "" {
				return errors.New("--from and --to are required")
			}
			// Each side its own credentials: the global flags apply to both
			// unless a --from-/--to- one is given; the environment and a
			// client properties file are not read (one secret for two
			// registries), --from-client-config and --to-client-config are.
			side := func(url, user, token, props string) globals {
				c := *g
				c.url, c.configFile, c.clientProps, c.clientPropsLoaded, c.noEnv = url, props, nil, false, true
				if user != "" {
					c.user = user
				}
				if token != "" {
					c.token = token
				}
				return c
			}
			src := side(from, fromUser, fromToken, fromProps)
			dst := side(to, toUser, toToken, toProps)
			scl, err := src.client()
			if err != nil {
				return err
			}
			dcl, err := dst.client()
			if err != nil {
				return err
			}
			d, err := exportFrom(cmd.Context(), scl, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("reading %s: %w", from, err)
			}
			d.retarget(context)
			o.progress = cmd.OutOrStdout()
			return importInto(cmd.Context(), dcl, d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "source registry URL")
	f.StringVar(&to, "to", "", "target registry URL")
	f.StringVar(&fromUser, "from-user", "", "basic authentication on the source (user:password)")
	f.StringVar(&toUser, "to-user", "", "basic authentication on the target (user:password)")
	f.StringVar(&fromToken, "from-token", "", "bearer token on the source")
	f.StringVar(&toToken, "to-token", "", "bearer token on the target")
	f.StringVar(&fromProps, "from-client-config", "", "client properties file of the source")
	f.StringVar(&toProps, "to-client-config", "", "client properties file of the target")
	f.StringVar(&context, "context", "", "put the source's default-context subjects into this context of the target (.name)")
	importFlags(cmd, &o)
	return cmd
}
