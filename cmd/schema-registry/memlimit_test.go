package main

import "testing"

func TestGCPercentFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 400}, {16 << 20, 400}, {32 << 20, 400}, {64 << 20, 400}, {100 << 20, 256}, {128 << 20, 200},
		{256 << 20, 100}, {600 << 20, 100},
	} {
		if got := gcPercentFor(c.live); got != c.want {
			t.Errorf("gcPercentFor(%d MiB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}
