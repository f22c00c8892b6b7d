package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/testlog"
)

// These tests seed a MemoryLog with records whose key and value bytes are
// written out exactly as Confluent Schema Registry writes them to the
// `_schemas` topic (Confluent's SchemaRegistryKey and SchemaValue classes
// and their Jackson serializers), open a registry on
// it and check what a user of the registry sees.

// replayRec is one record of a `_schemas` topic.
func replayRec(key, value string) Record { return Record{Key: []byte(key), Value: []byte(value)} }

// replayTomb is a tombstone (null value).
func replayTomb(key string) Record { return Record{Key: []byte(key)} }

// replayOpenLogged opens a registry on the given records and returns what it
// logged during the replay too.
func replayOpenLogged(t *testing.T, recs ...Record) (*Registry, *MemoryLog, *testlog.Buffer) {
	t.Helper()
	out := &testlog.Buffer{}
	logger := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))
	log := NewMemoryLog(recs...)
	r, err := Open(log, []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true}, logger)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r, log, out
}

func replayOpen(t *testing.T, recs ...Record) *Registry {
	t.Helper()
	r, _, _ := replayOpenLogged(t, recs...)
	return r
}

// replayCode is the Confluent error code of err, 0 for nil, -1 for an error
// that is not an *Error.
func replayCode(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

// replayWant describes the expected subject-version.
type replayWant struct {
	subject string
	version int
	id      int
	schema  string
	deleted bool
}

// replayCheckVersion asserts that Version(subject, version, deleted=true)
// returns w, and that the live lookup agrees with the deleted flag.
func replayCheckVersion(t *testing.T, r *Registry, w replayWant) {
	t.Helper()
	got, err := r.Version(w.subject, w.version, true)
	if err != nil {
		t.Errorf("Version(%q, %d, deleted): %v", w.subject, w.version, err)
		return
	}
	if got.Subject != w.subject || got.Version != w.version || got.ID != w.id || got.Schema != w.schema ||
		got.Deleted != w.deleted || got.SchemaType != formats.Avro {
		t.Errorf("Version(%q, %d, deleted) = {subject %q version %d id %d type %q deleted %v schema %s}, want {subject %q version %d id %d type AVRO deleted %v schema %s}",
			w.subject, w.version, got.Subject, got.Version, got.ID, got.SchemaType, got.Deleted, got.Schema,
			w.subject, w.version, w.id, w.deleted, w.schema)
	}
	if wantGUID := formats.IdentityOf(w.schema, got.References, got.Metadata, got.RuleSet).GUID(); got.GUID != wantGUID {
		t.Errorf("Version(%q, %d).GUID = %s, want %s", w.subject, w.version, got.GUID, wantGUID)
	}
	_, err = r.Version(w.subject, w.version, false)
	if w.deleted && replayCode(err) != CodeVersionNotFound && replayCode(err) != CodeSubjectNotFound {
		t.Errorf("Version(%q, %d, live) of a soft-deleted version: err %v, want 40402 or 40401", w.subject, w.version, err)
	}
	if !w.deleted && err != nil {
		t.Errorf("Version(%q, %d, live): %v", w.subject, w.version, err)
	}
}

// replayCheckGone asserts that a subject-version is not there at all, not
// even as a soft-deleted one.
func replayCheckGone(t *testing.T, r *Registry, subject string, version int) {
	t.Helper()
	v, err := r.Version(subject, version, true)
	if c := replayCode(err); c != CodeVersionNotFound && c != CodeSubjectNotFound {
		t.Errorf("Version(%q, %d, deleted) = %+v, %v; want 40401 or 40402", subject, version, v, err)
	}
}

func replayCheckVersions(t *testing.T, r *Registry, subject string, o VersionsOptions, want []int) {
	t.Helper()
	got, err := r.Versions(subject, o)
	if err != nil {
		t.Errorf("Versions(%q, %+v): %v", subject, o, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Versions(%q, %+v) = %v, want %v", subject, o, got, want)
	}
}

func replayCheckSubjects(t *testing.T, r *Registry, o SubjectsOptions, want []string) {
	t.Helper()
	if got := r.Subjects(o); !reflect.DeepEqual(got, want) {
		t.Errorf("Subjects(%+v) = %q, want %q", o, got, want)
	}
}

func replayCheckUsages(t *testing.T, r *Registry, id int, deleted Deleted, want []SubjectVersion) {
	t.Helper()
	got, err := r.VersionsOfID(id, "", deleted, Paging{})
	if err != nil {
		t.Errorf("VersionsOfID(%d, deleted=%v, Paging{}): %v", id, deleted, err)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("VersionsOfID(%d, deleted=%v, Paging{}) = %v, want %v", id, deleted, got, want)
	}
}

// replayCheckSchemaByID asserts that id is bound to schema.
func replayCheckSchemaByID(t *testing.T, r *Registry, id int, schema string) {
	t.Helper()
	got, err := r.SchemaByID(id, "")
	if err != nil {
		t.Errorf("SchemaByID(%d): %v", id, err)
		return
	}
	if got.ID != id || got.Schema != schema || got.SchemaType != formats.Avro {
		t.Errorf("SchemaByID(%d) = id %d type %q schema %s, want id %d type AVRO schema %s", id, got.ID, got.SchemaType, got.Schema, id, schema)
	}
}

func replayCheckNoID(t *testing.T, r *Registry, id int) {
	t.Helper()
	if got, err := r.SchemaByID(id, ""); replayCode(err) != CodeSchemaNotFound {
		t.Errorf("SchemaByID(%d) = %+v, %v; want 40403", id, got, err)
	}
}

func replayCheckMaxID(t *testing.T, r *Registry, want int) {
	t.Helper()
	if got := r.MaxID(""); got != want {
		t.Errorf("MaxID() = %d, want %d", got, want)
	}
}

// replayRegister registers schema under subject and checks the id and version
// it gets.
func replayRegister(t *testing.T, r *Registry, subject, schema string, wantID, wantVersion int) {
	t.Helper()
	got, err := r.Register(context.Background(), subject, SchemaRequest{Schema: schema}, RegisterOptions{})
	if err != nil {
		t.Errorf("Register(%q, %s): %v", subject, schema, err)
		return
	}
	if got.ID != wantID || got.Version != wantVersion {
		t.Errorf("Register(%q, %s) = id %d version %d, want id %d version %d", subject, schema, got.ID, got.Version, wantID, wantVersion)
	}
}

func replayCheckLevel(t *testing.T, r *Registry, subject string, defaultToGlobal bool, want string) {
	t.Helper()
	c, err := r.GetConfig(subject, defaultToGlobal)
	if err != nil {
		t.Errorf("GetConfig(%q, %v): %v", subject, defaultToGlobal, err)
		return
	}
	if c.CompatibilityLevel == nil || string(*c.CompatibilityLevel) != want {
		got := "<nil>"
		if c.CompatibilityLevel != nil {
			got = c.CompatibilityLevel.String()
		}
		t.Errorf("GetConfig(%q, %v).CompatibilityLevel = %s, want %s", subject, defaultToGlobal, got, want)
	}
}

func replayCheckNoSubjectConfig(t *testing.T, r *Registry, subject string) {
	t.Helper()
	if c, err := r.GetConfig(subject, false); replayCode(err) != CodeSubjectLevelCompatNotFound {
		t.Errorf("GetConfig(%q, false) = %+v, %v; want 40408", subject, c, err)
	}
}

func replayCheckMode(t *testing.T, r *Registry, subject string, defaultToGlobal bool, want Mode) {
	t.Helper()
	m, err := r.GetMode(subject, defaultToGlobal)
	if err != nil {
		t.Errorf("GetMode(%q, %v): %v", subject, defaultToGlobal, err)
		return
	}
	if m != want {
		t.Errorf("GetMode(%q, %v) = %s, want %s", subject, defaultToGlobal, m, want)
	}
}

func replayCheckNoSubjectMode(t *testing.T, r *Registry, subject string) {
	t.Helper()
	if m, err := r.GetMode(subject, false); replayCode(err) != CodeSubjectLevelModeNotFound {
		t.Errorf("GetMode(%q, false) = %q, %v; want 40409", subject, m, err)
	}
}

// Schema texts as Confluent stores them (Avro Java's Schema.toString).
const (
	replayRecordA = `{"type":"record","name":"A","fields":[{"name":"a","type":"string"}]}`
	replayRecordB = `{"type":"record","name":"B","fields":[{"name":"b","type":"long"}]}`
)

// TestReplaySchemaRecordForms reads SCHEMA records in the current form and in
// the legacy forms: a magic 0 key with a value without `deleted` and without
// `schemaType` (AVRO), a value without `subject` (taken from the key).
func TestReplaySchemaRecordForms(t *testing.T) {
	r := replayOpen(t,
		// Current writer (8.x): magic 1, schemaType always written.
		replayRec(`{"keytype":"SCHEMA","subject":"current","version":1,"magic":1}`,
			`{"subject":"current","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}","deleted":false}`),
		// 5.5 to 7.x writer: magic 1, schemaType omitted for AVRO.
		replayRec(`{"keytype":"SCHEMA","subject":"pre8","version":1,"magic":1}`,
			`{"subject":"pre8","version":1,"id":2,"schema":"\"string\"","deleted":false}`),
		// Legacy writer: magic 0 key, value without deleted nor schemaType.
		replayRec(`{"keytype":"SCHEMA","subject":"legacy","version":1,"magic":0}`,
			`{"subject":"legacy","version":1,"id":3,"schema":"\"int\""}`),
		// Legacy value without subject: the subject comes from the key.
		replayRec(`{"keytype":"SCHEMA","subject":"nosubject","version":1,"magic":0}`,
			`{"version":1,"id":4,"schema":"\"long\""}`),
		replayRec(`{"keytype":"SCHEMA","subject":"current","version":2,"magic":1}`,
			`{"subject":"current","version":2,"id":5,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"long\"}]}","deleted":false}`),
	)

	replayCheckVersion(t, r, replayWant{"current", 1, 1, replayRecordA, false})
	replayCheckVersion(t, r, replayWant{"current", 2, 5, replayRecordB, false})
	replayCheckVersion(t, r, replayWant{"pre8", 1, 2, `"string"`, false})
	replayCheckVersion(t, r, replayWant{"legacy", 1, 3, `"int"`, false})
	replayCheckVersion(t, r, replayWant{"nosubject", 1, 4, `"long"`, false})
	if v, err := r.Version("current", LatestVersion, false); err != nil || v.Version != 2 || v.ID != 5 {
		t.Errorf("Version(current, latest) = %+v, %v; want version 2 id 5", v, err)
	}
	replayCheckSubjects(t, r, SubjectsOptions{}, []string{"current", "legacy", "nosubject", "pre8"})
	replayCheckVersions(t, r, "current", VersionsOptions{}, []int{1, 2})
	replayCheckSchemaByID(t, r, 3, `"int"`)
	replayCheckUsages(t, r, 4, false, []SubjectVersion{{"nosubject", 1}})
	if v, err := r.SchemaByID(4, ""); err != nil || v.Subject != "nosubject" || v.Version != 1 {
		t.Errorf("SchemaByID(4) = %+v, %v; want subject nosubject version 1", v, err)
	}
	replayCheckMaxID(t, r, 5)

	// The registry recognises the schemas of every form as its own: the same
	// schema registered again gets the existing version back.
	replayRegister(t, r, "legacy", `"int"`, 3, 1)
	replayRegister(t, r, "nosubject", `{"type":"long"}`, 4, 1)
	replayRegister(t, r, "pre8", `"string"`, 2, 1)
	replayRegister(t, r, "current", `{"type": "record", "name": "B", "fields": [{"name": "b", "type": "long"}]}`, 5, 2)
}

// TestReplayGlobalConfig reads the global CONFIG record under its current key
// (no subject) and its pre-7.0 key (`"subject":null`): both are the global
// config, the last one in log order wins whichever form it has, and a
// tombstone of either form removes it.
func TestReplayGlobalConfig(t *testing.T) {
	const (
		current = `{"keytype":"CONFIG","magic":0}`
		legacy  = `{"keytype":"CONFIG","subject":null,"magic":0}`
	)
	schema := replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
		`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`)
	cases := []struct {
		name string
		recs []Record
		want string // "" = no global config: the server default BACKWARD
	}{
		{"current form", []Record{replayRec(current, `{"compatibilityLevel":"FULL"}`)}, "FULL"},
		{"legacy form", []Record{replayRec(legacy, `{"subject":null,"compatibilityLevel":"FORWARD"}`)}, "FORWARD"},
		{"current then legacy", []Record{
			replayRec(current, `{"compatibilityLevel":"FULL"}`),
			replayRec(legacy, `{"subject":null,"alias":null,"normalize":null,"compatibilityLevel":"NONE"}`),
		}, "NONE"},
		{"legacy then current", []Record{
			replayRec(legacy, `{"subject":null,"compatibilityLevel":"NONE"}`),
			replayRec(current, `{"compatibilityLevel":"FULL_TRANSITIVE"}`),
		}, "FULL_TRANSITIVE"},
		{"current then legacy then current", []Record{
			replayRec(current, `{"compatibilityLevel":"FULL"}`),
			replayRec(legacy, `{"subject":null,"compatibilityLevel":"NONE"}`),
			replayRec(current, `{"compatibilityLevel":"FORWARD_TRANSITIVE"}`),
		}, "FORWARD_TRANSITIVE"},
		{"tombstone of the current form", []Record{
			replayRec(current, `{"compatibilityLevel":"FULL"}`),
			replayTomb(current),
		}, ""},
		{"tombstone of the legacy form removes a current-form config", []Record{
			replayRec(current, `{"compatibilityLevel":"FULL"}`),
			replayTomb(legacy),
		}, ""},
		{"tombstone of the current form removes a legacy-form config", []Record{
			replayRec(legacy, `{"subject":null,"compatibilityLevel":"NONE"}`),
			replayTomb(current),
		}, ""},
		{"config after a tombstone", []Record{
			replayRec(current, `{"compatibilityLevel":"FULL"}`),
			replayTomb(legacy),
			replayRec(legacy, `{"subject":null,"compatibilityLevel":"FORWARD"}`),
		}, "FORWARD"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replayOpen(t, append([]Record{schema}, c.recs...)...)
			want := c.want
			if want == "" {
				want = "BACKWARD"
			}
			replayCheckLevel(t, r, "", false, want)
			replayCheckLevel(t, r, "s", true, want)
			// The global config is not a config of some subject.
			replayCheckNoSubjectConfig(t, r, "s")
		})
	}
}

