package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// compressStream compresses n zero bytes with codec without holding them.
func compressStream(t *testing.T, codec int, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w io.WriteCloser
	var err error
	switch codec {
	case codecGzip:
		w, err = gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	case codecLz4:
		w = lz4.NewWriter(&buf)
	case codecZstd:
		w, err = zstd.NewWriter(&buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, io.LimitReader(zeros{}, n)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestDecompress(t *testing.T) {
	want := bytes.Repeat([]byte("record "), 100)
	xerial := append(append([]byte{}, xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 1)
	for _, part := range [][]byte{want[:300], want[300:]} {
		block := snappy.Encode(nil, part)
		xerial = binary.BigEndian.AppendUint32(xerial, uint32(len(block)))
		xerial = append(xerial, block...)
	}
	var gz, lz, zs bytes.Buffer
	gw := gzip.NewWriter(&gz)
	gw.Write(want)
	gw.Close()
	lw := lz4.NewWriter(&lz)
	lw.Write(want)
	lw.Close()
	zw, _ := zstd.NewWriter(&zs)
	zw.Write(want)
	zw.Close()
	for name, tc := range map[string]struct {
		codec int
		src   []byte
	}{
		"none": {codecNone, want}, "gzip": {codecGzip, gz.Bytes()}, "snappy": {codecSnappy, snappy.Encode(nil, want)},
		"xerial snappy": {codecSnappy, xerial}, "lz4": {codecLz4, lz.Bytes()}, "zstd": {codecZstd, zs.Bytes()},
	} {
		got, err := decompress(tc.src, tc.codec)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if _, err := decompress(want, 7); err == nil {
		t.Error("codec 7 accepted")
	}
	if _, err := decompress([]byte("garbage"), codecZstd); err == nil {
		t.Error("garbage decoded as zstd")
	}
}

// TestDecompressionBombs: a small batch that expands beyond the bound is
// refused before it takes the memory.
func TestDecompressionBombs(t *testing.T) {
	const size = maxRecordsBytes + 1<<20
	claim := binary.AppendUvarint(nil, size) // a snappy block claiming size bytes
	for name, src := range map[string]struct {
		codec int
		src   []byte
	}{
		"gzip":   {codecGzip, compressStream(t, codecGzip, size)},
		"lz4":    {codecLz4, compressStream(t, codecLz4, size)},
		"zstd":   {codecZstd, compressStream(t, codecZstd, size)},
		"snappy": {codecSnappy, append(claim, 0, 0, 0)},
	} {
		if _, err := decompress(src.src, src.codec); !errors.Is(err, errTooLarge) {
			t.Errorf("%s bomb of %d compressed bytes: %v", name, len(src.src), err)
		}
	}
}
