package store

import (
	"strings"
)

// Mode is the mode of the registry or of a subject (Confluent's Mode enum):
// what writes it lets through.
type Mode string

// The modes.
const (
	ModeReadWrite Mode = "READWRITE"
	ModeReadOnly  Mode = "READONLY"
	// ModeReadOnlyOverride is a deprecated READONLY that Confluent kept for
	// the global scope; it refuses the same writes.
	ModeReadOnlyOverride Mode = "READONLY_OVERRIDE"
	ModeImport           Mode = "IMPORT"
	// ModeForward is only set on the global context (":.__GLOBAL:") by
	// Schema Linking on a destination that forwards to its source; for
	// writes it counts as IMPORT, as Confluent's isImportOrForwardMode.
	ModeForward Mode = "FORWARD"
)

// ParseMode returns the mode named by s, in any case and trimmed (42204
// otherwise).
func ParseMode(s string) (Mode, error) {
	m := Mode(strings.ToUpper(strings.TrimSpace(s)))
	switch m {
	case ModeReadWrite, ModeReadOnly, ModeReadOnlyOverride, ModeImport, ModeForward:
		return m, nil
	}
	return "", errorf(CodeInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
}

// String is the mode's name.
func (m Mode) String() string { return string(m) }

// UnmarshalText reads a mode name (any case).
func (m *Mode) UnmarshalText(b []byte) error {
	v, err := ParseMode(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// readOnly reports whether the mode refuses every write
// (Confluent's isReadOnlyMode).
func (m Mode) readOnly() bool { return m == ModeReadOnly || m == ModeReadOnlyOverride }

// importing reports whether registrations keep the ids and versions they
// are given and skip compatibility (Confluent's isImportOrForwardMode).
func (m Mode) importing() bool { return m == ModeImport || m == ModeForward }

// mode returns the mode that applies to a subject: its own, else its
// context's (the global one for the default context), else the one of
// every context, else READWRITE.
func (st *state) mode(subject string) Mode {
	if m, ok := st.modes[subject]; ok {
		return m
	}
	if m, ok := st.modes[contextScope(subject)]; ok {
		return m
	}
	if m, ok := st.modes[globalContext]; ok {
		return m
	}
	return ModeReadWrite
}
