package main

import (
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
)

func TestHookSettings(t *testing.T) {
	s, err := hookSettings(map[string]string{})
	if err != nil || s.Key.Validate || !s.Value.Validate || s.Value.Strategy != formats.TopicNameStrategy || s.Value.Deep {
		t.Fatalf("defaults %+v %v", s, err)
	}
	s, err = hookSettings(map[string]string{
		"confluent.key.schema.validation":       "TRUE",
		"confluent.value.subject.name.strategy": "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy",
		"confluent.payload.validation":          "true",
	})
	if err != nil || !s.Key.Validate || s.Value.Strategy != formats.TopicRecordNameStrategy || !s.Key.Deep || !s.Value.Deep {
		t.Fatalf("%+v %v", s, err)
	}
	_, err = hookSettings(map[string]string{"confluent.key.subject.name.strategy": "Nope", "confluent.value.schema.validation": "yes"})
	if err == nil || !strings.Contains(err.Error(), "confluent.key.subject.name.strategy") || !strings.Contains(err.Error(), "confluent.value.schema.validation") {
		t.Fatalf("errors %v", err)
	}
}
