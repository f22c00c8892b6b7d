package test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/schemaregistry/registry/internal/testwait"
)

// TestKillMinus9KeepsAcknowledgedWrites registers schemas from several
// clients, kills the registry with SIGKILL while they are writing, restarts
// it on the same data directory and checks that every acknowledged
// registration is there with the same id and version.
func TestKillMinus9KeepsAcknowledgedWrites(t *testing.T) {
	dir := t.TempDir()
	n := start(t, dir, "SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL=none")

	type ack struct {
		subject string
		id, ver int
		schema  string
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
		stop  = make(chan struct{})
	)
	for c := 0; c < 8; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				subject := fmt.Sprintf("subject-%d", i%5)
				schema := fmt.Sprintf(`{"type":"record","name":"R%d_%d","fields":[{"name":"f","type":"long"}]}`, c, i)
				b, _ := json.Marshal(map[string]string{"schema": schema})
				code, body, err := post(n.URL+"/subjects/"+subject+"/versions", "application/vnd.schemaregistry.v1+json", string(b))
				if err != nil {
					return // the registry is gone
				}
				if code != 200 {
					t.Errorf("register: %d %s", code, body)
					return
				}
				var r struct{ ID, Version int }
				if err := json.Unmarshal([]byte(body), &r); err != nil || r.ID == 0 {
					t.Errorf("register answer %s: %v", body, err)
					return
				}
				mu.Lock()
				acked = append(acked, ack{subject, r.ID, r.Version, schema})
				mu.Unlock()
			}
		}(c)
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters) // if the wait fails
	// The kill comes once 50 registrations are acknowledged, the clients
	// still writing (or sooner if one of them failed: reported below).
	testwait.Until(t, time.Minute, "50 acknowledged registrations", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 50 || t.Failed()
	})
	n.kill()
	stopWriters()
	if len(acked) < 50 {
		t.Fatalf("only %d registrations acknowledged before the kill", len(acked))
	}

	n = start(t, dir)
	for _, a := range acked {
		code, body := get(t, fmt.Sprintf("%s/subjects/%s/versions/%d", n.URL, a.subject, a.ver))
		var r struct {
			ID     int
			Schema string
		}
		if code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.ID != a.id || r.Schema != a.schema {
			t.Fatalf("acknowledged %s version %d id %d missing after kill -9: %d %s", a.subject, a.ver, a.id, code, body)
		}
	}
	t.Logf("%d acknowledged registrations survived kill -9", len(acked))
	// The registry keeps allocating above every id it handed out.
	maxID := 0
	for _, a := range acked {
		maxID = max(maxID, a.id)
	}
	code, body, err := post(n.URL+"/subjects/after/versions", "application/json", `{"schema":"\"bytes\""}`)
	var r struct{ ID int }
	if err != nil || code != 200 || json.Unmarshal([]byte(body), &r) != nil || r.ID <= maxID {
		t.Fatalf("registration after restart: %d %s %v (max acknowledged id %d)", code, body, err, maxID)
	}
}
