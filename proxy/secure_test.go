package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
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

// A registry that answers but not as the registry (a 404 page of an
// ingress, a 503) is an outage, not an unknown schema: the batch is
// retried (NOT_ENOUGH_REPLICAS), and a batch stops asking at its first
// record instead of waiting once for each.
func TestRegistryOutageIsRetriable(t *testing.T) {
	for name, handler := range map[string]http.HandlerFunc{
		"404 page":  func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
		"503":       func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) },
		"html page": func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>sign in</html>")) },
	} {
		t.Run(name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				handler(w, r)
			}))
			defer srv.Close()
			e := newEnvWith(t, nil, func(c *Config) {
				c.Validator = hook.NewFrom(NewRemoteSource(RegistryClient{URL: srv.URL}, []formats.Format{avro.Format{}}, 0, 0, 0), 0)
			})
			cl := e.client(t, kgo.RecordRetries(1), kgo.RetryBackoffFn(func(int) time.Duration { return time.Millisecond }))
			var recs []*kgo.Record
			for i := range 20 {
				recs = append(recs, &kgo.Record{Topic: "orders", Partition: 0, Value: order(t, e.orderID, int64(i))})
			}
			err := produce(t, cl, recs...)
			if !errors.Is(err, kerr.NotEnoughReplicas) {
				t.Fatalf("registry %s: %v, want NOT_ENOUGH_REPLICAS", name, err)
			}
			if n := calls.Load(); n >= 20 {
				t.Errorf("the registry was asked %d times for batches of 20 records", n)
			}
			if got := e.topicValues(t, "orders"); len(got) != 0 {
				t.Errorf("%d records written", len(got))
			}
		})
	}
}
