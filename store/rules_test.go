package store

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// Rule tests: records in (a `_schemas` log replayed into a registry), one
// decision applied to a view of its state, records or an error code out.
// They go through the decide functions, with no lock, queue or log.

const (
	ruleV1  = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`
	ruleV2  = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":""}]}`
	ruleBad = `{"type":"record","name":"R","fields":[{"name":"b","type":"string"}]}` // not BACKWARD after ruleV1
)

// ruleSchema is a SCHEMA record.
func ruleSchema(subject string, version, id int, schema string, deleted bool, refs ...formats.Reference) Record {
	return schemaRecord(schemaValue{Subject: subject, Version: version, ID: id, SchemaType: formats.Avro,
		Schema: schema, Deleted: deleted, References: refs})
}

// ruleMode and ruleConfig are MODE and CONFIG records ("" = global).
func ruleMode(subject string, m Mode) Record {
	return Record{Key: recordKey{Type: keyMode, Subject: subject}.bytes(), Value: marshal(modeValue{Subject: optSubject(subject), Mode: m})}
}

func ruleConfig(subject, body string) Record {
	return Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes(), Value: []byte(body)}
}

var ruleSettings = Settings{ModeMutability: true, ValidateNewSchemas: true}

// ruleOpen replays recs into a registry with the given settings.
func ruleOpen(t *testing.T, s Settings, recs ...Record) *Registry {
	t.Helper()
	r, err := Open(NewMemoryLog(recs...), []formats.Format{avro.Format{}}, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// ruleShow summarises records as a reader of the log sees them:
// "SCHEMA s/2 id=1", "SCHEMA s/1 deleted id=1", "SCHEMA s/1 null",
// "MODE s IMPORT", "CONFIG  {...}", "DELETE_SUBJECT s 3", "CLEAR_SUBJECT s".
func ruleShow(t *testing.T, recs []Record) []string {
	t.Helper()
	out := []string{}
	for _, rec := range recs {
		k, err := parseKey(rec.Key)
		if err != nil {
			t.Fatalf("unreadable key %s: %v", rec.Key, err)
		}
		line := k.Type + " " + k.Subject
		switch {
		case rec.Value == nil:
			if k.Type == keySchema {
				line += fmt.Sprintf("/%d", k.Version)
			}
			line += " null"
		case k.Type == keySchema:
			v, _, err := decodeSchemaValue(rec.Value, nil)
			if err != nil {
				t.Fatalf("unreadable value %s: %v", rec.Value, err)
			}
			line += fmt.Sprintf("/%d", k.Version)
			if v.Deleted {
				line += " deleted"
			}
			line += fmt.Sprintf(" id=%d", v.ID)
		case k.Type == keyMode:
			var v modeValue
			json.Unmarshal(rec.Value, &v)
			line += " " + v.Mode.String()
		case k.Type == keyDeleteSubject:
			var v deleteSubjectValue
			json.Unmarshal(rec.Value, &v)
			line += fmt.Sprintf(" %d", v.Version)
		case k.Type == keyContext:
		case k.Type == keyConfig:
			var v configValue
			json.Unmarshal(rec.Value, &v)
			line += " " + string(marshal(v.Config))
		}
		out = append(out, line)
	}
	return out
}

// ruleCheck compares a decision's outcome with the records or error code
// wanted.
func ruleCheck(t *testing.T, recs []Record, err error, want []string, wantCode int) {
	t.Helper()
	if code := replayCode(err); code != wantCode {
		t.Fatalf("error %v (code %d), want code %d", err, code, wantCode)
	}
	if err != nil {
		return
	}
	if got := ruleShow(t, recs); !reflect.DeepEqual(got, want) {
		t.Errorf("records\n  %q\nwant\n  %q", got, want)
	}
}

func TestDecideRegister(t *testing.T) {
	ref := formats.Reference{Name: "R", Subject: "s", Version: 1}
	for _, tc := range []struct {
		name     string
		log      []Record
		subject  string
		req      SchemaRequest
		force    bool
		want     []string // records written
		existing int      // or the version answered without writing
		code     int      // or the error
	}{
		{name: "first version", subject: "s", req: SchemaRequest{Schema: ruleV1},
			want: []string{"SCHEMA s/1 id=1"}},
		{name: "held already: answered, nothing written", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, existing: 1},
		{name: "held already, even in READONLY", log: []Record{ruleSchema("s", 1, 1, ruleV1, false), ruleMode("s", ModeReadOnly)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, existing: 1},
		{name: "held, asked with id and version -1 (none)", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: -1, Version: -1}, existing: 1},
		{name: "held, but under another id than asked: not an answer", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 7}, code: CodeOperationNotPermitted},
		{name: "READONLY refuses", log: []Record{ruleMode("", ModeReadOnly)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, code: CodeOperationNotPermitted},
		{name: "READONLY_OVERRIDE refuses", log: []Record{ruleMode("s", ModeReadOnlyOverride)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, code: CodeOperationNotPermitted},
		{name: "IMPORT refuses a new id", log: []Record{ruleMode("", ModeImport)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, code: CodeOperationNotPermitted},
		{name: "READWRITE refuses an explicit id", subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 5},
			code: CodeOperationNotPermitted},
		{name: "IMPORT keeps the id and version given", log: []Record{ruleMode("", ModeImport)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 42, Version: 3}, want: []string{"SCHEMA s/3 id=42"}},
		{name: "FORWARD on the global context imports too", log: []Record{ruleMode(globalContext, ModeForward)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 42}, want: []string{"SCHEMA s/1 id=42"}},
		{name: "IMPORT: an id bound to another schema", log: []Record{ruleSchema("t", 1, 42, ruleV2, false), ruleMode("", ModeImport)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 42}, code: CodeOperationNotPermitted},
		{name: "IMPORT: a version holding another schema", log: []Record{ruleSchema("s", 1, 1, ruleV2, false), ruleMode("", ModeImport)},
			subject: "s", req: SchemaRequest{Schema: ruleV1, ID: 2, Version: 1}, code: CodeOperationNotPermitted},
		{name: "IMPORT skips compatibility", log: []Record{ruleSchema("s", 1, 1, ruleV1, false), ruleMode("", ModeImport)},
			subject: "s", req: SchemaRequest{Schema: ruleBad, ID: 2}, want: []string{"SCHEMA s/2 id=2"}},
		{name: "incompatible under BACKWARD", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleBad}, code: CodeIncompatibleSchema},
		{name: "forced past compatibility", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleBad}, force: true, want: []string{"SCHEMA s/2 id=2"}},
		{name: "NONE does not check", log: []Record{ruleSchema("s", 1, 1, ruleV1, false), ruleConfig("s", `{"compatibilityLevel":"NONE"}`)},
			subject: "s", req: SchemaRequest{Schema: ruleBad}, want: []string{"SCHEMA s/2 id=2"}},
		{name: "soft-deleted versions are not checked", log: []Record{ruleSchema("s", 1, 1, ruleV1, true)},
			subject: "s", req: SchemaRequest{Schema: ruleBad}, want: []string{"SCHEMA s/2 id=2"}},
		{name: "a version asked for must be the next", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV2, Version: 3}, code: CodeInvalidSchema},
		{name: "the next version asked for", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV2, Version: 2}, want: []string{"SCHEMA s/2 id=2"}},
		{name: "the same schema in another subject keeps its id", log: []Record{ruleSchema("t", 1, 7, ruleV1, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, want: []string{"SCHEMA s/1 id=7"}},
		{name: "ids never reused after a hard delete", log: []Record{ruleSchema("t", 1, 7, ruleV2, false), ruleSchema("t", 1, 7, ruleV2, true), replayTomb(`{"keytype":"SCHEMA","subject":"t","version":1,"magic":1}`)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, want: []string{"SCHEMA s/1 id=8"}},
		{name: "older soft-deleted versions of the same id are tombstoned",
			log:     []Record{ruleSchema("s", 1, 1, ruleV1, true), ruleSchema("s", 2, 2, ruleV2, false)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, force: true,
			want: []string{"SCHEMA s/1 null", "SCHEMA s/3 id=1"}},
		{name: "unless something refers to them, even soft-deleted",
			log: []Record{ruleSchema("s", 1, 1, ruleV1, true), ruleSchema("s", 2, 2, ruleV2, false),
				ruleSchema("u", 1, 3, `{"type":"record","name":"U","fields":[{"name":"r","type":"R"}]}`, true, ref)},
			subject: "s", req: SchemaRequest{Schema: ruleV1}, force: true,
			want: []string{"SCHEMA s/3 id=1"}},
		{name: "a context is an id space of its own, its first schema writes its CONTEXT record",
			log: []Record{ruleSchema("s", 1, 1, ruleV1, false)}, subject: ":.ctx1:s1", req: SchemaRequest{Schema: ruleV2},
			want: []string{"CONTEXT .ctx1", "SCHEMA :.ctx1:s1/1 id=1"}},
		{name: "the same schema in another context gets that context's id",
			log:     []Record{ruleSchema("s", 1, 1, ruleV1, false), ruleSchema("t", 1, 2, ruleV2, false), contextRecord(".ctx1"), ruleSchema(":.ctx1:a", 1, 1, ruleV2, false)},
			subject: ":.ctx1:b", req: SchemaRequest{Schema: ruleV2}, want: []string{"SCHEMA :.ctx1:b/1 id=1"}},
		{name: "a new schema in a context takes the next id of the context",
			log:     []Record{ruleSchema("s", 1, 7, ruleV1, false), contextRecord(".ctx1"), ruleSchema(":.ctx1:a", 1, 1, ruleV2, false)},
			subject: ":.ctx1:b", req: SchemaRequest{Schema: ruleV1}, want: []string{"SCHEMA :.ctx1:b/1 id=2"}},
		{name: "IMPORT into a context: an id bound in another context is free here",
			log:     []Record{ruleSchema("s", 1, 42, ruleV2, false), ruleMode(":.ctx1:", ModeImport)},
			subject: ":.ctx1:s", req: SchemaRequest{Schema: ruleV1, ID: 42}, want: []string{"CONTEXT .ctx1", "SCHEMA :.ctx1:s/1 id=42"}},
		{name: "a context's mode applies to its subjects, the default context's does not",
			log:     []Record{ruleMode("", ModeReadOnly)},
			subject: ":.ctx1:s", req: SchemaRequest{Schema: ruleV1}, want: []string{"CONTEXT .ctx1", "SCHEMA :.ctx1:s/1 id=1"}},
		{name: "a context in READONLY", log: []Record{ruleMode(":.ctx1:", ModeReadOnly)},
			subject: ":.ctx1:s", req: SchemaRequest{Schema: ruleV1}, code: CodeOperationNotPermitted},
		{name: "a reference without a context is in its referrer's",
			log:     []Record{ruleSchema("a", 1, 1, ruleV2, false), contextRecord(".c"), ruleSchema(":.c:a", 1, 1, ruleV1, false)},
			subject: ":.c:u", req: SchemaRequest{Schema: `{"type":"record","name":"U","fields":[{"name":"r","type":"R"}]}`, References: []formats.Reference{{Name: "R", Subject: "a", Version: 1}}},
			want: []string{"SCHEMA :.c:u/1 id=2"}},
		{name: "a reference deleted since the request was read", log: []Record{ruleSchema("s", 1, 1, ruleV1, true)},
			subject: "u", req: SchemaRequest{Schema: `{"type":"record","name":"U","fields":[{"name":"r","type":"R"}]}`, References: []formats.Reference{ref}},
			code: CodeInvalidSchema},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleOpen(t, ruleSettings, tc.log...)
			// Parsed as when the request came in, before the log below
			// may have changed: a reference may be gone since.
			p := forRegistration
			if len(tc.req.References) > 0 {
				p = forLookup
			}
			c, err := r.candidate(tc.subject, tc.req, false, p)
			if err != nil {
				t.Fatalf("candidate: %v", err)
			}
			recs, answer, err := decide(r, newTakenIDs(), func(w *view) ([]Record, registerAnswer, error) {
				return w.decideRegister(registration{subject: tc.subject, c: c, force: tc.force})
			})
			if tc.existing > 0 {
				if err != nil || answer.existing == nil || answer.existing.Version != tc.existing || len(recs) > 0 {
					t.Fatalf("got %v %+v %v, want version %d answered with no records", ruleShow(t, recs), answer, err, tc.existing)
				}
				return
			}
			if err == nil && answer.existing != nil {
				t.Fatalf("answered the existing %+v, want records", *answer.existing)
			}
			ruleCheck(t, recs, err, tc.want, tc.code)
		})
	}
}

// TestDecideRegisterBatch: decisions of one commit see the ids taken before
// them: the same schema gets one id, the next new schema the next id.
func TestDecideRegisterBatch(t *testing.T) {
	r := ruleOpen(t, ruleSettings, ruleSchema("t", 1, 4, `"string"`, false))
	taken := newTakenIDs()
	var got []string
	for _, g := range []struct{ subject, schema string }{{"a", ruleV1}, {"b", ruleV2}, {"c", ruleV1}, {"d", `"string"`}} {
		c, err := r.candidate(g.subject, SchemaRequest{Schema: g.schema}, false, forRegistration)
		if err != nil {
			t.Fatal(err)
		}
		recs, _, err := decide(r, taken, func(w *view) ([]Record, registerAnswer, error) {
			return w.decideRegister(registration{subject: g.subject, c: c})
		})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ruleShow(t, recs)...)
	}
	want := []string{"SCHEMA a/1 id=5", "SCHEMA b/1 id=6", "SCHEMA c/1 id=5", "SCHEMA d/1 id=4"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records %q, want %q", got, want)
	}
}

