package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

func TestVersionRefs(t *testing.T) {
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{CompatibilityLevel: "NONE"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i, s := range []string{"b", ":.c:a", "a", "a"} {
		text := fmt.Sprintf(`{"type":"fixed","name":"f%d","size":1}`, i)
		if _, err := r.Register(ctx, s, SchemaRequest{Schema: text}, RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := r.DeleteVersion(ctx, "b", 1, SoftDelete); err != nil {
		t.Fatal(err)
	}
	got := r.VersionRefs(":*:")
	want := []VersionRef{{":.c:a", 1, 1, false}, {"a", 1, 2, false}, {"a", 2, 3, false}, {"b", 1, 1, true}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
