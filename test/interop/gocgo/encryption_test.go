package interopcgo

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rules/encryption"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/rules/encryption/localkms"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde"
	"github.com/confluentinc/confluent-kafka-go/v2/schemaregistry/serde/avrov2"
)

// startRegistry builds the registry of this repository and starts it on a
// free port with an empty data directory.
func startRegistry(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root, _ := filepath.Abs("../../..")
	bin := filepath.Join(dir, "sr")
	build := exec.Command("go", "build", "-o", bin, "./cmd/schema-registry")
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the registry: %v\n%s", err, out)
	}
	logPath := filepath.Join(dir, "registry.log")
	logFile, _ := os.Create(logPath)
	srv := exec.Command(bin)
	srv.Dir = dir
	srv.Env = append(os.Environ(), "SCHEMA_REGISTRY_LISTENERS=http://127.0.0.1:0", "SCHEMA_REGISTRY_DATA_DIR="+filepath.Join(dir, "data"))
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait(); logFile.Close() })
	listening := regexp.MustCompile(`msg=listening url=(\S+)`)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		b, _ := os.ReadFile(logPath)
		if m := listening.FindSubmatch(b); m != nil {
			url := string(m[1])
			for time.Now().Before(deadline) {
				if resp, err := http.Get(url + "/health/ready"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == 200 {
						return url
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("the registry did not start:\n%s", b)
	return ""
}

type Customer struct {
	Name string `avro:"name"`
	SSN  string `avro:"ssn"`
}

// TestFieldLevelEncryption: confluent-kafka-go's serde encrypts the field
// tagged PII with a DEK it keeps in this registry's DEK registry, and
// decrypts it back.
func TestFieldLevelEncryption(t *testing.T) {
	url := startRegistry(t)
	encryption.Register()
	localkms.Register()
	// The executors stay in the global rule registry, configured for this
	// test's registry: the serializers of later tests would configure them
	// again for theirs and fail.
	t.Cleanup(serde.GlobalRuleRegistry().Clear)
	client, err := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	if err != nil {
		t.Fatal(err)
	}
	schema := `{"type":"record","name":"Customer","fields":[{"name":"name","type":"string"},{"name":"ssn","type":"string","confluent:tags":["PII"]}]}`
	_, err = client.Register("customers-value", schemaregistry.SchemaInfo{Schema: schema, SchemaType: "AVRO",
		RuleSet: &schemaregistry.RuleSet{DomainRules: []schemaregistry.Rule{{
			Name: "encrypt-pii", Kind: "TRANSFORM", Mode: "WRITEREAD", Type: "ENCRYPT", Tags: []string{"PII"},
			Params:    map[string]string{"encrypt.kek.name": "kek-go", "encrypt.kms.type": "local-kms", "encrypt.kms.key.id": "mykey"},
			OnFailure: "ERROR,NONE",
		}}}}, false)
	if err != nil {
		t.Fatal(err)
	}
	serConf := avrov2.NewSerializerConfig()
	serConf.AutoRegisterSchemas, serConf.UseLatestVersion = false, true
	serConf.RuleConfig = map[string]string{"secret": "go-secret"}
	ser, err := avrov2.NewSerializer(client, serde.ValueSerde, serConf)
	if err != nil {
		t.Fatal(err)
	}
	data, err := ser.Serialize("customers", &Customer{Name: "Grace", SSN: "987-65-4321"})
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("987-65-4321")) || !bytes.Contains(data, []byte("Grace")) {
		t.Fatalf("the PII field is not encrypted: %q", data)
	}
	resp, err := http.Get(url + "/dek-registry/v1/keks/kek-go/deks/customers-value/versions/latest")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("the DEK in the registry: %v %v", err, resp)
	}
	resp.Body.Close()
	client2, _ := schemaregistry.NewClient(schemaregistry.NewConfig(url))
	desConf := avrov2.NewDeserializerConfig()
	desConf.RuleConfig = map[string]string{"secret": "go-secret"}
	des, err := avrov2.NewDeserializer(client2, serde.ValueSerde, desConf)
	if err != nil {
		t.Fatal(err)
	}
	var got Customer
	if err := des.DeserializeInto("customers", data, &got); err != nil {
		t.Fatal(err)
	}
	if got != (Customer{Name: "Grace", SSN: "987-65-4321"}) {
		t.Fatalf("read back %+v", got)
	}
	fmt.Println("decrypted", got.Name)
}