// TestReplaySubjectConfig reads subject CONFIG records, with and without
// `subject` in the value, merged over the global config, and their
// tombstones.
func TestReplaySubjectConfig(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"CONFIG","magic":0}`, `{"normalize":true,"compatibilityLevel":"FULL"}`),
		replayRec(`{"keytype":"CONFIG","subject":"orders-value","magic":0}`,
			`{"subject":"orders-value","compatibilityLevel":"FORWARD_TRANSITIVE"}`),
		replayRec(`{"keytype":"CONFIG","subject":"legacy-value","magic":0}`, `{"compatibilityLevel":"NONE"}`),
		replayRec(`{"keytype":"CONFIG","subject":"gone-value","magic":0}`,
			`{"subject":"gone-value","compatibilityLevel":"BACKWARD_TRANSITIVE"}`),
		replayRec(`{"keytype":"CONFIG","subject":"later-value","magic":0}`,
			`{"subject":"later-value","compatibilityLevel":"FULL"}`),
		replayTomb(`{"keytype":"CONFIG","subject":"gone-value","magic":0}`),
		replayRec(`{"keytype":"CONFIG","subject":"later-value","magic":0}`,
			`{"subject":"later-value","compatibilityLevel":"FORWARD"}`),
	)
	replayCheckLevel(t, r, "", false, "FULL")
	replayCheckLevel(t, r, "orders-value", false, "FORWARD_TRANSITIVE")
	replayCheckLevel(t, r, "legacy-value", false, "NONE")
	replayCheckLevel(t, r, "later-value", false, "FORWARD")
	replayCheckNoSubjectConfig(t, r, "gone-value")
	replayCheckLevel(t, r, "gone-value", true, "FULL")
	replayCheckNoSubjectConfig(t, r, "other")
	replayCheckLevel(t, r, "other", true, "FULL")
	// A subject config is merged over the global one.
	if c, err := r.GetConfig("orders-value", false); err != nil || c.Normalize == nil || !*c.Normalize {
		t.Errorf("GetConfig(orders-value).Normalize = %v, %v; want true from the global config", c.Normalize, err)
	}
}

// TestReplayMode reads MODE records: the global one under both key forms
// (last writer wins by log order), subject modes and tombstones.
func TestReplayMode(t *testing.T) {
	const (
		current = `{"keytype":"MODE","magic":0}`
		legacy  = `{"keytype":"MODE","subject":null,"magic":0}`
	)
	cases := []struct {
		name string
		recs []Record
		want Mode
	}{
		{"none", nil, ModeReadWrite},
		{"current form", []Record{replayRec(current, `{"mode":"READONLY"}`)}, ModeReadOnly},
		{"legacy form", []Record{replayRec(legacy, `{"subject":null,"mode":"IMPORT"}`)}, ModeImport},
		{"current then legacy", []Record{
			replayRec(current, `{"mode":"READONLY"}`),
			replayRec(legacy, `{"subject":null,"mode":"IMPORT"}`),
		}, ModeImport},
		{"legacy then current", []Record{
			replayRec(legacy, `{"subject":null,"mode":"IMPORT"}`),
			replayRec(current, `{"mode":"READONLY"}`),
		}, ModeReadOnly},
		{"tombstone of the legacy form", []Record{
			replayRec(current, `{"mode":"READONLY"}`),
			replayTomb(legacy),
		}, ModeReadWrite},
		{"tombstone of the current form", []Record{
			replayRec(legacy, `{"subject":null,"mode":"IMPORT"}`),
			replayTomb(current),
		}, ModeReadWrite},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := replayOpen(t, c.recs...)
			replayCheckMode(t, r, "", false, c.want)
			replayCheckMode(t, r, "s", true, c.want)
			replayCheckNoSubjectMode(t, r, "s")
			// The mode is enforced: a registration needs READWRITE.
			_, err := r.Register(context.Background(), "s", SchemaRequest{Schema: `"string"`}, RegisterOptions{})
			if c.want == ModeReadWrite && err != nil {
				t.Errorf("Register in READWRITE mode: %v", err)
			}
			if c.want != ModeReadWrite && replayCode(err) != CodeOperationNotPermitted {
				t.Errorf("Register in %s mode: err %v, want 42205", c.want, err)
			}
		})
	}

	t.Run("subject modes", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(current, `{"mode":"READWRITE"}`),
			replayRec(`{"keytype":"MODE","subject":"frozen","magic":0}`, `{"subject":"frozen","mode":"READONLY"}`),
			replayRec(`{"keytype":"MODE","subject":"legacy","magic":0}`, `{"mode":"IMPORT"}`),
			replayRec(`{"keytype":"MODE","subject":"gone","magic":0}`, `{"subject":"gone","mode":"READONLY"}`),
			replayTomb(`{"keytype":"MODE","subject":"gone","magic":0}`),
		)
		replayCheckMode(t, r, "", false, ModeReadWrite)
		replayCheckMode(t, r, "frozen", false, ModeReadOnly)
		replayCheckMode(t, r, "legacy", false, ModeImport)
		replayCheckNoSubjectMode(t, r, "gone")
		replayCheckMode(t, r, "gone", true, ModeReadWrite)
		if _, err := r.Register(context.Background(), "frozen", SchemaRequest{Schema: `"string"`}, RegisterOptions{}); replayCode(err) != CodeOperationNotPermitted {
			t.Errorf("Register under a READONLY subject: err %v, want 42205", err)
		}
		replayRegister(t, r, "gone", `"string"`, 1, 1)
	})
}

// TestReplaySoftDeleteVersion reads the soft delete of one version: its
// SCHEMA record rewritten with deleted:true.
func TestReplaySoftDeleteVersion(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
			`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"all","version":1,"magic":1}`,
			`{"subject":"all","version":1,"id":3,"schemaType":"AVRO","schema":"\"long\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":true}`),
		replayRec(`{"keytype":"SCHEMA","subject":"all","version":1,"magic":1}`,
			`{"subject":"all","version":1,"id":3,"schemaType":"AVRO","schema":"\"long\"","deleted":true}`),
	)
	replayCheckVersion(t, r, replayWant{"s", 1, 1, `"string"`, true})
	replayCheckVersion(t, r, replayWant{"s", 2, 2, `"int"`, false})
	replayCheckVersion(t, r, replayWant{"all", 1, 3, `"long"`, true})
	replayCheckVersions(t, r, "s", VersionsOptions{}, []int{2})
	replayCheckVersions(t, r, "s", VersionsOptions{Deleted: true}, []int{1, 2})
	replayCheckVersions(t, r, "s", VersionsOptions{DeletedOnly: true}, []int{1})
	replayCheckVersions(t, r, "s", VersionsOptions{DeletedAsNegative: true}, []int{-1, 2})
	// A soft-deleted schema keeps its id.
	replayCheckSchemaByID(t, r, 1, `"string"`)
	replayCheckUsages(t, r, 1, false, []SubjectVersion{})
	replayCheckUsages(t, r, 1, true, []SubjectVersion{{"s", 1}})
	// A subject whose every version is soft-deleted is a deleted subject.
	replayCheckSubjects(t, r, SubjectsOptions{}, []string{"s"})
	replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"all", "s"})
	replayCheckSubjects(t, r, SubjectsOptions{DeletedOnly: true}, []string{"all"})
	if v, err := r.Version("all", LatestVersion, false); replayCode(err) != CodeSubjectNotFound {
		t.Errorf("Version(all, latest, live) = %+v, %v; want 40401", v, err)
	}
	if v, err := r.Version("all", LatestVersion, true); err != nil || v.Version != 1 || !v.Deleted {
		t.Errorf("Version(all, latest, deleted) = %+v, %v; want version 1 deleted", v, err)
	}
	replayCheckMaxID(t, r, 3)
}

// TestReplayDeleteSubject reads DELETE_SUBJECT records: version N
// soft-deletes versions 1..N of the subject and nothing else.
func TestReplayDeleteSubject(t *testing.T) {
	t.Run("later version stays live", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
				`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
				`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"other","version":1,"magic":1}`,
				`{"subject":"other","version":1,"id":3,"schema":"\"long\"","deleted":false}`),
			replayRec(`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":2}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":3,"magic":1}`,
				`{"subject":"s","version":3,"id":4,"schema":"\"boolean\"","deleted":false}`),
		)
		replayCheckVersion(t, r, replayWant{"s", 1, 1, `"string"`, true})
		replayCheckVersion(t, r, replayWant{"s", 2, 2, `"int"`, true})
		replayCheckVersion(t, r, replayWant{"s", 3, 4, `"boolean"`, false})
		replayCheckVersion(t, r, replayWant{"other", 1, 3, `"long"`, false})
		replayCheckVersions(t, r, "s", VersionsOptions{}, []int{3})
		replayCheckVersions(t, r, "s", VersionsOptions{DeletedOnly: true}, []int{1, 2})
		replayCheckSubjects(t, r, SubjectsOptions{}, []string{"other", "s"})
		replayCheckSchemaByID(t, r, 2, `"int"`)
		replayCheckMaxID(t, r, 4)
	})
	t.Run("only versions up to N", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
				`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
				`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":1}`),
		)
		replayCheckVersion(t, r, replayWant{"s", 1, 1, `"string"`, true})
		replayCheckVersion(t, r, replayWant{"s", 2, 2, `"int"`, false})
		replayCheckVersions(t, r, "s", VersionsOptions{}, []int{2})
	})
	t.Run("whole subject", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
				`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
				`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":2}`),
		)
		replayCheckSubjects(t, r, SubjectsOptions{}, []string{})
		replayCheckSubjects(t, r, SubjectsOptions{DeletedOnly: true}, []string{"s"})
		replayCheckVersions(t, r, "s", VersionsOptions{Deleted: true}, []int{1, 2})
		if v, err := r.Versions("s", VersionsOptions{}); replayCode(err) != CodeSubjectNotFound {
			t.Errorf("Versions(s) of a deleted subject = %v, %v; want 40401", v, err)
		}
		// The next registration continues after the soft-deleted versions.
		replayRegister(t, r, "s", `"double"`, 3, 3)
	})
}

