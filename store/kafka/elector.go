package kafka

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/internal/jackson"
)

// Primary election through Kafka's classic group protocol, on the wire
// exactly as Confluent's KafkaGroupLeaderElector / SchemaRegistryCoordinator
// speak it, so that our nodes, Confluent's and Karapace's can share one group:
//
//   - protocol type "sr", one sub-protocol "v0";
//   - member metadata = identity JSON in Jackson's order
//     {"host","port","master_eligibility","scheme","version","leader"}
//     (creator properties first, then the others; NON_EMPTY drops null or
//     empty strings, never 0 or false);
//   - assignment, the same bytes for every member, computed by whichever
//     member Kafka picked as group leader:
//     {"error":0,"master":"<member id>","master_identity":{...},"version":1}
//     ("master" and "master_identity" are absent when nobody is eligible);
//   - error 1 (DUPLICATE_URLS) when two members advertise the same URL: the
//     assignment still names the would-be primary, as Confluent's does, but
//     every member treats it as "no primary".

const (
	electorProtocolType = "sr"
	electorProtocol     = "v0"

	// identityVersion is SchemaRegistryIdentity.CURRENT_VERSION.
	identityVersion = 1
	// assignmentVersion is SchemaRegistryProtocol.Assignment.CURRENT_VERSION.
	assignmentVersion = 1

	assignmentNoError       int16 = 0
	assignmentDuplicateURLs int16 = 1

	electorMinBackoff = 100 * time.Millisecond
	electorMaxBackoff = 2 * time.Second
)

// ErrDuplicateURLs is reported (ElectorState.Err) while the group's last
// assignment carried error 1: several members advertise the same URL, so no
// primary can be chosen until the misconfiguration is fixed.
var ErrDuplicateURLs = errors.New("schema registry group members advertise the same URL (DUPLICATE_URLS): " +
	"set host.name (or listeners / inter.instance.listener.name) so that each instance advertises " +
	"a unique URL routable from the others; this is common in containers where the host name defaults to localhost")

// Identity is a registry node as the group protocol advertises it
// (Confluent's SchemaRegistryIdentity).
type Identity struct {
	Host              string `json:"host"`
	Port              int    `json:"port"`
	MasterEligibility bool   `json:"master_eligibility"`
	Scheme            string `json:"scheme"`
	Version           int    `json:"version"` // 1
	Leader            bool   `json:"leader"`  // "I believe I am leader" (sticky mode)
}

// URL returns scheme://host:port, the address other nodes forward writes to.
// An IPv6 host is bracketed. An empty scheme reads as "http".
func (i Identity) URL() string {
	scheme := i.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(i.Host, strconv.Itoa(i.Port))
}

// electionURL is the string Confluent compares and de-duplicates
// (SchemaRegistryIdentity.getUrl: String.format("%s://%s:%d")), kept
// byte-identical so that mixed groups order members the same way.
func (i Identity) electionURL() string {
	scheme := i.Scheme
	if scheme == "" {
		scheme = "null" // what Java's String.format prints for a missing scheme
	}
	return scheme + "://" + i.Host + ":" + strconv.Itoa(i.Port)
}

// sameNode is SchemaRegistryIdentity.equals: every field but leader.
func (i Identity) sameNode(o Identity) bool {
	return i.Host == o.Host && i.Port == o.Port && i.MasterEligibility == o.MasterEligibility &&
		i.Scheme == o.Scheme && i.Version == o.Version
}

// MarshalJSON writes the identity exactly as Confluent's Jackson mapper does:
// host, port, master_eligibility, scheme, version, leader; empty strings are
// left out (@JsonInclude(NON_EMPTY)); strings through internal/jackson, the
// writer of the record keys and canonical texts.
func (i Identity) MarshalJSON() ([]byte, error) {
	return i.appendJSON(nil), nil
}

func (i Identity) appendJSON(b []byte) []byte {
	b = append(b, '{')
	if i.Host != "" {
		b = append(b, `"host":`...)
		b = jackson.AppendString(b, i.Host)
		b = append(b, ',')
	}
	b = append(b, `"port":`...)
	b = strconv.AppendInt(b, int64(i.Port), 10)
	b = append(b, `,"master_eligibility":`...)
	b = strconv.AppendBool(b, i.MasterEligibility)
	if i.Scheme != "" {
		b = append(b, `,"scheme":`...)
		b = jackson.AppendString(b, i.Scheme)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(i.Version), 10)
	b = append(b, `,"leader":`...)
	b = strconv.AppendBool(b, i.Leader)
	return append(b, '}')
}

