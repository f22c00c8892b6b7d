package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/internal/testcerts"
)

// TestTLSAndSASL: TLS from the client to the proxy and from the proxy to
// brokers that take only SASL/PLAIN; the client's authentication passes
// through, and validation still applies.
func TestTLSAndSASL(t *testing.T) {
	ca := testcerts.CA(t, "test CA")
	brokerCert, proxyCert := ca.Server(t, "broker"), ca.Server(t, "proxy")
	e := newEnvWith(t,
		[]kfake.Opt{kfake.TLS(&tls.Config{Certificates: []tls.Certificate{brokerCert.TLS()}}), kfake.EnableSASL(), kfake.Superuser("PLAIN", "admin", "secret")},
		func(c *Config) {
			c.ListenerTLS = &tls.Config{Certificates: []tls.Certificate{proxyCert.TLS()}}
			c.UpstreamTLS = &tls.Config{RootCAs: ca.Pool()}
		})
	client := func(password string) *kgo.Client {
		return e.client(t, kgo.DialTLSConfig(&tls.Config{RootCAs: ca.Pool()}),
			kgo.SASL(plain.Auth{User: "admin", Pass: password}.AsMechanism()))
	}
	cl := client("secret")
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Value: order(t, e.orderID, 1)}); err != nil {
		t.Fatalf("valid record over TLS and SASL: %v", err)
	}
	if err := produce(t, cl, &kgo.Record{Topic: "orders", Value: []byte("no prefix")}); !errors.Is(err, kerr.InvalidRecord) {
		t.Errorf("invalid record over TLS and SASL: %v", err)
	}
	// A wrong password is the broker's to refuse.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := client("wrong").Ping(ctx); err == nil {
		t.Error("a wrong password was let through")
	}
}

// TestRegistryUnreachable: with no registry to ask, a batch is refused
// with a retriable error (the producer retries, nothing is written), not
// INVALID_RECORD.
func TestRegistryUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	e := newEnvWith(t, nil, func(c *Config) {
		c.Validator = hook.NewFrom(NewRemoteSource(RegistryClient{URL: srv.URL}, []formats.Format{avro.Format{}}, 0, 0, 0), 0)
	})
	cl := e.client(t, kgo.RetryBackoffFn(func(int) time.Duration { return time.Millisecond }), kgo.MetadataMinAge(10*time.Millisecond))
	err := produce(t, cl, &kgo.Record{Topic: "orders", Value: order(t, e.orderID, 1)})
	if !errors.Is(err, kerr.NotEnoughReplicas) {
		t.Errorf("registry unreachable: %v, want NOT_ENOUGH_REPLICAS", err)
	}
	if got := e.topicValues(t, "orders"); len(got) != 0 {
		t.Errorf("%d records written", len(got))
	}
}
