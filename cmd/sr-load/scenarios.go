package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// scenarioNames lists every scenario in the order they run. register-new
// runs last: it is the only one that adds data.
var scenarioNames = []string{"get-id", "get-latest", "lookup", "reregister", "compat", "compat100",
	"list-subjects", "list-subjects-offset", "list-schemas", "list-schemas-offset", "register-new"}

// listPage is the page size of the listing scenarios.
const listPage = 100

// Names of the prepared subjects.
const (
	compat100Subject = "compat100"
	compat100Count   = 100 // versions of compat100
	recordFields     = 20  // fields of the records registered under the N subjects
)

// subjectName is the i-th of the N subjects the read scenarios use.
func subjectName(i int) string { return fmt.Sprintf("load-%04d-value", i) }

// newSubjectName is the i-th of the N subjects register-new writes to
// (compatibility NONE).
func newSubjectName(i int) string { return fmt.Sprintf("new-%04d", i) }

// fieldTypes are the Avro types the generated records cycle through, each
// with a default value of that type.
var fieldTypes = []struct{ typ, def string }{
	{`"long"`, `0`},
	{`"string"`, `""`},
	{`"int"`, `0`},
	{`["null","string"]`, `null`},
	{`"double"`, `0.0`},
	{`"boolean"`, `false`},
	{`{"type":"array","items":"string"}`, `[]`},
	{`"float"`, `0.0`},
	{`"bytes"`, `""`},
	{`{"type":"map","values":"long"}`, `{}`},
}

// avroRecord returns the text of an Avro record schema named namespace.name
// with required fields f0.. without defaults, then optional fields with
// defaults. Field i has type fieldTypes[i % len(fieldTypes)], so a record
// with more optional fields is a compatible evolution (backward and forward)
// of one with fewer.
func avroRecord(namespace, name string, required, optional int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `{"type":"record","name":%q,"namespace":%q,"fields":[`, name, namespace)
	for i := range required + optional {
		if i > 0 {
			b.WriteByte(',')
		}
		t := fieldTypes[i%len(fieldTypes)]
		fmt.Fprintf(&b, `{"name":"f%d","type":%s`, i, t.typ)
		if i >= required {
			fmt.Fprintf(&b, `,"default":%s`, t.def)
		}
		b.WriteByte('}')
	}
	b.WriteString("]}")
	return b.String()
}

// schemaBody returns the request body that registers, looks up or checks
// the schema text: {"schema":"..."}.
func schemaBody(schema string) []byte {
	b, err := json.Marshal(map[string]string{"schema": schema})
	if err != nil {
		panic(err)
	}
	return b
}

// fixture is what the preparation registered and the request bodies the
// scenarios send, built once so that the load loop only picks them.
type fixture struct {
	subjects []string // the N subjects, each with one 20-field record
	ids      []int    // the id of each subject's record
	// registered and evolved surround the namespace of a subject's record
	// in the body with its registered schema and in the body with a
	// 21-field evolution of it: bodies are made when sent, so that 100,000
	// subjects do not take 150 MB of bodies made in advance.
	registered, evolved template
	// candidate101 is the body with the 101-field candidate of compat100.
	candidate101 []byte
	// newSubjects are the N subjects of register-new.
	newSubjects []string
	// newBefore and newAfter surround the record name in a register-new body.
	newBefore, newAfter []byte
	// runID makes register-new's record names unique across runs.
	runID string
}

// newFixture builds the schemas and bodies for n subjects, without
// contacting the registry.
func newFixture(n int) *fixture {
	f := &fixture{runID: strconv.FormatInt(time.Now().UnixNano(), 36)}
	f.subjects = make([]string, n)
	f.ids = make([]int, n)
	f.newSubjects = make([]string, n)
	for i := range n {
		f.subjects[i] = subjectName(i)
		f.newSubjects[i] = newSubjectName(i)
	}
	f.registered = newTemplate(func(ns string) string { return avroRecord(ns, "Record", recordFields, 0) })
	f.evolved = newTemplate(func(ns string) string { return avroRecord(ns, "Record", recordFields, 1) })
	f.candidate101 = schemaBody(avroRecord("com.example.load", "Compat100", 1, compat100Count))
	const placeholder = "NAMEPLACEHOLDER"
	before, after, _ := bytes.Cut(schemaBody(avroRecord("com.example.load.new", placeholder, recordFields, 0)), []byte(placeholder))
	f.newBefore, f.newAfter = before, after
	return f
}

// template is a request body around the namespace of a subject's record.
type template struct{ before, after []byte }

const namespacePlaceholder = "NAMESPACEPLACEHOLDER"