// TestReplaySchemaTombstone reads SCHEMA tombstones: a hard delete of that
// subject-version.
func TestReplaySchemaTombstone(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}`,
			`{"subject":"a","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":2,"magic":1}`,
			`{"subject":"a","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"b","version":1,"magic":1}`,
			`{"subject":"b","version":1,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"c","version":1,"magic":1}`,
			`{"subject":"c","version":1,"id":3,"schema":"\"long\"","deleted":false}`),
		// a-2: soft delete, then hard delete.
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":2,"magic":1}`,
			`{"subject":"a","version":2,"id":2,"schema":"\"int\"","deleted":true}`),
		replayTomb(`{"keytype":"SCHEMA","subject":"a","version":2,"magic":1}`),
		// c: the subject's only version, hard deleted.
		replayRec(`{"keytype":"SCHEMA","subject":"c","version":1,"magic":1}`,
			`{"subject":"c","version":1,"id":3,"schema":"\"long\"","deleted":true}`),
		replayTomb(`{"keytype":"SCHEMA","subject":"c","version":1,"magic":1}`),
		// A tombstone of a key that was never written changes nothing.
		replayTomb(`{"keytype":"SCHEMA","subject":"nothing","version":7,"magic":1}`),
	)
	replayCheckGone(t, r, "a", 2)
	replayCheckVersion(t, r, replayWant{"a", 1, 1, `"string"`, false})
	replayCheckVersions(t, r, "a", VersionsOptions{Deleted: true}, []int{1})
	// id 2 is still held by b-1.
	replayCheckSchemaByID(t, r, 2, `"int"`)
	replayCheckUsages(t, r, 2, true, []SubjectVersion{{"b", 1}})
	// c is gone, and so is its id, which is never reused.
	replayCheckGone(t, r, "c", 1)
	replayCheckNoID(t, r, 3)
	replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"a", "b"})
	replayCheckMaxID(t, r, 3)
	replayRegister(t, r, "c", `"long"`, 4, 1)
}

