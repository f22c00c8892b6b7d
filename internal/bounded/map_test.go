package bounded

import "testing"

func TestBound(t *testing.T) {
	m := New[int, string](3)
	for i := 0; i < 3; i++ {
		m.Put(i, "v")
	}
	m.Put(1, "again") // replacing does not count
	if v, ok := m.Get(1); !ok || v != "again" {
		t.Fatalf("Get(1) = %q %v", v, ok)
	}
	m.Put(3, "new") // the fourth entry empties the map, keeping itself
	if _, ok := m.Get(0); ok {
		t.Error("entry 0 survived the bound")
	}
	if v, ok := m.Get(3); !ok || v != "new" {
		t.Errorf("Get(3) = %q %v", v, ok)
	}
}
