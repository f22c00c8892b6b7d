// Package compat decides whether a schema may follow others under a
// compatibility level. It is pure: (level, candidate, history) -> problems,
// with Confluent's ordering and message format; the per-format rules sit
// beside it (avro.go).
package compat

import (
	"fmt"
	"strings"

	"github.com/schemaregistry/registry/formats"
)

// The compatibility levels.
const (
	None               = "NONE"
	Backward           = "BACKWARD"
	BackwardTransitive = "BACKWARD_TRANSITIVE"
	Forward            = "FORWARD"
	ForwardTransitive  = "FORWARD_TRANSITIVE"
	Full               = "FULL"
	FullTransitive     = "FULL_TRANSITIVE"
)

// Level returns the level named by s (any case) and whether it is one.
func Level(s string) (string, bool) {
	l := strings.ToUpper(strings.TrimSpace(s))
	switch l {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return l, true
	}
	return "", false
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

var differs = map[string]differ{}

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
func Check(level string, o Options, candidate formats.Schema, previous []Previous) []string {
	var toCheck []Previous
	switch level {
	case None, "":
		return nil
	case Backward, Forward, Full:
		if len(previous) > 0 {
			toCheck = previous[len(previous)-1:]
		}
	default:
		toCheck = previous
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