// TestReplayClearSubject reads CLEAR_SUBJECT records: they drop the
// soft-deleted versions of one subject, or of every subject without one.
func TestReplayClearSubject(t *testing.T) {
	base := []Record{
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}`,
			`{"subject":"a","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":2,"magic":1}`,
			`{"subject":"a","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"b","version":1,"magic":1}`,
			`{"subject":"b","version":1,"id":3,"schema":"\"long\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"c","version":1,"magic":1}`,
			`{"subject":"c","version":1,"id":4,"schema":"\"boolean\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"c","version":2,"magic":1}`,
			`{"subject":"c","version":2,"id":5,"schema":"\"double\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}`,
			`{"subject":"a","version":1,"id":1,"schema":"\"string\"","deleted":true}`),
		replayRec(`{"keytype":"DELETE_SUBJECT","subject":"b","magic":0}`, `{"subject":"b","version":1}`),
		replayRec(`{"keytype":"SCHEMA","subject":"c","version":1,"magic":1}`,
			`{"subject":"c","version":1,"id":4,"schema":"\"boolean\"","deleted":true}`),
	}
	t.Run("one subject", func(t *testing.T) {
		r := replayOpen(t, append(append([]Record(nil), base...),
			replayRec(`{"keytype":"CLEAR_SUBJECT","subject":"a","magic":0}`, `{"subject":"a"}`))...)
		replayCheckGone(t, r, "a", 1)
		replayCheckNoID(t, r, 1)
		replayCheckVersions(t, r, "a", VersionsOptions{Deleted: true}, []int{2})
		// b and c keep their soft-deleted versions.
		replayCheckVersion(t, r, replayWant{"b", 1, 3, `"long"`, true})
		replayCheckVersion(t, r, replayWant{"c", 1, 4, `"boolean"`, true})
		replayCheckVersions(t, r, "c", VersionsOptions{Deleted: true}, []int{1, 2})
		replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"a", "b", "c"})
		replayCheckMaxID(t, r, 5)
	})
	t.Run("every subject", func(t *testing.T) {
		r := replayOpen(t, append(append([]Record(nil), base...),
			replayRec(`{"keytype":"CLEAR_SUBJECT","magic":0}`, `{}`))...)
		replayCheckGone(t, r, "a", 1)
		replayCheckGone(t, r, "b", 1)
		replayCheckGone(t, r, "c", 1)
		replayCheckNoID(t, r, 1)
		replayCheckNoID(t, r, 3)
		replayCheckNoID(t, r, 4)
		replayCheckVersion(t, r, replayWant{"a", 2, 2, `"int"`, false})
		replayCheckVersion(t, r, replayWant{"c", 2, 5, `"double"`, false})
		replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"a", "c"})
		replayCheckMaxID(t, r, 5)
		replayRegister(t, r, "b", `"long"`, 6, 1)
	})
	t.Run("a context", func(t *testing.T) {
		r := replayOpen(t, append(append([]Record(nil), base...),
			replayRec(`{"keytype":"SCHEMA","subject":":.c:a","version":1,"magic":1}`,
				`{"subject":":.c:a","version":1,"id":1,"schema":"\"string\"","deleted":true}`),
			replayRec(`{"keytype":"SCHEMA","subject":":.c:a","version":2,"magic":1}`,
				`{"subject":":.c:a","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"CLEAR_SUBJECT","subject":":.c:","magic":0}`, `{"subject":":.c:"}`))...)
		replayCheckGone(t, r, ":.c:a", 1)
		replayCheckVersion(t, r, replayWant{":.c:a", 2, 2, `"int"`, false})
		// The default context keeps its soft-deleted versions.
		replayCheckVersion(t, r, replayWant{"a", 1, 1, `"string"`, true})
		replayCheckVersion(t, r, replayWant{"b", 1, 3, `"long"`, true})
	})
}

