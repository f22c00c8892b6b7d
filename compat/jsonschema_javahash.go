package compat

import (
	"sort"
	"unicode/utf16"
)

// Confluent's JSON Schema diff walks properties and dependencies through
// java.util.HashMap and HashSet, so the order of the differences it reports
// is the iteration order of those: by hash bucket, ties in insertion order.
// These functions reproduce it, so that the change lists come out in the
// same order.

// jsJavaStringHash is String.hashCode: over UTF-16 code units, int32 wrap.
func jsJavaStringHash(s string) int32 {
	var h int32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + int32(u)
	}
	return h
}

// jsJavaSpread is HashMap.hash: the high half folded into the low half.
func jsJavaSpread(s string) uint32 {
	h := uint32(jsJavaStringHash(s))
	return h ^ (h >> 16)
}

// jsJavaTableSizeFor is HashMap.tableSizeFor.
func jsJavaTableSizeFor(c int) int {
	n := 1
	for n < c {
		n <<= 1
	}
	if n > 1<<30 {
		n = 1 << 30
	}
	return n
}

// jsJavaHashMap simulates a HashMap<String, ?> well enough to know its
// iteration order: buckets in index order, each in insertion order (a
// resize splits buckets without reordering them).
type jsJavaHashMap struct {
	capacity int // 0 until the first put
	initial  int
	size     int
	keys     map[string]bool
	order    []string // insertion order
}

func newJavaHashMap(initialCapacity int) *jsJavaHashMap {
	return &jsJavaHashMap{initial: jsJavaTableSizeFor(initialCapacity), keys: map[string]bool{}}
}

func (m *jsJavaHashMap) put(k string) {
	if m.keys[k] {
		return
	}
	if m.capacity == 0 {
		m.capacity = m.initial
	}
	m.keys[k] = true
	m.order = append(m.order, k)
	m.size++
	if m.size > m.capacity*3/4 {
		m.capacity *= 2
	}
}

// iteration returns the keys in iteration order.
func (m *jsJavaHashMap) iteration() []string {
	mask := uint32(m.capacity - 1)
	buckets := map[uint32][]string{}
	var idx []uint32
	for _, k := range m.order {
		b := jsJavaSpread(k) & mask
		if _, ok := buckets[b]; !ok {
			idx = append(idx, b)
		}
		buckets[b] = append(buckets[b], k)
	}
	sortUint32(idx)
	out := make([]string, 0, len(m.order))
	for _, b := range idx {
		out = append(out, buckets[b]...)
	}
	return out
}

func sortUint32(a []uint32) {
	sort.Slice(a, func(i, j int) bool { return a[i] < a[j] })
}

// jsJavaMapOrder is the iteration order of a default HashMap filled with keys
// in the given order (org.json's JSONObject, everit's maps).
func jsJavaMapOrder(keys []string) []string {
	m := newJavaHashMap(16)
	for _, k := range keys {
		m.put(k)
	}
	return m.iteration()
}

// jsJavaUnionOrder is the iteration order of new HashSet<>(a) after
// addAll(b): the key sets Confluent's diff walks.
func jsJavaUnionOrder(a, b []string) []string {
	c := int(float32(len(a))/0.75) + 1
	if c < 16 {
		c = 16
	}
	m := newJavaHashMap(c)
	for _, k := range a {
		m.put(k)
	}
	for _, k := range b {
		m.put(k)
	}
	return m.iteration()
}