// UnmarshalJSON decodes an identity tolerantly: unknown fields (Karapace's
// karapace_version, future Confluent fields) are ignored, keys are matched
// case-sensitively as Jackson does, numbers and booleans may also come as
// strings (Jackson's scalar coercion), a missing version reads as 1 and a
// missing leader as false (the Java constructor's defaults).
func (i *Identity) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	if fields == nil {
		return errors.New("identity is null")
	}
	out := Identity{Version: identityVersion}
	var err error
	for name, raw := range fields {
		if isJSONNull(raw) {
			continue
		}
		switch name {
		case "host":
			out.Host, err = jsonLooseString(raw)
		case "port":
			out.Port, err = jsonLooseInt(raw)
		case "master_eligibility":
			out.MasterEligibility, err = jsonLooseBool(raw)
		case "scheme":
			out.Scheme, err = jsonLooseString(raw)
		case "version":
			out.Version, err = jsonLooseInt(raw)
		case "leader":
			out.Leader, err = jsonLooseBool(raw)
		}
		if err != nil {
			return fmt.Errorf("identity field %q: %w", name, err)
		}
	}
	*i = out
	return nil
}

// electorAssignment is SchemaRegistryProtocol.Assignment.
type electorAssignment struct {
	Error          int16
	Master         string    // Kafka member id of the primary, "" when none
	MasterIdentity *Identity // nil when none
	Version        int
}

// marshal writes {"error":..,"master":..,"master_identity":{..},"version":..}
// in Jackson's order, "master"/"master_identity" omitted when null or empty.
func (a electorAssignment) marshal() []byte {
	b := append([]byte(nil), `{"error":`...)
	b = strconv.AppendInt(b, int64(a.Error), 10)
	if a.Master != "" {
		b = append(b, `,"master":`...)
		b = jackson.AppendString(b, a.Master)
	}
	if a.MasterIdentity != nil {
		b = append(b, `,"master_identity":`...)
		b = a.MasterIdentity.appendJSON(b)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(a.Version), 10)
	return append(b, '}')
}

// unmarshalAssignment decodes an assignment written by any implementation
// (Confluent's, Karapace's, ours), ignoring unknown fields.
func unmarshalAssignment(data []byte) (electorAssignment, error) {
	a := electorAssignment{Version: assignmentVersion}
	if len(bytes.TrimSpace(data)) == 0 {
		return a, errors.New("empty assignment")
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return a, err
	}
	if fields == nil {
		return a, errors.New("assignment is null")
	}
	for name, raw := range fields {
		if isJSONNull(raw) {
			continue
		}
		var err error
		switch name {
		case "error":
			var n int
			n, err = jsonLooseInt(raw)
			a.Error = int16(n)
		case "master":
			a.Master, err = jsonLooseString(raw)
		case "master_identity":
			var id Identity
			if err = json.Unmarshal(raw, &id); err == nil {
				a.MasterIdentity = &id
			}
		case "version":
			a.Version, err = jsonLooseInt(raw)
		}
		if err != nil {
			return a, fmt.Errorf("assignment field %q: %w", name, err)
		}
	}
	return a, nil
}

// electorPlan is the outcome of the group leader's computation, with what
// it found for the logs.
type electorPlan struct {
	assignment  electorAssignment
	duplicates  map[string][]string // URL -> member ids advertising it
	undecodable map[string]error    // member id -> why its metadata was skipped
	members     int
}