// replaySnapshot is everything the read methods show of a registry.
type replaySnapshot struct {
	Subjects, DeletedSubjects []string
	Versions                  map[string][]int
	SchemaVersions            []SchemaVersion
	IDs                       map[int]SchemaVersion
	Usages                    map[int][]SubjectVersion
	ReferencedBy              map[SubjectVersion][]int
	Configs                   map[string]Config
	Modes                     map[string]Mode
	MaxID                     int
	Schemas, AllVersions      int
}

func replayTake(t *testing.T, r *Registry, names ...string) replaySnapshot {
	t.Helper()
	s := replaySnapshot{
		Subjects:        r.Subjects(SubjectsOptions{}),
		DeletedSubjects: r.Subjects(SubjectsOptions{Deleted: true}),
		Versions:        map[string][]int{},
		IDs:             map[int]SchemaVersion{},
		Usages:          map[int][]SubjectVersion{},
		ReferencedBy:    map[SubjectVersion][]int{},
		Configs:         map[string]Config{},
		Modes:           map[string]Mode{},
		MaxID:           r.MaxID(""),
	}
	for _, name := range s.DeletedSubjects {
		vs, err := r.Versions(name, VersionsOptions{DeletedAsNegative: true})
		if err != nil {
			t.Fatalf("Versions(%q): %v", name, err)
		}
		s.Versions[name] = vs
		for _, v := range vs {
			if v < 0 {
				v = -v
			}
			sv, err := r.Version(name, v, true)
			if err != nil {
				t.Fatalf("Version(%q, %d): %v", name, v, err)
			}
			s.SchemaVersions = append(s.SchemaVersions, sv)
			refs, err := r.ReferencedBy(name, v, IncludingDeleted, Paging{})
			if err != nil {
				t.Fatalf("ReferencedBy(%q, %d): %v", name, v, err)
			}
			s.ReferencedBy[SubjectVersion{name, v}] = refs
		}
	}
	for id := 1; id <= s.MaxID; id++ {
		if sv, err := r.SchemaByID(id, ""); err == nil {
			s.IDs[id] = sv
			s.Usages[id], _ = r.VersionsOfID(id, "", true, Paging{})
		}
	}
	for _, name := range append([]string{""}, names...) {
		if c, err := r.GetConfig(name, false); err == nil {
			s.Configs[name] = c
		}
		if m, err := r.GetMode(name, false); err == nil {
			s.Modes[name] = m
		}
	}
	st := r.Stats()
	s.Schemas, s.AllVersions = st.Schemas, st.Versions
	return s
}