func TestDecideDelete(t *testing.T) {
	ref := formats.Reference{Name: "R", Subject: "s", Version: 1}
	referrer := `{"type":"record","name":"U","fields":[{"name":"r","type":"R"}]}`
	two := []Record{ruleSchema("s", 1, 1, ruleV1, false), ruleSchema("s", 2, 2, ruleV2, false)}
	for _, tc := range []struct {
		name    string
		log     []Record
		subject string
		version int // 0: the subject
		how     Deletion
		want    []string
		code    int
	}{
		{name: "soft version", log: two, subject: "s", version: 1, want: []string{"SCHEMA s/1 deleted id=1"}},
		{name: "soft latest", log: two, subject: "s", version: LatestVersion, want: []string{"SCHEMA s/2 deleted id=2"}},
		{name: "soft again", log: []Record{ruleSchema("s", 1, 1, ruleV1, true)}, subject: "s", version: 1, code: CodeVersionSoftDeleted},
		{name: "no subject", subject: "s", version: 1, code: CodeSubjectNotFound},
		{name: "no version", log: two, subject: "s", version: 3, code: CodeVersionNotFound},
		{name: "permanent before soft", log: two, subject: "s", version: 1, how: PermanentDelete, code: CodeVersionNotSoftDeleted},
		{name: "permanent", log: append(two[:1:1], ruleSchema("s", 1, 1, ruleV1, true), two[1]), subject: "s", version: 1, how: PermanentDelete,
			want: []string{"SCHEMA s/1 null"}},
		{name: "permanent, the last version takes config and mode",
			log:     []Record{ruleSchema("s", 1, 1, ruleV1, true), ruleConfig("s", `{"compatibilityLevel":"NONE"}`), ruleMode("s", ModeReadWrite)},
			subject: "s", version: 1, how: PermanentDelete, want: []string{"SCHEMA s/1 null", "CONFIG s null", "MODE s null"}},
		{name: "READONLY", log: append(two[:2:2], ruleMode("s", ModeReadOnly)), subject: "s", version: 1, code: CodeOperationNotPermitted},
		{name: "IMPORT allows deletes", log: append(two[:2:2], ruleMode("s", ModeImport)), subject: "s", version: 1, want: []string{"SCHEMA s/1 deleted id=1"}},
		{name: "referenced", log: append(two[:2:2], ruleSchema("u", 1, 3, referrer, false, ref)), subject: "s", version: 1, code: CodeReferenceExists},
		{name: "referenced by a soft-deleted referrer: soft delete allowed",
			log: append(two[:2:2], ruleSchema("u", 1, 3, referrer, true, ref)), subject: "s", version: 1, want: []string{"SCHEMA s/1 deleted id=1"}},
		{name: "referenced by a soft-deleted referrer: permanent refused",
			log:     []Record{ruleSchema("s", 1, 1, ruleV1, true), ruleSchema("u", 1, 3, referrer, true, ref)},
			subject: "s", version: 1, how: PermanentDelete, code: CodeReferenceExists},
		{name: "referenced from its context by a reference without a context",
			log: []Record{contextRecord(".c"), ruleSchema(":.c:s", 1, 1, ruleV1, false), ruleSchema(":.c:s", 2, 2, ruleV2, false),
				ruleSchema(":.c:u", 1, 3, referrer, false, ref)},
			subject: ":.c:s", version: 1, code: CodeReferenceExists},
		{name: "subject soft", log: two, subject: "s", want: []string{"DELETE_SUBJECT s 2"}},
		{name: "subject soft again", log: []Record{ruleSchema("s", 1, 1, ruleV1, true)}, subject: "s", code: CodeSubjectSoftDeleted},
		{name: "subject permanent before soft", log: two, subject: "s", how: PermanentDelete, code: CodeSubjectNotSoftDeleted},
		{name: "subject permanent, newest first",
			log:     []Record{ruleSchema("s", 1, 1, ruleV1, true), ruleSchema("s", 2, 2, ruleV2, true), ruleMode("s", ModeImport)},
			subject: "s", how: PermanentDelete, want: []string{"SCHEMA s/2 null", "SCHEMA s/1 null", "MODE s null"}},
		{name: "subject referenced from another subject", log: append(two[:2:2], ruleSchema("u", 1, 3, referrer, false, ref)),
			subject: "s", code: CodeReferenceExists},
		{name: "subject referenced from itself", log: append(two[:2:2], ruleSchema("s", 3, 3, referrer, false, ref)),
			subject: "s", want: []string{"DELETE_SUBJECT s 3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleOpen(t, ruleSettings, tc.log...)
			var recs []Record
			var err error
			if tc.version == 0 {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, []int, error) { return w.decideDeleteSubject(tc.subject, tc.how) })
			} else {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, int, error) { return w.decideDeleteVersion(tc.subject, tc.version, tc.how) })
			}
			ruleCheck(t, recs, err, tc.want, tc.code)
		})
	}
}

func TestDecideConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		log     []Record
		subject string
		body    string // PUT body; "" for DELETE
		want    []string
		code    int
	}{
		{name: "level in any case", subject: "s", body: `{"compatibility":"full_transitive"}`,
			want: []string{`CONFIG s {"compatibilityLevel":"FULL_TRANSITIVE"}`}},
		{name: "level under its entity name", body: `{"compatibilityLevel":"none"}`,
			want: []string{`CONFIG  {"compatibilityLevel":"NONE"}`}},
		{name: "fields kept, set, cleared", subject: "s", log: []Record{ruleConfig("s", `{"compatibilityLevel":"FULL","normalize":true}`)},
			body: `{"normalize":null,"validateFields":true}`, want: []string{`CONFIG s {"validateFields":true,"compatibilityLevel":"FULL"}`}},
		{name: "policy", subject: "s", body: `{"compatibilityPolicy":"lenient"}`, want: []string{`CONFIG s {"compatibilityPolicy":"LENIENT"}`}},
		{name: "bad level", subject: "s", body: `{"compatibility":"sideways"}`, code: CodeInvalidCompatibilityLevel},
		{name: "level of the wrong type", subject: "s", body: `{"compatibility":3}`, code: CodeInvalidCompatibilityLevel},
		{name: "bad policy", subject: "s", body: `{"compatibilityPolicy":"LOOSE"}`, code: CodeUnprocessable},
		{name: "not an object", subject: "s", body: `[1]`, code: CodeUnprocessable},
		{name: "bad rule set", subject: "s", body: `{"defaultRuleSet":{"domainRules":[{"name":"r","type":"CEL","mode":"UPGRADE"}]}}`, code: CodeInvalidRuleSet},
		{name: "reserved subject", subject: "__GLOBAL", body: `{"compatibility":"NONE"}`, code: CodeInvalidSubject},
		{name: "delete", subject: "s", log: []Record{ruleConfig("s", `{"compatibilityLevel":"FULL"}`)}, want: []string{"CONFIG s null"}},
		{name: "delete none", subject: "s", code: CodeSubjectNotFound},
		{name: "delete the global none: nothing written", want: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleOpen(t, ruleSettings, tc.log...)
			var recs []Record
			var err error
			if tc.body != "" {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, Config, error) { return w.decideConfigPut(tc.subject, []byte(tc.body)) })
			} else {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, Config, error) { return w.decideConfigDelete(tc.subject) })
			}
			ruleCheck(t, recs, err, tc.want, tc.code)
		})
	}
}

