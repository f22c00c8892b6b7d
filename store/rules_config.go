package store

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"

	"github.com/schemaregistry/registry/compat"
)

// Confluent's config and mode rules (ConfigResource, ModeResource and
// KafkaSchemaRegistry.setMode / deleteMode), as decisions.

// decideConfigPut lays the body of a PUT /config (Confluent's
// ConfigUpdateRequest: each field tri-state, absent keeps, null clears, a
// value sets; the level named "compatibility", "compatibilityLevel" read
// too) over the subject's own config ("" = global) and answers the result,
// checking the subject (42208), the level (42203), the policy and the rule
// sets (42210).
func (w *view) decideConfigPut(subject string, body []byte) ([]Record, Config, error) {
	if err := validSubject(subject); err != nil {
		return nil, Config{}, err
	}
	var update map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&update); err != nil || update == nil {
		return nil, Config{}, errorf(CodeUnprocessable, "Unrecognized config update: expected a JSON object")
	}
	fields := map[string]json.RawMessage{}
	if current, ok := w.st.configs[subject]; ok {
		_ = json.Unmarshal(marshal(current), &fields) // our own value: no error
	}
	for k, v := range update {
		switch k {
		case "compatibility", "compatibilityLevel":
			k = "compatibilityLevel"
			var s *string
			if json.Unmarshal(v, &s) != nil {
				return nil, Config{}, errorf(CodeInvalidCompatibilityLevel, "%s", compat.ErrInvalidLevel)
			}
			if s != nil {
				l, err := compat.ParseLevel(*s)
				if err != nil {
					return nil, Config{}, errorf(CodeInvalidCompatibilityLevel, "%s", err)
				}
				v = marshal(l)
			}
		case "compatibilityPolicy":
			var s *string
			if json.Unmarshal(v, &s) != nil || (s != nil && !validPolicy(*s)) {
				return nil, Config{}, errorf(CodeUnprocessable, "Invalid compatibility policy. Valid values are STRICT, LENIENT and LOGICAL")
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
		return nil, Config{}, errorf(CodeUnprocessable, "Invalid config: %v", err)
	}
	if err := validateRuleSet(next.DefaultRuleSet); err != nil {
		return nil, Config{}, err
	}
	if err := validateRuleSet(next.OverrideRuleSet); err != nil {
		return nil, Config{}, err
	}
	rec := Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes(),
		Value: marshal(configValue{Subject: optSubject(subject), Config: next})}
	return []Record{rec}, next, nil
}

func validPolicy(s string) bool {
	switch strings.ToUpper(s) {
	case "STRICT", "LENIENT", "LOGICAL":
		return true
	}
	return false
}

// decideConfigDelete removes the config of a subject ("" = global) and
// answers the config that applied before. A subject without one is 40401;
// the global scope without one answers the defaults and writes nothing.
func (w *view) decideConfigDelete(subject string) ([]Record, Config, error) {
	_, ok := w.st.configs[subject]
	prev := w.st.effectiveConfig(subject, w.settings)
	if !ok {
		if subject != "" {
			return nil, Config{}, errSubjectNotFound(subject)
		}
		return nil, prev, nil
	}
	return []Record{{Key: recordKey{Type: keyConfig, Subject: subject}.bytes()}}, prev, nil
}

// ModeUpdate is a mode write: the mode, and whether to switch to IMPORT
// even with live subjects in scope (?force=true).
type ModeUpdate struct {
	Mode  Mode
	Force bool
}

// decideModePut sets the mode of a subject ("" = global). FORWARD is only
// for the global context. Switching to IMPORT needs no live subject in
// scope unless forced, and then drops the soft-deleted versions left (a
// CLEAR_SUBJECT record), so that imported versions do not meet them.
func (w *view) decideModePut(subject string, u ModeUpdate) ([]Record, Mode, error) {
	if u.Mode == ModeForward && subject != globalContext {
		return nil, "", errorf(CodeInvalidMode, "Forward mode only supported on global level")
	}
	if err := w.settings.checkModeMutable(); err != nil {
		return nil, "", err
	}
	if err := validSubject(subject); err != nil {
		return nil, "", err
	}
	recs := []Record{{Key: recordKey{Type: keyMode, Subject: subject}.bytes(),
		Value: marshal(modeValue{Subject: optSubject(subject), Mode: u.Mode})}}
	if u.Mode == ModeImport && !u.Force {
		if w.st.mode(subject) != ModeImport && w.st.hasSubject(subject, LiveOnly) {
			return nil, "", errorf(CodeOperationNotPermitted, "Cannot import since found existing subjects")
		}
		recs = append(recs, Record{Key: recordKey{Type: keyClearSubject, Subject: subject}.bytes(),
			Value: marshal(clearSubjectValue{Subject: optSubject(subject)})})
	}
	return recs, u.Mode, nil
}

// hasSubject reports whether a subject has a version seen; for a context
// (":.name:", ":.:" the default one), whether any subject of it has; for
// "", whether any subject of any context has (Confluent's
// matchingSubjectPredicate, the default context's null subject matching
// every one).
func (st *state) hasSubject(subject string, deleted Deleted) bool {
	if plainSubject(subject) != "" {
		_, err := st.subject(subject, deleted)
		return err == nil
	}
	f := contextFilter(subject)
	for name, s := range st.subjects {
		if f.match(name) && s.latest(deleted) != nil {
			return true
		}
	}
	return false
}

// decideModeDelete removes the mode of a subject ("" = global, ":.name:"
// a context's; recursive also removes the modes of the context's subjects,
// as Confluent's deleteModesForSubjectsUnderContext) and answers the mode
// that applied before. A subject without one is 40401 unless recursive.
func (w *view) decideModeDelete(subject string, recursive bool) ([]Record, Mode, error) {
	if err := w.settings.checkModeMutable(); err != nil {
		return nil, "", err
	}
	prev := w.st.mode(subject)
	_, has := w.st.modes[subject]
	if subject != "" && !has && !recursive {
		return nil, "", errSubjectNotFound(subject)
	}
	var recs []Record
	if has {
		recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: subject}.bytes()})
	}
	if recursive && plainSubject(subject) == "" {
		// A context's mode, recursively: its subjects' modes too.
		f := subjectFilter{context: contextOf(subject)}
		var under []string
		for name := range w.st.modes {
			if plainSubject(name) != "" && f.match(name) {
				under = append(under, name)
			}
		}
		sort.Strings(under)
		for _, name := range under {
			recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: name}.bytes()})
		}
	}
	return recs, prev, nil
}

// checkModeMutable refuses mode writes when mode.mutability is off.
func (s *Settings) checkModeMutable() error {
	if !s.ModeMutability {
		return errorf(CodeOperationNotPermitted, "Mode changes are not allowed")
	}
	return nil
}
