package store

import (
	"context"
)

// globalContext is the subject under which Confluent keeps the config and
// mode that apply to every context (the context ".__GLOBAL", written as a
// qualified subject, QualifiedSubject's GLOBAL_CONTEXT_NAME); the default
// context's own global ones ("") come before it.
const globalContext = ":.__GLOBAL:"

// defaults is the config of a registry with no config record: only the
// level.
func (s *Settings) defaults() Config {
	l := s.CompatibilityLevel
	return Config{CompatibilityLevel: &l}
}

// validateNew reports whether new schemas are validated strictly under a
// config: its validateNewSchemas, else schema.validate.new.schemas
// (Confluent's isSchemaNewSchemaValidationEnabled).
func (s *Settings) validateNew(cfg Config) bool {
	if cfg.ValidateNewSchemas != nil {
		return *cfg.ValidateNewSchemas
	}
	return s.ValidateNewSchemas
}

// effectiveConfig is the config that applies to a subject: its own merged
// over its context's (the global one for the default context), else that
// of every context (":.__GLOBAL:"), else the server default.
func (st *state) effectiveConfig(subject string, s *Settings) Config {
	def := s.defaults()
	scope := contextScope(subject) // the default context's global config does not apply to others
	global, ok := st.configs[scope]
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
	if subject == scope || !ok {
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
	return r.st.effectiveConfig(subject, &r.settings), nil
}

// UpdateConfig applies the body of a PUT /config to the config of a subject
// ("" = global) and returns the resulting config (decideConfigPut).
func (r *Registry) UpdateConfig(ctx context.Context, subject string, body []byte) (Config, error) {
	return commit(ctx, r, func(w *view) ([]Record, Config, error) { return w.decideConfigPut(subject, body) })
}

// DeleteConfig removes the config of a subject ("" = global) and returns
// the one that applied before (decideConfigDelete).
func (r *Registry) DeleteConfig(ctx context.Context, subject string) (Config, error) {
	return commit(ctx, r, func(w *view) ([]Record, Config, error) { return w.decideConfigDelete(subject) })
}

// GetMode returns the mode of a subject ("" = global). Without
// defaultToGlobal a subject with no mode of its own is 40409.
func (r *Registry) GetMode(subject string, defaultToGlobal bool) (Mode, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if subject != "" {
		if _, ok := r.st.modes[subject]; !ok && !defaultToGlobal {
			return "", errorf(CodeSubjectLevelModeNotFound, "Subject '%s' does not have subject-level mode configured", subject)
		}
	}
	return r.st.mode(subject), nil
}

// SetMode sets the mode of a subject ("" = global) (decideModePut).
func (r *Registry) SetMode(ctx context.Context, subject string, u ModeUpdate) (Mode, error) {
	return commit(ctx, r, func(w *view) ([]Record, Mode, error) { return w.decideModePut(subject, u) })
}

// DeleteMode removes the mode of a subject ("" = global; recursive also
// removes every subject's mode under it) and returns the mode that applied
// before (decideModeDelete).
func (r *Registry) DeleteMode(ctx context.Context, subject string, recursive bool) (Mode, error) {
	return commit(ctx, r, func(w *view) ([]Record, Mode, error) { return w.decideModeDelete(subject, recursive) })
}
