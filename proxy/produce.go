package proxy

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/schemaregistry/registry/hook"
)

// Kafka error codes the proxy answers with.
const (
	errCorruptMessage     int16 = 2  // CORRUPT_MESSAGE: a batch that cannot be read
	errNotEnoughReplicas  int16 = 19 // NOT_ENOUGH_REPLICAS: retriable, nothing written (the registry is unreachable)
	errUnsupportedVersion int16 = 35 // UNSUPPORTED_VERSION
	errInvalidRecord      int16 = 87 // INVALID_RECORD: a record failed validation
)

// refusal is the proxy's answer for one partition whose batch it keeps
// from the broker.
type refusal struct {
	code    int16
	message string
	records []kmsg.ProduceResponseTopicPartitionErrorRecord // v8+: one per failed record
}

// refusedPartition names a refusal's partition (by topic name, or id at v13).
type refusedPartition struct {
	topic     string
	topicID   [16]byte
	partition int32
	refusal   *refusal
}

// produce validates the batches of the topics with validation on. A batch
// that fails is answered by the proxy; the rest of the request goes to the
// broker, as it came when nothing failed, else as a request of the valid
// partitions only (their batches' bytes untouched), whose answer is merged
// with the refusals. Confluent Server refuses the same way, one
// partition's batch, the others written.
func (c *conn) produce(frame []byte, h header) error {
	end, err := requestHeaderEnd(frame, h.version >= 9)
	if err != nil {
		return err
	}
	req := kmsg.ProduceRequest{Version: h.version}
	if err := req.ReadFrom(frame[end:]); err != nil {
		return fmt.Errorf("produce request: %w", err) // the broker too closes on an unreadable request
	}
	start := time.Now()
	topics := c.p.cfg.Topics()
	var refused []refusedPartition
	checked := false
	budget := &readBudget{bytes: maxRecordsBytes, records: maxRequestRecords}
	unavailable := false
	for _, t := range req.Topics {
		for _, part := range t.Partitions {
			var r *refusal
			if h.version >= 13 {
				r = &refusal{code: errUnsupportedVersion, message: "the validating proxy names topics, not topic ids: use produce v12 or lower"}
			} else if s, on := topics.For(t.Topic); on {
				checked = true
				if unavailable {
					// The registry did not answer for an earlier partition:
					// this one is retried too, without waiting on it again.
					r = errRegistryUnavailable()
				} else {
					r = c.p.check(t.Topic, part.Records, s, budget)
					unavailable = r != nil && r.code == errNotEnoughReplicas
				}
			}
			if r != nil {
				refused = append(refused, refusedPartition{topic: t.Topic, topicID: t.TopicID, partition: part.Partition, refusal: r})
			}
		}
	}
	if checked {
		c.p.cfg.Metrics.took(time.Since(start))
	}
	noAnswer := req.Acks == 0
	var fix func([]byte) ([]byte, error)
	if len(refused) > 0 || h.version >= 10 {
		fix = c.fixProduce(h.version, refused)
	}
	if len(refused) == 0 {
		return c.forward(frame, h, fix, noAnswer)
	}
	// Keep the valid partitions only.
	kept := req.Topics[:0]
	for _, t := range req.Topics {
		parts := t.Partitions[:0]
		for _, part := range t.Partitions {
			if !isRefused(refused, t.Topic, t.TopicID, part.Partition) {
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			t.Partitions = parts
			kept = append(kept, t)
		}
	}
	req.Topics = kept
	// acks=0: no answer tells the client; a broker closes the connection
	// of an acks=0 produce that failed, so that the client notices, and so
	// does the proxy, once the valid partitions are sent.
	errRefusedNoAck := fmt.Errorf("closing the connection: %d partition(s) of an acks=0 produce refused", len(refused))
	if len(kept) == 0 {
		if noAnswer {
			return errRefusedNoAck
		}
		resp := kmsg.ProduceResponse{Version: h.version}
		resp.Default()
		mergeRefusals(&resp, refused)
		return c.answer(h, resp.AppendTo(nil), h.version >= 9)
	}
	out := make([]byte, 4, len(frame))
	out = append(out, frame[4:end]...) // the client's own header
	out = req.AppendTo(out)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	if err := c.forward(out, h, fix, noAnswer); err != nil || !noAnswer {
		return err
	}
	return errRefusedNoAck
}

func isRefused(refused []refusedPartition, topic string, id [16]byte, partition int32) bool {
	for _, r := range refused {
		if r.topic == topic && r.topicID == id && r.partition == partition {
			return true
		}
	}
	return false
}

// fixProduce merges the refusals into the broker's answer and rewrites its
// leader hints.
func (c *conn) fixProduce(version int16, refused []refusedPartition) func([]byte) ([]byte, error) {
	return func(body []byte) ([]byte, error) {
		resp := kmsg.ProduceResponse{Version: version}
		if err := resp.ReadFrom(body); err != nil {
			return nil, err
		}
		if err := c.fixProduceBrokers(&resp); err != nil {
			return nil, err
		}
		mergeRefusals(&resp, refused)
		return resp.AppendTo(nil), nil
	}
}

// mergeRefusals adds the refused partitions to an answer.
func mergeRefusals(resp *kmsg.ProduceResponse, refused []refusedPartition) {
	for _, r := range refused {
		ti := -1
		for i := range resp.Topics {
			if resp.Topics[i].Topic == r.topic && resp.Topics[i].TopicID == r.topicID {
				ti = i
				break
			}
		}
		if ti < 0 {
			t := kmsg.NewProduceResponseTopic()
			t.Topic, t.TopicID = r.topic, r.topicID
			resp.Topics = append(resp.Topics, t)
			ti = len(resp.Topics) - 1
		}
		p := kmsg.NewProduceResponseTopicPartition()
		p.Partition = r.partition
		p.ErrorCode = r.refusal.code
		p.BaseOffset = -1
		msg := r.refusal.message
		p.ErrorMessage = &msg
		p.ErrorRecords = r.refusal.records
		resp.Topics[ti].Partitions = append(resp.Topics[ti].Partitions, p)
	}
}

// requestHeaderEnd returns where the body of a request starts: after the
// api key, version, correlation id, client id and, in a flexible header,
// the tagged fields.
func requestHeaderEnd(frame []byte, flexible bool) (int, error) {
	off := 12
	if len(frame) < off+2 {
		return 0, errors.New("request header cut short")
	}
	n := int(int16(binary.BigEndian.Uint16(frame[off:])))
	off += 2
	if n > 0 {
		off += n
	}
	if off > len(frame) {
		return 0, errors.New("client id cut short")
	}
	if flexible {
		off += skipTags(frame[off:])
		if off > len(frame) {
			return 0, errors.New("request header tags cut short")
		}
	}
	return off, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Record batch v2 layout: offsets of the fields the proxy reads.
const (
	batchLengthAt     = 8  // int32, bytes after it
	batchMagicAt      = 16 // int8
	batchCRCAt        = 17 // uint32, Castagnoli, of the bytes from attributes on
	batchAttributesAt = 21 // int16
	batchCountAt      = 57 // int32
	batchHeaderSize   = 61
)

// check validates the records of one partition's batches; nil when all are
// valid.
func (p *Proxy) check(topic string, records []byte, s hook.Settings, budget *readBudget) *refusal {
	recs, err := readRecords(records, budget)
	if err != nil {
		p.cfg.Metrics.refusal(topic, "CORRUPT", 1)
		return &refusal{code: errCorruptMessage, message: "the validating proxy cannot read the batch: " + err.Error()}
	}
	p.cfg.Metrics.records(topic, len(recs))
	var r *refusal
	failed := 0
	first := ""
	for i := range recs {
		// One record at a time: a registry that does not answer stops the
		// batch at its first record, not after a timeout for each.
		v := p.cfg.Validator.Validate(topic, recs[i:i+1:i+1], s)[0]
		if v.Valid {
			continue
		}
		p.cfg.Metrics.refusal(topic, v.Reason, 1)
		if v.Reason == hook.ReasonUnavailable {
			return errRegistryUnavailable()
		}
		failed++
		if r == nil {
			r = &refusal{code: errInvalidRecord}
			first = fmt.Sprintf("record %d: %s %s: %s", i, v.Side, v.Reason, v.Message)
		}
		if len(r.records) < maxErrorRecords {
			msg := fmt.Sprintf("%s %s: %s", v.Side, v.Reason, v.Message)
			r.records = append(r.records, kmsg.ProduceResponseTopicPartitionErrorRecord{RelativeOffset: int32(i), ErrorMessage: &msg})
		}
	}
	if r != nil {
		r.message = fmt.Sprintf("%d of %d records failed schema validation, the batch was refused; first: %s", failed, len(recs), first)
	}
	return r
}

func errRegistryUnavailable() *refusal {
	return &refusal{code: errNotEnoughReplicas, message: "the validating proxy cannot reach the schema registry; retry"}
}

// Bounds of what one Produce request may make the proxy hold: the
// decompressed bytes and the records of all its validated batches (a few
// kilobytes of compressed records can expand to gigabytes), and the record
// errors of an answer.
const (
	maxRequestRecords = 1 << 20
	maxErrorRecords   = 256
)

// readBudget is what is left of those bounds for the rest of a request.
type readBudget struct {
	bytes, records int
}

// readRecords reads the keys and values of the records of v2 batches,
// checking each batch's CRC. Control batches hold no client records and
// are skipped.
func readRecords(b []byte, budget *readBudget) ([]hook.Record, error) {
	var out []hook.Record
	for len(b) > 0 {
		if len(b) < batchHeaderSize {
			return nil, fmt.Errorf("batch of %d bytes", len(b))
		}
		length := int(int32(binary.BigEndian.Uint32(b[batchLengthAt:])))
		if length < batchHeaderSize-12 || length > len(b)-12 {
			return nil, fmt.Errorf("batch length %d with %d bytes left", length, len(b)-12)
		}
		batch := b[:12+length]
		b = b[12+length:]
		if magic := batch[batchMagicAt]; magic != 2 {
			return nil, fmt.Errorf("message format v%d (only v2 is read)", magic)
		}
		if crc32.Checksum(batch[batchAttributesAt:], castagnoli) != binary.BigEndian.Uint32(batch[batchCRCAt:]) {
			return nil, errors.New("batch CRC mismatch")
		}
		attrs := binary.BigEndian.Uint16(batch[batchAttributesAt:])
		if attrs&0x20 != 0 { // control batch
			continue
		}
		count := int(int32(binary.BigEndian.Uint32(batch[batchCountAt:])))
		raw := batch[batchHeaderSize:]
		raw, err := decompress(raw, int(attrs&0x7))
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		if count < 0 || count > len(raw) { // a record takes at least one byte
			return nil, fmt.Errorf("%d records in %d bytes", count, len(raw))
		}
		if attrs&0x7 != codecNone {
			budget.bytes -= len(raw)
		}
		budget.records -= count
		if budget.bytes < 0 || budget.records < 0 {
			return nil, fmt.Errorf("the request's records exceed what the proxy validates at once (%d decompressed bytes, %d records)", maxRecordsBytes, maxRequestRecords)
		}
		out = slices.Grow(out, count)
		for i := 0; i < count; i++ {
			n, l := binary.Varint(raw)
			if l <= 0 || n < 0 || int64(len(raw)-l) < n {
				return nil, fmt.Errorf("record %d cut short", i)
			}
			key, value, err := recordKeyValue(raw[l : l+int(n)])
			if err != nil {
				return nil, fmt.Errorf("record %d: %w", i, err)
			}
			raw = raw[l+int(n):]
			out = append(out, hook.Record{Key: key, Value: value})
		}
		if len(raw) != 0 {
			return nil, fmt.Errorf("%d bytes after the batch's %d records", len(raw), count)
		}
	}
	return out, nil
}

// recordKeyValue reads the key and value of a v2 record (after its length),
// checking that the rest of it (the headers) fits.
func recordKeyValue(b []byte) (key, value []byte, err error) {
	if len(b) < 1 {
		return nil, nil, errors.New("empty record")
	}
	b = b[1:]     // attributes
	for range 2 { // timestamp and offset deltas
		_, l := binary.Varint(b)
		if l <= 0 {
			return nil, nil, errors.New("bad varint")
		}
		b = b[l:]
	}
	if key, b, err = varintBytes(b); err != nil {
		return nil, nil, err
	}
	if value, b, err = varintBytes(b); err != nil {
		return nil, nil, err
	}
	headers, l := binary.Varint(b)
	if l <= 0 || headers < 0 || headers > int64(len(b)) {
		return nil, nil, errors.New("bad header count")
	}
	b = b[l:]
	for range headers {
		for range 2 { // header key and value
			if _, b, err = varintBytes(b); err != nil {
				return nil, nil, err
			}
		}
	}
	if len(b) != 0 {
		return nil, nil, fmt.Errorf("%d bytes after the record's headers", len(b))
	}
	return key, value, nil
}

// varintBytes reads a varint-length byte string (null for -1).
func varintBytes(b []byte) ([]byte, []byte, error) {
	n, l := binary.Varint(b)
	if l <= 0 || n < -1 || n > int64(len(b)-l) {
		return nil, nil, errors.New("bad length")
	}
	if n == -1 {
		return nil, b[l:], nil
	}
	return b[l : l+int(n)], b[l+int(n):], nil
}