func newTemplate(schema func(namespace string) string) template {
	before, after, _ := bytes.Cut(schemaBody(schema(namespacePlaceholder)), []byte(namespacePlaceholder))
	return template{before, after}
}

// body is the body of the i-th subject: its record's namespace is
// com.example.load.s{i}, four digits at least.
func (t template) body(i int) []byte {
	b := make([]byte, 0, len(t.before)+len(t.after)+32)
	b = append(b, t.before...)
	b = append(b, "com.example.load.s"...)
	for d := 1000; d > 1 && i < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(i), 10)
	return append(b, t.after...)
}

// newBody returns a register-new body whose record name is unique to this
// run, client and sequence number.
func (f *fixture) newBody(client, seq int) []byte {
	b := make([]byte, 0, len(f.newBefore)+len(f.newAfter)+32)
	b = append(b, f.newBefore...)
	b = append(b, "New_"+f.runID+"_"...)
	b = strconv.AppendInt(b, int64(client), 10)
	b = append(b, '_')
	b = strconv.AppendInt(b, int64(seq), 10)
	return append(b, f.newAfter...)
}

// pick spreads requests over n subjects round-robin: at any moment the
// clients use consecutive subjects, and each client walks all of them.
func pick(clients, client, seq, n int) int { return (client + seq*clients) % n }

// scenarios returns the registry scenarios with the given names, using f.
func (f *fixture) scenarios(clients int, names []string) []scenario {
	n := len(f.subjects)
	// Paths are built once; the load loop only indexes them.
	paths := func(format string) []string {
		p := make([]string, n)
		for i, s := range f.subjects {
			p[i] = fmt.Sprintf(format, s)
		}
		return p
	}
	idPaths := make([]string, n)
	for i, id := range f.ids {
		idPaths[i] = fmt.Sprintf("/schemas/ids/%d", id)
	}
	latestPaths := paths("/subjects/%s/versions/latest")
	lookupPaths := paths("/subjects/%s")
	versionsPaths := paths("/subjects/%s/versions")
	compatPaths := paths("/compatibility/subjects/%s/versions/latest")
	newPaths := make([]string, n)
	for i, s := range f.newSubjects {
		newPaths[i] = fmt.Sprintf("/subjects/%s/versions", s)
	}
	const get, post = http.MethodGet, http.MethodPost

	all := map[string]scenario{
		"get-id": {method: get, next: func(c, seq int) request {
			return request{method: get, path: idPaths[pick(clients, c, seq, n)]}
		}},
		"get-latest": {method: get, next: func(c, seq int) request {
			return request{method: get, path: latestPaths[pick(clients, c, seq, n)]}
		}},
		"lookup": {method: post, next: func(c, seq int) request {
			i := pick(clients, c, seq, n)
			return request{method: post, path: lookupPaths[i], body: f.registered.body(i)}
		}},
		"reregister": {method: post, next: func(c, seq int) request {
			i := pick(clients, c, seq, n)
			return request{method: post, path: versionsPaths[i], body: f.registered.body(i)}
		}},
		"compat": {method: post, next: func(c, seq int) request {
			i := pick(clients, c, seq, n)
			return request{method: post, path: compatPaths[i], body: f.evolved.body(i)}
		}},
		"compat100": {method: post, next: func(int, int) request {
			return request{method: post, path: "/compatibility/subjects/" + compat100Subject + "/versions", body: f.candidate101}
		}},
		"list-subjects": {method: get, next: func(int, int) request {
			return request{method: get, path: "/subjects?limit=" + strconv.Itoa(listPage)}
		}},
		"list-subjects-offset": {method: get, next: func(c, seq int) request {
			return request{method: get, path: "/subjects?offset=" + strconv.Itoa(randomOffset(c, seq, n)) + "&limit=" + strconv.Itoa(listPage)}
		}},
		"list-schemas": {method: get, next: func(int, int) request {
			return request{method: get, path: "/schemas?limit=" + strconv.Itoa(listPage)}
		}},
		"list-schemas-offset": {method: get, next: func(c, seq int) request {
			return request{method: get, path: "/schemas?offset=" + strconv.Itoa(randomOffset(c, seq, n)) + "&limit=" + strconv.Itoa(listPage)}
		}},
		"register-new": {method: post, next: func(c, seq int) request {
			return request{method: post, path: newPaths[pick(clients, c, seq, n)], body: f.newBody(c, seq)}
		}},
	}
	var out []scenario
	for _, name := range names {
		sc := all[name]
		sc.name = name
		out = append(out, sc)
	}
	return out
}

