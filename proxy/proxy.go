package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/schemaregistry/registry/hook"
)

// Config is what a Proxy needs.
type Config struct {
	// Listen is the bootstrap listener's address (host:port); clients are
	// given it as bootstrap server.
	Listen string
	// AdvertisedHost is the host clients are told to reach the proxy's
	// per-broker listeners at (the host of Listen when empty).
	AdvertisedHost string
	// BrokerPortBase: broker (node) N is served on port BrokerPortBase+N of
	// Listen's host; 0 gives each broker a free port.
	BrokerPortBase int
	// Upstream are the brokers' bootstrap addresses.
	Upstream []string
	// ListenerTLS, when set, is the TLS of the proxy's listeners.
	ListenerTLS *tls.Config
	// UpstreamTLS, when set, is the TLS of the connections to the brokers
	// (ServerName is set from each broker's host when empty).
	UpstreamTLS *tls.Config
	// Topics gives each topic's validation settings, read on each request
	// (so a reloaded configuration takes effect on the next one).
	Topics func() *Topics
	// Validator checks the records.
	Validator *hook.Validator
	// MaxRequestBytes bounds one request (100 MiB when 0), as the broker's
	// socket.request.max.bytes.
	MaxRequestBytes int
	// DialTimeout bounds a connection to a broker (10 s when 0).
	DialTimeout time.Duration
	Metrics     *Metrics // nil: none
	Logger      *slog.Logger
}

// Proxy serves Kafka clients on a bootstrap listener and one listener per
// broker, forwarding to the brokers.
type Proxy struct {
	cfg Config
	log *slog.Logger

	mu        sync.Mutex
	bootstrap net.Listener
	nodes     map[int32]*nodeListener // by broker node id
	conns     map[net.Conn]struct{}   // client connections, closed by Close
	closed    bool
	wg        sync.WaitGroup
}

// nodeListener is the listener of one broker; upstream is the broker's
// address as last seen in a metadata answer.
type nodeListener struct {
	ln       net.Listener
	port     int32
	mu       sync.Mutex
	upstream string
}

func (n *nodeListener) target() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.upstream
}

// New returns a proxy listening on cfg.Listen; Serve starts it.
func New(cfg Config) (*Proxy, error) {
	if len(cfg.Upstream) == 0 {
		return nil, errors.New("no upstream broker")
	}
	if cfg.Validator == nil || cfg.Topics == nil {
		return nil, errors.New("a validator and the topics' settings are needed")
	}
	if cfg.MaxRequestBytes <= 0 {
		cfg.MaxRequestBytes = 100 << 20
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, err
	}
	if cfg.AdvertisedHost == "" {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			ln.Close()
			return nil, fmt.Errorf("listening on all interfaces (%s): give the host clients reach the proxy at (proxy.advertised.host)", cfg.Listen)
		}
		if h, _, err := net.SplitHostPort(cfg.Listen); err == nil && h != "" {
			host = h
		}
		cfg.AdvertisedHost = host
	}
	return &Proxy{cfg: cfg, log: cfg.Logger, bootstrap: ln, nodes: map[int32]*nodeListener{}, conns: map[net.Conn]struct{}{}}, nil
}

// Addr is the bootstrap listener's address.
func (p *Proxy) Addr() string { return p.bootstrap.Addr().String() }

// Serve accepts clients until Close.
func (p *Proxy) Serve() error {
	return p.accept(p.bootstrap, p.bootstrapTarget)
}

// bootstrapTarget is "": dial tries the bootstrap brokers in turn.
func (p *Proxy) bootstrapTarget() string { return "" }

// Close stops the listeners and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	err := p.bootstrap.Close()
	for _, n := range p.nodes {
		n.ln.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) accept(ln net.Listener, target func() string) error {
	var backoff time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			p.mu.Lock()
			closed := p.closed
			p.mu.Unlock()
			if closed || errors.Is(err, net.ErrClosed) {
				return nil
			}
			// Out of file descriptors, or any other refusal: wait and
			// accept again, as net/http does, rather than stop serving.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			p.cfg.Logger.Warn("accepting a connection", "err", err, "retry_in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return nil
		}
		p.conns[c] = struct{}{}
		p.wg.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			p.serveConn(c, target())
			p.mu.Lock()
			delete(p.conns, c)
			p.mu.Unlock()
		}()
	}
}

// serveConn proxies one client connection to the broker at addr (a
// bootstrap broker when empty).
func (p *Proxy) serveConn(c net.Conn, addr string) {
	defer c.Close()
	if p.cfg.ListenerTLS != nil {
		tc := tls.Server(c, p.cfg.ListenerTLS)
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.DialTimeout)
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			p.log.Debug("client TLS handshake failed", "client", c.RemoteAddr(), "err", err)
			return
		}
		c = tc
	}
	up, err := p.dial(addr)
	if err != nil {
		p.log.Warn("cannot reach the broker", "broker", addr, "err", err)
		return
	}
	defer up.Close()
	newConn(p, c, up).run()
}

// dial connects to addr, or to the first bootstrap broker that answers.
func (p *Proxy) dial(addr string) (net.Conn, error) {
	addrs := []string{addr}
	if addr == "" {
		addrs = p.cfg.Upstream
	}
	var errs []error
	for _, a := range addrs {
		d := &net.Dialer{Timeout: p.cfg.DialTimeout}
		var c net.Conn
		var err error
		if p.cfg.UpstreamTLS != nil {
			tc := p.cfg.UpstreamTLS.Clone()
			if tc.ServerName == "" {
				tc.ServerName, _, _ = net.SplitHostPort(a)
			}
			c, err = (&tls.Dialer{NetDialer: d, Config: tc}).Dial("tcp", a)
		} else {
			c, err = d.Dial("tcp", a)
		}
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// brokerAddress is what clients are told for broker node at host:port: the
// proxy's listener of that node, opened on first sight and re-pointed when
// the broker moves.
func (p *Proxy) brokerAddress(node int32, host string, port int32) (string, int32, error) {
	upstream := net.JoinHostPort(host, strconv.Itoa(int(port)))
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.nodes[node]; n != nil {
		n.mu.Lock()
		n.upstream = upstream
		n.mu.Unlock()
		return p.cfg.AdvertisedHost, n.port, nil
	}
	if p.closed {
		return "", 0, errors.New("proxy closed")
	}
	host, _, err := net.SplitHostPort(p.cfg.Listen)
	if err != nil {
		return "", 0, err
	}
	want := 0
	if p.cfg.BrokerPortBase > 0 {
		want = p.cfg.BrokerPortBase + int(node)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(want)))
	if err != nil {
		return "", 0, fmt.Errorf("listener for broker %d: %w", node, err)
	}
	n := &nodeListener{ln: ln, port: int32(ln.Addr().(*net.TCPAddr).Port), upstream: upstream}
	p.nodes[node] = n
	p.log.Info("listening for broker", "node", node, "broker", upstream, "addr", ln.Addr().String())
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		if err := p.accept(ln, n.target); err != nil {
			p.log.Error("listener for broker stopped", "node", node, "err", err)
		}
	}()
	return p.cfg.AdvertisedHost, n.port, nil
}