// planAssignment is SchemaRegistryCoordinator.onLeaderElected: among
// leader-eligible members pick the smallest URL; in sticky mode keep the one
// eligible member advertising leader:true if there is exactly one; any URL
// advertised twice sets error DUPLICATE_URLS (the primary is still named, as
// Confluent does, but nobody uses it). Members are walked in member-id order
// so that the outcome does not depend on the response order.
func planAssignment(members []kmsg.JoinGroupResponseMember, sticky bool) electorPlan {
	p := electorPlan{members: len(members)}
	sorted := slices.Clone(members)
	slices.SortFunc(sorted, func(a, b kmsg.JoinGroupResponseMember) int {
		switch {
		case a.MemberID < b.MemberID:
			return -1
		case a.MemberID > b.MemberID:
			return 1
		}
		return 0
	})
	var (
		leaderID, stickyID     string
		leader, stickyIdentity *Identity
		stickyConflict         bool
		urls                   = map[string][]string{}
		decoded                int
	)
	for _, m := range sorted {
		var id Identity
		if err := json.Unmarshal(m.ProtocolMetadata, &id); err != nil {
			if p.undecodable == nil {
				p.undecodable = map[string]error{}
			}
			p.undecodable[m.MemberID] = err
			continue
		}
		decoded++
		url := id.electionURL()
		urls[url] = append(urls[url], m.MemberID)
		if !id.MasterEligibility {
			continue
		}
		if leader == nil || url < leader.electionURL() {
			leaderID, leader = m.MemberID, &id
		}
		if sticky && id.Leader && !stickyConflict {
			if stickyIdentity != nil {
				stickyConflict = true
				stickyID, stickyIdentity = "", nil
			} else {
				stickyID, stickyIdentity = m.MemberID, &id
			}
		}
	}
	p.assignment = electorAssignment{Error: assignmentNoError, Version: assignmentVersion}
	if len(urls) != decoded {
		p.assignment.Error = assignmentDuplicateURLs
		for url, ids := range urls {
			if len(ids) > 1 {
				if p.duplicates == nil {
					p.duplicates = map[string][]string{}
				}
				p.duplicates[url] = ids
			}
		}
	}
	if sticky && stickyIdentity != nil {
		leaderID, leader = stickyID, stickyIdentity
	}
	if leader != nil {
		p.assignment.Master = leaderID
		p.assignment.MasterIdentity = leader
	}
	return p
}

// ElectorConfig configures an Elector. Zero values take the defaults noted.
type ElectorConfig struct {
	Client            *kgo.Client   // shared client; group requests go to the coordinator
	GroupID           string        // schema.registry.group.id, default "schema-registry"
	Identity          Identity      // Version 0 reads as 1, Scheme "" as "http"; Leader is ignored (starts false)
	Sticky            bool          // leader.election.sticky
	SessionTimeout    time.Duration // default 10s (kafkagroup.session.timeout.ms)
	RebalanceTimeout  time.Duration // default 30s (Confluent: 300s); see NewElector
	HeartbeatInterval time.Duration // default 3s (kafkagroup.heartbeat.interval.ms)
	Logger            *slog.Logger
	// OnChange is called (from the elector's goroutine, never concurrently) whenever the known primary changes:
	// leader is nil while no primary is known (rebalance in progress, no eligible member, duplicate URLs, coordinator lost).
	//
	// The calling goroutine belongs to the elector but is not the one that
	// heartbeats, so a slow callback (a new primary catching up with the
	// topic) never costs the membership. Calls come in order, every change
	// is delivered (A, nil, A is three calls), and the last one of a Run is
	// OnChange(nil), delivered before Run returns. Leader() may already
	// report a change whose OnChange call is still queued.
	OnChange func(leader *Identity)
}

// ElectorState is a snapshot of the elector for health checks, metrics and
// tests.
type ElectorState struct {
	MemberID       string    // Kafka member id, "" when not a member
	Generation     int32     // group generation of the last assignment, -1 when none
	Assigned       bool      // holds an assignment for Generation (the group is stable for us)
	GroupLeader    bool      // this node computed the last assignment (Kafka's group leader, not the primary)
	Members        int       // group size, known only to the group leader (0 otherwise)
	Leader         *Identity // current primary, nil when none
	LeaderMemberID string    // Kafka member id of the primary
	// Err is the last problem: a failed request (cleared by the next
	// success) and/or an unusable assignment (ErrDuplicateURLs, unknown
	// error code, undecodable bytes; cleared by the next good assignment).
	Err error
}

