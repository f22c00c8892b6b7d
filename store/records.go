package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/jackson"
)

// Key types of the `_schemas` topic (Confluent's SchemaRegistryKeyType).
const (
	keySchema        = "SCHEMA"
	keyConfig        = "CONFIG"
	keyMode          = "MODE"
	keyNoop          = "NOOP"
	keyDeleteSubject = "DELETE_SUBJECT"
	keyClearSubject  = "CLEAR_SUBJECT"
	keyContext       = "CONTEXT"
	keyAssoc         = "ASSOC"
)

// recordKey is the semantic content of a record key. Subject "" is the
// global scope of CONFIG and MODE keys (written with no subject, read also
// from the legacy `"subject":null` form).
type recordKey struct {
	Type    string
	Subject string
	Version int
	Magic   int
}

// bytes renders the key byte-identical to Confluent's current Java writer:
// fixed field order, no spaces, empty subject omitted.
func (k recordKey) bytes() []byte {
	b := append(make([]byte, 0, 64+len(k.Subject)), `{"keytype":`...)
	b = jackson.AppendString(b, k.Type)
	switch k.Type {
	case keySchema:
		b = append(b, `,"subject":`...)
		b = jackson.AppendString(b, k.Subject)
		b = append(b, `,"version":`...)
		b = strconv.AppendInt(b, int64(k.Version), 10)
		b = append(b, `,"magic":1}`...)
	case keyNoop:
		b = append(b, `,"magic":0}`...)
	case keyContext: // Subject holds the context
		b = append(b, `,"tenant":"default","context":`...)
		b = jackson.AppendString(b, k.Subject)
		b = append(b, `,"magic":0}`...)
	default:
		if k.Subject != "" {
			b = append(b, `,"subject":`...)
			b = jackson.AppendString(b, k.Subject)
		}
		b = append(b, `,"magic":0}`...)
	}
	return b
}

// rawKey is a record key as written.
type rawKey struct {
	Keytype string  `json:"keytype"`
	Subject *string `json:"subject"`
	Version int     `json:"version"`
	Magic   int     `json:"magic"`
	Context string  `json:"context"`
}

func parseKey(b []byte) (recordKey, error) {
	raw, ok := decodeKey(b)
	if !ok {
		raw = rawKey{}
		if err := json.Unmarshal(b, &raw); err != nil {
			return recordKey{}, fmt.Errorf("unreadable key: %w", err)
		}
	}
	k := recordKey{Type: raw.Keytype, Version: raw.Version, Magic: raw.Magic}
	if raw.Subject != nil {
		k.Subject = *raw.Subject
	}
	if k.Type == keyContext {
		k.Subject = raw.Context
	}
	switch k.Type {
	case keySchema:
		if k.Magic != 0 && k.Magic != 1 {
			return k, fmt.Errorf("can't deserialize schema for the magic byte %d", k.Magic)
		}
	case keyConfig, keyMode, keyNoop, keyDeleteSubject, keyClearSubject, keyContext, keyAssoc:
	default:
		return k, fmt.Errorf("unknown key type %q", k.Type)
	}
	return k, nil
}

// schemaValue is the value of a SCHEMA record.
type schemaValue struct {
	Subject    string              `json:"subject"`
	Version    int                 `json:"version"`
	ID         int                 `json:"id"`
	SchemaType formats.SchemaType  `json:"schemaType,omitempty"`
	References []formats.Reference `json:"references,omitempty"`
	Metadata   *formats.Metadata   `json:"metadata,omitempty"`
	RuleSet    *formats.RuleSet    `json:"ruleSet,omitempty"`
	Schema     string              `json:"schema"`
	Deleted    bool                `json:"deleted"`
}

// Config is a compatibility configuration of the global scope or a subject
// (Confluent's Config entity). Nil fields are unset.
type Config struct {
	Alias               *string           `json:"alias,omitempty"`
	AliasForDeks        *string           `json:"aliasForDeks,omitempty"`
	Normalize           *bool             `json:"normalize,omitempty"`
	ValidateFields      *bool             `json:"validateFields,omitempty"`
	ValidateNewSchemas  *bool             `json:"validateNewSchemas,omitempty"`
	ValidateRules       *bool             `json:"validateRules,omitempty"`
	CompatibilityLevel  *compat.Level     `json:"compatibilityLevel,omitempty"`
	CompatibilityPolicy *string           `json:"compatibilityPolicy,omitempty"`
	CompatibilityGroup  *string           `json:"compatibilityGroup,omitempty"`
	DefaultMetadata     *formats.Metadata `json:"defaultMetadata,omitempty"`
	OverrideMetadata    *formats.Metadata `json:"overrideMetadata,omitempty"`
	DefaultRuleSet      *formats.RuleSet  `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet     *formats.RuleSet  `json:"overrideRuleSet,omitempty"`
}

// configValue is the value of a CONFIG record: the subject, then the config.
type configValue struct {
	Subject *string `json:"subject,omitempty"`
	Config
}

type modeValue struct {
	Subject *string `json:"subject,omitempty"`
	Mode    Mode    `json:"mode"`
}

type deleteSubjectValue struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

type clearSubjectValue struct {
	Subject *string `json:"subject,omitempty"`
}

func marshal(v any) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only our own value types are marshalled
	}
	return []byte(strings.TrimSuffix(sb.String(), "\n"))
}

// schemaRecord is the SCHEMA record of a subject-version.
func schemaRecord(v schemaValue) Record {
	return Record{Key: recordKey{Type: keySchema, Subject: v.Subject, Version: v.Version}.bytes(), Value: marshal(v)}
}

// contextValue is the value of a CONTEXT record.
type contextValue struct {
	Tenant  string `json:"tenant"`
	Context string `json:"context"`
}

// contextRecord is the CONTEXT record Confluent writes the first time a
// context gets a schema.
func contextRecord(ctx string) Record {
	return Record{Key: recordKey{Type: keyContext, Subject: ctx}.bytes(), Value: marshal(contextValue{Tenant: "default", Context: ctx})}
}

// schemaTombstone is the tombstone of a subject-version.
func schemaTombstone(subject string, version int) Record {
	return Record{Key: recordKey{Type: keySchema, Subject: subject, Version: version}.bytes()}
}

// decodeConfigValue reads a CONFIG record value. A level that is none of
// Confluent's leaves the level unset (the default applies; unknownLevel is
// set) instead of dropping the other fields with it.
func decodeConfigValue(b []byte) (v configValue, unknownLevel bool, err error) {
	if err = json.Unmarshal(b, &v); err == nil || !errors.Is(err, compat.ErrInvalidLevel) {
		return v, false, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return configValue{}, false, err
	}
	delete(fields, "compatibilityLevel")
	v = configValue{}
	err = json.Unmarshal(marshal(fields), &v)
	return v, true, err
}

func optSubject(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
