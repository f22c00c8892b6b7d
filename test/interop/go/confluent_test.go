package interop

import (
	"errors"
	"net/http"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rest"
	"github.com/hamba/avro/v2"
)

const (
	shipmentV1 = `{"type":"record","name":"Shipment","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"carrier","type":"string"}]}`
	// shipmentV2 adds a field with a default: compatible under FULL.
	shipmentV2 = `{"type":"record","name":"Shipment","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"carrier","type":"string"},{"name":"weight","type":"int","default":0}]}`
	// shipmentBad changes a field's type: incompatible.
	shipmentBad = `{"type":"record","name":"Shipment","namespace":"com.acme","fields":[{"name":"id","type":"string"},{"name":"carrier","type":"string"}]}`

	locationSchema = `{"type":"record","name":"Location","namespace":"com.acme","fields":[{"name":"lat","type":"double"},{"name":"lon","type":"double"}]}`
	deliverySchema = `{"type":"record","name":"Delivery","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"to","type":"com.acme.Location"}]}`
)

func newConfluentClient(t *testing.T) schemaregistry.Client {
	t.Helper()
	cl, err := schemaregistry.NewClient(schemaregistry.NewConfig(registryURL))
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// restError asserts err is the client's *rest.Error with code.
func restError(t *testing.T, what string, err error, code int) {
	t.Helper()
	var re *rest.Error
	if !errors.As(err, &re) {
		t.Fatalf("%s: %v (%T), want *rest.Error %d", what, err, err, code)
	}
	if re.Code != code {
		t.Fatalf("%s: error_code %d (%s), want %d", what, re.Code, re.Message, code)
	}
}

func TestConfluentGo(t *testing.T) {
	const subject = "shipments-value"
	cl := newConfluentClient(t)

	var id int
	t.Run("register", func(t *testing.T) {
		var err error
		id, err = cl.Register(subject, schemaregistry.SchemaInfo{Schema: shipmentV1}, false)
		if err != nil {
			t.Fatal(err)
		}
		if id <= 0 {
			t.Fatalf("id %d", id)
		}
		// Registering again from a client with an empty cache reaches the
		// server and answers the same id.
		again, err := newConfluentClient(t).Register(subject, schemaregistry.SchemaInfo{Schema: shipmentV1}, false)
		if err != nil || again != id {
			t.Fatalf("re-registration = %d, %v; want %d", again, err, id)
		}
	})

	t.Run("normalize", func(t *testing.T) {
		// A subject written with normalize=true: idempotent, and found by a
		// normalized lookup, also for a differently formatted text.
		const sub = "normalized-value"
		n1, err := newConfluentClient(t).Register(sub, schemaregistry.SchemaInfo{Schema: shipmentV1}, true)
		if err != nil {
			t.Fatal(err)
		}
		spaced := "{ \"type\": \"record\", \"name\": \"Shipment\", \"namespace\": \"com.acme\", \"fields\": [ {\"name\": \"id\", \"type\": \"long\"}, {\"name\": \"carrier\", \"type\": \"string\"} ] }"
		for _, text := range []string{shipmentV1, spaced} {
			n2, err := newConfluentClient(t).Register(sub, schemaregistry.SchemaInfo{Schema: text}, true)
			if err != nil || n2 != n1 {
				t.Fatalf("re-registration with normalize=true = %d, %v; want %d", n2, err, n1)
			}
			got, err := newConfluentClient(t).GetID(sub, schemaregistry.SchemaInfo{Schema: text}, true)
			if err != nil || got != n1 {
				t.Fatalf("GetID(normalize=true) = %d, %v; want %d", got, err, n1)
			}
		}
		md, err := newConfluentClient(t).GetLatestSchemaMetadata(sub)
		if err != nil || md.Version != 1 {
			t.Fatalf("latest %+v, %v; want version 1", md, err)
		}
	})

	t.Run("latest metadata", func(t *testing.T) {
		md, err := newConfluentClient(t).GetLatestSchemaMetadata(subject)
		if err != nil {
			t.Fatal(err)
		}
		if md.ID != id || md.Version != 1 || md.Subject != subject {
			t.Fatalf("GetLatestSchemaMetadata = id %d version %d subject %q", md.ID, md.Version, md.Subject)
		}
		if _, err := avro.Parse(md.Schema); err != nil {
			t.Fatalf("latest schema %q does not parse: %v", md.Schema, err)
		}
	})

	t.Run("lookup", func(t *testing.T) {
		got, err := newConfluentClient(t).GetID(subject, schemaregistry.SchemaInfo{Schema: shipmentV1}, false)
		if err != nil || got != id {
			t.Fatalf("GetID = %d, %v; want %d", got, err, id)
		}
		_, err = newConfluentClient(t).GetID(subject, schemaregistry.SchemaInfo{Schema: shipmentBad}, false)
		restError(t, "GetID of a schema the subject does not hold", err, 40403)
		_, err = newConfluentClient(t).GetID("no-such-subject", schemaregistry.SchemaInfo{Schema: shipmentV1}, false)
		restError(t, "GetID under an unknown subject", err, 40401)
	})

	t.Run("get by subject and id", func(t *testing.T) {
		info, err := newConfluentClient(t).GetBySubjectAndID(subject, id)
		if err != nil {
			t.Fatal(err)
		}
		if info.SchemaType != "" && info.SchemaType != "AVRO" {
			t.Fatalf("schemaType %q", info.SchemaType)
		}
		if _, err := avro.Parse(info.Schema); err != nil {
			t.Fatalf("schema %q does not parse: %v", info.Schema, err)
		}
		_, err = newConfluentClient(t).GetBySubjectAndID("", 99999)
		restError(t, "GetBySubjectAndID of an unknown id", err, 40403)
	})

	t.Run("compatibility config", func(t *testing.T) {
		// No subject-level config yet: Confluent answers 40408.
		_, err := cl.GetCompatibility(subject)
		restError(t, "GetCompatibility before any subject config", err, 40408)

		global, err := cl.GetDefaultCompatibility()
		if err != nil || global != schemaregistry.Backward {
			t.Fatalf("GetDefaultCompatibility = %v, %v; want BACKWARD", global, err)
		}
		set, err := cl.UpdateCompatibility(subject, schemaregistry.Full)
		if err != nil || set != schemaregistry.Full {
			t.Fatalf("UpdateCompatibility(FULL) = %v, %v", set, err)
		}
		got, err := cl.GetCompatibility(subject)
		if err != nil || got != schemaregistry.Full {
			t.Fatalf("GetCompatibility = %v, %v; want FULL", got, err)
		}
	})

	t.Run("test compatibility", func(t *testing.T) {
		ok, err := cl.TestCompatibility(subject, 1, schemaregistry.SchemaInfo{Schema: shipmentBad})
		if err != nil || ok {
			t.Fatalf("TestCompatibility(incompatible) = %v, %v; want false", ok, err)
		}
		ok, err = cl.TestCompatibility(subject, 1, schemaregistry.SchemaInfo{Schema: shipmentV2})
		if err != nil || !ok {
			t.Fatalf("TestCompatibility(compatible) = %v, %v; want true", ok, err)
		}
		ok, err = cl.TestCompatibility(subject, -1, schemaregistry.SchemaInfo{Schema: shipmentV2})
		if err != nil || !ok {
			t.Fatalf("TestCompatibility(latest) = %v, %v; want true", ok, err)
		}
		_, err = cl.TestCompatibility(subject, 9, schemaregistry.SchemaInfo{Schema: shipmentV2})
		restError(t, "TestCompatibility against a missing version", err, 40402)
	})

	t.Run("incompatible register refused", func(t *testing.T) {
		_, err := cl.Register(subject, schemaregistry.SchemaInfo{Schema: shipmentBad}, false)
		restError(t, "Register of an incompatible change", err, 40901)
		// A compatible evolution goes through and becomes latest.
		id2, err := cl.Register(subject, schemaregistry.SchemaInfo{Schema: shipmentV2}, false)
		if err != nil || id2 == id {
			t.Fatalf("Register(v2) = %d, %v", id2, err)
		}
		md, err := newConfluentClient(t).GetLatestSchemaMetadata(subject)
		if err != nil || md.Version != 2 || md.ID != id2 {
			t.Fatalf("latest after v2 = %+v, %v", md, err)
		}
	})

	t.Run("invalid schema refused", func(t *testing.T) {
		_, err := cl.Register("broken-value", schemaregistry.SchemaInfo{Schema: `{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}`}, false)
		restError(t, "Register of an invalid schema", err, 42201)
	})

	t.Run("references", func(t *testing.T) {
		locID, err := cl.Register("com.acme.Location", schemaregistry.SchemaInfo{Schema: locationSchema}, false)
		if err != nil {
			t.Fatal(err)
		}
		refs := []schemaregistry.Reference{{Name: "com.acme.Location", Subject: "com.acme.Location", Version: 1}}
		delID, err := cl.Register("deliveries-value", schemaregistry.SchemaInfo{Schema: deliverySchema, References: refs}, false)
		if err != nil {
			t.Fatalf("Register with a reference: %v", err)
		}
		if delID == locID {
			t.Fatalf("Delivery and Location share id %d", delID)
		}
		fresh := newConfluentClient(t)
		info, err := fresh.GetBySubjectAndID("deliveries-value", delID)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.References) != 1 || info.References[0] != refs[0] {
			t.Fatalf("references %+v, want %+v", info.References, refs)
		}
		got, err := fresh.GetID("deliveries-value", schemaregistry.SchemaInfo{Schema: deliverySchema, References: refs}, false)
		if err != nil || got != delID {
			t.Fatalf("GetID with references = %d, %v; want %d", got, err, delID)
		}
		md, err := fresh.GetLatestSchemaMetadata("deliveries-value")
		if err != nil || len(md.References) != 1 {
			t.Fatalf("latest Delivery = %+v, %v", md, err)
		}
		// Without its reference the schema does not parse.
		_, err = cl.Register("deliveries2-value", schemaregistry.SchemaInfo{Schema: deliverySchema}, false)
		restError(t, "Register without the reference", err, 42201)
		// A reference to a missing version.
		_, err = cl.Register("deliveries3-value", schemaregistry.SchemaInfo{Schema: deliverySchema,
			References: []schemaregistry.Reference{{Name: "com.acme.Location", Subject: "com.acme.Location", Version: 5}}}, false)
		var re *rest.Error
		if !errors.As(err, &re) {
			t.Fatalf("Register with a missing reference: %v, want *rest.Error", err)
		}
		t.Logf("missing reference version: error_code %d: %s", re.Code, re.Message)

		// A record built from the client's id passes the validation hook.
		cache := &avro.SchemaCache{}
		if _, err := avro.ParseWithCache(locationSchema, "", cache); err != nil {
			t.Fatal(err)
		}
		s, err := avro.ParseWithCache(info.Schema, "", cache)
		if err != nil {
			t.Fatal(err)
		}
		type location struct {
			Lat float64 `avro:"lat"`
			Lon float64 `avro:"lon"`
		}
		type delivery struct {
			ID int64    `avro:"id"`
			To location `avro:"to"`
		}
		b, err := avroSerde(delID, s, delivery{}).Encode(delivery{ID: 1, To: location{1.5, 2.5}})
		if err != nil {
			t.Fatal(err)
		}
		assertValid(t, "delivery", validate(t, "deliveries", "TopicNameStrategy", true, b))
		if v := validate(t, "shipments", "TopicNameStrategy", false, b)[0]; v.Valid || v.Reason != "SUBJECT_MISMATCH" {
			t.Fatalf("Delivery id on shipments: %+v, want SUBJECT_MISMATCH", v)
		}
	})

	t.Run("reset compatibility", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodDelete, registryURL+"/config/"+subject, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("DELETE /config/%s: %d", subject, resp.StatusCode)
		}
		_, err = cl.GetCompatibility(subject)
		restError(t, "GetCompatibility after reset", err, 40408)
	})
}
