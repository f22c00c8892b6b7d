package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func kafkaConfig(t *testing.T, env ...string) (kafkaSettings, bool, error) {
	t.Helper()
	cfg, err := loadConfig(nil, env, nil)
	if err != nil {
		t.Fatal(err)
	}
	return kafkaMode(cfg)
}

func TestKafkaModeIsOffWithoutBootstrapServers(t *testing.T) {
	if _, on, err := kafkaConfig(t); on || err != nil {
		t.Fatalf("kafka mode on=%v err=%v without kafkastore.bootstrap.servers", on, err)
	}
}

func TestKafkaModeDefaults(t *testing.T) {
	s, on, err := kafkaConfig(t, "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=PLAINTEXT://k1:9092, k2:9092",
		"SCHEMA_REGISTRY_HOST_NAME=node-a", "SCHEMA_REGISTRY_LISTENERS=http://0.0.0.0:8081")
	if err != nil || !on {
		t.Fatal(on, err)
	}
	if strings.Join(s.log.Brokers, ",") != "k1:9092,k2:9092" {
		t.Errorf("brokers %v", s.log.Brokers)
	}
	if s.log.ReplicationFactor != 3 || s.log.Timeout != 500*time.Millisecond || s.log.InitTimeout != time.Minute {
		t.Errorf("log defaults %+v", s.log)
	}
	if s.groupID != "schema-registry" || s.sessionTimeout != 10*time.Second || s.heartbeat != 3*time.Second {
		t.Errorf("group defaults %+v", s)
	}
	if s.identity.URL() != "http://node-a:8081" || !s.identity.MasterEligibility || s.identity.Version != 1 {
		t.Errorf("identity %+v", s.identity)
	}
}

func TestKafkaModeProperties(t *testing.T) {
	s, _, err := kafkaConfig(t,
		"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=k:9092",
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC=_schemas_x",
		"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=1",
		"SCHEMA_REGISTRY_KAFKASTORE_TIMEOUT_MS=2000",
		"SCHEMA_REGISTRY_LEADER_ELIGIBILITY=false",
		"SCHEMA_REGISTRY_SCHEMA_REGISTRY_GROUP_ID=g",
		"SCHEMA_REGISTRY_HOST_PORT=9999",
		"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=SASL_PLAINTEXT",
		"SCHEMA_REGISTRY_KAFKASTORE_SASL_MECHANISM=SCRAM-SHA-512",
		`SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG=org.apache.kafka.common.security.scram.ScramLoginModule required username="sr" password="p\"w";`,
	)
	if err != nil {
		t.Fatal(err)
	}
	if s.log.Topic != "_schemas_x" || s.log.ReplicationFactor != 1 || s.log.Timeout != 2*time.Second {
		t.Errorf("log %+v", s.log)
	}
	if s.identity.MasterEligibility || s.identity.Port != 9999 || s.groupID != "g" {
		t.Errorf("identity %+v group %s", s.identity, s.groupID)
	}
	if len(s.log.ClientOpts) < 2 {
		t.Errorf("no SASL option: %d options", len(s.log.ClientOpts))
	}
}

func TestKafkaModeBadValuesNameTheProperty(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.pem")
	os.WriteFile(notPEM, []byte("not a certificate"), 0o600)
	for _, tc := range []struct{ env, want string }{
		{"SCHEMA_REGISTRY_KAFKASTORE_TIMEOUT_MS=soon", "kafkastore.timeout.ms"},
		{"SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR=0", "kafkastore.topic.replication.factor"},
		{"SCHEMA_REGISTRY_LEADER_ELIGIBILITY=maybe", "leader.eligibility"},
		{"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=TLS", "kafkastore.security.protocol"},
		{"SCHEMA_REGISTRY_INTER_INSTANCE_PROTOCOL=ftp", "inter.instance.protocol"},
		{"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=SASL_SSL", "kafkastore.sasl.jaas.config"},
		{"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=SSL\x00SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_LOCATION=" + notPEM, "kafkastore.ssl.truststore.location"},
		{"SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL=SSL\x00SCHEMA_REGISTRY_KAFKASTORE_SSL_TRUSTSTORE_TYPE=JKS", "kafkastore.ssl.truststore.type"},
	} {
		env := append([]string{"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=k:9092"}, strings.Split(tc.env, "\x00")...)
		_, _, err := kafkaConfig(t, env...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want an error naming %s", tc.env, err, tc.want)
		}
	}
}

// A listener on port 0 advertises the port it binds: kafkaMode names it,
// the start-up fills the identity's port in once bound.
func TestKafkaModeAdvertisesABoundPort(t *testing.T) {
	for _, tc := range []struct {
		listeners, protocol, hostPort string
		port, bound                   int
	}{
		{"http://127.0.0.1:8081", "", "", 8081, -1},
		{"http://127.0.0.1:0", "", "", 0, 0},
		{"http://127.0.0.1:0,https://127.0.0.1:0", "https", "", 0, 1},
		{"http://127.0.0.1:8081,https://127.0.0.1:0", "https", "", 8081, -1}, // the first listener's port, as before
		{"http://127.0.0.1:0", "", "9999", 9999, -1},
	} {
		env := []string{"SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=k:9092", "SCHEMA_REGISTRY_LISTENERS=" + tc.listeners}
		if tc.protocol != "" {
			env = append(env, "SCHEMA_REGISTRY_INTER_INSTANCE_PROTOCOL="+tc.protocol)
		}
		if tc.hostPort != "" {
			env = append(env, "SCHEMA_REGISTRY_HOST_PORT="+tc.hostPort)
		}
		s, _, err := kafkaConfig(t, env...)
		if err != nil || s.identity.Port != tc.port || s.advertiseBound != tc.bound {
			t.Errorf("%s (protocol %q, host.port %q): port %d, bound listener %d, %v; want %d and %d",
				tc.listeners, tc.protocol, tc.hostPort, s.identity.Port, s.advertiseBound, err, tc.port, tc.bound)
		}
	}
	if _, _, err := kafkaConfig(t, "SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS=k:9092",
		"SCHEMA_REGISTRY_LISTENERS=http://127.0.0.1:0", "SCHEMA_REGISTRY_INTER_INSTANCE_PROTOCOL=https"); err == nil || !strings.Contains(err.Error(), "no https listener") {
		t.Errorf("no https listener for inter.instance.protocol=https: %v", err)
	}
}
