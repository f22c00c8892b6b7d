package compat

import (
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
)

func init() { differs[formats.Avro] = avroDifferences }

// avroDifferences runs the Avro reader/writer check (avro.go) on hamba's
// parse of both schemas.
func avroDifferences(reader, writer formats.Schema, readerLabel, writerLabel string, _ Options) []string {
	r, w := reader.(*avro.Schema).Hamba(), writer.(*avro.Schema).Hamba()
	if r == nil || w == nil {
		return []string{"Unexpected exception during compatibility check: schema could not be parsed"}
	}
	var out []string
	for _, inc := range CheckAvro(r, w) {
		out = append(out, inc.Message(readerLabel, writerLabel))
	}
	return out
}