func TestDecideMode(t *testing.T) {
	live := ruleSchema("s", 1, 1, ruleV1, false)
	for _, tc := range []struct {
		name      string
		log       []Record
		immutable bool
		subject   string
		put       *ModeUpdate // nil: DELETE
		recursive bool
		want      []string
		code      int
	}{
		{name: "READONLY", subject: "s", put: &ModeUpdate{Mode: ModeReadOnly}, want: []string{"MODE s READONLY"}},
		{name: "IMPORT on an empty registry drops what was soft-deleted", put: &ModeUpdate{Mode: ModeImport},
			want: []string{"MODE  IMPORT", "CLEAR_SUBJECT "}},
		{name: "IMPORT with live subjects", log: []Record{live}, put: &ModeUpdate{Mode: ModeImport}, code: CodeOperationNotPermitted},
		{name: "IMPORT with live subjects, forced", log: []Record{live}, put: &ModeUpdate{Mode: ModeImport, Force: true},
			want: []string{"MODE  IMPORT"}},
		{name: "IMPORT on another subject than the live one", log: []Record{live}, subject: "t", put: &ModeUpdate{Mode: ModeImport},
			want: []string{"MODE t IMPORT", "CLEAR_SUBJECT t"}},
		{name: "IMPORT of the default context with a live subject in another", log: []Record{contextRecord(".c"), ruleSchema(":.c:s", 1, 1, ruleV1, false)},
			put: &ModeUpdate{Mode: ModeImport}, code: CodeOperationNotPermitted},
		{name: "IMPORT of a context with live subjects in the default one", log: []Record{live}, subject: ":.c:", put: &ModeUpdate{Mode: ModeImport},
			want: []string{"MODE :.c: IMPORT", "CLEAR_SUBJECT :.c:"}},
		{name: "IMPORT again", log: []Record{live, ruleMode("", ModeImport)}, put: &ModeUpdate{Mode: ModeImport},
			want: []string{"MODE  IMPORT", "CLEAR_SUBJECT "}},
		{name: "FORWARD on a subject", subject: "s", put: &ModeUpdate{Mode: ModeForward}, code: CodeInvalidMode},
		{name: "FORWARD on the global context", subject: globalContext, put: &ModeUpdate{Mode: ModeForward},
			want: []string{"MODE " + globalContext + " FORWARD"}},
		{name: "immutable", immutable: true, put: &ModeUpdate{Mode: ModeReadOnly}, code: CodeOperationNotPermitted},
		{name: "delete", log: []Record{ruleMode("s", ModeReadOnly)}, subject: "s", want: []string{"MODE s null"}},
		{name: "delete none", subject: "s", code: CodeSubjectNotFound},
		{name: "delete recursive", log: []Record{ruleMode("", ModeReadOnly), ruleMode("b", ModeImport), ruleMode("a", ModeReadOnly)},
			recursive: true, want: []string{"MODE  null", "MODE a null", "MODE b null"}},
		{name: "recursive on the global mode stays in the default context", log: []Record{ruleMode("", ModeReadOnly), ruleMode("a", ModeImport), ruleMode(":.c:", ModeReadOnly), ruleMode(":.c:a", ModeReadOnly)},
			recursive: true, want: []string{"MODE  null", "MODE a null"}},
		{name: "recursive on a context", subject: ":.c:", log: []Record{ruleMode("a", ModeImport), ruleMode(":.c:", ModeReadOnly), ruleMode(":.c:a", ModeReadOnly), ruleMode(":.c:b", ModeImport), ruleMode(":.cc:a", ModeImport)},
			recursive: true, want: []string{"MODE :.c: null", "MODE :.c:a null", "MODE :.c:b null"}},
		{name: "recursive on a subject is the subject alone", subject: "a", log: []Record{ruleMode("a", ModeImport), ruleMode("ab", ModeReadOnly)},
			recursive: true, want: []string{"MODE a null"}},
		{name: "delete immutable", immutable: true, log: []Record{ruleMode("s", ModeReadOnly)}, subject: "s", code: CodeOperationNotPermitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ruleSettings
			s.ModeMutability = !tc.immutable
			r := ruleOpen(t, s, tc.log...)
			var recs []Record
			var err error
			if tc.put != nil {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, Mode, error) { return w.decideModePut(tc.subject, *tc.put) })
			} else {
				recs, _, err = decide(r, nil, func(w *view) ([]Record, Mode, error) { return w.decideModeDelete(tc.subject, tc.recursive) })
			}
			ruleCheck(t, recs, err, tc.want, tc.code)
		})
	}
}

