package api

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// brokenLog replays nothing and fails or stalls every append.
type brokenLog struct{ stall bool }

func (brokenLog) Open(func(store.Record)) error { return nil }
func (l brokenLog) Append(ctx context.Context, _ []store.Record) error {
	if l.stall {
		<-ctx.Done()
		return ctx.Err()
	}
	return errors.New("disk on fire")
}
func (brokenLog) Close() error { return nil }

func TestStoreFailures(t *testing.T) {
	for _, tc := range []struct {
		log    brokenLog
		status int
		code   int
	}{{brokenLog{}, 500, 50001}, {brokenLog{stall: true}, 500, 50002}} {
		reg, err := store.Open(tc.log, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := &server{t: t, reg: reg, h: New(Options{Registry: reg})}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if tc.log.stall {
			// The request's context ends (client gone, or the write timeout).
			_, err := reg.Register(ctx, "s", store.SchemaRequest{Schema: `"int"`}, store.RegisterOptions{})
			if e := store.AsError(err); e.Code != tc.code || e.Status() != tc.status {
				t.Errorf("stalled log: got %v (%d), want %d", err, e.Code, tc.code)
			}
			continue
		}
		s.expectError("POST", "/subjects/s/versions", body(`"int"`), tc.status, tc.code, "Error while writing to the store")
		s.expectError("PUT", "/config", `{"compatibility":"NONE"}`, tc.status, tc.code, "")
		s.expectError("PUT", "/mode", `{"mode":"READONLY"}`, tc.status, tc.code, "")
	}
}

func TestSchemaTooLarge(t *testing.T) {
	log := store.NewMemoryLog()
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{MaxRecordBytes: 4096}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, reg: reg, log: log, h: New(Options{Registry: reg})}
	big := `{"type":"record","name":"R","doc":"` + strings.Repeat("x", 5000) + `","fields":[]}`
	s.expectError("POST", "/subjects/s/versions", body(big), 422, 42209, "Register operation failed because schema is too large")
	if n := len(log.Records()); n != 0 {
		t.Errorf("%d records written for a refused schema", n)
	}
}