// Elector keeps this node in the registry group and tracks the primary.
type Elector struct {
	cfg  ElectorConfig
	log  *slog.Logger
	self Identity // advertised identity; Leader flips in sticky mode (Run's goroutine only)

	running atomic.Bool
	crashed atomic.Bool // test hook: stop Run without LeaveGroup, as a killed process would

	wake chan struct{} // cap 1: pending notifications

	mu             sync.Mutex
	leader         *Identity
	leaderMemberID string
	memberID       string
	generation     int32
	assigned       bool
	groupLeader    bool
	members        int
	opErr          error
	assignErr      error
	pending        []*Identity // notifications not yet delivered to OnChange
}

// NewElector returns an elector; Run starts it.
//
// RebalanceTimeout defaults to 30s rather than Confluent's 300s. It bounds
// how long the coordinator waits, once a rebalance starts, for a member that
// is alive (still heartbeating) but has not rejoined yet. Here joining and
// heartbeating share one goroutine and OnChange runs on another, so our
// members rejoin within one heartbeat interval of the rebalance and the
// timeout never binds for them; it only bounds how long a wedged member can
// hold every write hostage (50004) and how long a JoinGroup/SyncGroup may wait
// for an answer. 30s is ten heartbeat intervals, far above any legitimate
// rejoin, and matches Karapace's default. A mixed group is unaffected: the
// coordinator uses the largest timeout among members, Confluent's 300s.
func NewElector(cfg ElectorConfig) *Elector {
	if cfg.GroupID == "" {
		cfg.GroupID = "schema-registry"
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if cfg.RebalanceTimeout <= 0 {
		cfg.RebalanceTimeout = 30 * time.Second
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 3 * time.Second
	}
	if cfg.HeartbeatInterval >= cfg.SessionTimeout {
		cfg.HeartbeatInterval = cfg.SessionTimeout / 3
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	self := cfg.Identity
	if self.Version == 0 {
		self.Version = identityVersion
	}
	if self.Scheme == "" {
		self.Scheme = "http"
	}
	self.Leader = false
	cfg.Identity = self
	return &Elector{
		cfg:        cfg,
		log:        cfg.Logger.With("component", "elector", "group", cfg.GroupID, "url", self.URL()),
		self:       self,
		wake:       make(chan struct{}, 1),
		generation: -1,
	}
}

// Leader returns the current primary, ok=false when none is known.
func (e *Elector) Leader() (Identity, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.leader == nil {
		return Identity{}, false
	}
	return *e.leader, true
}

// State returns a snapshot of the elector.
func (e *Elector) State() ElectorState {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := ElectorState{
		MemberID:       e.memberID,
		Generation:     e.generation,
		Assigned:       e.assigned,
		GroupLeader:    e.groupLeader,
		Members:        e.members,
		LeaderMemberID: e.leaderMemberID,
		Err:            errors.Join(e.opErr, e.assignErr),
	}
	if e.leader != nil {
		l := *e.leader
		s.Leader = &l
	}
	return s
}

// electorSession is the protocol state of one Run, owned by its goroutine.
type electorSession struct {
	memberID   string
	generation int32
	protocol   string
	stable     bool      // assignment received for generation
	lastOK     time.Time // last answer proving we are still a member
	nextBeat   time.Time
}

func (g *electorSession) resetMember() {
	g.memberID = ""
	g.generation = -1
	g.stable = false
}

// Run joins the group and keeps the membership until ctx ends, then leaves the group. It never gives up:
// every error (coordinator moved, broker down, unknown member id, illegal generation, rebalance in progress,
// timeouts) is logged and retried with a short backoff, rejoining as needed.
//
// Run returns nil once ctx ends (after LeaveGroup and after OnChange(nil) has
// been delivered), or an error at once if the elector has no client or is
// already running.
func (e *Elector) Run(ctx context.Context) error {
	if e.cfg.Client == nil {
		return errors.New("kafka: elector: no client")
	}
	if !e.running.CompareAndSwap(false, true) {
		return errors.New("kafka: elector: already running")
	}
	defer e.running.Store(false)

	stop, done := make(chan struct{}), make(chan struct{})
	go e.notifyLoop(stop, done)
	defer func() {
		close(stop)
		<-done
	}()

	e.warnIdentity()
	g := &electorSession{generation: -1, lastOK: time.Now()}
	backoff := electorMinBackoff
	pause := func() bool {
		ok := sleepCtx(ctx, backoff)
		backoff = min(backoff*2, e.maxBackoff())
		return ok
	}

	for ctx.Err() == nil {
		if !g.stable {
			err := e.joinAndSync(ctx, g)
			if err == nil {
				backoff = electorMinBackoff
				g.nextBeat = time.Now().Add(e.cfg.HeartbeatInterval)
				continue
			}
			if ctx.Err() != nil {
				break
			}
			e.setOpErr(err)
			e.log.Warn("joining the schema registry group failed; retrying", "err", err, "backoff", backoff)
			e.checkLost(g)
			pause()
			continue
		}

		if !sleepCtx(ctx, time.Until(g.nextBeat)) {
			break
		}
		g.nextBeat = time.Now().Add(e.cfg.HeartbeatInterval)
		code, err := e.heartbeat(ctx, g)
		if ctx.Err() != nil {
			break
		}
		switch {
		case err == nil && code == 0:
			g.lastOK = time.Now()
			e.setOpErr(nil)
			backoff = electorMinBackoff
		case err == nil && (code == kerr.RebalanceInProgress.Code || code == kerr.IllegalGeneration.Code):
			// A rebalance started (or finished without us): rejoin with
			// the same member id, as Kafka's AbstractCoordinator does.
			e.log.Info("group is rebalancing; rejoining", "reason", kerr.ErrorForCode(code))
			e.startRejoin(g)
		case err == nil && (code == kerr.UnknownMemberID.Code || code == kerr.FencedInstanceID.Code):
			e.log.Warn("the coordinator no longer knows this member (session expired?); rejoining with a new member id",
				"member", g.memberID, "reason", kerr.ErrorForCode(code))
			e.evicted(g, kerr.ErrorForCode(code))
		default:
			if err == nil {
				err = kerr.ErrorForCode(code)
			}
			e.setOpErr(fmt.Errorf("heartbeat: %w", err))
			e.log.Warn("heartbeat failed; retrying", "err", err, "backoff", backoff)
			g.nextBeat = time.Now().Add(backoff)
			backoff = min(backoff*2, e.maxBackoff())
			e.checkLost(g)
		}
	}

	if g.memberID != "" && !e.crashed.Load() {
		e.leave(ctx, g)
	}
	e.mu.Lock()
	e.memberID, e.generation, e.assigned, e.groupLeader, e.members, e.leaderMemberID = "", -1, false, false, 0, ""
	e.mu.Unlock()
	e.setLeader(nil)
	return nil
}

func (e *Elector) maxBackoff() time.Duration {
	return max(electorMinBackoff, min(electorMaxBackoff, e.cfg.HeartbeatInterval))
}

func (e *Elector) warnIdentity() {
	if !e.self.MasterEligibility {
		return
	}
	switch e.self.Host {
	case "", "localhost", "0.0.0.0", "::", "127.0.0.1", "::1":
		e.log.Warn("this node advertises a host other instances cannot reach; "+
			"set host.name (or listeners) to a routable, unique name, or writes forwarded to it will fail "+
			"and identical URLs will block the election (DUPLICATE_URLS)", "host", e.self.Host)
	}
}

// startRejoin leaves the stable state to rejoin under the same member id.
// Outside sticky mode the primary is forgotten for the whole rebalance
// (Confluent's onRevoked); sticky mode keeps it until the new assignment.
func (e *Elector) startRejoin(g *electorSession) {
	g.stable = false
	e.mu.Lock()
	e.assigned = false
	e.mu.Unlock()
	if !e.cfg.Sticky {
		e.setLeader(nil)
	}
}

// evicted forgets the member id: the group went on without us, so whatever
// primary we knew may be stale even in sticky mode.
func (e *Elector) evicted(g *electorSession, cause error) {
	g.resetMember()
	e.mu.Lock()
	e.memberID, e.generation, e.assigned = "", -1, false
	e.opErr = fmt.Errorf("evicted from the group: %w", cause)
	e.mu.Unlock()
	e.setLeader(nil)
}

// checkLost forgets the primary once nothing proved our membership for a
// whole session timeout (coordinator gone, network down): the group has
// evicted us by now and may have elected another primary. The next
// successful round rejoins (same member id; the coordinator says if it is
// unknown) so that the primary is learnt again instead of staying unknown.
func (e *Elector) checkLost(g *electorSession) {
	if time.Since(g.lastOK) < e.cfg.SessionTimeout {
		return
	}
	if _, ok := e.Leader(); ok {
		e.log.Error("no contact with the group coordinator for longer than the session timeout; "+
			"the primary is unknown until this node rejoins", "session_timeout", e.cfg.SessionTimeout)
	}
	g.stable = false
	e.mu.Lock()
	e.assigned = false
	e.mu.Unlock()
	e.setLeader(nil)
}

// joinAndSync runs JoinGroup (with the MEMBER_ID_REQUIRED round trip of v4+)
// and SyncGroup until an assignment arrives. Answers that call for an
// immediate new attempt are retried here a bounded number of times; any
// other failure is returned for the caller to back off.
func (e *Elector) joinAndSync(ctx context.Context, g *electorSession) error {
	var last error
	for range 10 {
		if err := ctx.Err(); err != nil {
			return err
		}
		join := kmsg.NewPtrJoinGroupRequest()
		join.Group = e.cfg.GroupID
		join.SessionTimeoutMillis = int32(e.cfg.SessionTimeout.Milliseconds())
		join.RebalanceTimeoutMillis = int32(e.cfg.RebalanceTimeout.Milliseconds())
		join.MemberID = g.memberID
		join.ProtocolType = electorProtocolType
		proto := kmsg.NewJoinGroupRequestProtocol()
		proto.Name = electorProtocol
		proto.Metadata = e.self.appendJSON(nil)
		join.Protocols = []kmsg.JoinGroupRequestProtocol{proto}

		jctx, cancel := context.WithTimeout(ctx, e.cfg.RebalanceTimeout+e.cfg.SessionTimeout)
		resp, err := join.RequestWith(jctx, e.cfg.Client)
		cancel()
		if err != nil {
			return fmt.Errorf("join group: %w", err)
		}
		switch code := resp.ErrorCode; code {
		case 0:
		case kerr.MemberIDRequired.Code:
			g.memberID = resp.MemberID
			e.setMember(g)
			continue
		case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
			g.resetMember()
			e.setMember(g)
			last = kerr.ErrorForCode(code)
			continue
		case kerr.RebalanceInProgress.Code:
			last = kerr.ErrorForCode(code)
			continue
		case kerr.InconsistentGroupProtocol.Code:
			return fmt.Errorf("join group: %w: group %q is used with another protocol type or sub-protocol "+
				"(a consumer group, or another application?); give the registry its own schema.registry.group.id",
				kerr.ErrorForCode(code), e.cfg.GroupID)
		case kerr.InvalidSessionTimeout.Code:
			return fmt.Errorf("join group: %w: session timeout %v is outside the broker's "+
				"group.min/max.session.timeout.ms", kerr.ErrorForCode(code), e.cfg.SessionTimeout)
		default:
			return fmt.Errorf("join group: %w", kerr.ErrorForCode(code))
		}
		if pt := resp.ProtocolType; pt != nil && *pt != electorProtocolType {
			return fmt.Errorf("join group: coordinator answered protocol type %q, want %q", *pt, electorProtocolType)
		}
		g.memberID, g.generation, g.lastOK = resp.MemberID, resp.Generation, time.Now()
		g.protocol = electorProtocol
		if resp.Protocol != nil && *resp.Protocol != "" {
			g.protocol = *resp.Protocol
		}
		e.setMember(g)

		sync := kmsg.NewPtrSyncGroupRequest()
		sync.Group = e.cfg.GroupID
		sync.Generation = g.generation
		sync.MemberID = g.memberID
		sync.ProtocolType = kmsg.StringPtr(electorProtocolType)
		sync.Protocol = kmsg.StringPtr(g.protocol)
		groupLeader := resp.LeaderID == resp.MemberID
		members := 0
		if groupLeader {
			plan := e.plan(resp.Members)
			members = plan.members
			blob := plan.assignment.marshal()
			for _, m := range resp.Members {
				a := kmsg.NewSyncGroupRequestGroupAssignment()
				a.MemberID = m.MemberID
				a.MemberAssignment = blob
				sync.GroupAssignment = append(sync.GroupAssignment, a)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, e.cfg.RebalanceTimeout+e.cfg.SessionTimeout)
		sresp, err := sync.RequestWith(sctx, e.cfg.Client)
		cancel()
		if err != nil {
			return fmt.Errorf("sync group: %w", err)
		}
		switch code := sresp.ErrorCode; code {
		case 0:
		case kerr.RebalanceInProgress.Code, kerr.IllegalGeneration.Code:
			last = kerr.ErrorForCode(code)
			continue
		case kerr.UnknownMemberID.Code, kerr.FencedInstanceID.Code:
			g.resetMember()
			e.setMember(g)
			last = kerr.ErrorForCode(code)
			continue
		default:
			return fmt.Errorf("sync group: %w", kerr.ErrorForCode(code))
		}
		g.stable, g.lastOK = true, time.Now()
		e.apply(g, sresp.MemberAssignment, groupLeader, members)
		return nil
	}
	return fmt.Errorf("group did not settle after repeated rebalances: %w", last)
}

// plan computes the assignment as the group leader and logs what it saw.
func (e *Elector) plan(members []kmsg.JoinGroupResponseMember) electorPlan {
	p := planAssignment(members, e.cfg.Sticky)
	for id, err := range p.undecodable {
		e.log.Error("ignoring a group member whose metadata is not a schema registry identity", "member", id, "err", err)
	}
	for url, ids := range p.duplicates {
		e.log.Error("several schema registry instances advertise the same URL; no primary can be elected. "+
			"Set host.name (or listeners) on each instance to a unique name routable from the others "+
			"(containers often default to localhost or a shared service name)",
			"duplicate_url", url, "members", ids)
	}
	// Sticky mode: a group leader that was leader but is no longer chosen
	// stops claiming it (as Confluent does).
	if e.cfg.Sticky && e.self.Leader && (p.assignment.MasterIdentity == nil || !p.assignment.MasterIdentity.sameNode(e.self)) {
		e.self.Leader = false
	}
	e.log.Debug("computed the group assignment", "members", p.members, "assignment", string(p.assignment.marshal()))
	return p
}

// apply takes the assignment SyncGroup returned.
func (e *Elector) apply(g *electorSession, blob []byte, groupLeader bool, members int) {
	a, err := unmarshalAssignment(blob)
	var (
		leader    *Identity
		leaderID  string
		assignErr error
	)
	switch {
	case err != nil:
		assignErr = fmt.Errorf("undecodable assignment %q: %w", blob, err)
		e.log.Error("the group leader sent an assignment this node cannot read; no primary until the next rebalance",
			"err", err, "assignment", string(blob))
	case a.Error == assignmentDuplicateURLs:
		assignErr = ErrDuplicateURLs
		e.log.Error("schema registry group assignment failed: several members advertise the same URL "+
			"(this node advertises "+e.self.URL()+"); no primary until the configuration is fixed. "+
			"Set host.name (or listeners) to a unique, routable name on every instance",
			"generation", g.generation)
	case a.Error != assignmentNoError:
		assignErr = fmt.Errorf("schema registry group assignment carries unknown error %d", a.Error)
		e.log.Error("schema registry group assignment carries an unknown error; no primary", "error", a.Error)
	case a.MasterIdentity == nil:
		e.log.Warn("no leader-eligible schema registry instance in the group: reads are served, writes fail until one joins",
			"generation", g.generation)
	case !a.MasterIdentity.MasterEligibility:
		// Karapace names a non-eligible member when nobody is eligible
		// and treats it as no primary; so do we.
		e.log.Warn("the assignment names a primary that is not leader-eligible; treating it as no primary",
			"primary", a.MasterIdentity.URL())
	default:
		l := *a.MasterIdentity
		leader, leaderID = &l, a.Master
	}
	if e.cfg.Sticky && err == nil && a.MasterIdentity != nil {
		e.self.Leader = a.MasterIdentity.sameNode(e.self)
	}

	e.mu.Lock()
	e.generation, e.assigned, e.groupLeader, e.members = g.generation, true, groupLeader, members
	e.leaderMemberID = leaderID
	e.assignErr = assignErr
	e.opErr = nil
	e.mu.Unlock()
	e.setLeader(leader)

	if leader != nil {
		e.log.Info("schema registry group stable", "generation", g.generation, "primary", leader.URL(),
			"this_node_primary", leaderID == g.memberID, "group_leader", groupLeader)
	}
}

func (e *Elector) heartbeat(ctx context.Context, g *electorSession) (int16, error) {
	req := kmsg.NewPtrHeartbeatRequest()
	req.Group = e.cfg.GroupID
	req.Generation = g.generation
	req.MemberID = g.memberID
	hctx, cancel := context.WithTimeout(ctx, e.cfg.SessionTimeout)
	defer cancel()
	resp, err := req.RequestWith(hctx, e.cfg.Client)
	if err != nil {
		return 0, err
	}
	return resp.ErrorCode, nil
}

// leave sends LeaveGroup so that the group rebalances at once rather than
// after the session timeout.
func (e *Elector) leave(ctx context.Context, g *electorSession) {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = e.cfg.GroupID
	req.MemberID = g.memberID // v0-v2
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID = g.memberID
	m.Reason = kmsg.StringPtr("schema registry instance shutting down")
	req.Members = []kmsg.LeaveGroupRequestMember{m} // v3+
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), min(5*time.Second, e.cfg.SessionTimeout))
	defer cancel()
	resp, err := req.RequestWith(lctx, e.cfg.Client)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, rm := range resp.Members {
			if err == nil {
				err = kerr.ErrorForCode(rm.ErrorCode)
			}
		}
	}
	if err != nil {
		e.log.Warn("leaving the schema registry group failed; the others elect a new primary after the session timeout",
			"member", g.memberID, "err", err)
		return
	}
	e.log.Info("left the schema registry group", "member", g.memberID)
}

