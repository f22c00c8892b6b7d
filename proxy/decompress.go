package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// maxRecordsBytes bounds what one batch's records may decompress to: a
// batch that claims more is refused as corrupt instead of taking the
// proxy's memory (a small compressed batch can expand a thousandfold).
const maxRecordsBytes = 64 << 20

// Kafka's compression codecs, the low bits of a batch's attributes.
const (
	codecNone   = 0
	codecGzip   = 1
	codecSnappy = 2
	codecLz4    = 3
	codecZstd   = 4
)

var errTooLarge = fmt.Errorf("records decompress to more than %d bytes", maxRecordsBytes)

// zstdDecoder decodes whole batches (DecodeAll is safe for concurrent use).
var zstdDecoder, _ = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxRecordsBytes))

// decompress returns the records of a batch compressed with codec.
func decompress(src []byte, codec int) ([]byte, error) {
	switch codec {
	case codecNone:
		return src, nil
	case codecGzip:
		r, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil, err
		}
		return readAtMost(r)
	case codecSnappy:
		return unsnappy(src)
	case codecLz4:
		return readAtMost(lz4.NewReader(bytes.NewReader(src)))
	case codecZstd:
		out, err := zstdDecoder.DecodeAll(src, nil)
		if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) || len(out) > maxRecordsBytes {
			return nil, errTooLarge
		}
		return out, err
	}
	return nil, fmt.Errorf("unknown compression codec %d", codec)
}

func readAtMost(r io.Reader) ([]byte, error) {
	out, err := io.ReadAll(io.LimitReader(r, maxRecordsBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > maxRecordsBytes {
		return nil, errTooLarge
	}
	return out, nil
}

// xerialMagic starts the framing of snappy-java's SnappyOutputStream (the
// Java client's): then a version and a compatible version (4 bytes each),
// then blocks of a 4-byte length and a snappy block.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// unsnappy decodes a raw snappy block or xerial-framed blocks, checking
// the lengths they declare before decoding.
func unsnappy(src []byte) ([]byte, error) {
	if !bytes.HasPrefix(src, xerialMagic) || len(src) < 16 {
		return unsnappyBlock(nil, src)
	}
	var out []byte
	for b := src[16:]; len(b) > 0; {
		if len(b) < 4 {
			return nil, errors.New("xerial block length cut short")
		}
		n := binary.BigEndian.Uint32(b)
		if uint64(n) > uint64(len(b)-4) {
			return nil, errors.New("xerial block cut short")
		}
		var err error
		if out, err = unsnappyBlock(out, b[4:4+n]); err != nil {
			return nil, err
		}
		b = b[4+n:]
	}
	return out, nil
}

// unsnappyBlock appends the decoding of one snappy block to dst.
func unsnappyBlock(dst, block []byte) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, err
	}
	if n > maxRecordsBytes-len(dst) {
		return nil, errTooLarge
	}
	out, err := snappy.Decode(nil, block)
	if err != nil {
		return nil, err
	}
	return append(dst, out...), nil
}