// randomOffset is the offset of a page that starts anywhere among the n
// subjects (and ends within them), spread evenly by a hash of the client and
// the sequence number: the same requests on every run.
func randomOffset(client, seq, n int) int {
	if n <= listPage {
		return 0
	}
	h := uint64(client)<<32 | uint64(uint32(seq))
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return int(h % uint64(n-listPage+1))
}

// api sends one request to the registry during the preparation: body
// (already JSON, or nil) and decodes a 2xx answer into out (when not nil).
// Anything else is an error naming the request and quoting the answer.
func api(ctx context.Context, client *http.Client, method, url string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, url, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %v in %s", method, url, err, b)
		}
	}
	return nil
}

// parallel calls fn(0) .. fn(n-1) on at most workers goroutines and
// returns the first error.
func parallel(n, workers int, fn func(i int) error) error {
	var (
		mu    sync.Mutex
		first error
		next  int
		wg    sync.WaitGroup
	)
	for range min(workers, n) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := first != nil
				mu.Unlock()
				if i >= n || stop {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return first
}

// needs reports whether any of names is in want.
func needs(names []string, want ...string) bool {
	for _, n := range names {
		for _, w := range want {
			if n == w {
				return true
			}
		}
	}
	return false
}

// prepare registers what the named scenarios need: the N subjects with a
// 20-field record each (under the global level, BACKWARD by default);
// compat100 with 100 versions under FULL_TRANSITIVE; the N register-new
// subjects set to NONE. Against a registry that already holds them (a
// second run with -url), registering again answers the same ids.
func (f *fixture) prepare(ctx context.Context, client *http.Client, base string, workers int, names []string) error {
	if needs(names, "get-id", "get-latest", "lookup", "reregister", "compat", "list-subjects", "list-subjects-offset", "list-schemas", "list-schemas-offset") {
		err := parallel(len(f.subjects), workers, func(i int) error {
			var out struct{ ID int }
			if err := api(ctx, client, "POST", base+"/subjects/"+f.subjects[i]+"/versions", f.registered.body(i), &out); err != nil {
				return err
			}
			f.ids[i] = out.ID
			return nil
		})
		if err != nil {
			return err
		}
	}
	if needs(names, "compat100") {
		if err := api(ctx, client, "PUT", base+"/config/"+compat100Subject, []byte(`{"compatibility":"FULL_TRANSITIVE"}`), nil); err != nil {
			return err
		}
		for v := range compat100Count {
			body := schemaBody(avroRecord("com.example.load", "Compat100", 1, v))
			if err := api(ctx, client, "POST", base+"/subjects/"+compat100Subject+"/versions", body, nil); err != nil {
				return fmt.Errorf("version %d of %s: %w", v+1, compat100Subject, err)
			}
		}
	}
	if needs(names, "register-new") {
		err := parallel(len(f.newSubjects), workers, func(i int) error {
			return api(ctx, client, "PUT", base+"/config/"+f.newSubjects[i], []byte(`{"compatibility":"NONE"}`), nil)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// check sends each named scenario's first request once and returns what
// looks wrong in the answers beyond the status (a lookup answering another
// id, a compatibility check answering false), so that a fast but wrong
// answer is not mistaken for a fast one. register-new is not checked: its
// first request must stay new for the run.
func (f *fixture) check(ctx context.Context, client *http.Client, base string, scs []scenario) []string {
	var problems []string
	for _, sc := range scs {
		if sc.name == "register-new" {
			continue
		}
		rq := sc.next(0, 0)
		if strings.HasPrefix(sc.name, "list-") {
			var page []json.RawMessage
			if err := api(ctx, client, rq.method, base+rq.path, rq.body, &page); err != nil {
				problems = append(problems, fmt.Sprintf("%s: %v", sc.name, err))
			} else if want := min(listPage, len(f.subjects)); len(page) < want {
				problems = append(problems, fmt.Sprintf("%s: %d entries, want %d", sc.name, len(page), want))
			}
			continue
		}
		var out struct {
			ID           int `json:"id"`
			Schema       string
			IsCompatible *bool `json:"is_compatible"`
			Messages     []string
		}
		if err := api(ctx, client, rq.method, base+rq.path, rq.body, &out); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", sc.name, err))
			continue
		}
		switch sc.name {
		case "get-id", "get-latest":
			if out.Schema == "" {
				problems = append(problems, sc.name+": no schema in the answer")
			}
		case "lookup", "reregister":
			if out.ID != f.ids[0] {
				problems = append(problems, fmt.Sprintf("%s: id %d, want %d", sc.name, out.ID, f.ids[0]))
			}
		case "compat", "compat100":
			if out.IsCompatible == nil || !*out.IsCompatible {
				problems = append(problems, fmt.Sprintf("%s: not compatible: %v", sc.name, out.Messages))
			}
		}
	}
	return problems
}
