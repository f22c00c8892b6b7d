package avro

import (
	"reflect"
	"testing"

	"github.com/schemaregistry/registry/formats"
)

func TestTags(t *testing.T) {
	const text = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},` +
		`{"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"ssn","type":"string","confluent:tags":["PII"]}]}}]}`
	s, err := Format{}.Parse(text, nil, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	as := s.(*Schema)
	want := []formats.SchemaTags{{SchemaEntity: formats.SchemaEntity{EntityPath: "shop.Customer.ssn", EntityType: "sr_field"}, Tags: []string{"PII"}}}
	if got := as.Tags(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Tags() = %+v", got)
	}
	out, err := as.WithTags([]formats.SchemaTags{
		{SchemaEntity: formats.SchemaEntity{EntityPath: "shop.Order", EntityType: "sr_record"}, Tags: []string{"T1", "T2"}},
		{SchemaEntity: formats.SchemaEntity{EntityPath: "Customer.ssn", EntityType: "sr_field"}, Tags: []string{"SENSITIVE"}},
	}, []formats.SchemaTags{{SchemaEntity: formats.SchemaEntity{EntityPath: "Customer.ssn", EntityType: "sr_field"}, Tags: []string{"PII"}}})
	if err != nil {
		t.Fatal(err)
	}
	const wantText = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"long"},` +
		`{"name":"customer","type":{"type":"record","name":"Customer","fields":[{"name":"ssn","type":"string","confluent:tags":["SENSITIVE"]}]}}],"confluent:tags":["T1","T2"]}`
	if out != wantText {
		t.Fatalf("WithTags:\n got  %s\n want %s", out, wantText)
	}
	if _, err := as.WithTags([]formats.SchemaTags{{SchemaEntity: formats.SchemaEntity{EntityPath: "shop.Nope", EntityType: "sr_record"}, Tags: []string{"x"}}}, nil); err == nil ||
		err.Error() != "invalid schema: No matching path 'shop.Nope' found in the schema" {
		t.Fatalf("missing entity: %v", err)
	}
}
