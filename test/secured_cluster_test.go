package test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/schemaregistry/registry/internal/testcerts"
	"github.com/schemaregistry/registry/internal/testwait"
)

// TestSecuredClusterOnKfake runs two nodes in Kafka mode (franz-go's
// in-process kfake broker) with https listeners that require client
// certificates and BASIC authentication: a follower checks the caller,
// forwards its credentials to the primary over mTLS, and the primary
// decides; the primary and lag metrics tell the nodes apart.
func TestSecuredClusterOnKfake(t *testing.T) {
	broker, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(broker.Close)

	dir := t.TempDir()
	ca := testcerts.CA(t, "Cluster CA")
	caFile := filepath.Join(dir, "ca.crt")
	testcerts.WriteFile(t, caFile, ca.CertPEM())
	usersFile := filepath.Join(dir, "users.properties")
	testcerts.WriteFile(t, usersFile, []byte("alice: alice-pw,reader\nbob: bob-pw,writer\n"))
	client := ca.Client(t, "test-client").TLS()
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs: ca.Pool(), Certificates: []tls.Certificate{client}}}}

	var nodes []*node
	for i, name := range []string{"node-a", "node-b"} {
		cert, key := ca.Server(t, name).WritePEM(t, dir, name)
		nodes = append(nodes, launch(t, nil,
			srEnv("LISTENERS", "https://127.0.0.1:0"), // the port bound is the one advertised
			srEnv("DATA_DIR", filepath.Join(dir, fmt.Sprint("data", i))),
			srEnv("HOST_NAME", "127.0.0.1"),
			srEnv("INTER_INSTANCE_PROTOCOL", "https"),
			srEnv("KAFKASTORE_BOOTSTRAP_SERVERS", strings.Join(broker.ListenAddrs(), ",")),
			srEnv("KAFKASTORE_TOPIC_REPLICATION_FACTOR", "1"),
			srEnv("KAFKASTORE_TIMEOUT_MS", "5000"),
			srEnv("KAFKAGROUP_SESSION_TIMEOUT_MS", "6000"),
			srEnv("KAFKAGROUP_HEARTBEAT_INTERVAL_MS", "500"),
			srEnv("SSL_CERTIFICATE_LOCATION", cert),
			srEnv("SSL_KEY_LOCATION", key),
			srEnv("SSL_CA_LOCATION", caFile),
			srEnv("SSL_CLIENT_AUTHENTICATION", "REQUIRED"),
			srEnv("AUTHENTICATION_METHOD", "BASIC"),
			srEnv("AUTHENTICATION_USERS_FILE", usersFile),
			srEnv("AUTHORIZATION_READ_ROLES", "reader"),
			srEnv("AUTHORIZATION_WRITE_ROLES", "writer"),
			srEnv("AUTHORIZATION_ADMIN_ROLES", "admin"),
		))
	}
	for _, n := range nodes {
		n.waitLive(t, hc)
	}
	// The primary is the smallest URL, once both agree.
	var primary, follower *node
	testwait.Until(t, 30*time.Second, "the nodes agree on a primary", func() bool {
		var seen []string
		for _, n := range nodes {
			resp, err := hc.Get(n.URL + "/health/ready")
			if err != nil {
				return false
			}
			var h struct{ Primary string }
			json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				return false
			}
			seen = append(seen, h.Primary)
		}
		if seen[0] != seen[1] {
			return false
		}
		for i, n := range nodes {
			if n.URL == seen[0] {
				primary, follower = n, nodes[1-i]
			}
		}
		return primary != nil
	})

	do := func(n *node, method, path, body, user, password string) (int, string) {
		req, _ := http.NewRequest(method, n.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := do(follower, "POST", "/subjects/orders-value/versions", stringSchema, "bob", "bob-pw"); code != 200 || !strings.Contains(body, `"id":1`) {
		t.Fatalf("a writer registers through the follower: %d %s", code, body)
	}
	if code, body := do(follower, "POST", "/subjects/orders-value/versions", `{"schema":"\"int\""}`, "alice", "alice-pw"); code != 403 {
		t.Errorf("a reader registers through the follower: %d %s, want 403", code, body)
	}
	if code, _ := do(follower, "GET", "/subjects", "", "", ""); code != 401 {
		t.Errorf("no credentials on the follower: %d, want 401", code)
	}
	primary.waitLog(t, "forwarded_by_follower=true")
	if !strings.Contains(primary.Logs(), "msg=audit user=bob auth=basic") {
		t.Errorf("the primary's audit log does not name bob:\n%s", primary.Logs())
	}
	testwait.Until(t, 30*time.Second, "the follower's reader applies the registration", func() bool {
		code, body := do(follower, "GET", "/subjects/orders-value/versions/1", "", "alice", "alice-pw")
		return code == 200 && strings.Contains(body, `"id":1`)
	})

	metric := func(n *node, name string) string {
		code, body := do(n, "GET", "/metrics", "", "alice", "alice-pw")
		if code != 200 {
			t.Fatalf("GET /metrics: %d", code)
		}
		for _, line := range strings.Split(body, "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				return v
			}
		}
		return ""
	}
	if p, f := metric(primary, "schema_registry_primary"), metric(follower, "schema_registry_primary"); p != "1" || f != "0" {
		t.Errorf("schema_registry_primary: %q on the primary, %q on the follower; want 1 and 0", p, f)
	}
	if lag := metric(follower, "schema_registry_log_lag"); lag != "0" {
		t.Errorf("schema_registry_log_lag on the follower: %q, want 0 once applied", lag)
	}
}
