package store

import (
	"runtime"
	"sync"

	"github.com/schemaregistry/registry/formats"
)

// A replay applies the records of the log in order, on one goroutine. Most
// of its work needs no state, though: reading a SCHEMA record (its text
// unescaped, its MD5 identity). While Open replays, a replayer reads the
// records ahead by batches on every CPU, and one goroutine applies the
// batches in order. Once the log is replayed, records are applied as they
// come (Registry.apply).

// readRecord is a record as apply reads it before changing the state.
type readRecord struct {
	rec    Record
	key    recordKey
	keyErr error
	// A SCHEMA record with a value: its value, its text and identity.
	v        schemaValue
	text     []byte
	valErr   error
	identity formats.Identity
}

// read reads rec into x; the text goes to x.text's buffer.
func (x *readRecord) read(rec Record) {
	x.rec, x.valErr = rec, nil
	x.key, x.keyErr = parseKey(rec.Key)
	if x.keyErr != nil || x.key.Type != keySchema || rec.Value == nil {
		return
	}
	var text []byte
	x.v, text, x.valErr = decodeSchemaValue(rec.Value, x.text)
	if x.valErr != nil {
		return
	}
	x.text = text
	x.identity = identityOf(text, x.v.References, x.v.Metadata, x.v.RuleSet)
}

const (
	batchRecords  = 256 // records read together
	replayBatches = 8   // batches in flight
)

type replayBatch struct {
	recs []readRecord
	bufs [][]byte // the copies of the records' keys and values, reused
	read chan struct{}
}

type replayer struct {
	r      *Registry
	mu     sync.Mutex // serializes add and finish
	direct bool       // replayed: records are applied as they come
	cur    *replayBatch
	free   chan *replayBatch
	work   chan *replayBatch
	order  chan *replayBatch
	done   chan struct{}
}

func newReplayer(r *Registry) *replayer {
	p := &replayer{r: r, free: make(chan *replayBatch, replayBatches), work: make(chan *replayBatch, replayBatches),
		order: make(chan *replayBatch, replayBatches), done: make(chan struct{})}
	for range replayBatches {
		p.free <- &replayBatch{recs: make([]readRecord, 0, batchRecords), bufs: make([][]byte, batchRecords)}
	}
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for b := range p.work {
				for i := range b.recs {
					b.recs[i].read(b.recs[i].rec)
				}
				close(b.read)
			}
		}()
	}
	go p.applyLoop()
	return p
}

// add takes the next record of the log.
func (p *replayer) add(rec Record) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.direct {
		p.r.apply(rec)
		return
	}
	if p.cur == nil {
		p.cur = <-p.free
		p.cur.recs, p.cur.read = p.cur.recs[:0], make(chan struct{})
	}
	b := p.cur
	i := len(b.recs)
	// The log may reuse the bytes of a record once add returns.
	buf := append(b.bufs[i][:0], rec.Key...)
	buf = append(buf, rec.Value...)
	b.bufs[i] = buf
	key := buf[:len(rec.Key):len(rec.Key)]
	var value []byte
	if rec.Value != nil {
		value = buf[len(rec.Key):]
	}
	b.recs = append(b.recs, readRecord{rec: Record{Key: key, Value: value, Offset: rec.Offset, Timestamp: rec.Timestamp},
		text: b.recs[:i+1][i].text})
	if len(b.recs) == batchRecords {
		p.submit()
	}
}

func (p *replayer) submit() {
	p.work <- p.cur
	p.order <- p.cur
	p.cur = nil
}

// applyLoop applies the batches in order as they are read.
func (p *replayer) applyLoop() {
	defer close(p.done)
	for b := range p.order {
		<-b.read
		p.r.applyRead(b.recs)
		for i := range b.bufs {
			if cap(b.bufs[i]) > 64<<10 { // do not keep a huge buffer
				b.bufs[i] = nil
			}
		}
		for i := range b.recs {
			if cap(b.recs[i].text) > 64<<10 {
				b.recs[i].text = nil
			}
			b.recs[i].v = schemaValue{}
		}
		p.free <- b
	}
}

// finish applies every record added so far; the later ones are applied as
// they come.
func (p *replayer) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.direct {
		return
	}
	if p.cur != nil && len(p.cur.recs) > 0 {
		p.submit()
	}
	close(p.work)
	close(p.order)
	<-p.done
	p.direct = true
	close(p.free)
	for range p.free { // the buffers are not needed any more
	}
}
