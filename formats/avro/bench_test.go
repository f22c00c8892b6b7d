package avro

import (
	"testing"

	"github.com/schemaregistry/registry/formats"
)

// benchSchema is a ~1 KB record of 20 fields of mixed types, each with a
// default, as registered.
const benchSchema = `{"type":"record","name":"Order","namespace":"com.acme.orders","doc":"An order","fields":[` +
	`{"name":"id","type":"long","default":0},` +
	`{"name":"customer","type":"string","default":""},` +
	`{"name":"quantity","type":"int","default":1},` +
	`{"name":"price","type":"double","default":0.0},` +
	`{"name":"discount","type":"float","default":0.5},` +
	`{"name":"paid","type":"boolean","default":false},` +
	`{"name":"note","type":["null","string"],"default":null},` +
	`{"name":"tags","type":{"type":"array","items":"string"},"default":["a","b"]},` +
	`{"name":"attrs","type":{"type":"map","values":"long"},"default":{"x":1}},` +
	`{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]},"default":"NEW"},` +
	`{"name":"hash","type":{"type":"fixed","name":"Hash","size":4},"default":"abcd"},` +
	`{"name":"created","type":{"type":"long","logicalType":"timestamp-millis"},"default":0},` +
	`{"name":"day","type":{"type":"int","logicalType":"date"},"default":0},` +
	`{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"default":"\u0000"},` +
	`{"name":"uuid","type":{"type":"string","logicalType":"uuid"},"default":"00000000-0000-0000-0000-000000000000"},` +
	`{"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"street","type":"string","default":""},{"name":"zip","type":["null","int"],"default":null}]},"default":{"street":"main"}},` +
	`{"name":"previous","type":["null","Status"],"default":null},` +
	`{"name":"weights","type":{"type":"array","items":"double"},"default":[1.5,2]},` +
	`{"name":"priority","type":"int","default":3,"doc":"higher first"},` +
	`{"name":"channel","type":"string","default":"web","aliases":["source"]}]}`

func BenchmarkParseNew(b *testing.B) {
	if _, err := (Format{}).Parse(benchSchema, nil, formats.Options{New: true}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(benchSchema)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := (Format{}).Parse(benchSchema, nil, formats.Options{New: true}); err != nil {
			b.Fatal(err)
		}
	}
}