// TestReplayIgnoredRecordTypes checks that NOOP, CONTEXT and ASSOC records
// are accepted without effect on the schema reads (but a CONTEXT record
// names a context; ASSOC records are read by the association reads).
func TestReplayIgnoredRecordTypes(t *testing.T) {
	base := []Record{
		replayRec(`{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}`,
			`{"subject":"orders-value","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
		replayRec(`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"FULL"}`),
		replayRec(`{"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1}`,
			`{"subject":"orders-value","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"MODE","subject":"orders-value","magic":0}`, `{"subject":"orders-value","mode":"READONLY"}`),
		replayRec(`{"keytype":"SCHEMA","subject":"orders-value","version":3,"magic":1}`,
			`{"subject":"orders-value","version":3,"id":3,"schema":"\"long\"","deleted":true}`),
	}
	extra := [][]Record{
		{
			replayTomb(`{"keytype":"NOOP","magic":0}`),
			replayRec(`{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}`, `{"tenant":"default","context":".ctx"}`),
		},
		{
			replayRec(`{"keytype":"ASSOC","tenant":"default","resourceName":"orders","resourceNamespace":"lkc-1","resourceType":"topic","associationType":"value","subject":"orders-value","magic":0}`,
				`{"guid":"6ae1c6a4-2c2e-4d7b-9bd4-1a2b3c4d5e6f","tenant":"default","resourceName":"orders","resourceNamespace":"lkc-1","resourceId":"abc","resourceType":"topic","associationType":"value","subject":"orders-value","lifecycle":"STRONG","frozen":false,"createTs":1700000000000}`),
			replayTomb(`{"keytype":"NOOP","magic":0}`),
		},
		{
			// An association to a subject that has no version: it does not
			// make the subject exist.
			replayRec(`{"keytype":"ASSOC","tenant":"default","resourceName":"payments","resourceNamespace":"lkc-1","resourceType":"topic","associationType":"key","subject":"payments-key","magic":0}`,
				`{"guid":"0b0b0b0b-2c2e-4d7b-9bd4-1a2b3c4d5e6f","tenant":"default","resourceName":"payments","resourceNamespace":"lkc-1","resourceId":"def","resourceType":"topic","associationType":"key","subject":"payments-key","lifecycle":"WEAK","frozen":false,"createTs":1700000000001}`),
			replayRec(`{"keytype":"CONTEXT","tenant":"default","context":".gone","magic":0}`, `{"tenant":"default","context":".gone"}`),
			replayTomb(`{"keytype":"CONTEXT","tenant":"default","context":".gone","magic":0}`),
			replayTomb(`{"keytype":"ASSOC","tenant":"default","resourceName":"orders","resourceNamespace":"lkc-1","resourceType":"topic","associationType":"value","subject":"orders-value","magic":0}`),
			replayTomb(`{"keytype":"NOOP","magic":0}`),
		},
	}
	var with []Record
	for i, rec := range base {
		with = append(with, rec)
		if i < len(extra) {
			with = append(with, extra[i]...)
		}
	}
	with = append(with, replayTomb(`{"keytype":"NOOP","magic":0}`))
	names := []string{"orders-value", "payments-key"}
	want := replayTake(t, replayOpen(t, base...), names...)
	r := replayOpen(t, with...)
	if got := replayTake(t, r, names...); !reflect.DeepEqual(got, want) {
		t.Errorf("reads with NOOP, CONTEXT and ASSOC records:\n%+v\nwant as without them:\n%+v", got, want)
	}
	if got := r.Contexts("", Paging{}); !reflect.DeepEqual(got, []string{".", ".ctx"}) {
		t.Errorf("Contexts() = %q, want [. .ctx]", got)
	}
	// Sanity: the snapshot does see what the records hold.
	if len(want.SchemaVersions) != 3 || want.Modes["orders-value"] != ModeReadOnly || *want.Configs[""].CompatibilityLevel != "FULL" {
		t.Errorf("baseline snapshot misses records: %+v", want)
	}
}

