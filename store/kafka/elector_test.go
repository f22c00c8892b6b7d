package kafka

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/internal/jackson"
	"github.com/schemaregistry/registry/internal/testlog"
	"github.com/schemaregistry/registry/internal/testwait"
)

// ---------------------------------------------------------------------------
// Wire format: golden strings. They follow Jackson's rules for the classes in
// confluentinc/schema-registry core/.../storage/SchemaRegistryIdentity.java and
// core/.../leaderelector/kafka/SchemaRegistryProtocol.java: creator properties
// first in constructor order (host, port, master_eligibility, scheme /
// error, master, master_identity), then the others (version, leader /
// version); @JsonInclude(NON_EMPTY) drops null and "" but keeps 0 and false.
// SchemaRegistryProtocolTest.java writes an assignment in the same order.
// ---------------------------------------------------------------------------

func TestElectorWireFormatGolden(t *testing.T) {
	id := Identity{Host: "sr-0.sr.svc", Port: 8081, MasterEligibility: true, Scheme: "http", Version: 1}
	const idJSON = `{"host":"sr-0.sr.svc","port":8081,"master_eligibility":true,"scheme":"http","version":1,"leader":false}`
	if got := string(id.appendJSON(nil)); got != idJSON {
		t.Fatalf("identity:\n got %s\nwant %s", got, idJSON)
	}
	if got, _ := json.Marshal(id); string(got) != idJSON {
		t.Fatalf("json.Marshal(identity):\n got %s\nwant %s", got, idJSON)
	}
	leader := id
	leader.Leader = true
	leader.Scheme = "https"
	if got, want := string(leader.appendJSON(nil)),
		`{"host":"sr-0.sr.svc","port":8081,"master_eligibility":true,"scheme":"https","version":1,"leader":true}`; got != want {
		t.Fatalf("sticky identity:\n got %s\nwant %s", got, want)
	}
	// NON_EMPTY: a null/empty host or scheme is left out, false and 0 stay.
	if got, want := string(Identity{Port: 8081, Version: 1}.appendJSON(nil)),
		`{"port":8081,"master_eligibility":false,"version":1,"leader":false}`; got != want {
		t.Fatalf("empty strings:\n got %s\nwant %s", got, want)
	}
	// Jackson escapes only '"', '\\' and control characters (upper-case hex).
	if got, want := string(Identity{Host: "a\"b\\c/<d>&é\x01\n", Port: 1, Scheme: "http", Version: 1}.appendJSON(nil)),
		`{"host":"a\"b\\c/<d>&é\u0001\n","port":1,"master_eligibility":false,"scheme":"http","version":1,"leader":false}`; got != want {
		t.Fatalf("escaping:\n got %s\nwant %s", got, want)
	}

	full := electorAssignment{Error: 0, Master: "sr-1-5d1f7b6e-0c1a-4f51-9a57-0bd27e6d3f11", MasterIdentity: &id, Version: 1}
	const fullJSON = `{"error":0,"master":"sr-1-5d1f7b6e-0c1a-4f51-9a57-0bd27e6d3f11","master_identity":` + idJSON + `,"version":1}`
	if got := string(full.marshal()); got != fullJSON {
		t.Fatalf("assignment:\n got %s\nwant %s", got, fullJSON)
	}
	if got, want := string(electorAssignment{Version: 1}.marshal()), `{"error":0,"version":1}`; got != want {
		t.Fatalf("assignment without eligible member:\n got %s\nwant %s", got, want)
	}
	dup := full
	dup.Error = 1
	if got, want := string(dup.marshal()), strings.Replace(fullJSON, `"error":0`, `"error":1`, 1); got != want {
		t.Fatalf("duplicate URLs assignment:\n got %s\nwant %s", got, want)
	}

	// Round trips.
	var back Identity
	if err := json.Unmarshal([]byte(idJSON), &back); err != nil || back != id {
		t.Fatalf("identity round trip: %+v, %v", back, err)
	}
	a, err := unmarshalAssignment([]byte(fullJSON))
	if err != nil || a.Error != 0 || a.Master != full.Master || a.MasterIdentity == nil || *a.MasterIdentity != id || a.Version != 1 {
		t.Fatalf("assignment round trip: %+v %v", a, err)
	}
	if got := string(a.marshal()); got != fullJSON {
		t.Fatalf("assignment re-encoding:\n got %s\nwant %s", got, fullJSON)
	}
}

