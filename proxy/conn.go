package proxy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
)

// maxInFlight bounds the requests of one connection awaiting their answer;
// a client sending more waits, as it would on the broker's socket.
const maxInFlight = 256

// conn is one client connection and its broker connection. Two loops:
// reading requests (forwarding them, or answering them itself), and reading
// the broker's answers (in request order, as Kafka answers on a
// connection). Answers reach the client in request order, the proxy's own
// included: whoever completes the answer at the head of the queue writes
// it and every completed one after it, so no third goroutine hands them
// over.
type conn struct {
	p        *Proxy
	client   net.Conn
	upstream net.Conn

	slots    chan struct{} // one per answer awaited: at most maxInFlight
	inflight chan *pending // the requests forwarded, awaiting the broker

	mu    sync.Mutex // held while writing to the client
	queue []*pending // answers awaited, in request order

	done chan struct{}
	once sync.Once
}

// pending is a request awaiting its answer: from the broker (fix rewrites
// its body when set) or from the proxy.
type pending struct {
	key, version int16
	correlation  int32
	fix          func(body []byte) ([]byte, error)
	ready        bool   // under conn.mu
	answer       []byte // the whole frame, size included
}

func newConn(p *Proxy, client, upstream net.Conn) *conn {
	return &conn{p: p, client: client, upstream: upstream,
		slots: make(chan struct{}, maxInFlight), inflight: make(chan *pending, maxInFlight), done: make(chan struct{})}
}

// enqueue takes a place in the answer queue for a request being handled.
func (c *conn) enqueue(pd *pending) error {
	select {
	case c.slots <- struct{}{}:
	case <-c.done:
		return net.ErrClosed
	}
	c.mu.Lock()
	c.queue = append(c.queue, pd)
	c.mu.Unlock()
	return nil
}

// complete sets pd's answer and writes the answers now complete at the
// head of the queue.
func (c *conn) complete(pd *pending, answer []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pd.answer, pd.ready = answer, true
	for len(c.queue) > 0 && c.queue[0].ready {
		head := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		<-c.slots
		if _, err := c.client.Write(head.answer); err != nil {
			return err
		}
	}
	return nil
}

// stop ends the connection: both sockets close, the loops return.
func (c *conn) stop() {
	c.once.Do(func() {
		close(c.done)
		c.client.Close()
		c.upstream.Close()
	})
}

func (c *conn) run() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.readAnswers() }()
	err := c.readRequests()
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.p.log.Debug("client connection closed", "client", c.client.RemoteAddr(), "err", err)
	}
	c.stop()
	wg.Wait()
}

// readFrame reads one size-prefixed frame, the size included, of at most
// max bytes after the size.
func readFrame(r io.Reader, max int) ([]byte, error) {
	return readFrameInto(r, max, nil)
}

// readFrameInto is readFrame reusing buf when it is large enough.
func readFrameInto(r io.Reader, max int, buf []byte) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(size[:]))
	if n < 0 || int(n) > max {
		return nil, fmt.Errorf("frame of %d bytes (at most %d)", n, max)
	}
	if cap(buf) >= 4+int(n) {
		frame := buf[:4+int(n)]
		copy(frame, size[:])
		if _, err := io.ReadFull(r, frame[4:]); err != nil {
			return nil, err
		}
		return frame, nil
	}
	// Grown as the bytes arrive: a size prefix alone reserves nothing.
	frame := append(buf[:0], size[:]...)
	for len(frame) < 4+int(n) {
		chunk := min(4+int(n)-len(frame), 1<<20)
		frame = slices.Grow(frame, chunk)
		got, err := io.ReadFull(r, frame[len(frame):len(frame)+chunk])
		frame = frame[:len(frame)+got]
		if err != nil {
			return nil, err
		}
	}
	return frame, nil
}

// header is a request header.
type header struct {
	key, version int16
	correlation  int32
	end          int // offset in the frame where the body starts; 0 until parsed
}

