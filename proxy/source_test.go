package proxy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/store"
)

// TestRemoteSource validates through the registry's REST API: the same
// verdicts as in process, answers cached for their TTL (unknown ids
// briefly), and a registry that cannot be reached is UNAVAILABLE.
func TestRemoteSource(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}, protobuf.Format{}}, store.Settings{ModeMutability: true, ValidateNewSchemas: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := api.New(api.Options{Registry: reg, Version: "test", ClusterID: "embedded"})
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	register := func(subject string, req store.SchemaRequest) int {
		v, err := reg.Register(context.Background(), subject, req, store.RegisterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return v.ID
	}
	id := register("orders-value", store.SchemaRequest{Schema: orderSchema})
	// A schema with a reference, in another context.
	register(":.eu:com.acme.Line", store.SchemaRequest{Schema: `{"type":"record","name":"Line","namespace":"com.acme","fields":[{"name":"sku","type":"string"}]}`})
	euID := register(":.eu:baskets-value", store.SchemaRequest{Schema: `{"type":"record","name":"Basket","namespace":"com.acme","fields":[{"name":"line","type":"com.acme.Line"}]}`,
		References: []formats.Reference{{Name: "com.acme.Line", Subject: ":.eu:com.acme.Line", Version: 1}}})

	now := time.Unix(1000, 0)
	src := NewRemoteSource(RegistryClient{URL: srv.URL}, []formats.Format{avro.Format{}, protobuf.Format{}}, 0, time.Minute, time.Second)
	src.now = func() time.Time { return now }
	v := hook.NewFrom(src, 0)
	on := hook.Settings{Value: hook.Side{Validate: true, Deep: true}}
	check := func(topic string, value []byte, s hook.Settings) hook.Verdict {
		return v.Validate(topic, []hook.Record{{Value: value}}, s)[0]
	}
	if got := check("orders", order(t, id, 1), on); !got.Valid {
		t.Fatalf("valid record: %+v", got)
	}
	if got := check("payments", order(t, id, 1), on); got.Reason != hook.ReasonSubjectMismatch {
		t.Errorf("another topic: %+v", got)
	}
	basket := append(formats.AppendIDPrefix(nil, int32(euID)), 6, 's', 'k', 'u')
	if got := check("baskets", basket, hook.Settings{Value: hook.Side{Validate: true, Deep: true}, Context: ".eu"}); !got.Valid {
		t.Errorf("a schema with a reference in context .eu: %+v", got)
	}
	before := requests.Load()
	check("orders", order(t, id, 2), on)
	if requests.Load() != before {
		t.Error("a cached id was asked again")
	}

	// Unknown: cached for the negative TTL, then asked again.
	next := id + 100
	if got := check("orders", order(t, next, 1), on); got.Reason != hook.ReasonUnknownSchema {
		t.Errorf("unknown id: %+v", got)
	}
	before = requests.Load()
	check("orders", order(t, next, 1), on)
	if requests.Load() != before {
		t.Error("an unknown id was asked again within the negative TTL")
	}
	now = now.Add(2 * time.Second)
	check("orders", order(t, next, 1), on)
	if requests.Load() == before {
		t.Error("an unknown id was not asked again after the negative TTL")
	}

	// A new subject for a known id shows after the TTL.
	register("payments-value", store.SchemaRequest{Schema: orderSchema})
	if got := check("payments", order(t, id, 1), on); got.Valid {
		t.Error("the cached subjects changed before the TTL")
	}
	now = now.Add(time.Minute)
	if got := check("payments", order(t, id, 1), on); !got.Valid {
		t.Errorf("after the TTL: %+v", got)
	}

	// Credentials: basic auth, or a bearer token.
	var auth atomic.Value
	authSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		h.ServeHTTP(w, r)
	}))
	defer authSrv.Close()
	for _, tc := range []struct {
		client RegistryClient
		want   string
	}{
		{RegistryClient{URL: authSrv.URL, User: "proxy", Password: "pw"}, "Basic cHJveHk6cHc="},
		{RegistryClient{URL: authSrv.URL, Token: "tok"}, "Bearer tok"},
	} {
		if _, _, err := NewRemoteSource(tc.client, []formats.Format{avro.Format{}}, 0, 0, 0).Schema("", id); err != nil || auth.Load() != tc.want {
			t.Errorf("%+v: sent %v (%v), want %s", tc.client, auth.Load(), err, tc.want)
		}
	}

	// A registry that cannot be reached: unavailable, not cached.
	srv.Close()
	down := hook.NewFrom(NewRemoteSource(RegistryClient{URL: srv.URL}, []formats.Format{avro.Format{}}, 0, 0, 0), 0)
	if got := down.Validate("orders", []hook.Record{{Value: order(t, id, 1)}}, on)[0]; got.Reason != hook.ReasonUnavailable {
		t.Errorf("registry down: %+v", got)
	}
}
