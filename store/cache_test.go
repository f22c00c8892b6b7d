package store

import (
	"context"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// The parse cache never answers for a dependency that changed: a schema
// whose referenced subject-version was deleted and registered again with
// other content is parsed against the new content.
func TestParseCacheFollowsChangedReferences(t *testing.T) {
	ctx := context.Background()
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	main := SchemaRequest{
		Schema:     `{"type":"record","name":"Main","fields":[{"name":"x","type":"X"}]}`,
		References: []formats.Reference{{Name: "X", Subject: "dep", Version: 1}},
	}
	mustRegister := func(subject string, req SchemaRequest) SchemaVersion {
		t.Helper()
		v, err := r.Register(ctx, subject, req, RegisterOptions{})
		if err != nil {
			t.Fatalf("register %s: %v", subject, err)
		}
		return v
	}
	mustRegister("dep", SchemaRequest{Schema: `{"type":"record","name":"X","fields":[]}`})
	mustRegister("main", main)
	if _, err := r.Lookup("main", main, false, false); err != nil {
		t.Fatalf("lookup: %v", err)
	}
	// Remove both, then put another type at dep version 1.
	for _, s := range []string{"main", "dep"} {
		if _, err := r.DeleteSubject(ctx, s, SoftDelete); err != nil {
			t.Fatal(err)
		}
		if _, err := r.DeleteSubject(ctx, s, PermanentDelete); err != nil {
			t.Fatal(err)
		}
	}
	if v := mustRegister("dep", SchemaRequest{Schema: `{"type":"record","name":"Y","fields":[]}`}); v.Version != 1 {
		t.Fatalf("dep registered again as version %d, want 1", v.Version)
	}
	// The same request text now names a type the reference does not define.
	_, err = r.Register(ctx, "main", main, RegisterOptions{})
	if e := AsError(err); e == nil || e.Code != CodeInvalidSchema {
		t.Fatalf("register against the changed reference: %v, want 42201", err)
	}
}

// Deleted and re-registered schemas get the answers of the current state:
// the cache holds parses, never subject-versions or ids.
func TestParseCacheNeverAnswersForDeletedSchemas(t *testing.T) {
	ctx := context.Background()
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	req := SchemaRequest{Schema: `"string"`}
	if v, err := r.Register(ctx, "s", req, RegisterOptions{}); err != nil || v.ID != 1 {
		t.Fatal(v, err)
	}
	r.DeleteSubject(ctx, "s", SoftDelete)
	if _, err := r.Lookup("s", req, false, false); AsError(err).Code != CodeSubjectNotFound {
		t.Fatalf("lookup after soft delete: %v", err)
	}
	r.DeleteSubject(ctx, "s", PermanentDelete)
	if v, err := r.Register(ctx, "s", req, RegisterOptions{}); err != nil || v.ID != 2 || v.Version != 1 {
		t.Fatalf("registered again after a hard delete: %+v %v, want a new id 2 at version 1", v, err)
	}
}

// Cached compatibility answers follow the level and the versions checked.
func TestVerdictCacheFollowsLevelAndVersions(t *testing.T) {
	ctx := context.Background()
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v1 := SchemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`}
	v2 := SchemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":0}]}`}
	candidate := SchemaRequest{Schema: `{"type":"record","name":"R","fields":[{"name":"b","type":"int","default":0}]}`}
	for _, req := range []SchemaRequest{v1, v2} {
		if _, err := r.Register(ctx, "s", req, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(want bool, why string) {
		t.Helper()
		for i := 0; i < 2; i++ { // the second answer comes from the cache
			res, err := r.CheckCompatibility("s", 0, candidate, false, true)
			if err != nil || res.Compatible != want {
				t.Fatalf("%s (try %d): compatible=%v %v, want %v", why, i, res.Compatible, res.Messages, want)
			}
		}
	}
	check(true, "BACKWARD against the latest (v2)")
	r.UpdateConfig(ctx, "s", []byte(`{"compatibility":"FORWARD"}`))
	check(false, "FORWARD: v2 cannot read data without a")
	r.UpdateConfig(ctx, "s", []byte(`{"compatibility":"BACKWARD_TRANSITIVE"}`))
	check(true, "BACKWARD_TRANSITIVE: the reader drops a and defaults b")
	r.UpdateConfig(ctx, "s", []byte(`{"compatibility":"FULL_TRANSITIVE"}`))
	check(false, "FULL_TRANSITIVE")
	// Without the versions that need a, the same check passes.
	for _, v := range []int{1, 2} {
		if _, err := r.DeleteVersion(ctx, "s", v, SoftDelete); err != nil {
			t.Fatal(err)
		}
	}
	check(true, "no live version left")
}
