// Package bounded is a concurrent map with a size bound, for the caches of
// the hot paths: lock-free reads, and when full it starts over (the hot
// entries come back at once), which keeps it simple and its memory bounded.
package bounded

import (
	"sync"
	"sync/atomic"
)

// Map is a bounded concurrent map; the zero value is not usable, use New.
type Map[K comparable, V any] struct {
	m     sync.Map
	n     atomic.Int64
	limit int64
}

// New returns a map holding at most limit entries.
func New[K comparable, V any](limit int) *Map[K, V] {
	return &Map[K, V]{limit: int64(limit)}
}

// Get returns the value stored for k.
func (c *Map[K, V]) Get(k K) (V, bool) {
	v, ok := c.m.Load(k)
	if !ok {
		var zero V
		return zero, false
	}
	return v.(V), true
}

// Put stores v for k, emptying the map first when it is full.
func (c *Map[K, V]) Put(k K, v V) {
	if _, loaded := c.m.Swap(k, v); !loaded && c.n.Add(1) > c.limit {
		c.m.Clear()
		c.n.Store(0)
		c.m.Store(k, v)
		c.n.Store(1)
	}
}