// TestReplaySkipsUnreadableRecords checks that records with an unreadable
// key (garbage, unknown keytype, SCHEMA magic 2) or value are skipped and the
// records after them still apply.
func TestReplaySkipsUnreadableRecords(t *testing.T) {
	r, _, logged := replayOpenLogged(t,
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
			`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
		replayRec(`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"FULL"}`),
		replayRec(`{"keytype":"MODE","magic":0}`, `{"mode":"READONLY"}`),
		// Unreadable keys.
		replayRec(`not json at all`, `{"subject":"garbage","version":1,"id":50,"schema":"\"int\"","deleted":false}`),
		replayRec(``, `{"subject":"empty","version":1,"id":51,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"trunc`, `{"subject":"trunc","version":1,"id":52,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"FUTURE","subject":"s","magic":0}`, `{"subject":"s","version":1}`),
		replayRec(`{"keytype":"SCHEMA","subject":"magic2","version":1,"magic":2}`,
			`{"subject":"magic2","version":1,"id":53,"schema":"\"int\"","deleted":false}`),
		replayTomb(`{"keytype":"FUTURE","subject":"s","magic":0}`),
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
			`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		// Unreadable values.
		replayRec(`{"keytype":"SCHEMA","subject":"badvalue","version":1,"magic":1}`, `{"subject":"badvalue","version":1,"id":54,"sch`),
		replayRec(`{"keytype":"SCHEMA","subject":"badtype","version":1,"magic":1}`,
			`{"subject":"badtype","version":1,"id":"fifty-five","schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, `not json`),
		replayRec(`{"keytype":"CONFIG","magic":0}`, `garbage`),
		replayRec(`{"keytype":"CONFIG","subject":"s","magic":0}`, `{"compatibilityLevel":`),
		replayRec(`{"keytype":"MODE","magic":0}`, `{}`),
		replayRec(`{"keytype":"MODE","magic":0}`, `[1,2,3]`),
		replayRec(`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":"all"}`),
		// Readable records after them.
		replayRec(`{"keytype":"SCHEMA","subject":"after","version":1,"magic":1}`,
			`{"subject":"after","version":1,"id":3,"schema":"\"long\"","deleted":false}`),
		replayRec(`{"keytype":"CONFIG","subject":"after","magic":0}`, `{"subject":"after","compatibilityLevel":"NONE"}`),
		replayRec(`{"keytype":"MODE","subject":"after","magic":0}`, `{"subject":"after","mode":"READWRITE"}`),
	)
	replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"after", "s"})
	replayCheckVersion(t, r, replayWant{"s", 1, 1, `"string"`, false})
	replayCheckVersion(t, r, replayWant{"s", 2, 2, `"int"`, false})
	replayCheckVersion(t, r, replayWant{"after", 1, 3, `"long"`, false})
	replayCheckMaxID(t, r, 3)
	for _, id := range []int{50, 51, 52, 53, 54, 55} {
		replayCheckNoID(t, r, id)
	}
	replayCheckLevel(t, r, "", false, "FULL")
	replayCheckNoSubjectConfig(t, r, "s")
	replayCheckLevel(t, r, "after", false, "NONE")
	replayCheckMode(t, r, "", false, ModeReadOnly)
	replayCheckMode(t, r, "after", false, ModeReadWrite)
	replayRegister(t, r, "after", `"double"`, 4, 2)
	if !bytes.Contains([]byte(logged.String()), []byte("magic byte 2")) {
		t.Errorf("the SCHEMA key with magic 2 was not reported; log:\n%s", logged)
	}
}

// TestReplayDuplicateIDGuard checks that a SCHEMA record binding an existing
// id to a different schema is refused (the first binding is kept), and that a
// record binding an id to the same schema under another subject is accepted.
func TestReplayDuplicateIDGuard(t *testing.T) {
	r, _, logged := replayOpenLogged(t,
		replayRec(`{"keytype":"SCHEMA","subject":"s1","version":1,"magic":1}`,
			`{"subject":"s1","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"s1","version":2,"magic":1}`,
			`{"subject":"s1","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
		// Refused: id 1 is A, not B.
		replayRec(`{"keytype":"SCHEMA","subject":"s2","version":1,"magic":1}`,
			`{"subject":"s2","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"B\",\"fields\":[{\"name\":\"b\",\"type\":\"long\"}]}","deleted":false}`),
		// Refused, and s1-2 keeps its binding to id 2.
		replayRec(`{"keytype":"SCHEMA","subject":"s1","version":2,"magic":1}`,
			`{"subject":"s1","version":2,"id":1,"schema":"\"boolean\"","deleted":false}`),
		// Accepted: the same schema A under another subject, same id.
		replayRec(`{"keytype":"SCHEMA","subject":"s3","version":1,"magic":1}`,
			`{"subject":"s3","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}","deleted":false}`),
	)
	replayCheckSchemaByID(t, r, 1, replayRecordA)
	replayCheckVersion(t, r, replayWant{"s1", 1, 1, replayRecordA, false})
	replayCheckVersion(t, r, replayWant{"s1", 2, 2, `"int"`, false})
	replayCheckVersion(t, r, replayWant{"s3", 1, 1, replayRecordA, false})
	replayCheckGone(t, r, "s2", 1)
	replayCheckSubjects(t, r, SubjectsOptions{Deleted: true}, []string{"s1", "s3"})
	replayCheckUsages(t, r, 1, true, []SubjectVersion{{"s1", 1}, {"s3", 1}})
	replayCheckUsages(t, r, 2, true, []SubjectVersion{{"s1", 2}})
	if v, err := r.SchemaByID(1, "s3"); err != nil || v.Subject != "s3" || v.Version != 1 {
		t.Errorf("SchemaByID(1, s3) = %+v, %v; want subject s3 version 1", v, err)
	}
	replayCheckMaxID(t, r, 2)
	if n := bytes.Count([]byte(logged.String()), []byte("refusing a record that binds an existing id")); n != 2 {
		t.Errorf("%d refused records logged, want 2; log:\n%s", n, logged)
	}
	// The refused schemas are not known: registering them allocates new ids.
	replayRegister(t, r, "s2", replayRecordB, 3, 1)
	replayRegister(t, r, "s4", `"boolean"`, 4, 1)
	// The accepted one is: it keeps id 1.
	replayRegister(t, r, "s5", replayRecordA, 1, 1)
}

// TestReplayIDAllocatorContinuesAfterMaxID checks that after a replay the
// next new schema gets the highest id seen plus one, also when that id is
// only held by soft-deleted versions.
func TestReplayIDAllocatorContinuesAfterMaxID(t *testing.T) {
	t.Run("soft-deleted version", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"live","version":1,"magic":1}`,
				`{"subject":"live","version":1,"id":3,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"soft","version":1,"magic":1}`,
				`{"subject":"soft","version":1,"id":7,"schema":"\"int\"","deleted":true}`),
			replayRec(`{"keytype":"SCHEMA","subject":"live","version":2,"magic":1}`,
				`{"subject":"live","version":2,"id":5,"schema":"\"long\"","deleted":false}`),
		)
		replayCheckMaxID(t, r, 7)
		replayRegister(t, r, "live", `"double"`, 8, 3)
		replayRegister(t, r, "new", `"bytes"`, 9, 1)
		// A schema known under a soft-deleted version keeps its id.
		replayRegister(t, r, "other", `"int"`, 7, 1)
		replayCheckMaxID(t, r, 9)
	})
	t.Run("soft-deleted subject", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"live","version":1,"magic":1}`,
				`{"subject":"live","version":1,"id":3,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`,
				`{"subject":"gone","version":1,"id":10,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"DELETE_SUBJECT","subject":"gone","magic":0}`, `{"subject":"gone","version":1}`),
		)
		replayCheckMaxID(t, r, 10)
		replayRegister(t, r, "live", `"bytes"`, 11, 2)
	})
	t.Run("hard-deleted version", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"live","version":1,"magic":1}`,
				`{"subject":"live","version":1,"id":3,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`,
				`{"subject":"gone","version":1,"id":12,"schema":"\"int\"","deleted":true}`),
			replayTomb(`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`),
		)
		replayCheckMaxID(t, r, 12)
		replayRegister(t, r, "gone", `"bytes"`, 13, 1)
	})
}

// TestReplaySameSchemaTwoSubjects checks that one schema registered under
// two subjects in the log is held once, with one id and both usages.
func TestReplaySameSchemaTwoSubjects(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}`,
			`{"subject":"orders-value","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"payments-value","version":1,"magic":1}`,
			`{"subject":"payments-value","version":1,"id":2,"schema":"\"int\"","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"payments-value","version":2,"magic":1}`,
			`{"subject":"payments-value","version":2,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"string\"}]}","deleted":false}`),
	)
	replayCheckSchemaByID(t, r, 1, replayRecordA)
	replayCheckUsages(t, r, 1, false, []SubjectVersion{{"orders-value", 1}, {"payments-value", 2}})
	replayCheckVersion(t, r, replayWant{"orders-value", 1, 1, replayRecordA, false})
	replayCheckVersion(t, r, replayWant{"payments-value", 2, 1, replayRecordA, false})
	if v, err := r.SchemaByID(1, "payments-value"); err != nil || v.Subject != "payments-value" || v.Version != 2 {
		t.Errorf("SchemaByID(1, payments-value) = %+v, %v; want payments-value version 2", v, err)
	}
	if st := r.Stats(); st.Schemas != 2 || st.Versions != 3 || st.Subjects != 2 {
		t.Errorf("Stats() = %+v, want 2 schemas, 3 versions, 2 subjects", st)
	}
	// Registered under a third subject, it keeps its id; under one that
	// holds it, it is that version.
	replayRegister(t, r, "third", replayRecordA, 1, 1)
	replayRegister(t, r, "payments-value", replayRecordA, 1, 2)
	replayCheckUsages(t, r, 1, false, []SubjectVersion{{"orders-value", 1}, {"payments-value", 2}, {"third", 1}})
}