// TestElectorStringsAsJackson holds the identity and the assignment to the
// project's one Jackson string writer (internal/jackson), the one of the
// record keys and canonical texts: a byte of invalid UTF-8 goes out as
// \uFFFD (a Java String cannot hold one; its decoder leaves U+FFFD), never
// as the raw byte, which a Confluent member's JSON parser rejects.
func TestElectorStringsAsJackson(t *testing.T) {
	quote := func(s string) string {
		var b strings.Builder
		jackson.WriteString(&b, s)
		return b.String()
	}
	for _, s := range []string{"sr-\xff.local", "cut\xe2\x82", "\xc0\xafx\x80", `q"b\`, "\x01\n\x1f", "é\u2028\U0001F600<&>/"} {
		id := Identity{Host: s, Port: 8081, MasterEligibility: true, Scheme: s, Version: 1}
		idJSON := `{"host":` + quote(s) + `,"port":8081,"master_eligibility":true,"scheme":` + quote(s) + `,"version":1,"leader":false}`
		if got := string(id.appendJSON(nil)); got != idJSON {
			t.Errorf("identity %q:\n got %s\nwant %s", s, got, idJSON)
		}
		a := electorAssignment{Master: s, MasterIdentity: &id, Version: 1}
		want := `{"error":0,"master":` + quote(s) + `,"master_identity":` + idJSON + `,"version":1}`
		if got := string(a.marshal()); got != want {
			t.Errorf("assignment %q:\n got %s\nwant %s", s, got, want)
		}
	}
	const want = `{"host":"sr-\uFFFD.local","port":8081,"master_eligibility":false,"version":1,"leader":false}`
	if got := string(Identity{Host: "sr-\xff.local", Port: 8081, Version: 1}.appendJSON(nil)); got != want {
		t.Errorf("invalid UTF-8:\n got %s\nwant %s", got, want)
	}
}

func TestElectorDecodeForeignJSON(t *testing.T) {
	cases := []struct {
		name, in string
		want     Identity
	}{
		{
			"karapace", // karapace/core/coordinator/schema_coordinator.py get_member_configuration
			`{"version":2,"karapace_version":"5.0.3","host":"karapace-1","port":8081,"scheme":"http","master_eligibility":true}`,
			Identity{Host: "karapace-1", Port: 8081, MasterEligibility: true, Scheme: "http", Version: 2},
		},
		{
			"confluent before sticky election (no leader field)",
			`{"host":"sr-1","port":8081,"master_eligibility":false,"scheme":"https","version":1}`,
			Identity{Host: "sr-1", Port: 8081, Scheme: "https", Version: 1},
		},
		{
			"unknown fields, missing version, case-sensitive keys, coerced scalars",
			`{"Host":"ignored","host":"sr-2","port":"8082","master_eligibility":"true","scheme":"http","leader":true,"future":{"x":[1,2]}}`,
			Identity{Host: "sr-2", Port: 8082, MasterEligibility: true, Scheme: "http", Version: 1, Leader: true},
		},
	}
	for _, c := range cases {
		var got Identity
		if err := json.Unmarshal([]byte(c.in), &got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Fatalf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}

	// Karapace's assignment: no version, master_identity in Karapace's shape.
	a, err := unmarshalAssignment([]byte(`{"master":"karapace-1-abc","master_identity":{"version":2,"karapace_version":"5.0.3","host":"karapace-1","port":8081,"scheme":"http","master_eligibility":true},"error":0}`))
	if err != nil || a.Master != "karapace-1-abc" || a.MasterIdentity == nil || a.MasterIdentity.URL() != "http://karapace-1:8081" || a.Error != 0 {
		t.Fatalf("karapace assignment: %+v %v", a, err)
	}
	// Confluent's own test vector (SchemaRegistryProtocolTest): unknown
	// property and a null identity.
	a, err = unmarshalAssignment([]byte(`{"error":0,"master":"master","master_identity":null,"unknown_property":null,"version":1}`))
	if err != nil || a.MasterIdentity != nil || a.Master != "master" {
		t.Fatalf("assignment with null identity: %+v %v", a, err)
	}
	for _, bad := range []string{"", "null", "[1]", `{"error":"x"}`} {
		if _, err := unmarshalAssignment([]byte(bad)); err == nil {
			t.Fatalf("assignment %q decoded without error", bad)
		}
	}
}

func TestElectorPlanAssignment(t *testing.T) {
	member := func(id string, identity any) kmsg.JoinGroupResponseMember {
		m := kmsg.NewJoinGroupResponseMember()
		m.MemberID = id
		switch v := identity.(type) {
		case Identity:
			m.ProtocolMetadata = v.appendJSON(nil)
		case string:
			m.ProtocolMetadata = []byte(v)
		}
		return m
	}
	node := func(host string, eligible, leader bool) Identity {
		return Identity{Host: host, Port: 8081, MasterEligibility: eligible, Scheme: "http", Version: 1, Leader: leader}
	}
	cases := []struct {
		name       string
		sticky     bool
		members    []kmsg.JoinGroupResponseMember
		wantErr    int16
		wantMaster string // member id, "" for none
	}{
		{"smallest eligible URL", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("c", true, false)), member("m2", node("a", true, false)), member("m3", node("b", true, false)),
		}, 0, "m2"},
		{"ineligible smallest is skipped", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", false, false)), member("m2", node("c", true, false)), member("m3", node("b", true, false)),
		}, 0, "m3"},
		{"nobody eligible", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", false, false)), member("m2", node("b", false, false)),
		}, 0, ""},
		{"duplicate URLs", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", true, false)), member("m2", node("b", true, false)), member("m3", node("b", false, false)),
		}, 1, "m1"},
		{"leader flag ignored unless sticky", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", true, false)), member("m2", node("b", true, true)),
		}, 0, "m1"},
		{"sticky keeps the single claimant", true, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", true, false)), member("m2", node("b", true, true)),
		}, 0, "m2"},
		{"sticky with two claimants falls back to smallest", true, []kmsg.JoinGroupResponseMember{
			member("m1", node("c", true, true)), member("m2", node("b", true, true)), member("m3", node("a", true, false)),
		}, 0, "m3"},
		{"sticky claimant must be eligible", true, []kmsg.JoinGroupResponseMember{
			member("m1", node("a", true, false)), member("m2", node("b", false, true)),
		}, 0, "m1"},
		{"karapace member and undecodable member", false, []kmsg.JoinGroupResponseMember{
			member("m1", node("b", true, false)),
			member("m2", `{"version":2,"karapace_version":"5.0.3","host":"a","port":8081,"scheme":"http","master_eligibility":true}`),
			member("m3", `not json`),
		}, 0, "m2"},
	}
	for _, c := range cases {
		p := planAssignment(c.members, c.sticky)
		if p.assignment.Error != c.wantErr || p.assignment.Master != c.wantMaster {
			t.Fatalf("%s: got error=%d master=%q, want error=%d master=%q", c.name,
				p.assignment.Error, p.assignment.Master, c.wantErr, c.wantMaster)
		}
		if (p.assignment.MasterIdentity == nil) != (c.wantMaster == "") {
			t.Fatalf("%s: master_identity %+v", c.name, p.assignment.MasterIdentity)
		}
	}
	// The Karapace member's identity is re-encoded the way Confluent's
	// group leader would: its own version, no unknown fields.
	p := planAssignment(cases[len(cases)-1].members, false)
	if got, want := string(p.assignment.marshal()),
		`{"error":0,"master":"m2","master_identity":{"host":"a","port":8081,"master_eligibility":true,"scheme":"http","version":2,"leader":false},"version":1}`; got != want {
		t.Fatalf("karapace primary:\n got %s\nwant %s", got, want)
	}
	if p.undecodable["m3"] == nil {
		t.Fatalf("undecodable member not reported: %+v", p.undecodable)
	}
	p = planAssignment(cases[3].members, false)
	if ids := p.duplicates["http://b:8081"]; len(ids) != 2 {
		t.Fatalf("duplicates: %+v", p.duplicates)
	}
}

// ---------------------------------------------------------------------------
// Group behaviour on kfake.
// ---------------------------------------------------------------------------

const testGroup = "schema-registry"

func newTestCluster(t *testing.T) *kfake.Cluster {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newTestClient(t *testing.T, c *kfake.Cluster) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.RetryBackoffFn(func(int) time.Duration { return 50 * time.Millisecond }),
	)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

type testNode struct {
	name   string
	e      *Elector
	cl     *kgo.Client
	logs   *testlog.Buffer
	cancel context.CancelFunc
	done   chan error

	mu      sync.Mutex
	changes []*Identity
}

type nodeOpts struct {
	eligible  bool
	sticky    bool
	session   time.Duration
	heartbeat time.Duration
}

func fastOpts() nodeOpts {
	return nodeOpts{eligible: true, session: 1500 * time.Millisecond, heartbeat: 100 * time.Millisecond}
}

func startNode(t *testing.T, c *kfake.Cluster, host string, o nodeOpts) *testNode {
	t.Helper()
	n := &testNode{name: host, cl: newTestClient(t, c), logs: &testlog.Buffer{}, done: make(chan error, 1)}
	n.e = NewElector(ElectorConfig{
		Client:            n.cl,
		GroupID:           testGroup,
		Identity:          Identity{Host: host, Port: 8081, MasterEligibility: o.eligible, Scheme: "http"},
		Sticky:            o.sticky,
		SessionTimeout:    o.session,
		RebalanceTimeout:  3 * time.Second,
		HeartbeatInterval: o.heartbeat,
		Logger:            slog.New(slog.NewTextHandler(n.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		OnChange: func(l *Identity) {
			n.mu.Lock()
			defer n.mu.Unlock()
			n.changes = append(n.changes, l)
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() { n.done <- n.e.Run(ctx) }()
	t.Cleanup(func() {
		n.stop(t)
		if t.Failed() || os.Getenv("ELECTOR_TEST_LOGS") != "" {
			t.Logf("---- logs of %s ----\n%s", n.name, n.logs.String())
		}
	})
	return n
}

// stop cancels Run (which leaves the group) and waits for it.
func (n *testNode) stop(t *testing.T) {
	t.Helper()
	n.cancel()
	select {
	case err, ok := <-n.done:
		if ok && err != nil {
			t.Errorf("%s: Run: %v", n.name, err)
		}
		if ok {
			close(n.done)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("%s: Run did not return", n.name)
	}
}

// crash stops Run without LeaveGroup and drops the connections, as if the
// process had been killed.
func (n *testNode) crash(t *testing.T) {
	n.e.crashed.Store(true)
	n.stop(t)
	n.cl.Close()
}

func (n *testNode) history() []*Identity {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Identity(nil), n.changes...)
}

func (n *testNode) lastChange() (*Identity, bool) {
	h := n.history()
	if len(h) == 0 {
		return nil, false
	}
	return h[len(h)-1], true
}

// heartbeats counts the heartbeats of one generation the coordinator gets
// from each member, from now on (an observing fault: nothing is failed).
// A member sends its next heartbeat only once the previous one was
// answered and the answer kept it in the generation, so k counted
// heartbeats prove that k-1 answers were handled without a rejoin.
type heartbeats struct {
	mu sync.Mutex
	n  map[string]int // member id -> heartbeats
}

func countHeartbeats(t *testing.T, c *kfake.Cluster, generation int32) *heartbeats {
	h := &heartbeats{n: map[string]int{}}
	f := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Heartbeat}, Group: testGroup, Observe: true, Count: -1,
		When: func(r kmsg.Request) bool {
			if hb := r.(*kmsg.HeartbeatRequest); hb.Generation == generation {
				h.mu.Lock()
				h.n[hb.MemberID]++
				h.mu.Unlock()
			}
			return false
		}})
	t.Cleanup(f.Remove)
	return h
}

// atLeast: every node's member has sent k heartbeats of the generation
// since the count began.
func (h *heartbeats) atLeast(nodes []*testNode, k int) func() (bool, string) {
	return func() (bool, string) {
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, n := range nodes {
			st := n.e.State()
			if got := h.n[st.MemberID]; got < k {
				return false, fmt.Sprintf("%s (member %s, generation %d): %d heartbeats", n.name, st.MemberID, st.Generation, got)
			}
		}
		return true, ""
	}
}

// agreed: every node holds an assignment of the same generation, knows the
// primary wantURL ("" = no primary), and its last OnChange says the same.
func agreed(nodes []*testNode, wantURL string) func() (bool, string) {
	return func() (bool, string) {
		var gen int32
		for i, n := range nodes {
			st := n.e.State()
			if !st.Assigned {
				return false, n.name + " has no assignment"
			}
			if i == 0 {
				gen = st.Generation
			} else if st.Generation != gen {
				return false, fmt.Sprintf("%s in generation %d, %s in %d", nodes[0].name, gen, n.name, st.Generation)
			}
			l, ok := n.e.Leader()
			got := ""
			if ok {
				got = l.URL()
			}
			if got != wantURL {
				return false, fmt.Sprintf("%s: Leader()=%q", n.name, got)
			}
			last, any := n.lastChange()
			switch {
			case wantURL == "" && any && last != nil:
				return false, fmt.Sprintf("%s: last OnChange %q", n.name, last.URL())
			case wantURL != "" && (!any || last == nil || last.URL() != wantURL):
				return false, fmt.Sprintf("%s: last OnChange %v", n.name, last)
			}
		}
		return true, ""
	}
}

func noLeaderAnywhere(nodes []*testNode) func() (bool, string) {
	return func() (bool, string) {
		for _, n := range nodes {
			if l, ok := n.e.Leader(); ok {
				return false, fmt.Sprintf("%s still knows %s", n.name, l.URL())
			}
			if last, any := n.lastChange(); any && last != nil {
				return false, fmt.Sprintf("%s: last OnChange %s", n.name, last.URL())
			}
			if n.e.State().Err == nil {
				return false, n.name + " reports no error"
			}
		}
		return true, ""
	}
}

// (1) Three nodes agree on the smallest URL.
func TestElectorSmallestURLWins(t *testing.T) {
	c := newTestCluster(t)
	nodes := []*testNode{
		startNode(t, c, "node-b", fastOpts()),
		startNode(t, c, "node-a", fastOpts()),
		startNode(t, c, "node-c", fastOpts()),
	}
	took := testwait.UntilDetail(t, 10*time.Second, "agreement on node-a", agreed(nodes, "http://node-a:8081"))
	t.Logf("agreed in %v", took)

	var primaries, groupLeaders int
	for _, n := range nodes {
		st := n.e.State()
		if st.Err != nil {
			t.Fatalf("%s: unexpected error %v", n.name, st.Err)
		}
		if st.LeaderMemberID == st.MemberID {
			primaries++
		}
		if st.GroupLeader {
			groupLeaders++
			if st.Members != 3 {
				t.Fatalf("group leader saw %d members", st.Members)
			}
		}
		last, _ := n.lastChange()
		want := Identity{Host: "node-a", Port: 8081, MasterEligibility: true, Scheme: "http", Version: 1}
		if *last != want {
			t.Fatalf("%s: OnChange identity %+v, want %+v", n.name, *last, want)
		}
	}
	if primaries != 1 || groupLeaders != 1 {
		t.Fatalf("primaries=%d group leaders=%d, want 1 and 1", primaries, groupLeaders)
	}
}

// (2) A node that is not leader-eligible never leads, even with the smallest
// URL; with nobody eligible nobody leads and nobody reports an error.
func TestElectorEligibility(t *testing.T) {
	t.Run("ineligible smallest URL", func(t *testing.T) {
		c := newTestCluster(t)
		ineligible := fastOpts()
		ineligible.eligible = false
		nodes := []*testNode{
			startNode(t, c, "node-a", ineligible),
			startNode(t, c, "node-b", fastOpts()),
			startNode(t, c, "node-c", fastOpts()),
		}
		testwait.UntilDetail(t, 10*time.Second, "agreement on node-b", agreed(nodes, "http://node-b:8081"))
		for _, n := range nodes {
			for _, l := range n.history() {
				if l != nil && l.Host == "node-a" {
					t.Fatalf("%s was told the ineligible node-a leads", n.name)
				}
			}
		}
	})
	t.Run("nobody eligible", func(t *testing.T) {
		c := newTestCluster(t)
		o := fastOpts()
		o.eligible = false
		nodes := []*testNode{startNode(t, c, "node-a", o), startNode(t, c, "node-b", o), startNode(t, c, "node-c", o)}
		testwait.UntilDetail(t, 10*time.Second, "a stable group without primary", agreed(nodes, ""))
		for _, n := range nodes {
			if h := n.history(); len(h) != 0 {
				t.Fatalf("%s: OnChange called %d times", n.name, len(h))
			}
			if err := n.e.State().Err; err != nil {
				t.Fatalf("%s: error %v", n.name, err)
			}
		}
	})
}

// (3) Two nodes with the same URL: no primary, every node reports
// DUPLICATE_URLS, and the group leader logs the URL with a hint. Once the
// duplicate goes away the group elects again.
func TestElectorDuplicateURLs(t *testing.T) {
	c := newTestCluster(t)
	nodes := []*testNode{
		startNode(t, c, "node-a", fastOpts()),
		startNode(t, c, "node-dup", fastOpts()),
		startNode(t, c, "node-dup", fastOpts()),
	}
	testwait.UntilDetail(t, 10*time.Second, "DUPLICATE_URLS everywhere", func() (bool, string) {
		if ok, why := agreed(nodes, "")(); !ok {
			return false, why
		}
		for _, n := range nodes {
			if err := n.e.State().Err; !errors.Is(err, ErrDuplicateURLs) {
				return false, fmt.Sprintf("%s: err %v", n.name, err)
			}
		}
		return true, ""
	})
	var logged bool
	for _, n := range nodes {
		if n.e.State().GroupLeader {
			logs := n.logs.String()
			logged = strings.Contains(logs, "duplicate_url=http://node-dup:8081") && strings.Contains(logs, "host.name")
		}
		if !strings.Contains(n.logs.String(), "same URL") {
			t.Fatalf("%s did not log the duplicate URL error", n.name)
		}
	}
	if !logged {
		t.Fatal("the group leader did not log the duplicated URL with a host.name hint")
	}

	nodes[2].stop(t)
	testwait.UntilDetail(t, 10*time.Second, "agreement on node-a once the duplicate left", agreed(nodes[:2], "http://node-a:8081"))
	for _, n := range nodes[:2] {
		if err := n.e.State().Err; err != nil {
			t.Fatalf("%s: error %v after recovery", n.name, err)
		}
	}
}

// (4) The primary shuts down (LeaveGroup): the others elect the next smallest
// URL well within the session timeout.
func TestElectorPrimaryLeaves(t *testing.T) {
	c := newTestCluster(t)
	o := fastOpts()
	o.session = 10 * time.Second // a re-election faster than this proves LeaveGroup did it
	nodes := []*testNode{startNode(t, c, "node-a", o), startNode(t, c, "node-b", o), startNode(t, c, "node-c", o)}
	testwait.UntilDetail(t, 10*time.Second, "agreement on node-a", agreed(nodes, "http://node-a:8081"))

	start := time.Now()
	nodes[0].stop(t)
	if last, _ := nodes[0].lastChange(); last != nil {
		t.Fatalf("stopped node's last OnChange is %v, want nil", last)
	}
	if _, ok := nodes[0].e.Leader(); ok {
		t.Fatal("stopped node still reports a primary")
	}
	testwait.UntilDetail(t, 4*time.Second, "agreement on node-b", agreed(nodes[1:], "http://node-b:8081"))
	t.Logf("re-elected %v after the primary left", time.Since(start))
}

// (5) The primary is killed (no LeaveGroup): after the session timeout the
// coordinator evicts it and the others elect the next smallest URL.
func TestElectorCrashedPrimaryEvicted(t *testing.T) {
	c := newTestCluster(t)
	o := fastOpts()
	o.session = time.Second
	nodes := []*testNode{startNode(t, c, "node-a", o), startNode(t, c, "node-b", o), startNode(t, c, "node-c", o)}
	testwait.UntilDetail(t, 10*time.Second, "agreement on node-a", agreed(nodes, "http://node-a:8081"))

	start := time.Now()
	nodes[0].crash(t)
	took := testwait.UntilDetail(t, 8*time.Second, "agreement on node-b", agreed(nodes[1:], "http://node-b:8081"))
	if took < o.session/2 {
		t.Fatalf("re-elected after %v, before the session timeout could have expired", took)
	}
	t.Logf("re-elected %v after the crash (session timeout %v)", time.Since(start), o.session)
}

// (6) The coordinator fails for longer than the session timeout, first with
// error codes, then by dropping connections; every node forgets the primary,
// then all recover and agree again, without restarting anything. A short
// blip does not disturb the primary at all.
func TestElectorHealsAfterCoordinatorFailures(t *testing.T) {
	c := newTestCluster(t)
	o := fastOpts()
	o.session = time.Second
	nodes := []*testNode{startNode(t, c, "node-a", o), startNode(t, c, "node-b", o), startNode(t, c, "node-c", o)}
	testwait.UntilDetail(t, 10*time.Second, "agreement on node-a", agreed(nodes, "http://node-a:8081"))
	groupKeys := []kmsg.Key{kmsg.JoinGroup, kmsg.SyncGroup, kmsg.Heartbeat}

	// A blip: two heartbeats answered NOT_COORDINATOR. kgo re-finds the
	// coordinator and retries; nobody loses the primary.
	before := make([]int, len(nodes))
	for i, n := range nodes {
		before[i] = len(n.history())
	}
	gen := nodes[0].e.State().Generation
	blip := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Heartbeat}, Group: testGroup, Err: kerr.NotCoordinator, Count: 2})
	waitCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := blip.Wait(waitCtx, 2); err != nil {
		t.Fatalf("blip fault not hit: %v", err)
	}
	cancel()
	// A few heartbeats after the blip, still well within the session: a
	// node the blip disturbed would have rejoined by then.
	testwait.UntilDetail(t, 5*time.Second, "three heartbeats from every node after the blip", countHeartbeats(t, c, gen).atLeast(nodes, 3))
	if ok, why := agreed(nodes, "http://node-a:8081")(); !ok {
		t.Fatalf("a short NOT_COORDINATOR blip disturbed the election: %s", why)
	}
	for i, n := range nodes {
		if len(n.history()) != before[i] {
			t.Fatalf("%s: OnChange called during a short blip: %v", n.name, n.history()[before[i]:])
		}
	}

	// Phase 1: COORDINATOR_NOT_AVAILABLE on every group request.
	fault := c.Fault(kfake.Fault{Keys: groupKeys, Group: testGroup, Err: kerr.CoordinatorNotAvailable, Count: -1})
	took := testwait.UntilDetail(t, 8*time.Second, "every node to forget the primary", noLeaderAnywhere(nodes))
	t.Logf("coordinator errors: primary forgotten after %v", took)
	fault.Remove()
	took = testwait.UntilDetail(t, 10*time.Second, "agreement after the coordinator came back", agreed(nodes, "http://node-a:8081"))
	t.Logf("coordinator errors: healed %v after the fault ended", took)

	// Phase 2: the coordinator drops every group connection.
	var mu sync.Mutex
	dropping := true
	for _, k := range groupKeys {
		c.ControlKey(int16(k), func(kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			mu.Lock()
			defer mu.Unlock()
			if dropping {
				return nil, errors.New("connection dropped by test"), true
			}
			return nil, nil, false
		})
	}
	took = testwait.UntilDetail(t, 8*time.Second, "every node to forget the primary", noLeaderAnywhere(nodes))
	t.Logf("dropped connections: primary forgotten after %v", took)
	mu.Lock()
	dropping = false
	mu.Unlock()
	took = testwait.UntilDetail(t, 10*time.Second, "agreement after connections came back", agreed(nodes, "http://node-a:8081"))
	t.Logf("dropped connections: healed %v after the fault ended", took)
}

// Sticky election: the first primary keeps the role when nodes with smaller
// URLs join.
func TestElectorSticky(t *testing.T) {
	c := newTestCluster(t)
	o := fastOpts()
	o.sticky = true
	first := startNode(t, c, "node-c", o)
	testwait.UntilDetail(t, 10*time.Second, "node-c alone to lead", agreed([]*testNode{first}, "http://node-c:8081"))
	nodes := []*testNode{first, startNode(t, c, "node-a", o), startNode(t, c, "node-b", o)}
	testwait.UntilDetail(t, 10*time.Second, "all to keep node-c", agreed(nodes, "http://node-c:8081"))
	if !first.e.State().GroupLeader {
		// The group leader is Kafka's choice; with kfake the first member
		// keeps it. Only informative.
		t.Log("node-c is not the Kafka group leader")
	}
	// Non-sticky, node-a's arrival would move the role (TestElectorSmallestURLWins);
	// sticky, the newcomers never hear of another primary.
	for _, n := range nodes[1:] {
		for _, l := range n.history() {
			if l != nil && l.Host != "node-c" {
				t.Fatalf("%s was told %s leads", n.name, l.URL())
			}
		}
	}
}

// ---------------------------------------------------------------------------
// Mixed groups: a raw member speaking the protocol the way Karapace does.
// ---------------------------------------------------------------------------

type rawMember struct {
	cl       *kgo.Client
	metadata []byte
	assign   func(self string, members []kmsg.JoinGroupResponseMember) []byte // as Kafka's group leader

	mu         sync.Mutex
	memberID   string
	assignment []byte
}

func (r *rawMember) state() (string, []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.memberID, r.assignment
}

func (r *rawMember) run(ctx context.Context) {
	var memberID string
	var gen int32
	for ctx.Err() == nil {
		join := kmsg.NewPtrJoinGroupRequest()
		join.Group, join.MemberID, join.ProtocolType = testGroup, memberID, "sr"
		join.SessionTimeoutMillis, join.RebalanceTimeoutMillis = 1500, 3000
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name, p.Metadata = "v0", r.metadata
		join.Protocols = append(join.Protocols, p)
		jr, err := join.RequestWith(ctx, r.cl)
		if err != nil {
			sleepCtx(ctx, 50*time.Millisecond)
			continue
		}
		switch jr.ErrorCode {
		case 0:
		case kerr.MemberIDRequired.Code:
			memberID = jr.MemberID
			continue
		default:
			memberID = ""
			time.Sleep(50 * time.Millisecond)
			continue
		}
		memberID, gen = jr.MemberID, jr.Generation
		sync := kmsg.NewPtrSyncGroupRequest()
		sync.Group, sync.MemberID, sync.Generation = testGroup, memberID, gen
		sync.ProtocolType, sync.Protocol = kmsg.StringPtr("sr"), kmsg.StringPtr("v0")
		if jr.LeaderID == memberID {
			var blob []byte
			if r.assign != nil {
				blob = r.assign(memberID, jr.Members)
			} else {
				blob = planAssignment(jr.Members, false).assignment.marshal()
			}
			for _, m := range jr.Members {
				sync.GroupAssignment = append(sync.GroupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: m.MemberID, MemberAssignment: blob})
			}
		}
		sr, err := sync.RequestWith(ctx, r.cl)
		if err != nil || sr.ErrorCode != 0 {
			sleepCtx(ctx, 50*time.Millisecond)
			continue
		}
		r.mu.Lock()
		r.memberID, r.assignment = memberID, sr.MemberAssignment
		r.mu.Unlock()
		for ctx.Err() == nil {
			if !sleepCtx(ctx, 100*time.Millisecond) {
				break
			}
			hb := kmsg.NewPtrHeartbeatRequest()
			hb.Group, hb.MemberID, hb.Generation = testGroup, memberID, gen
			hr, err := hb.RequestWith(ctx, r.cl)
			if err == nil && hr.ErrorCode != 0 {
				break
			}
		}
	}
}

func startRaw(t *testing.T, c *kfake.Cluster, r *rawMember) {
	r.cl = newTestClient(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// Our node is Kafka's group leader; a Karapace node with a smaller URL joins:
// the Karapace node receives, byte for byte, the assignment Confluent's
// group leader would write, and our node follows it.
func TestElectorInteropKarapaceFollower(t *testing.T) {
	c := newTestCluster(t)
	ours := startNode(t, c, "node-b", fastOpts())
	testwait.UntilDetail(t, 10*time.Second, "node-b alone to lead", agreed([]*testNode{ours}, "http://node-b:8081"))

	raw := &rawMember{metadata: []byte(`{"version":2,"karapace_version":"5.0.3","host":"node-a","port":8081,"scheme":"http","master_eligibility":true}`)}
	startRaw(t, c, raw)
	testwait.UntilDetail(t, 10*time.Second, "node-b to follow the Karapace node", agreed([]*testNode{ours}, "http://node-a:8081"))
	if !ours.e.State().GroupLeader {
		t.Fatal("expected our node to stay Kafka's group leader")
	}
	testwait.UntilDetail(t, 5*time.Second, "the Karapace node's assignment", func() (bool, string) {
		id, blob := raw.state()
		want := `{"error":0,"master":"` + id + `","master_identity":{"host":"node-a","port":8081,"master_eligibility":true,"scheme":"http","version":2,"leader":false},"version":1}`
		return string(blob) == want, fmt.Sprintf("got %s", blob)
	})
	if st := ours.e.State(); st.Leader.Version != 2 {
		t.Fatalf("primary identity %+v", st.Leader)
	}
}

// A Karapace node is Kafka's group leader and writes Karapace's assignment
// (no version, karapace_version inside master_identity): our node reads it.
func TestElectorInteropKarapaceGroupLeader(t *testing.T) {
	c := newTestCluster(t)
	raw := &rawMember{metadata: []byte(`{"version":2,"karapace_version":"5.0.3","host":"karapace-x","port":8081,"scheme":"https","master_eligibility":true}`)}
	raw.assign = func(self string, _ []kmsg.JoinGroupResponseMember) []byte {
		// Karapace's perform_assignment: the smallest eligible URL, here
		// itself (our node is not eligible), in Karapace's own shape.
		return []byte(`{"master":"` + self + `","master_identity":{"version":2,"karapace_version":"5.0.3","host":"karapace-x","port":8081,"scheme":"https","master_eligibility":true},"error":0}`)
	}
	startRaw(t, c, raw)
	testwait.UntilDetail(t, 10*time.Second, "the Karapace node to form the group", func() (bool, string) {
		id, blob := raw.state()
		return id != "" && len(blob) > 0, "no assignment yet"
	})
	o := fastOpts()
	o.eligible = false
	ours := startNode(t, c, "node-z", o)
	testwait.UntilDetail(t, 10*time.Second, "our node to follow the Karapace primary", agreed([]*testNode{ours}, "https://karapace-x:8081"))
	if st := ours.e.State(); st.GroupLeader || st.Err != nil {
		t.Fatalf("state %+v", st)
	}
}

// The group coordinator moves to another broker (group state kept, as when a
// __consumer_offsets partition changes leader): the old broker answers
// NOT_COORDINATOR, kgo finds the new one, and the election is undisturbed.
func TestElectorCoordinatorMoves(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	o := fastOpts()
	nodes := []*testNode{startNode(t, c, "node-a", o), startNode(t, c, "node-b", o), startNode(t, c, "node-c", o)}
	testwait.UntilDetail(t, 10*time.Second, "agreement on node-a", agreed(nodes, "http://node-a:8081"))
	before := make([]int, len(nodes))
	for i, n := range nodes {
		before[i] = len(n.history())
	}
	gen := nodes[0].e.State().Generation

	for moves := 0; moves < 3; moves++ {
		from := c.CoordinatorFor(testGroup)
		for c.CoordinatorFor(testGroup) == from {
			c.RehashCoordinators()
		}
		// Several heartbeats must succeed against the new coordinator: the
		// count is of those the coordinator answers, in the generation.
		testwait.UntilDetail(t, 5*time.Second, "three heartbeats to the new coordinator from every node", countHeartbeats(t, c, gen).atLeast(nodes, 3))
		testwait.UntilDetail(t, 5*time.Second, "agreement after the coordinator moved", agreed(nodes, "http://node-a:8081"))
	}
	for i, n := range nodes {
		st := n.e.State()
		if st.Err != nil || st.Generation != gen || len(n.history()) != before[i] {
			t.Fatalf("%s disturbed by coordinator moves: err=%v generation %d->%d changes %v",
				n.name, st.Err, gen, st.Generation, n.history()[before[i]:])
		}
	}
}
