// Package testwait waits in tests for a condition to hold, instead of
// sleeping for a time that is hoped to be long enough. Only tests import it.
package testwait

import (
	"testing"
	"time"
)

// Until calls cond until it returns true and returns how long that took.
// When timeout passes first, it fails t with what ("the primary is
// elected"). cond runs on the calling goroutine, so it may call t.Fatal.
func Until(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	return UntilDetail(t, timeout, what, func() (bool, string) { return cond(), "" })
}

// UntilDetail is Until for a condition that says why it does not hold yet:
// the last such detail is part of the failure.
func UntilDetail(t testing.TB, timeout time.Duration, what string, cond func() (ok bool, detail string)) time.Duration {
	t.Helper()
	start := time.Now()
	pause := time.Millisecond
	for {
		ok, detail := cond()
		if ok {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			if detail != "" {
				t.Fatalf("not within %v: %s: %s", timeout, what, detail)
			} else {
				t.Fatalf("not within %v: %s", timeout, what)
			}
			return time.Since(start)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}
