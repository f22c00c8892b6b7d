package api

import (
	"log/slog"
	"os"
	"testing"
)

// TestMain silences the default logger: every write of the tests would
// otherwise print its audit line. Tests that check logs pass their own.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}
