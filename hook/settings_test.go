package hook

import (
	"errors"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/formats"
)

func TestSettingsSet(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        Settings
		err         string // part of the error, "" for none
	}{
		{KeyValidation, "true", Settings{Key: Side{Validate: true}, Value: Side{Validate: true}}, ""},
		{KeyValidation, " TRUE ", Settings{Key: Side{Validate: true}, Value: Side{Validate: true}}, ""},
		{ValueValidation, "False", Settings{}, ""},
		{KeyStrategy, "io.confluent.kafka.serializers.subject.RecordNameStrategy", Settings{Key: Side{Strategy: formats.RecordNameStrategy}, Value: Side{Validate: true}}, ""},
		{ValueStrategy, "topic_record", Settings{Value: Side{Validate: true, Strategy: formats.TopicRecordNameStrategy}}, ""},
		{PayloadValidation, "true", Settings{Key: Side{Deep: true}, Value: Side{Validate: true, Deep: true}}, ""},
		{ValueValidation, "yes", DefaultSettings(), `invalid value "yes" for property confluent.value.schema.validation: must be true or false`},
		{ValueValidation, "", DefaultSettings(), `invalid value "" for property confluent.value.schema.validation`},
		{KeyStrategy, "Nope", DefaultSettings(), `invalid value "Nope" for property confluent.key.subject.name.strategy: unknown subject name strategy "Nope"`},
		{PayloadValidation, "1", DefaultSettings(), `property confluent.payload.validation`},
		{"confluent.other", "true", DefaultSettings(), `unknown validation setting confluent.other`},
	} {
		s := DefaultSettings()
		err := s.Set(tc.name, tc.value)
		if s != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Set(%s, %q): %+v, %v; want %+v, %q", tc.name, tc.value, s, err, tc.want, tc.err)
		}
		var bad *SettingError
		if err != nil && tc.name != "confluent.other" && (!errors.As(err, &bad) || bad.Name != tc.name || bad.Value != tc.value) {
			t.Errorf("Set(%s, %q): %#v is not a SettingError naming the setting", tc.name, tc.value, err)
		}
	}
}

func TestSettingsApply(t *testing.T) {
	s := DefaultSettings()
	err := s.Apply(map[string]string{
		KeyValidation:         "true",
		ValueStrategy:         "RecordNameStrategy",
		KeyStrategy:           "  ", // blank: unset
		PayloadValidation:     "",
		"schema.registry.url": "http://localhost:8081", // not the hook's
	})
	want := Settings{Key: Side{Validate: true}, Value: Side{Validate: true, Strategy: formats.RecordNameStrategy}}
	if err != nil || s != want {
		t.Fatalf("%+v %v; want %+v", s, err, want)
	}
	// Every bad value is reported; the good ones are set.
	s = DefaultSettings()
	err = s.Apply(map[string]string{KeyStrategy: "Nope", ValueValidation: "yes", PayloadValidation: "true"})
	if err == nil || !strings.Contains(err.Error(), KeyStrategy) || !strings.Contains(err.Error(), ValueValidation) || !s.Value.Deep || !s.Value.Validate {
		t.Fatalf("%+v %v", s, err)
	}
}
