// Package compat decides whether a schema may follow others under a
// compatibility level: the Level type, and Check, a pure function
// (level, candidate, history) -> problems with Confluent's order and message
// format. The rules of each schema type sit beside it, each ported function
// naming its Java twin: avro.go (registered by avro_differ.go), protobuf.go,
// jsonschema*.go. It reads parsed schemas from formats and knows nothing of
// the store, the log or HTTP.
package compat

import (
	"errors"
	"fmt"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// Level is a compatibility level (Confluent's CompatibilityLevel enum): which
// earlier versions a new one is checked against, and in which direction.
type Level string

// The compatibility levels, in the order Confluent's error message lists them.
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	Forward            Level = "FORWARD"
	Full               Level = "FULL"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// Levels lists every level.
var Levels = []Level{None, Backward, Forward, Full, BackwardTransitive, ForwardTransitive, FullTransitive}

// DefaultLevel is the level of a registry configured with none
// (schema.compatibility.level's default).
const DefaultLevel = Backward

// ErrInvalidLevel is the error of a name that is no level; its text is
// Confluent's 42203 message.
var ErrInvalidLevel = errors.New("Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")

// ParseLevel returns the level named by s, in any case and trimmed.
func ParseLevel(s string) (Level, error) {
	l := Level(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Levels {
		if l == known {
			return l, nil
		}
	}
	return "", ErrInvalidLevel
}

// String is the level's name, as the API and the log spell it.
func (l Level) String() string { return string(l) }

// UnmarshalText reads a level name (any case); anything else is an error.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// transitive reports whether the level checks every earlier version, not
// only the latest.
func (l Level) transitive() bool {
	return l == BackwardTransitive || l == ForwardTransitive || l == FullTransitive
}

// Options are the config fields that tune a check.
type Options struct {
	ValidateFields bool
	// Policy is the compatibilityPolicy: STRICT (default) or LENIENT (JSON
	// Schema's larger set of compatible changes).
	Policy string
}

// differ returns the messages for a reader schema reading data written with
// a writer schema of the same type; the labels name them in the messages
// ("new"/"old" when checking backward, "old"/"new" forward). Each schema
// type registers its own from its file.
type differ func(reader, writer formats.Schema, readerLabel, writerLabel string, o Options) []string

var differs = map[formats.SchemaType]differ{}

// Previous is an earlier version of the subject.
type Previous struct {
	Version int
	Schema  formats.Schema
}

// Check returns the problems found when candidate follows previous (given in
// ascending version order, deleted versions already left out) under level;
// none means compatible. Checks run newest to oldest and stop at the first
// incompatible version, as Confluent's do. The messages are Confluent's
// verbose messages, ending with the level line.
func Check(level Level, o Options, candidate formats.Schema, previous []Previous) []string {
	var toCheck []Previous
	switch {
	case level == None || level == "":
		return nil
	case level.transitive():
		toCheck = previous
	case len(previous) > 0:
		toCheck = previous[len(previous)-1:]
	}
	backward := level != Forward && level != ForwardTransitive
	forward := level != Backward && level != BackwardTransitive
	full := backward && forward
	for i := len(toCheck) - 1; i >= 0; i-- {
		prev := toCheck[i]
		var msgs []string
		if prev.Schema.Type() != candidate.Type() {
			msgs = []string{"Incompatible because of different schema type"}
		} else {
			if forward {
				fw := differences(prev.Schema, candidate, "old", "new", o)
				msgs = append(msgs, fw...)
				if len(fw) > 0 && !full {
					msgs = append(msgs, oldSchemaLines(prev)...)
				}
			}
			if backward {
				bw := differences(candidate, prev.Schema, "new", "old", o)
				msgs = append(msgs, bw...)
				if len(bw) > 0 {
					msgs = append(msgs, oldSchemaLines(prev)...)
				}
			}
		}
		if len(msgs) > 0 {
			return append(msgs, fmt.Sprintf("{validateFields: '%t', compatibility: '%s'}", o.ValidateFields, level))
		}
	}
	return nil
}

const maxOldSchema = 10 * 1024

func oldSchemaLines(prev Previous) []string {
	text := prev.Schema.Canonical()
	old := fmt.Sprintf("{oldSchema: '%s'}", text)
	if len(text) > maxOldSchema {
		old = fmt.Sprintf("{oldSchema: <truncated> '%s...'}", text[:maxOldSchema])
	}
	return []string{fmt.Sprintf("{oldSchemaVersion: %d}", prev.Version), old}
}

// differences returns the messages for reader reading data written by writer.
func differences(reader, writer formats.Schema, readerLabel, writerLabel string, o Options) []string {
	d := differs[reader.Type()]
	if d == nil {
		return []string{fmt.Sprintf("Unexpected exception during compatibility check: no rules for %s", reader.Type())}
	}
	return d(reader, writer, readerLabel, writerLabel, o)
}
