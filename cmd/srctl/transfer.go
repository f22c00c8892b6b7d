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
	all, hasDeleted, err := listSchemas(ctx, cl, true)
	if err != nil {
		return nil, err
	}
	if all == nil { // no GET /schemas: subject by subject
		if all, err = schemasBySubject(ctx, cl); err != nil {
			return nil, err
		}
	} else if !hasDeleted {
		// A registry whose /schemas does not say which are deleted
		// (Confluent 8.0.0): the live ones are the others.
		live, _, err := listSchemas(ctx, cl, false)
		if err != nil {
			return nil, err
		}
		isLive := map[[2]string]bool{}
		for _, l := range live {
			isLive[[2]string{l.Subject, strconv.Itoa(l.Version)}] = true
		}
		for _, l := range all {
			l.Deleted = !isLive[[2]string{l.Subject, strconv.Itoa(l.Version)}]
		}
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
	for offset := 0; ; offset += page {
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
		for _, raw := range batch {
			l := &line{Kind: "schema"}
			if err := json.Unmarshal(raw, l); err != nil {
				return nil, false, err
			}
			l.Kind = "schema"
			if strings.Contains(string(raw), `"deleted":`) {
				hasDeleted = true
			}
			out = append(out, l)
		}
		if len(batch) < page {
			break
		}
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
		var versions []int
		if err := json.Unmarshal(raw, &versions); err != nil {
			return err
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
			l.Kind = "schema"
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
	conflicts []string
	foreign   int // subject-versions of the target not in the dump
}

func planImport(d *dump, target []*line) plan {
	p := plan{present: map[svKey]bool{}}
	want := map[svKey]*line{}
	idGUID := map[string]string{} // context + id -> guid, of the dump
	for _, l := range d.schemas {
		want[svKey{l.Subject, l.Version}] = l
		idGUID[contextOf(l.Subject)+strconv.Itoa(l.ID)] = l.GUID
	}
	for _, t := range target {
		k := svKey{t.Subject, t.Version}
		if w, ok := want[k]; ok {
			if w.ID != t.ID || (w.GUID != "" && t.GUID != "" && w.GUID != t.GUID) {
				p.conflicts = append(p.conflicts, fmt.Sprintf("%s version %d: id %d in the target, %d in the export", t.Subject, t.Version, t.ID, w.ID))
				continue
			}
			p.present[k] = true
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
// each context it fills, the subject-versions in an order that has every
// reference before its referrer (several subjects at a time), the
// soft-deleted ones deleted again, then configs and modes, then a check
// that every id of the dump is served with its schema.
func importInto(ctx context.Context, cl *sr.Client, d *dump, o importOptions) error {
	target, _, err := listSchemas(ctx, cl, true)
	if err != nil {
		return err
	}
	if target == nil {
		if target, err = schemasBySubject(ctx, cl); err != nil {
			return err
		}
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
	if o.dryRun {
		fmt.Fprintf(out, "would write %d of %d subject-versions (%d there already), %d configs, %d modes\n",
			len(todo), len(d.schemas), len(p.present), len(d.configs), len(d.modes))
		for _, l := range todo {
			fmt.Fprintf(out, "  %s version %d id %d%s\n", l.Subject, l.Version, l.ID, map[bool]string{true: " (soft-deleted)"}[l.Deleted])
		}
		return nil
	}
	if len(p.present) > 0 {
		fmt.Fprintf(out, "resuming: %d of %d subject-versions are there already\n", len(p.present), len(d.schemas))
	}
	// IMPORT mode on every context written to.
	scopes := map[string]bool{}
	for _, l := range d.schemas {
		scopes[contextOf(l.Subject)] = true
	}
	for s := range scopes {
		path := "/mode"
		if s != "" {
			path += "/" + url.PathEscape(s)
		}
		if _, err := call(ctx, cl, "PUT", path, map[string]string{"mode": "IMPORT"}, sr.Force); err != nil {
			return err
		}
	}
	bar := newBar(o, len(todo))
	var written, started atomic.Int64
	register := func(l *line) error {
		if o.stopAfter > 0 && started.Add(1) > int64(o.stopAfter) {
			return errStopped
		}
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
		if _, err := call(ctx, cl, "POST", subjectPath(l.Subject)+"/versions", body); err != nil {
			return err
		}
		if l.Deleted {
			if _, err := call(ctx, cl, "DELETE", subjectPath(l.Subject)+"/versions/"+strconv.Itoa(l.Version), nil); err != nil && !alreadySoftDeleted(err) {
				return err
			}
		}
		written.Add(1)
		bar.Add(1)
		return nil
	}
	for _, level := range orderForImport(d.schemas, todo) {
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
			if errors.Is(err, errStopped) {
				return fmt.Errorf("%w: %d written; run the same import again to resume", err, written.Load())
			}
			return fmt.Errorf("after %d written (run again to resume): %w", written.Load(), err)
		}
	}
	bar.Finish()
	// Configs, then modes (the export's modes replace IMPORT).
	for _, l := range d.configs {
		if _, err := call(ctx, cl, "PUT", settingPath("/config", l.Subject), l.Config); err != nil {
			return err
		}
	}
	restored := map[string]bool{}
	for _, l := range d.modes {
		if _, err := call(ctx, cl, "PUT", settingPath("/mode", l.Subject), map[string]string{"mode": l.Mode}, sr.Force); err != nil {
			return err
		}
		restored[l.Subject] = true
	}
	for s := range scopes {
		if !restored[s] {
			if s == "" {
				_, err = call(ctx, cl, "PUT", "/mode", map[string]string{"mode": "READWRITE"})
			} else {
				_, err = call(ctx, cl, "DELETE", settingPath("/mode", s), nil)
			}
			if err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(out, "wrote %d subject-versions, %d configs, %d modes\n", written.Load(), len(d.configs), len(d.modes))
	return verify(ctx, cl, d, out)
}

func settingPath(base, subject string) string {
	if subject == "" {
		return base
	}
	return base + "/" + url.PathEscape(subject)
}

// orderForImport groups the versions to write in levels: a level's
// versions reference only versions of earlier levels (or written before);
// within a level, the versions of one subject stay together and in order.
func orderForImport(all, todo []*line) [][][]*line {
	level := map[svKey]int{}
	byKey := map[svKey]*line{}
	for _, l := range all {
		byKey[svKey{l.Subject, l.Version}] = l
	}
	pending := map[svKey]bool{}
	for _, l := range todo {
		pending[svKey{l.Subject, l.Version}] = true
	}
	var levelOf func(k svKey, depth int) int
	levelOf = func(k svKey, depth int) int {
		if lv, ok := level[k]; ok {
			return lv
		}
		l := byKey[k]
		if l == nil || !pending[k] || depth > 1000 {
			return -1 // written before, or not in the dump
		}
		lv := 0
		// After the subject's previous pending version.
		for v := k.version - 1; v > 0; v-- {
			if pk := (svKey{k.subject, v}); pending[pk] {
				lv = max(lv, levelOf(pk, depth+1))
				break
			}
		}
		for _, r := range l.References {
			rs := r.Subject
			if c := contextOf(l.Subject); c != "" && !strings.HasPrefix(rs, ":.") {
				rs = c + rs // a reference is in its referrer's context
			}
			if dep := levelOf(svKey{rs, r.Version}, depth+1); dep >= 0 {
				lv = max(lv, dep+1)
			}
		}
		level[k] = lv
		return lv
	}
	var levels [][][]*line
	bySubject := map[int]map[string][]*line{}
	for _, l := range todo {
		lv := levelOf(svKey{l.Subject, l.Version}, 0)
		if bySubject[lv] == nil {
			bySubject[lv] = map[string][]*line{}
		}
		bySubject[lv][l.Subject] = append(bySubject[lv][l.Subject], l)
	}
	for lv := 0; lv < len(bySubject)+1 && len(levels) < len(bySubject); lv++ {
		group := bySubject[lv]
		if group == nil {
			continue
		}
		var subjects []string
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
// with its id, its schema (GUID) and its deleted flag.
func verify(ctx context.Context, cl *sr.Client, d *dump, out io.Writer) error {
	target, _, err := listSchemas(ctx, cl, true)
	if err != nil {
		return err
	}
	if target == nil {
		if target, err = schemasBySubject(ctx, cl); err != nil {
			return err
		}
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
			bad = append(bad, fmt.Sprintf("%s version %d: another schema (GUID %s, want %s)", l.Subject, l.Version, t.GUID, l.GUID))
		}
	}
	if len(bad) > 0 {
		for _, b := range bad {
			fmt.Fprintln(out, "verify:", b)
		}
		return &negativeError{fmt.Sprintf("verify: %d of %d subject-versions differ", len(bad), len(d.schemas))}
	}
	fmt.Fprintf(out, "verified: %d subject-versions with their ids and schemas\n", len(d.schemas))
	return nil
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
			src := *g
			src.url, src.user, src.token = from, fromUser, fromToken
			dst := *g
			dst.url, dst.user, dst.token = to, toUser, toToken
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
	f.StringVar(&context, "context", "", "put the source's default-context subjects into this context of the target (.name)")
	importFlags(cmd, &o)
	return cmd
}
