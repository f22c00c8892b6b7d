package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/hook"
)

// hookSettings reads the validation hook's defaults from Confluent's topic
// config names (per request, the same names override them):
// confluent.key.schema.validation (false), confluent.value.schema.validation
// (true), confluent.key.subject.name.strategy and
// confluent.value.subject.name.strategy (TopicNameStrategy), and
// confluent.payload.validation (false: decode payloads too).
func hookSettings(raw map[string]string) (hook.Settings, error) {
	s := hook.Settings{Value: hook.Side{Validate: true}}
	var errs []error
	boolean := func(prop string, dst *bool) {
		v, ok := raw[prop]
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			*dst = true
		case "false":
			*dst = false
		default:
			errs = append(errs, fmt.Errorf("invalid value %q for property %s: true or false", v, prop))
		}
	}
	strategy := func(prop string, dst *formats.Strategy) {
		v, ok := raw[prop]
		if !ok || strings.TrimSpace(v) == "" {
			return
		}
		st, err := formats.ParseStrategy(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("invalid value %q for property %s: %v", v, prop, err))
			return
		}
		*dst = st
	}
	boolean("confluent.key.schema.validation", &s.Key.Validate)
	boolean("confluent.value.schema.validation", &s.Value.Validate)
	strategy("confluent.key.subject.name.strategy", &s.Key.Strategy)
	strategy("confluent.value.subject.name.strategy", &s.Value.Strategy)
	var deep bool
	boolean("confluent.payload.validation", &deep)
	s.Key.Deep, s.Value.Deep = deep, deep
	return s, errors.Join(errs...)
}
