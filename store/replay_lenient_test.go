package store

import (
	"testing"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
)

// TestReplayKeepsWhatItCannotParse: records written by a registry with a
// schema provider or a level this one lacks are kept, not dropped with
// their ids (an id must never be bound twice).
func TestReplayKeepsWhatItCannotParse(t *testing.T) {
	key := `{"keytype":"SCHEMA","subject":"x","version":1,"magic":1}`
	// Confluent's current records carry md5, which the fast decoder leaves
	// to encoding/json.
	val := `{"subject":"x","version":1,"id":7,"schemaType":"XML","schema":"<a/>","md5":"AAAAAAAAAAAAAAAAAAAAAA==","deleted":false}`
	r := replayOpen(t, replayRec(key, val),
		replayRec(`{"keytype":"CONFIG","subject":"s","magic":0}`, `{"compatibilityLevel":"NONE"}`),
		replayRec(`{"keytype":"CONFIG","subject":"s","magic":0}`, `{"compatibilityLevel":"SIDEWAYS","normalize":true}`))
	v, err := r.Version("x", 1, LiveOnly)
	if err != nil || v.ID != 7 || v.SchemaType != formats.SchemaType("XML") || v.Schema != "<a/>" {
		t.Errorf("Version(x, 1) = %+v, %v; want id 7 of type XML", v, err)
	}
	if got := r.MaxID(""); got != 7 {
		t.Errorf("MaxID = %d, want 7", got)
	}
	c, err := r.GetConfig("s", false)
	if err != nil || c.Normalize == nil || !*c.Normalize || *c.CompatibilityLevel != compat.DefaultLevel {
		t.Errorf("GetConfig(s) = %+v, %v; want normalize kept and the default level", c, err)
	}
}