// TestRuleFilesHoldNoMachinery: the files of Confluent's rules name no
// lock, queue, cache or log, nor the registry that holds them: a decision
// is a function of its view.
func TestRuleFilesHoldNoMachinery(t *testing.T) {
	banned := map[string]bool{"Registry": true, "mu": true, "writeLock": true, "queue": true, "queueMu": true,
		"log": true, "Log": true, "parses": true, "verdicts": true, "unpacked": true, "stale": true}
	for _, f := range []string{"rules.go", "rules_register.go", "rules_delete.go", "rules_config.go"} {
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			if p := strings.Trim(imp.Path.Value, `"`); p == "sync" || p == "sync/atomic" || p == "context" || p == "log/slog" {
				t.Errorf("%s imports %s", f, p)
			}
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && banned[id.Name] {
				t.Errorf("%s: %s names %s", f, token.NewFileSet().Position(id.Pos()), id.Name)
			}
			return true
		})
	}
}

func TestDecideDeleteContext(t *testing.T) {
	for _, tc := range []struct {
		name string
		log  []Record
		ctx  string
		want []string
		code int
	}{
		{name: "empty", ctx: ".", want: []string{}},
		{name: "a soft-deleted subject keeps it", log: []Record{ruleSchema("s", 1, 1, ruleV1, true)}, ctx: ".", code: CodeContextNotEmpty},
		{name: "the default context named :.:", log: []Record{ruleSchema("s", 1, 1, ruleV1, false)}, ctx: ":.:", code: CodeContextNotEmpty},
		{name: "an empty named context loses its CONTEXT record",
			log: []Record{contextRecord(".c"), ruleSchema(":.c:s", 1, 1, ruleV1, false), schemaTombstone(":.c:s", 1), ruleSchema("s", 1, 1, ruleV1, false)},
			ctx: ":.c:", want: []string{"CONTEXT .c null"}},
		{name: "named without its dot", log: []Record{contextRecord(".c")}, ctx: "c", want: []string{"CONTEXT .c null"}},
		{name: "a named context holding a soft-deleted subject",
			log: []Record{contextRecord(".c"), ruleSchema(":.c:s", 1, 1, ruleV1, true)}, ctx: ".c", code: CodeContextNotEmpty},
		{name: "the default context's subjects do not hold a named one", log: []Record{contextRecord(".c"), ruleSchema("s", 1, 1, ruleV1, false)},
			ctx: ".c", want: []string{"CONTEXT .c null"}},
		{name: "a named context's subjects do not hold the default one", log: []Record{contextRecord(".c"), ruleSchema(":.c:s", 1, 1, ruleV1, false)},
			ctx: ".", want: []string{}},
		{name: "an unknown context writes nothing", ctx: ".nothing", want: []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ruleOpen(t, ruleSettings, tc.log...)
			recs, _, err := decide(r, nil, func(w *view) ([]Record, struct{}, error) { return w.decideDeleteContext(tc.ctx) })
			ruleCheck(t, recs, err, tc.want, tc.code)
		})
	}
}
