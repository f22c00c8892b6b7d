package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/store"
)

// confluentDump is a `_schemas` topic as Confluent versions write it: the
// pre-7.0 key generation (`"subject":null`, values without schemaType or
// deleted), the current one, soft and hard deletes, several subjects sharing
// one id, and NOOP/CONTEXT records.
var confluentDump = [][2]string{
	{`{"keytype":"NOOP","magic":0}`, ``},
	{`{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"FULL"}`},
	{`{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":0}`, `{"subject":"orders-value","version":1,"id":1,"schema":"\"string\""}`},
	{`{"keytype":"SCHEMA","subject":"orders-key","version":1,"magic":1}`, `{"subject":"orders-key","version":1,"id":1,"schema":"\"string\"","deleted":false}`},
	{`{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}`, `{"subject":"users-value","version":1,"id":2,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}","deleted":false}`},
	{`{"keytype":"SCHEMA","subject":"users-value","version":2,"magic":1}`, `{"subject":"users-value","version":2,"id":3,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"n\",\"type\":\"string\",\"default\":\"\"}]}","deleted":false}`},
	{`{"keytype":"SCHEMA","subject":"users-value","version":1,"magic":1}`, `{"subject":"users-value","version":1,"id":2,"schemaType":"AVRO","schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"id\",\"type\":\"long\"}]}","deleted":true}`},
	{`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`, `{"subject":"gone","version":1,"id":4,"schemaType":"AVRO","schema":"\"bytes\"","deleted":true}`},
	{`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`, ``},
	{`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"BACKWARD_TRANSITIVE"}`},
	{`{"keytype":"CONFIG","subject":"users-value","magic":0}`, `{"subject":"users-value","compatibilityLevel":"NONE"}`},
	{`{"keytype":"MODE","subject":"orders-key","magic":0}`, `{"subject":"orders-key","mode":"READONLY"}`},
	{`{"keytype":"DELETE_SUBJECT","subject":"orders-value","magic":0}`, `{"subject":"orders-value","version":1}`},
	{`{"keytype":"CONTEXT","tenant":"default","context":".prod","magic":0}`, `{"tenant":"default","context":".prod"}`},
}

func TestConfluentDumpIsServed(t *testing.T) {
	c := cluster(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.DefaultProduceTopic("_schemas"))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, map[string]*string{"cleanup.policy": ptr("compact")}, "_schemas"); err != nil {
		t.Fatal(err)
	}
	for _, kv := range confluentDump {
		r := &kgo.Record{Key: []byte(kv[0])}
		if kv[1] != "" {
			r.Value = []byte(kv[1])
		}
		if err := cl.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	log, err := New(Config{Brokers: c.ListenAddrs(), InitTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := store.Open(log, []formats.Format{avro.Format{}}, store.Settings{ModeMutability: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()

	// One id shared by two subjects; the old-generation record is AVRO.
	usages, err := reg.VersionsOfID(1, "", true, store.Paging{})
	if err != nil || len(usages) != 2 || usages[0].Subject != "orders-key" || usages[1].Subject != "orders-value" {
		t.Fatalf("usages of id 1: %+v %v", usages, err)
	}
	if v, err := reg.Version("orders-key", 1, false); err != nil || v.ID != 1 || v.SchemaType != "AVRO" || v.Schema != `"string"` {
		t.Fatalf("orders-key 1: %+v %v", v, err)
	}
	// DELETE_SUBJECT soft-deleted orders-value.
	if _, err := reg.Version("orders-value", 1, false); store.AsError(err).Code != store.CodeSubjectNotFound {
		t.Fatalf("orders-value should be soft-deleted: %v", err)
	}
	if v, err := reg.Version("orders-value", 1, true); err != nil || !v.Deleted || v.ID != 1 {
		t.Fatalf("orders-value 1 with deleted: %+v %v", v, err)
	}
	// A soft-deleted version keeps its id; its subject's other version is live.
	if vs, err := reg.Versions("users-value", store.VersionsOptions{DeletedAsNegative: true}); err != nil || len(vs) != 2 || vs[0] != -1 || vs[1] != 2 {
		t.Fatalf("users-value versions: %v %v", vs, err)
	}
	if s, err := reg.SchemaByID(2, ""); err != nil || !s.Deleted {
		t.Fatalf("id 2: %+v %v", s, err)
	}
	// The hard-deleted subject is gone, its id too.
	if _, err := reg.SchemaByID(4, ""); store.AsError(err).Code != store.CodeSchemaNotFound {
		t.Fatalf("id 4 should be gone: %v", err)
	}
	if got := reg.Subjects(store.SubjectsOptions{Deleted: true}); len(got) != 3 {
		t.Fatalf("subjects: %v", got)
	}
	// Both key generations of the global config are one key: last wins.
	if cfg, _ := reg.GetConfig("", false); *cfg.CompatibilityLevel != "BACKWARD_TRANSITIVE" {
		t.Errorf("global level %s", *cfg.CompatibilityLevel)
	}
	if cfg, _ := reg.GetConfig("users-value", false); *cfg.CompatibilityLevel != "NONE" {
		t.Errorf("users-value level %s", *cfg.CompatibilityLevel)
	}
	if m, _ := reg.GetMode("orders-key", false); m != "READONLY" {
		t.Errorf("orders-key mode %s", m)
	}
	if ctxs := reg.Contexts("", store.Paging{}); len(ctxs) != 2 || ctxs[1] != ".prod" {
		t.Errorf("contexts %v", ctxs)
	}
	// New ids continue after the highest, deleted ones included.
	v, err := reg.Register(context.Background(), "new", store.SchemaRequest{Schema: `"double"`}, store.RegisterOptions{})
	if err != nil || v.ID != 5 {
		t.Fatalf("register after replay: %+v %v", v, err)
	}
}