// readRequests reads the client's requests until it closes or sends one
// the proxy cannot read. A request's buffer is reused for the next: handle
// keeps no reference to it once it has been written to the broker.
func (c *conn) readRequests() error {
	r := bufio.NewReaderSize(c.client, 64<<10)
	var buf []byte
	for {
		frame, err := readFrameInto(r, c.p.cfg.MaxRequestBytes, buf)
		if err != nil {
			return err
		}
		if cap(frame) <= 8<<20 { // a rare huge request is not kept
			buf = frame
		}
		if len(frame) < 12 {
			return fmt.Errorf("request of %d bytes has no header", len(frame)-4)
		}
		h := header{
			key:         int16(binary.BigEndian.Uint16(frame[4:])),
			version:     int16(binary.BigEndian.Uint16(frame[6:])),
			correlation: int32(binary.BigEndian.Uint32(frame[8:])),
		}
		if err := c.handle(frame, h); err != nil {
			return fmt.Errorf("request %d (key %d v%d): %w", h.correlation, h.key, h.version, err)
		}
	}
}

// forward sends frame to the broker; unless expectNone, its answer is
// awaited and passed through fix.
func (c *conn) forward(frame []byte, h header, fix func([]byte) ([]byte, error), expectNone bool) error {
	if !expectNone {
		pd := &pending{key: h.key, version: h.version, correlation: h.correlation, fix: fix}
		if err := c.enqueue(pd); err != nil {
			return err
		}
		c.inflight <- pd // as roomy as slots, which bound it
	}
	_, err := c.upstream.Write(frame)
	return err
}

// answer queues the proxy's own answer to a request.
func (c *conn) answer(h header, body []byte, flexibleHeader bool) error {
	pd := &pending{key: h.key, correlation: h.correlation}
	if err := c.enqueue(pd); err != nil {
		return err
	}
	return c.complete(pd, appendResponseFrame(nil, h.correlation, body, flexibleHeader))
}

// appendResponseFrame frames a response body: size, correlation id, and the
// empty tagged fields of a flexible response header.
func appendResponseFrame(dst []byte, correlation int32, body []byte, flexibleHeader bool) []byte {
	n := 4 + len(body)
	if flexibleHeader {
		n++
	}
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlation))
	if flexibleHeader {
		dst = append(dst, 0)
	}
	return append(dst, body...)
}

// readAnswers reads the broker's answers and matches each with the next
// forwarded request.
func (c *conn) readAnswers() {
	defer c.stop()
	r := bufio.NewReaderSize(c.upstream, 64<<10)
	for {
		frame, err := readFrame(r, 1<<30)
		if err != nil {
			return
		}
		var pd *pending
		select {
		case pd = <-c.inflight:
		case <-c.done:
			return
		}
		if len(frame) < 8 || int32(binary.BigEndian.Uint32(frame[4:])) != pd.correlation {
			c.p.log.Warn("broker answer out of order", "want", pd.correlation)
			return
		}
		if pd.fix != nil {
			hl := 8
			if flexibleResponseHeader(pd.key, pd.version) {
				if len(frame) < 9 {
					return
				}
				hl = 8 + skipTags(frame[8:])
			}
			if hl > len(frame) {
				return
			}
			body, err := pd.fix(frame[hl:])
			if err != nil {
				c.p.log.Warn("cannot rewrite a broker answer; closing the connection", "key", pd.key, "version", pd.version, "err", err)
				return
			}
			frame = appendResponseFrame(nil, pd.correlation, body, hl > 8)
		}
		if err := c.complete(pd, frame); err != nil {
			return
		}
	}
}

// skipTags returns the length of the tagged fields at the start of b, or
// len(b)+1 when they do not fit.
func skipTags(b []byte) int {
	n, l := binary.Uvarint(b)
	if l <= 0 {
		return len(b) + 1
	}
	off := l
	for i := uint64(0); i < n; i++ {
		_, l := binary.Uvarint(b[off:])
		if l <= 0 {
			return len(b) + 1
		}
		off += l
		size, l := binary.Uvarint(b[off:])
		if l <= 0 || size > uint64(len(b)) {
			return len(b) + 1
		}
		off += l + int(size)
		if off > len(b) {
			return len(b) + 1
		}
	}
	return off
}
