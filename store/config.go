package store

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"

	"github.com/schemaregistry/registry/compat"
)

// globalContext is the subject of the config and mode that apply to every
// context, below the default context's own global ones.
const globalContext = ":.__GLOBAL:"

// Modes.
const (
	ModeReadWrite        = "READWRITE"
	ModeReadOnly         = "READONLY"
	ModeReadOnlyOverride = "READONLY_OVERRIDE"
	ModeImport           = "IMPORT"
	ModeForward          = "FORWARD"
)

func errInvalidLevel() *Error {
	return errorf(CodeInvalidCompatibilityLevel, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
}

// defaultConfig is the server default: only the level.
func (r *Registry) defaultConfig() Config {
	l := r.settings.CompatibilityLevel
	return Config{CompatibilityLevel: &l}
}

// effectiveConfig is the config that applies to a subject: its own merged
// over the global one, the global one, or the server default.
func (st *state) effectiveConfig(subject string, def Config) Config {
	global, ok := st.configs[""]
	if !ok {
		global, ok = st.configs[globalContext] // applies to every context
	}
	if !ok {
		global = def
	}
	if global.CompatibilityLevel == nil {
		global.CompatibilityLevel = def.CompatibilityLevel
	}
	sub, ok := st.configs[subject]
	if subject == "" || !ok {
		return global
	}
	return mergeConfig(global, sub, def)
}

// mergeConfig lays the subject config over the global one field by field;
// the level comes from the subject, or the server default.
// Every field is a pointer, nil when unset; the values are shared, never
// changed in place.
func mergeConfig(global, sub, def Config) Config {
	out := global
	over(&out.Alias, sub.Alias)
	over(&out.AliasForDeks, sub.AliasForDeks)
	over(&out.Normalize, sub.Normalize)
	over(&out.ValidateFields, sub.ValidateFields)
	over(&out.ValidateNewSchemas, sub.ValidateNewSchemas)
	over(&out.ValidateRules, sub.ValidateRules)
	over(&out.CompatibilityPolicy, sub.CompatibilityPolicy)
	over(&out.CompatibilityGroup, sub.CompatibilityGroup)
	over(&out.DefaultMetadata, sub.DefaultMetadata)
	over(&out.OverrideMetadata, sub.OverrideMetadata)
	over(&out.DefaultRuleSet, sub.DefaultRuleSet)
	over(&out.OverrideRuleSet, sub.OverrideRuleSet)
	out.CompatibilityLevel = sub.CompatibilityLevel
	if out.CompatibilityLevel == nil {
		out.CompatibilityLevel = def.CompatibilityLevel
	}
	return out
}

func over[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

func jsonFields(c Config) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	_ = json.Unmarshal(marshal(c), &m)
	return m
}

// level returns the effective compatibility level of a subject.
func (st *state) level(subject string, def Config) string {
	return *st.effectiveConfig(subject, def).CompatibilityLevel
}

// GetConfig returns the config of a subject ("" = global). Without
// defaultToGlobal a subject with no config of its own is 40408.
func (r *Registry) GetConfig(subject string, defaultToGlobal bool) (Config, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if subject != "" {
		if _, ok := r.st.configs[subject]; !ok && !defaultToGlobal {
			return Config{}, errorf(CodeSubjectLevelCompatNotFound, "Subject '%s' does not have subject-level compatibility configured", subject)
		}
	}
	return r.st.effectiveConfig(subject, r.defaultConfig()), nil
}

// UpdateConfig applies a ConfigUpdateRequest body (tri-state fields: absent
// keeps, null clears, a value sets; the level is named "compatibility") to the
// config of a subject ("" = global) and returns the resulting config.
func (r *Registry) UpdateConfig(ctx context.Context, subject string, body []byte) (Config, error) {
	if err := r.validSubject(subject, false); err != nil {
		return Config{}, err
	}
	var update map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&update); err != nil || update == nil {
		return Config{}, errorf(422, "Unrecognized config update: expected a JSON object")
	}
	if err := r.lockWrite(ctx); err != nil {
		return Config{}, err
	}
	defer r.unlockWrite()
	r.mu.RLock()
	current, ok := r.st.configs[subject]
	r.mu.RUnlock()
	fields := map[string]json.RawMessage{}
	if ok {
		fields = jsonFields(current)
	}
	for k, v := range update {
		if k == "compatibility" || k == "compatibilityLevel" {
			k = "compatibilityLevel"
			var s *string
			if err := json.Unmarshal(v, &s); err != nil {
				return Config{}, errInvalidLevel()
			}
			if s != nil {
				l, ok := compat.Level(*s)
				if !ok {
					return Config{}, errInvalidLevel()
				}
				v = marshal(l)
			}
		}
		if k == "compatibilityPolicy" {
			var s *string
			if json.Unmarshal(v, &s) != nil || (s != nil && !validPolicy(*s)) {
				return Config{}, errorf(422, "Invalid compatibility policy. Valid values are STRICT, LENIENT and LOGICAL")
			}
			if s != nil {
				v = marshal(strings.ToUpper(*s))
			}
		}
		if string(v) == "null" {
			delete(fields, k)
		} else {
			fields[k] = v
		}
	}
	var next Config
	if err := json.Unmarshal(marshal(fields), &next); err != nil {
		return Config{}, errorf(422, "Invalid config: %v", err)
	}
	if err := validateRuleSet(next.DefaultRuleSet); err != nil {
		return Config{}, err
	}
	if err := validateRuleSet(next.OverrideRuleSet); err != nil {
		return Config{}, err
	}
	rec := Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes(),
		Value: marshal(configValue{Subject: optSubject(subject), Config: next})}
	if err := r.append(ctx, rec); err != nil {
		return Config{}, err
	}
	return next, nil
}

