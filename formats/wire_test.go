package formats

import (
	"bytes"
	"testing"
)

func TestIDPrefixRoundTrip(t *testing.T) {
	b := AppendIDPrefix(nil, 258)
	if !bytes.Equal(b, []byte{0, 0, 0, 1, 2}) {
		t.Fatalf("prefix % x", b)
	}
	p, rest, err := ParsePrefix(append(b, 'x'))
	if err != nil || p.Magic != MagicID || p.ID != 258 || string(rest) != "x" {
		t.Fatalf("%+v %q %v", p, rest, err)
	}
	g := IdentityOf(`"string"`, nil, nil, nil)
	p, rest, err = ParsePrefix(AppendGUIDPrefix(nil, g))
	if err != nil || p.Magic != MagicGUID || p.GUID != g || len(rest) != 0 {
		t.Fatalf("%+v %q %v", p, rest, err)
	}
}

func TestMalformedPrefixes(t *testing.T) {
	for _, tc := range []struct {
		in     []byte
		reason string
	}{
		{nil, WireEmpty}, {[]byte{0, 0, 1}, WireShortID}, {[]byte{1, 2, 3}, WireShortGUID}, {[]byte{7, 0, 0, 0, 1}, WireUnknownMagic},
	} {
		_, _, err := ParsePrefix(tc.in)
		if r, ok := IsWireError(err); !ok || r != tc.reason {
			t.Errorf("% x: %v, want %s", tc.in, err, tc.reason)
		}
	}
}

func TestMessageIndexes(t *testing.T) {
	for _, tc := range []struct {
		idx  []int
		wire []byte
	}{
		{[]int{0}, []byte{0}},
		{[]int{1}, []byte{2, 2}},
		{[]int{1, 0, 3}, []byte{6, 2, 0, 6}},
		{[]int{64}, []byte{2, 0x80, 0x01}},
	} {
		got := AppendMessageIndexes(nil, tc.idx)
		if !bytes.Equal(got, tc.wire) {
			t.Errorf("%v: % x, want % x", tc.idx, got, tc.wire)
		}
		idx, rest, err := ParseMessageIndexes(append(got, 9))
		if err != nil || len(idx) != len(tc.idx) || string(rest) != "\x09" {
			t.Errorf("%v: parsed %v %q %v", tc.idx, idx, rest, err)
		}
		for i := range idx {
			if idx[i] != tc.idx[i] {
				t.Errorf("%v: parsed %v", tc.idx, idx)
			}
		}
	}
	for _, bad := range [][]byte{{}, {0x80}, {2}, {0x7f}, {3, 1}, {2, 1}} {
		if _, _, err := ParseMessageIndexes(bad); err == nil {
			t.Errorf("% x: no error", bad)
		}
	}
}

func TestStrategies(t *testing.T) {
	for _, tc := range []struct {
		name, topic, record string
		key                 bool
		want                string
	}{
		{"io.confluent.kafka.serializers.subject.TopicNameStrategy", "orders", "", false, "orders-value"},
		{"TopicNameStrategy", "orders", "", true, "orders-key"},
		{"io.confluent.kafka.serializers.subject.RecordNameStrategy", "orders", "com.acme.Order", false, "com.acme.Order"},
		{"topic_record", "orders", "com.acme.Order", true, "orders-com.acme.Order"},
	} {
		s, err := ParseStrategy(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Subject(tc.topic, tc.key, tc.record)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	if _, err := ParseStrategy("AssociatedNameStrategy"); err == nil {
		t.Error("unknown strategy accepted")
	}
	if _, err := RecordNameStrategy.Subject("t", false, ""); err == nil {
		t.Error("record strategy without a record name")
	}
}

func FuzzParseWire(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 2, 2})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, rest, err := ParsePrefix(b)
		if err == nil {
			ParseMessageIndexes(rest)
		}
	})
}