// TestReplayReferences checks the referenced-by index built from the
// references of SCHEMA records.
func TestReplayReferences(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"SCHEMA","subject":"ref","version":1,"magic":1}`,
			`{"subject":"ref","version":1,"id":1,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"Ref\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"ref","version":2,"magic":1}`,
			`{"subject":"ref","version":2,"id":2,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"Ref\",\"fields\":[{\"name\":\"x\",\"type\":\"int\"},{\"name\":\"y\",\"type\":\"int\",\"default\":0}]}","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"main","version":1,"magic":1}`,
			`{"subject":"main","version":1,"id":3,"schemaType":"AVRO","references":[{"name":"Ref","subject":"ref","version":1}],"schema":"{\"type\":\"record\",\"name\":\"Main\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"}]}","deleted":false}`),
		// A legacy-form referrer (no schemaType, no deleted).
		replayRec(`{"keytype":"SCHEMA","subject":"other","version":1,"magic":0}`,
			`{"subject":"other","version":1,"id":4,"references":[{"name":"Ref","subject":"ref","version":1}],"schema":"{\"type\":\"record\",\"name\":\"Other\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"}]}"}`),
		// The same referrer under another subject: same id.
		replayRec(`{"keytype":"SCHEMA","subject":"main-copy","version":1,"magic":1}`,
			`{"subject":"main-copy","version":1,"id":3,"schemaType":"AVRO","references":[{"name":"Ref","subject":"ref","version":1}],"schema":"{\"type\":\"record\",\"name\":\"Main\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"}]}","deleted":false}`),
		// A referrer of ref-2, soft-deleted.
		replayRec(`{"keytype":"SCHEMA","subject":"main","version":2,"magic":1}`,
			`{"subject":"main","version":2,"id":5,"schemaType":"AVRO","references":[{"name":"Ref","subject":"ref","version":2}],"schema":"{\"type\":\"record\",\"name\":\"Main\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"},{\"name\":\"z\",\"type\":\"int\",\"default\":1}]}","deleted":false}`),
		replayRec(`{"keytype":"SCHEMA","subject":"main","version":2,"magic":1}`,
			`{"subject":"main","version":2,"id":5,"schemaType":"AVRO","references":[{"name":"Ref","subject":"ref","version":2}],"schema":"{\"type\":\"record\",\"name\":\"Main\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"},{\"name\":\"z\",\"type\":\"int\",\"default\":1}]}","deleted":true}`),
		// A referrer hard-deleted: it no longer refers.
		replayRec(`{"keytype":"SCHEMA","subject":"dropped","version":1,"magic":1}`,
			`{"subject":"dropped","version":1,"id":6,"schemaType":"AVRO","references":[{"name":"Ref","subject":"ref","version":1}],"schema":"{\"type\":\"record\",\"name\":\"Dropped\",\"fields\":[{\"name\":\"r\",\"type\":\"Ref\"}]}","deleted":true}`),
		replayTomb(`{"keytype":"SCHEMA","subject":"dropped","version":1,"magic":1}`),
	)
	check := func(subject string, version int, deleted Deleted, want []int) {
		t.Helper()
		got, err := r.ReferencedBy(subject, version, deleted, Paging{})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ReferencedBy(%q, %d, deleted=%v) = %v, %v; want %v", subject, version, deleted, got, err, want)
		}
	}
	check("ref", 1, false, []int{3, 4})
	check("ref", 1, true, []int{3, 4})
	check("ref", LatestVersion, false, []int{})
	check("ref", 2, true, []int{5})
	check("main", 1, false, []int{})
	v, err := r.Version("main", 1, false)
	if want := []formats.Reference{{Name: "Ref", Subject: "ref", Version: 1}}; err != nil || !reflect.DeepEqual(v.References, want) {
		t.Errorf("Version(main, 1).References = %v, %v; want %v", v.References, err, want)
	}
	// A referenced version cannot be deleted.
	if _, err := r.DeleteVersion(context.Background(), "ref", 1, SoftDelete); replayCode(err) != CodeReferenceExists {
		t.Errorf("DeleteVersion(ref, 1): err %v, want 42206", err)
	}
}

// TestReplayRewriteOfSubjectVersion checks that a SCHEMA record for a
// subject-version that already exists, with another id, replaces it (last
// writer wins per key, as in Confluent's cache).
func TestReplayRewriteOfSubjectVersion(t *testing.T) {
	t.Run("subject with other versions", func(t *testing.T) {
		r := replayOpen(t,
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
				`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`,
				`{"subject":"s","version":2,"id":2,"schema":"\"int\"","deleted":false}`),
			replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
				`{"subject":"s","version":1,"id":3,"schema":"\"long\"","deleted":false}`),
		)
		replayCheckVersion(t, r, replayWant{"s", 1, 3, `"long"`, false})
		replayCheckVersions(t, r, "s", VersionsOptions{Deleted: true}, []int{1, 2})
		replayCheckNoID(t, r, 1)
		replayCheckUsages(t, r, 3, true, []SubjectVersion{{"s", 1}})
	})
	for _, c := range []struct{ name, value string }{
		{"only version, another schema", `{"subject":"s","version":1,"id":3,"schema":"\"long\"","deleted":false}`},
		{"only version, same schema under another id", `{"subject":"s","version":1,"id":3,"schema":"\"string\"","deleted":false}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := replayOpen(t,
				replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`,
					`{"subject":"s","version":1,"id":1,"schema":"\"string\"","deleted":false}`),
				replayRec(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, c.value),
			)
			got, err := r.Version("s", 1, true)
			if err != nil || got.ID != 3 {
				t.Errorf("Version(s, 1) = %+v, %v; want id 3", got, err)
			}
			replayCheckSubjects(t, r, SubjectsOptions{}, []string{"s"})
			replayCheckVersions(t, r, "s", VersionsOptions{}, []int{1})
			replayCheckUsages(t, r, 3, true, []SubjectVersion{{"s", 1}})
			replayCheckNoID(t, r, 1)
		})
	}
}

// The config and mode of `:.__GLOBAL:` apply below the default context's
// global ones.
func TestReplayGlobalContextSettings(t *testing.T) {
	r := replayOpen(t,
		replayRec(`{"keytype":"CONFIG","subject":":.__GLOBAL:","magic":0}`, `{"subject":":.__GLOBAL:","compatibilityLevel":"FULL"}`),
		replayRec(`{"keytype":"MODE","subject":":.__GLOBAL:","magic":0}`, `{"subject":":.__GLOBAL:","mode":"READONLY"}`),
	)
	if c, _ := r.GetConfig("s", true); *c.CompatibilityLevel != "FULL" {
		t.Errorf("level %s, want FULL from :.__GLOBAL:", *c.CompatibilityLevel)
	}
	if m, _ := r.GetMode("s", true); m != ModeReadOnly {
		t.Errorf("mode %s, want READONLY from :.__GLOBAL:", m)
	}
	if _, err := r.UpdateConfig(context.Background(), "", []byte(`{"compatibility":"NONE"}`)); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.GetConfig("s", true); *c.CompatibilityLevel != "NONE" {
		t.Errorf("level %s, want NONE: the default context's global config comes first", *c.CompatibilityLevel)
	}
}
