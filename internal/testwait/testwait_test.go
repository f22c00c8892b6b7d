package testwait

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that records Fatalf instead of stopping.
type recorder struct {
	testing.TB
	failure string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) { r.failure = fmt.Sprintf(format, args...) }

func TestUntilReturnsOnceTheConditionHolds(t *testing.T) {
	calls := 0
	took := Until(t, 5*time.Second, "the third call", func() bool { calls++; return calls == 3 })
	if calls != 3 || took <= 0 || took > 5*time.Second {
		t.Fatalf("calls %d, took %v", calls, took)
	}
}

func TestUntilFailsWithWhatAndDetail(t *testing.T) {
	r := &recorder{}
	UntilDetail(r, 20*time.Millisecond, "the moon", func() (bool, string) { return false, "still night" })
	if !strings.Contains(r.failure, "the moon: still night") || !strings.Contains(r.failure, "20ms") {
		t.Fatalf("failure %q, want the timeout, what and the last detail", r.failure)
	}
	r = &recorder{}
	Until(r, time.Millisecond, "never", func() bool { return false })
	if r.failure != "not within 1ms: never" {
		t.Fatalf("failure %q", r.failure)
	}
}
