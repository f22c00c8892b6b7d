package store

import (
	"context"
	"slices"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// TestReregisterSoftDeletedTombstones: registering again a schema whose
// version was soft-deleted makes a new version with the same id and
// removes the soft-deleted versions of that id for good, as Confluent
// does; soft-deleted versions of other ids stay.
func TestReregisterSoftDeletedTombstones(t *testing.T) {
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{CompatibilityLevel: "NONE"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	texts := []string{`"string"`, `"int"`, `"long"`}
	for _, text := range texts {
		if _, err := r.Register(ctx, "s", SchemaRequest{Schema: text}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range []int{1, 2} {
		if _, err := r.DeleteVersion(ctx, "s", v, SoftDelete); err != nil {
			t.Fatal(err)
		}
	}
	sv, err := r.Register(ctx, "s", SchemaRequest{Schema: texts[0]}, RegisterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sv.ID != 1 || sv.Version != 4 {
		t.Fatalf("registered again: id %d version %d, want id 1 version 4", sv.ID, sv.Version)
	}
	if got, err := r.Versions("s", VersionsOptions{Deleted: true}); err != nil || !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("versions with the deleted ones: %v, %v; want [2 3 4] (version 1 tombstoned)", got, err)
	}
	if _, err := r.Version("s", 1, true); replayCode(err) != CodeVersionNotFound {
		t.Errorf("version 1 (deleted ones included): err %v, want 40402", err)
	}
	if got, err := r.Versions("s", VersionsOptions{DeletedOnly: true}); err != nil || !slices.Equal(got, []int{2}) {
		t.Errorf("deleted versions: %v, %v; want [2]", got, err)
	}
}