func (e *Elector) setMember(g *electorSession) {
	e.mu.Lock()
	e.memberID = g.memberID
	e.mu.Unlock()
}

func (e *Elector) setOpErr(err error) {
	e.mu.Lock()
	e.opErr = err
	e.mu.Unlock()
}

// setLeader records the primary and queues an OnChange call if it changed
// (same node = SchemaRegistryIdentity.equals, ignoring the leader flag).
// Every change is queued, none coalesced away, so that OnChange sees a
// primary lost and regained as two calls.
func (e *Elector) setLeader(l *Identity) {
	e.mu.Lock()
	same := (e.leader == nil && l == nil) || (e.leader != nil && l != nil && e.leader.sameNode(*l))
	if same {
		e.mu.Unlock()
		return
	}
	var cur, note *Identity
	if l != nil {
		c, n := *l, *l
		cur, note = &c, &n
	}
	e.leader = cur
	e.pending = append(e.pending, note)
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// notifyLoop calls OnChange, one call at a time and in order, on its own
// goroutine so that a slow callback (a new primary catching up with the
// topic) never delays heartbeats or rejoins. It drains the queue before
// returning once stop is closed.
func (e *Elector) notifyLoop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for {
		select {
		case <-e.wake:
			e.deliver()
		case <-stop:
			e.deliver()
			return
		}
	}
}

func (e *Elector) deliver() {
	for {
		e.mu.Lock()
		if len(e.pending) == 0 {
			e.mu.Unlock()
			return
		}
		next := e.pending[0]
		e.pending[0] = nil
		e.pending = e.pending[1:]
		e.mu.Unlock()
		if e.cfg.OnChange != nil {
			e.cfg.OnChange(next)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func isJSONNull(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "null"
}

func jsonLooseString(raw json.RawMessage) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return strconv.FormatBool(b), nil
	}
	return "", fmt.Errorf("not a string: %s", raw)
}

func jsonLooseInt(raw json.RawMessage) (int, error) {
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0, fmt.Errorf("not a number: %s", raw)
		}
		n = json.Number(s)
	}
	if i, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
		return int(i), nil
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil {
		return 0, fmt.Errorf("not a number: %s", raw)
	}
	return int(f), nil
}

func jsonLooseBool(raw json.RawMessage) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if v, err := strconv.ParseBool(s); err == nil {
			return v, nil
		}
	}
	return false, fmt.Errorf("not a boolean: %s", raw)
}
