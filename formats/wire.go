package formats

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The magic bytes that start a serialized key or value (MAGIC_BYTE_V0 and
// MAGIC_BYTE_V1 of Confluent's SchemaId, in schema-serializer).
const (
	MagicID   byte = 0 // 4-byte big-endian schema id follows
	MagicGUID byte = 1 // 16-byte schema GUID follows
)

// WireError is a malformed wire-format prefix.
type WireError struct {
	Reason string // a short code: empty, unknown-magic, short-id, short-guid, bad-indexes
	Detail string
}

func (e *WireError) Error() string { return fmt.Sprintf("wire format: %s: %s", e.Reason, e.Detail) }

// Wire-format error reasons.
const (
	WireEmpty        = "empty"
	WireUnknownMagic = "unknown-magic"
	WireShortID      = "short-id"
	WireShortGUID    = "short-guid"
	WireBadIndexes   = "bad-indexes"
)

// WirePrefix is what precedes the payload: a schema id (magic 0) or a
// schema GUID (magic 1).
type WirePrefix struct {
	Magic byte
	ID    int32    // magic 0
	GUID  Identity // magic 1
}

// AppendIDPrefix appends magic 0 and the big-endian id.
func AppendIDPrefix(dst []byte, id int32) []byte {
	dst = append(dst, MagicID)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

// AppendGUIDPrefix appends magic 1 and the GUID bytes.
func AppendGUIDPrefix(dst []byte, guid Identity) []byte {
	return append(append(dst, MagicGUID), guid[:]...)
}

// ParsePrefix reads the prefix of a serialized key or value and returns the
// rest (the payload, with Protobuf message indexes still in front).
func ParsePrefix(b []byte) (WirePrefix, []byte, error) {
	if len(b) == 0 {
		return WirePrefix{}, nil, &WireError{WireEmpty, "no bytes"}
	}
	switch b[0] {
	case MagicID:
		if len(b) < 5 {
			return WirePrefix{}, nil, &WireError{WireShortID, fmt.Sprintf("%d bytes, a schema id needs 5", len(b))}
		}
		return WirePrefix{Magic: MagicID, ID: int32(binary.BigEndian.Uint32(b[1:5]))}, b[5:], nil
	case MagicGUID:
		if len(b) < 17 {
			return WirePrefix{}, nil, &WireError{WireShortGUID, fmt.Sprintf("%d bytes, a schema GUID needs 17", len(b))}
		}
		var g Identity
		copy(g[:], b[1:17])
		return WirePrefix{Magic: MagicGUID, GUID: g}, b[17:], nil
	}
	return WirePrefix{}, nil, &WireError{WireUnknownMagic, fmt.Sprintf("magic byte %d", b[0])}
}

// maxIndexes bounds the message-index path a decoder accepts.
const maxIndexes = 64

// AppendMessageIndexes appends a Protobuf message-index path as Confluent's
// serializers write it: a zig-zag varint count, then zig-zag varint indexes;
// the common path [0] is the single byte 0.
func AppendMessageIndexes(dst []byte, indexes []int) []byte {
	if len(indexes) == 1 && indexes[0] == 0 {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(indexes)))
	for _, i := range indexes {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}

// ParseMessageIndexes reads a message-index path (count 0 means [0]) and
// returns the rest.
func ParseMessageIndexes(b []byte) ([]int, []byte, error) {
	n, k := binary.Varint(b)
	if k <= 0 {
		return nil, nil, &WireError{WireBadIndexes, "unreadable count"}
	}
	b = b[k:]
	if n == 0 {
		return []int{0}, b, nil
	}
	if n < 0 || n > maxIndexes {
		return nil, nil, &WireError{WireBadIndexes, fmt.Sprintf("count %d", n)}
	}
	out := make([]int, n)
	for i := range out {
		v, k := binary.Varint(b)
		if k <= 0 {
			return nil, nil, &WireError{WireBadIndexes, "unreadable index"}
		}
		if v < 0 || v > 1<<31-1 {
			return nil, nil, &WireError{WireBadIndexes, fmt.Sprintf("index %d", v)}
		}
		out[i], b = int(v), b[k:]
	}
	return out, b, nil
}

// IsWireError reports whether err is a malformed prefix, and which.
func IsWireError(err error) (string, bool) {
	var we *WireError
	if errors.As(err, &we) {
		return we.Reason, true
	}
	return "", false
}
