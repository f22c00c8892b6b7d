package store

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

func TestNestingExceeds(t *testing.T) {
	for _, tt := range []struct {
		text     string
		protobuf bool
		max      int
		want     bool
	}{
		{`"string"`, false, 0, false},
		{`[[1]]`, false, 2, false},
		{`[[[1]]]`, false, 2, true},
		{`{"a":{"b":[1]}}`, false, 3, false},
		{`{"a":{"b":[1]}}`, false, 2, true},
		{`{"doc":"[[[[[[","x":1}`, false, 1, false},              // brackets in strings do not count
		{`{"doc":"\"[[[[","x":1}`, false, 1, false},              // escaped quote inside a string
		{`[][][][][][][][]`, false, 1, false},                    // siblings do not add up
		{`]]]]]][[`, false, 2, false},                            // stray closers do not go negative
		{"message A { // {{{{\n message B {} }", true, 2, false}, // comments
		{"message A { /* {{{{ */ message B {} }", true, 2, false},
		{"message A { option (x) = '{{{{'; }", true, 1, false},
		{"message A { message B { message C {} } }", true, 2, true},
		{strings.Repeat("[", 1<<20), false, 128, true},
	} {
		if got := NestingExceeds(tt.text, tt.protobuf, tt.max); got != tt.want {
			t.Errorf("NestingExceeds(%.40q, %v, %d) = %v, want %v", tt.text, tt.protobuf, tt.max, got, tt.want)
		}
	}
}

// TestSchemaLimits checks that every operation that parses a request's
// schema refuses one beyond the limits with 42201, before parsing.
func TestSchemaLimits(t *testing.T) {
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}},
		Settings{MaxSchemaBytes: 200, MaxSchemaDepth: 4}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := r.Register(ctx, "s", SchemaRequest{Schema: `{"type":"array","items":{"type":"map","values":"int"}}`}, RegisterOptions{}); err != nil {
		t.Fatalf("a schema within the limits: %v", err)
	}
	big := SchemaRequest{Schema: `{"type":"record","name":"R","doc":"` + strings.Repeat("x", 200) + `","fields":[]}`}
	deep := SchemaRequest{Schema: strings.Repeat(`{"type":"array","items":`, 5) + `"int"` + strings.Repeat("}", 5)}
	for name, req := range map[string]SchemaRequest{"size": big, "depth": deep} {
		ops := map[string]func() error{
			"register": func() error { _, err := r.Register(ctx, "s", req, RegisterOptions{}); return err },
			"lookup":   func() error { _, err := r.Lookup("s", req, false, false); return err },
			"existing": func() error { _, _, err := r.Existing("s", req, false); return err },
			"compat":   func() error { _, err := r.CheckCompatibility("s", 0, req, false, true); return err },
		}
		for op, f := range ops {
			var e *Error
			if err := f(); !errors.As(err, &e) || e.Code != CodeInvalidSchema || !strings.Contains(e.Message, "schema.max."+map[string]string{"size": "bytes", "depth": "depth"}[name]) {
				t.Errorf("%s beyond the %s limit: %v, want 42201 naming the property", op, name, err)
			}
		}
	}
}

func TestCompatibilityStats(t *testing.T) {
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec := func(fields string) SchemaRequest {
		return SchemaRequest{Schema: `{"type":"record","name":"R","fields":[` + fields + `]}`}
	}
	r.Register(ctx, "s", rec(`{"name":"a","type":"int"}`), RegisterOptions{}) // first version: no check
	if c, f := r.CompatibilityStats(); c != 0 || f != 0 {
		t.Fatalf("after a first version: %d checks, %d failures", c, f)
	}
	r.Register(ctx, "s", rec(`{"name":"a","type":"int"},{"name":"b","type":"int","default":0}`), RegisterOptions{})
	r.Register(ctx, "s", rec(`{"name":"c","type":"int"}`), RegisterOptions{}) // incompatible
	r.CheckCompatibility("s", 0, rec(`{"name":"d","type":"int"}`), false, false)
	if c, f := r.CompatibilityStats(); c != 3 || f != 2 {
		t.Errorf("CompatibilityStats = %d checks, %d failures; want 3, 2", c, f)
	}
}
