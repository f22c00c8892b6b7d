package store

import (
	"testing"

	"github.com/schemaregistry/registry/formats"
)

func TestIdentityOfMatchesFormats(t *testing.T) {
	text := schemaRecords(1)[0].Value // any text
	md := &formats.Metadata{Properties: map[string]string{"a": "b"}}
	rs := &formats.RuleSet{DomainRules: []formats.Rule{{Name: "r", Type: "CEL"}}}
	refs := []formats.Reference{{Name: "n", Subject: "s", Version: 1}}
	for _, tc := range []struct {
		refs []formats.Reference
		md   *formats.Metadata
		rs   *formats.RuleSet
	}{{}, {refs: refs}, {md: md}, {rs: rs}, {refs, md, rs}, {refs: []formats.Reference{}}} {
		got, want := identityOf(text, tc.refs, tc.md, tc.rs), formats.IdentityOf(string(text), tc.refs, tc.md, tc.rs)
		if got != want {
			t.Errorf("identityOf %+v = %x, want %x", tc, got, want)
		}
	}
}
