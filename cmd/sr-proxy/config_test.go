package main

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/reload"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "proxy.properties")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadConfig(t *testing.T) {
	c, err := readConfig(writeConfig(t, `
bootstrap.servers=127.0.0.1:9092, 127.0.0.1:9093
schema.registry.url=http://127.0.0.1:8081
basic.auth.user.info=proxy:secret
schema.cache.ttl.ms=5000
topic.orders.confluent.value.schema.validation=true
topic.pay*.confluent.key.schema.validation=true
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Upstream) != 2 || c.Upstream[1] != "127.0.0.1:9093" || c.CacheTTL != 5*time.Second || c.RegistryUserInfo != "proxy:secret" {
		t.Errorf("%+v", c)
	}
	topics, err := loadTopics([][]byte{[]byte("topic.orders.confluent.value.schema.validation=true\n")})
	if err != nil {
		t.Fatal(err)
	}
	if s, on := topics.For("orders"); !on || !s.Value.Validate || s.Key.Validate {
		t.Errorf("orders: %+v %v", s, on)
	}
	if _, on := topics.For("other"); on {
		t.Error("a topic not named validates")
	}
}

func TestReadConfigErrors(t *testing.T) {
	_, err := readConfig(writeConfig(t, `
security.protocol=KERBEROS
schema.cache.size=-1
topic.orders.confluent.value.schema.validation=yes
topic.orders.confluent.value.unknown=true
topic.[.confluent.value.schema.validation=true
`))
	for _, want := range []string{"bootstrap.servers", "schema.registry.url", "security.protocol", "schema.cache.size",
		`invalid value "yes" for property confluent.value.schema.validation`, "topic.orders.confluent.value.unknown", "bad pattern"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}

// TestTopicsReload: a changed topic setting takes effect without a
// restart; a bad one is refused and the last good settings stay.
func TestTopicsReload(t *testing.T) {
	path := writeConfig(t, "topic.orders.confluent.value.schema.validation=true\n")
	files, err := reload.New("topic settings", []string{path}, time.Nanosecond, loadTopics, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, on := files.Get().For("payments"); on {
		t.Fatal("payments validated before it is named")
	}
	if err := os.WriteFile(path, []byte("topic.payments.confluent.value.schema.validation=true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, on := files.Get().For("payments"); !on {
		t.Error("payments not validated after the reload")
	}
	if err := os.WriteFile(path, []byte("topic.payments.confluent.value.schema.validation=maybe\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, on := files.Get().For("payments"); !on {
		t.Error("a bad file replaced the good settings")
	}
}
