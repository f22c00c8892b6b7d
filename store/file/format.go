package file

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"

	"github.com/schemaregistry/registry/store"
)

// File layout (all integers big-endian):
//
//	header:  magic "SRLG" | uint32 version (1) | int64 base offset | uint32 CRC-32C of the previous 16 bytes
//	record:  uint32 body length | uint32 CRC-32C of the body | body
//	body:    int64 offset | int64 timestamp | uint32 key length | key | int32 value length (-1 = tombstone) | value
//
// The base offset is the next offset at the time the file was written (a
// compaction may drop the records with the highest offsets, and offsets must
// never go backwards). Record offsets are strictly increasing.

const (
	magic         = "SRLG"
	formatVersion = 1
	headerLen     = 20
	recHeaderLen  = 8             // body length + CRC
	minBodyLen    = 8 + 8 + 4 + 4 // offset, timestamp, key length, value length
	maxBodyLen    = 256 << 20     // anything larger is corruption
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks content that is not a valid record (as opposed to an I/O
// error while reading it): the file is cut there.
type errCorrupt struct{ reason string }

func (e *errCorrupt) Error() string { return e.reason }

func corrupt(format string, args ...any) error {
	return &errCorrupt{reason: fmt.Sprintf(format, args...)}
}

func isCorrupt(err error) bool {
	var c *errCorrupt
	return errors.As(err, &c)
}

func encodeHeader(base int64) []byte {
	b := make([]byte, headerLen)
	copy(b, magic)
	binary.BigEndian.PutUint32(b[4:], formatVersion)
	binary.BigEndian.PutUint64(b[8:], uint64(base))
	binary.BigEndian.PutUint32(b[16:], crc32.Checksum(b[:16], castagnoli))
	return b
}

// decodeHeader returns the base offset stored in a file header.
func decodeHeader(b []byte) (int64, error) {
	if len(b) < headerLen {
		return 0, fmt.Errorf("short file header (%d bytes)", len(b))
	}
	if string(b[:4]) != magic {
		return 0, errors.New("not a schema log file (bad magic)")
	}
	if crc32.Checksum(b[:16], castagnoli) != binary.BigEndian.Uint32(b[16:]) {
		return 0, errors.New("corrupt file header (bad CRC)")
	}
	if v := binary.BigEndian.Uint32(b[4:]); v != formatVersion {
		return 0, fmt.Errorf("unsupported log format version %d", v)
	}
	base := int64(binary.BigEndian.Uint64(b[8:]))
	if base < 0 || base == math.MaxInt64 {
		return 0, fmt.Errorf("corrupt file header (base offset %d)", base)
	}
	return base, nil
}

// bodyLen is the encoded body size of rec.
func bodyLen(rec *store.Record) int {
	return minBodyLen + len(rec.Key) + len(rec.Value)
}

// appendRecord appends the encoding of rec to buf.
func appendRecord(buf []byte, rec *store.Record) []byte {
	n := bodyLen(rec)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	crcAt := len(buf)
	buf = binary.BigEndian.AppendUint32(buf, 0) // CRC, filled below
	start := len(buf)
	buf = binary.BigEndian.AppendUint64(buf, uint64(rec.Offset))
	buf = binary.BigEndian.AppendUint64(buf, uint64(rec.Timestamp))
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(rec.Key)))
	buf = append(buf, rec.Key...)
	if rec.Value == nil {
		buf = binary.BigEndian.AppendUint32(buf, math.MaxUint32) // int32 -1
	} else {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(rec.Value)))
		buf = append(buf, rec.Value...)
	}
	binary.BigEndian.PutUint32(buf[crcAt:], crc32.Checksum(buf[start:], castagnoli))
	return buf
}

// readRecord reads the next record from r, of which at most remaining bytes
// are left in the file. It returns the raw encoded record (header and body,
// stored in buf when large enough) and the decoded record, whose Key and Value
// alias raw. Corrupt or torn content gives an *errCorrupt; any other error is
// an I/O error.
func readRecord(r io.Reader, remaining int64, buf []byte) ([]byte, store.Record, error) {
	if remaining < recHeaderLen {
		return nil, store.Record{}, corrupt("short record header (%d bytes left)", remaining)
	}
	var hdr [recHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, store.Record{}, err
	}
	n := int64(binary.BigEndian.Uint32(hdr[:]))
	if n < minBodyLen || n > maxBodyLen {
		return nil, store.Record{}, corrupt("absurd record length %d", n)
	}
	if n > remaining-recHeaderLen {
		return nil, store.Record{}, corrupt("short record (%d of %d bytes)", remaining-recHeaderLen, n)
	}
	total := recHeaderLen + int(n)
	if cap(buf) >= total {
		buf = buf[:total]
	} else {
		buf = make([]byte, total)
	}
	copy(buf, hdr[:])
	body := buf[recHeaderLen:]
	if _, err := io.ReadFull(r, body); err != nil {
		return nil, store.Record{}, err
	}
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(hdr[4:]) {
		return nil, store.Record{}, corrupt("bad record CRC")
	}
	rec, err := decodeBody(body)
	return buf, rec, err
}

// decodeBody decodes a record body whose CRC has been checked. Key and Value
// alias body, with capacities clipped so that appending to one cannot
// overwrite the other.
func decodeBody(body []byte) (store.Record, error) {
	var rec store.Record
	rec.Offset = int64(binary.BigEndian.Uint64(body))
	rec.Timestamp = int64(binary.BigEndian.Uint64(body[8:]))
	if rec.Offset < 0 || rec.Offset == math.MaxInt64 {
		return rec, corrupt("invalid record offset %d", rec.Offset)
	}
	rest := body[16:]
	kl := uint64(binary.BigEndian.Uint32(rest))
	rest = rest[4:]
	if kl > uint64(len(rest)-4) {
		return rec, corrupt("key length %d beyond record", kl)
	}
	rec.Key = rest[:kl:kl]
	rest = rest[kl:]
	vl := int32(binary.BigEndian.Uint32(rest))
	rest = rest[4:]
	switch {
	case vl == -1:
		if len(rest) != 0 {
			return rec, corrupt("tombstone with %d trailing bytes", len(rest))
		}
	case vl < 0 || int(vl) != len(rest):
		return rec, corrupt("value length %d does not match record (%d bytes)", vl, len(rest))
	default:
		rec.Value = rest[:vl:vl]
	}
	return rec, nil
}
