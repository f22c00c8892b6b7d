package main

import (
	"github.com/schemaregistry/registry/hook"
)

// hookSettings reads the validation hook's defaults from Confluent's topic
// config names (per request, the same names override them):
// confluent.key.schema.validation (false), confluent.value.schema.validation
// (true), confluent.key.subject.name.strategy and
// confluent.value.subject.name.strategy (TopicNameStrategy), and
// confluent.payload.validation (false; true decodes the payloads too). A blank value
// is an unset property; every bad value is reported, naming its property.
func hookSettings(raw map[string]string) (hook.Settings, error) {
	s := hook.DefaultSettings()
	err := s.Apply(raw)
	return s, err
}