func validPolicy(s string) bool {
	switch strings.ToUpper(s) {
	case "STRICT", "LENIENT", "LOGICAL":
		return true
	}
	return false
}

// DeleteConfig removes the config of a subject ("" = global) and returns
// the one that applied before.
func (r *Registry) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	if err := r.lockWrite(ctx); err != nil {
		return Config{}, err
	}
	defer r.unlockWrite()
	r.mu.RLock()
	_, ok := r.st.configs[subject]
	prev := r.st.effectiveConfig(subject, r.defaultConfig())
	r.mu.RUnlock()
	if !ok {
		if subject != "" {
			return Config{}, errSubjectNotFound(subject)
		}
		return prev, nil
	}
	rec := Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes()}
	if err := r.append(ctx, rec); err != nil {
		return Config{}, err
	}
	return prev, nil
}

// mode returns the mode that applies to a subject.
func (st *state) mode(subject string) string {
	if m, ok := st.modes[subject]; ok {
		return m
	}
	if m, ok := st.modes[""]; ok {
		return m
	}
	if m, ok := st.modes[globalContext]; ok {
		return m
	}
	return ModeReadWrite
}

// GetMode returns the mode of a subject ("" = global). Without
// defaultToGlobal a subject with no mode of its own is 40409.
func (r *Registry) GetMode(subject string, defaultToGlobal bool) (string, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if subject != "" {
		if _, ok := r.st.modes[subject]; !ok && !defaultToGlobal {
			return "", errorf(CodeSubjectLevelModeNotFound, "Subject '%s' does not have subject-level mode configured", subject)
		}
	}
	return r.st.mode(subject), nil
}

// SetMode sets the mode of a subject ("" = global). Switching to IMPORT
// needs no live subject in scope unless forced; it then drops the
// soft-deleted versions left.
func (r *Registry) SetMode(ctx context.Context, subject, mode string, force bool) (string, error) {
	m := strings.ToUpper(strings.TrimSpace(mode))
	switch m {
	case ModeReadWrite, ModeReadOnly, ModeReadOnlyOverride, ModeImport:
	case ModeForward:
		if subject != globalContext {
			return "", errorf(CodeInvalidMode, "Forward mode only supported on global level")
		}
	default:
		return "", errorf(CodeInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.")
	}
	if !r.settings.ModeMutability {
		return "", errorf(CodeOperationNotPermitted, "Mode changes are not allowed")
	}
	if err := r.validSubject(subject, false); err != nil {
		return "", err
	}
	if err := r.lockWrite(ctx); err != nil {
		return "", err
	}
	defer r.unlockWrite()
	recs := []Record{{Key: recordKey{Type: keyMode, Subject: subject}.bytes(),
		Value: marshal(modeValue{Subject: optSubject(subject), Mode: m})}}
	if m == ModeImport && !force {
		r.mu.RLock()
		current := r.st.mode(subject)
		live := false
		for name, s := range r.st.subjects {
			if (subject == "" || name == subject) && s.latest(false) != nil {
				live = true
			}
		}
		r.mu.RUnlock()
		if current != ModeImport && live {
			return "", errorf(CodeOperationNotPermitted, "Cannot import since found existing subjects")
		}
		recs = append(recs, Record{Key: recordKey{Type: keyClearSubject, Subject: subject}.bytes(),
			Value: marshal(clearSubjectValue{Subject: optSubject(subject)})})
	}
	if err := r.append(ctx, recs...); err != nil {
		return "", err
	}
	return m, nil
}

// DeleteMode removes the mode of a subject ("" = global; recursive also
// removes every subject's mode) and returns the mode that applied before.
func (r *Registry) DeleteMode(ctx context.Context, subject string, recursive bool) (string, error) {
	if !r.settings.ModeMutability {
		return "", errorf(CodeOperationNotPermitted, "Mode changes are not allowed")
	}
	if err := r.lockWrite(ctx); err != nil {
		return "", err
	}
	defer r.unlockWrite()
	r.mu.RLock()
	prev := r.st.mode(subject)
	_, has := r.st.modes[subject]
	var recs []Record
	if has {
		recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: subject}.bytes()})
	}
	if recursive {
		for name := range r.st.modes {
			if name != "" && name != subject && (subject == "" || strings.HasPrefix(name, subject)) {
				recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: name}.bytes()})
			}
		}
	}
	r.mu.RUnlock()
	if subject != "" && !has && !recursive {
		return "", errSubjectNotFound(subject)
	}
	if len(recs) > 0 {
		if err := r.append(ctx, recs...); err != nil {
			return "", err
		}
	}
	return prev, nil
}
