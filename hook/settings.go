package hook

import (
	"errors"
	"fmt"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/javaprops"
	"github.com/schemaregistry/registry/store"
)

// The settings' names: Confluent Server's topic config names. A properties
// file sets the server's defaults under them, a validation request may
// override them for its batch.
const (
	KeyValidation     = "confluent.key.schema.validation"       // true or false
	ValueValidation   = "confluent.value.schema.validation"     // true or false
	KeyStrategy       = "confluent.key.subject.name.strategy"   // see formats.ParseStrategy
	ValueStrategy     = "confluent.value.subject.name.strategy" // see formats.ParseStrategy
	PayloadValidation = "confluent.payload.validation"          // true or false, both sides
	// Context is this registry's own: the context whose ids the topic's
	// records carry and whose subjects its strategies name (".name", "name"
	// or ":.name:"; "." or empty for the default one), as for producers
	// whose registry URL ends in /contexts/.name.
	Context = "schema.validation.context"
)

// Side settings: whether a side is validated, its subject name strategy,
// and whether its payload is decoded.
type Side struct {
	Validate bool
	Strategy formats.Strategy
	Deep     bool
}

// Settings are a topic's validation settings.
type Settings struct {
	Key, Value Side
	// Context is the context of the topic's ids and subjects: ".name", or
	// "" for the default one.
	Context string
}

// DefaultSettings are the settings before any is set: values are validated,
// keys are not, both under TopicNameStrategy, payloads are not decoded.
func DefaultSettings() Settings {
	return Settings{Value: Side{Validate: true}}
}

// SettingError is a value that the setting it is given to does not take.
type SettingError struct {
	Name, Value string
	Err         error // why, without the setting's name
}

func (e *SettingError) Error() string {
	return fmt.Sprintf("invalid value %q for property %s: %v", e.Value, e.Name, e.Err)
}

func (e *SettingError) Unwrap() error { return e.Err }

// Set sets the setting called name (one of the names above) from its text:
// true or false in any case for the switches, a strategy name as
// formats.ParseStrategy reads it; spaces around the value are ignored. A
// bad value is a *SettingError and leaves s as it was.
func (s *Settings) Set(name, value string) error {
	next := *s
	var err error
	switch name {
	case KeyValidation:
		next.Key.Validate, err = javaprops.ParseBool(value)
	case ValueValidation:
		next.Value.Validate, err = javaprops.ParseBool(value)
	case KeyStrategy:
		next.Key.Strategy, err = formats.ParseStrategy(value)
	case ValueStrategy:
		next.Value.Strategy, err = formats.ParseStrategy(value)
	case PayloadValidation:
		next.Key.Deep, err = javaprops.ParseBool(value)
		next.Value.Deep = next.Key.Deep
	case Context:
		next.Context, err = parseContext(value)
	default:
		return fmt.Errorf("unknown validation setting %s", name)
	}
	if err != nil {
		return &SettingError{Name: name, Value: value, Err: err}
	}
	*s = next
	return nil
}

// Apply sets each setting that props names (the others in props are not
// the hook's and are skipped), in the order of the names above; a blank
// value leaves its setting as it is, as an unset property does. Every bad
// value is reported, joined.
func (s *Settings) Apply(props map[string]string) error {
	var errs []error
	for _, name := range []string{KeyValidation, ValueValidation, KeyStrategy, ValueStrategy, PayloadValidation, Context} {
		if v, ok := props[name]; ok && strings.TrimSpace(v) != "" {
			errs = append(errs, s.Set(name, v))
		}
	}
	return errors.Join(errs...)
}

// parseContext reads a context name as store.NormalizeContext does; the
// default context is "".
func parseContext(value string) (string, error) {
	ctx, err := store.NormalizeContext(strings.TrimSpace(value))
	if err != nil || ctx == "." {
		return "", err
	}
	return ctx, nil
}
