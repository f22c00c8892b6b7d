package store

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

// schemaRecords returns n SCHEMA records of distinct ~2 KB Avro schemas,
// one subject each, as Confluent would have written them.
func schemaRecords(n int) []Record {
	fields := make([]string, 40)
	recs := make([]Record, 0, n)
	for i := 0; i < n; i++ {
		for f := range fields {
			fields[f] = fmt.Sprintf(`{"name":"field_%d_%d","type":["null","string"],"default":null}`, i, f)
		}
		schema := fmt.Sprintf(`{"type":"record","name":"R%d","namespace":"com.acme","fields":[%s]}`, i, strings.Join(fields, ","))
		subject := fmt.Sprintf("subject-%d-value", i)
		recs = append(recs, Record{
			Key:       recordKey{Type: keySchema, Subject: subject, Version: 1}.bytes(),
			Value:     marshal(schemaValue{Subject: subject, Version: 1, ID: i + 1, SchemaType: "AVRO", Schema: schema}),
			Timestamp: 1,
		})
	}
	return recs
}

// BenchmarkReplay100k measures start-up on 100,000 schema records of about
// 2 KB: the time to apply them and the heap they take.
func BenchmarkReplay100k(b *testing.B) {
	recs := schemaRecords(100_000)
	size := 0
	for _, r := range recs {
		size += len(r.Key) + len(r.Value)
	}
	b.SetBytes(int64(size))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		reg, err := Open(NewMemoryLog(recs...), []formats.Format{avro.Format{}}, Settings{}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MiB-heap")
		if reg.Stats().Schemas != 100_000 {
			b.Fatal("not all schemas applied")
		}
		b.StartTimer()
	}
}

// BenchmarkPageAfterWrite100k is a new subject applied, then the first
// page of the subjects and of the schemas read, over 100,000 subjects:
// what a page costs a registry taking registrations (each changes the
// index a page is read from).
func BenchmarkPageAfterWrite100k(b *testing.B) {
	recs := make([]Record, 0, 100_000)
	for i := range 100_000 {
		subject := fmt.Sprintf("subject-%06d-value", i)
		recs = append(recs, Record{
			Key:   recordKey{Type: keySchema, Subject: subject, Version: 1}.bytes(),
			Value: marshal(schemaValue{Subject: subject, Version: 1, ID: i + 1, SchemaType: "AVRO", Schema: fmt.Sprintf(`{"type":"fixed","name":"F%d","size":1}`, i)}),
		})
	}
	r, err := Open(NewMemoryLog(recs...), []formats.Format{avro.Format{}}, Settings{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		subject := fmt.Sprintf("new-%06d-value", i)
		id := 100_000 + i
		r.apply(Record{Offset: int64(id), Key: recordKey{Type: keySchema, Subject: subject, Version: 1}.bytes(),
			Value: marshal(schemaValue{Subject: subject, Version: 1, ID: id, SchemaType: "AVRO", Schema: fmt.Sprintf(`{"type":"fixed","name":"F%d","size":1}`, id)})})
		if len(r.Subjects(SubjectsOptions{Prefix: ":*:", Paging: Paging{Limit: 100}})) != 100 ||
			len(r.Schemas(SchemasOptions{Paging: Paging{Limit: 100}})) != 100 {
			b.Fatal("short page")
		}
	}
}

// benchRecord returns a record schema with n long fields, all but the
// first with a default, so that each one evolves the previous compatibly.
func benchRecord(n int) string {
	fields := []string{`{"name":"f0","type":"long"}`}
	for i := 1; i < n; i++ {
		fields = append(fields, fmt.Sprintf(`{"name":"f%d","type":"long","default":0}`, i))
	}
	return `{"type":"record","name":"Bench","namespace":"com.acme","fields":[` + strings.Join(fields, ",") + `]}`
}

// benchRegistry returns a registry holding versions 1..n of subject s,
// version i a record of i fields, under level.
func benchRegistry(b *testing.B, n int, level string) *Registry {
	b.Helper()
	ctx := context.Background()
	r, err := Open(NewMemoryLog(), []formats.Format{avro.Format{}}, Settings{}, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := r.UpdateConfig(ctx, "s", []byte(`{"compatibility":"`+level+`"}`)); err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if _, err := r.Register(ctx, "s", SchemaRequest{Schema: benchRecord(i)}, RegisterOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	return r
}

// A repeated check of one candidate against the latest version, from every
// goroutine: the stored schema's parse is looked up on each (the answer
// itself comes from the verdict cache).
func BenchmarkCheckCompatibilityLatest(b *testing.B) {
	r := benchRegistry(b, 20, "BACKWARD")
	req := SchemaRequest{Schema: benchRecord(21)}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res, err := r.CheckCompatibility("s", LatestVersion, req, false, false); err != nil || !res.Compatible {
				b.Fatal(res, err)
			}
		}
	})
}

// A repeated check against 100 versions (FULL_TRANSITIVE): 100 parses
// looked up per check.
func BenchmarkCheckCompatibility100Versions(b *testing.B) {
	r := benchRegistry(b, 100, "FULL_TRANSITIVE")
	req := SchemaRequest{Schema: benchRecord(101)}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if res, err := r.CheckCompatibility("s", 0, req, false, false); err != nil || !res.Compatible {
				b.Fatal(res, err)
			}
		}
	})
}

// The lookup of a held parse alone, from every goroutine.
func BenchmarkParsedHit(b *testing.B) {
	r := benchRegistry(b, 1, "BACKWARD")
	r.mu.RLock()
	e := r.st.subjects["s"].versions[0].entry
	r.mu.RUnlock()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.mu.RLock()
			_, err := r.parsed(r.st, e)
			r.mu.RUnlock()
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
