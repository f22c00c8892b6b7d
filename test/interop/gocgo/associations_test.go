package interopcgo

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
)

// ContractOrder is the record of orders-contract's version 1; ContractOrderV2 adds a
// field (the schemas the serializer derives from them).
type ContractOrder struct {
	ID int64 `avro:"id"`
}

type ContractOrderV2 struct {
	ID   int64  `avro:"id"`
	Note string `avro:"note"`
}

func rest(t *testing.T, method, url, body string) string {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	return string(b)
}

// TestAssociatedNameStrategy: confluent-kafka-go's serializers default to
// the associated name strategy. With the topic orders bound to the subject
// orders-contract they register and read under it; a topic without an
// association falls back to the topic name strategy; a STRONG association
// created with its schema gives the topic's own subject.
func TestAssociatedNameStrategy(t *testing.T) {
	url := startRegistry(t)
	v1 := `{"type":"record","name":"Order","fields":[{"name":"id","type":"long"}]}`
	body, _ := json.Marshal(map[string]string{"schema": v1})
	rest(t, "POST", url+"/subjects/orders-contract/versions", string(body))
	rest(t, "PUT", url+"/config/orders-contract", `{"compatibility":"NONE"}`)
	rest(t, "POST", url+"/associations", `{"resourceName":"orders","resourceNamespace":"lkc-go","resourceId":"orders-id","associations":[{"subject":"orders-contract"}]}`)

	client, err := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	serConf := avrov2.NewSerializerConfig()
	serConf.AutoRegisterSchemas = true
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, serConf)
	if err != nil {
		t.Fatal(err)
	}
	idOf := func(b []byte) int { return int(binary.BigEndian.Uint32(b[1:5])) }
	data, err := ser.Serialize("orders", &ContractOrderV2{ID: 7, Note: "n"})
	if err != nil {
		t.Fatal(err)
	}
	if got := rest(t, "GET", url+"/subjects/orders-contract/versions", ""); got != "[1,2]" {
		t.Fatalf("orders-contract versions after producing to orders: %s", got)
	}
	var latest struct{ ID int }
	json.Unmarshal([]byte(rest(t, "GET", url+"/subjects/orders-contract/versions/latest", "")), &latest)
	if idOf(data) != latest.ID {
		t.Fatalf("record id %d, orders-contract's latest is %d", idOf(data), latest.ID)
	}
	desConf := avrov2.NewDeserializerConfig()
	desConf.UseLatestVersion = true
	des, err := avrov2.NewDeserializer(client, serde.ValueSerde, desConf)
	if err != nil {
		t.Fatal(err)
	}
	var back ContractOrderV2
	if err := des.DeserializeInto("orders", data, &back); err != nil || back != (ContractOrderV2{ID: 7, Note: "n"}) {
		t.Fatalf("read back %+v, %v", back, err)
	}

	// No association: the topic name strategy.
	if _, err := ser.Serialize("payments", &ContractOrder{ID: 1}); err != nil {
		t.Fatal(err)
	}
	if got := rest(t, "GET", url+"/subjects", ""); got != `["orders-contract","payments-value"]` {
		t.Fatalf("subjects: %s", got)
	}

	// A STRONG association created with its schema: the topic's subject,
	// in the namespace's context.
	body, _ = json.Marshal(map[string]any{"resourceName": "invoices", "resourceNamespace": "lkc-go", "resourceId": "invoices-id",
		"associations": []any{map[string]any{"schema": map[string]string{"schema": v1}}}})
	rest(t, "POST", url+"/associations", string(body))
	conf := avrov2.NewSerializerConfig()
	conf.AutoRegisterSchemas = false
	conf.UseLatestVersion = true
	latestSer, err := avrov2.NewSerializer(client, serde.ValueSerde, conf)
	if err != nil {
		t.Fatal(err)
	}
	data, err = latestSer.Serialize("invoices", &ContractOrder{ID: 9})
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal([]byte(rest(t, "GET", url+"/subjects/:.lkc-go:invoices-value/versions/latest", "")), &latest)
	if idOf(data) != latest.ID {
		t.Fatalf("invoices record id %d, :.lkc-go:invoices-value's is %d", idOf(data), latest.ID)
	}
}
