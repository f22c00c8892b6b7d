// Package exporter is Schema Linking: exporters that copy chosen subjects
// of this registry, with their ids and versions, into a context of another
// registry speaking the same API (Confluent Platform's schema exporters).
//
// Definitions and states are records of two logs of their own (on Kafka
// the topics exporter.config.topic and exporter.state.topic, Confluent's
// _exporter_configs and _exporter_states; embedded, file logs under the
// data directory), never in _schemas. The Runner copies, on the primary
// only; everything else here is the definitions' state and its rules.
package exporter

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/schemaregistry/registry/store"
)

// Error codes (Confluent's schema exporter errors).
const (
	CodeExporterNotFound      = 40450
	CodeExporterAlreadyExists = 40950
	CodeInvalidExporter       = 42250
)

// Context types: where the destination subjects go.
const (
	// ContextAuto prepends a context named after the source registry.
	ContextAuto = "AUTO"
	// ContextCustom prepends the exporter's own context.
	ContextCustom = "CUSTOM"
	// ContextNone keeps the source's contexts as they are.
	ContextNone = "NONE"
)

// States of an exporter.
const (
	StateStarting = "STARTING"
	StateRunning  = "RUNNING"
	StatePaused   = "PAUSED"
	StateError    = "ERROR"
)

// SubjectPlaceholder is the subject's name in a subjectRenameFormat.
const SubjectPlaceholder = "${subject}"

// Exporter is an exporter's definition, as POST /exporters takes it and
// GET /exporters/{name} answers it.
type Exporter struct {
	Name                string            `json:"name"`
	Subjects            []string          `json:"subjects"`
	SubjectRenameFormat string            `json:"subjectRenameFormat"`
	ContextType         string            `json:"contextType"`
	Context             string            `json:"context"`
	Config              map[string]string `json:"config"`
}

// Update is PUT /exporters/{name}: the fields given replace the
// definition's; Config entries are merged into its config.
type Update struct {
	Subjects            []string          `json:"subjects"`
	SubjectRenameFormat *string           `json:"subjectRenameFormat"`
	ContextType         *string           `json:"contextType"`
	Context             *string           `json:"context"`
	Config              map[string]string `json:"config"`
}

// Status is GET /exporters/{name}/status.
type Status struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Offset int64  `json:"offset"` // the source log's offset exported through; -1 before any
	TS     int64  `json:"ts"`     // when the state last changed, ms since the epoch
	Trace  string `json:"trace,omitempty"`
	// Resets counts PUT …/reset: the runner starts over when it moves.
	Resets int `json:"-"`
}

// URLProperty is the destination's address in an exporter's config.
const URLProperty = "schema.registry.url"

func invalid(format string, args ...any) *store.Error {
	e := &store.Error{Code: CodeInvalidExporter}
	e.Message = fmt.Sprintf(format, args...)
	return e
}

func notFound(name string) *store.Error {
	return &store.Error{Code: CodeExporterNotFound, Message: "Exporter '" + name + "' not found."}
}

// normalize fills the defaults Confluent fills and refuses what it
// refuses (42250).
func (e *Exporter) normalize() error {
	e.Name = strings.TrimSpace(e.Name)
	if e.Name == "" {
		return invalid("Missing or invalid exporter name")
	}
	if len(e.Name) > 256 || strings.IndexFunc(e.Name, func(r rune) bool { return unicode.IsControl(r) || r == '/' }) >= 0 {
		return invalid("Invalid exporter name '%s'", e.Name)
	}
	if len(e.Subjects) == 0 {
		e.Subjects = []string{"*"}
	}
	for _, s := range e.Subjects {
		if strings.TrimSpace(s) == "" {
			return invalid("Invalid subject in exporter subjects: empty")
		}
	}
	if e.SubjectRenameFormat == "" {
		e.SubjectRenameFormat = SubjectPlaceholder
	}
	if e.ContextType == "" {
		e.ContextType = ContextAuto
	}
	e.ContextType = strings.ToUpper(e.ContextType)
	switch e.ContextType {
	case ContextAuto, ContextNone:
		e.Context = ""
	case ContextCustom:
		c := strings.TrimSpace(e.Context)
		if c == "" || c == "." {
			return invalid("Missing context for contextType CUSTOM")
		}
		if !strings.HasPrefix(c, ".") {
			c = "." + c
		}
		if strings.ContainsAny(c, ":/") || strings.Contains(c, "..") {
			return invalid("Invalid context '%s'", e.Context)
		}
		e.Context = c
	default:
		return invalid("Invalid contextType '%s': AUTO, CUSTOM or NONE", e.ContextType)
	}
	if strings.TrimSpace(e.Config[URLProperty]) == "" {
		return invalid("Missing %s in the exporter config", URLProperty)
	}
	return nil
}

// Registry holds the exporters' definitions and states over their logs.
type Registry struct {
	configs, states store.Log
	secret          *encoder // nil: passwords stored as given
	logger          *slog.Logger
	writeMu         sync.Mutex // one write at a time: decide, append, apply
	mu              sync.RWMutex
	defs            map[string]*Exporter // as stored: passwords encrypted
	status          map[string]*Status
	changed         chan struct{} // closed at the next change
}

// Options are what a Registry needs besides its logs.
type Options struct {
	// PasswordSecret is password.encoder.secret: when set, the
	// passwords of exporter configs are stored encrypted with it.
	PasswordSecret string
	Logger         *slog.Logger
}

// Open replays both logs.
func Open(configs, states store.Log, o Options) (*Registry, error) {
	r := &Registry{configs: configs, states: states, logger: o.Logger, defs: map[string]*Exporter{},
		status: map[string]*Status{}, changed: make(chan struct{})}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	if o.PasswordSecret != "" {
		r.secret = newEncoder(o.PasswordSecret)
	}
	if err := configs.Open(r.applyConfig); err != nil {
		return nil, err
	}
	if err := states.Open(r.applyState); err != nil {
		configs.Close()
		return nil, err
	}
	return r, nil
}

// Close closes the logs.
func (r *Registry) Close() error {
	err := r.configs.Close()
	if err2 := r.states.Close(); err == nil {
		err = err2
	}
	return err
}

// Changed returns a channel closed at the next change of a definition or
// a state.
func (r *Registry) Changed() <-chan struct{} {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.changed
}

func (r *Registry) notify() { // under r.mu
	close(r.changed)
	r.changed = make(chan struct{})
}

// Records: keys name the exporter; values are the definition or the state.
type recordKey struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type stateValue struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Offset int64  `json:"offset"`
	TS     int64  `json:"ts"`
	Trace  string `json:"trace,omitempty"`
	Resets int    `json:"resets,omitempty"`
}

func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only plain structs
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func configRecord(name string, e *Exporter) store.Record {
	rec := store.Record{Key: marshal(recordKey{name, "EXPORTER_CONFIG"})}
	if e != nil {
		rec.Value = marshal(e)
	}
	return rec
}

func stateRecord(name string, s *Status) store.Record {
	rec := store.Record{Key: marshal(recordKey{name, "EXPORTER_STATE"})}
	if s != nil {
		rec.Value = marshal(stateValue{s.Name, s.State, s.Offset, s.TS, s.Trace, s.Resets})
	}
	return rec
}

func (r *Registry) applyConfig(rec store.Record) {
	var k recordKey
	if err := json.Unmarshal(rec.Key, &k); err != nil || k.Name == "" {
		r.logger.Warn("skipping an unreadable exporter config key", "offset", rec.Offset)
		return
	}
	var e *Exporter
	if rec.Value != nil {
		e = new(Exporter)
		if err := json.Unmarshal(rec.Value, e); err != nil {
			r.logger.Warn("skipping an unreadable exporter config", "offset", rec.Offset, "err", err)
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e == nil {
		delete(r.defs, k.Name)
	} else {
		r.defs[k.Name] = e
	}
	r.notify()
}

func (r *Registry) applyState(rec store.Record) {
	var k recordKey
	if err := json.Unmarshal(rec.Key, &k); err != nil || k.Name == "" {
		r.logger.Warn("skipping an unreadable exporter state key", "offset", rec.Offset)
		return
	}
	var s *Status
	if rec.Value != nil {
		var v stateValue
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			r.logger.Warn("skipping an unreadable exporter state", "offset", rec.Offset, "err", err)
			return
		}
		s = &Status{Name: k.Name, State: v.State, Offset: v.Offset, TS: v.TS, Trace: v.Trace, Resets: v.Resets}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s == nil {
		delete(r.status, k.Name)
	} else {
		r.status[k.Name] = s
	}
	r.notify()
}

// Names lists the exporters, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := slices.Sorted(maps.Keys(r.defs))
	if out == nil {
		out = []string{}
	}
	return out
}

// Get returns an exporter's definition, passwords decrypted.
func (r *Registry) Get(name string) (Exporter, error) {
	r.mu.RLock()
	e := r.defs[name]
	r.mu.RUnlock()
	if e == nil {
		return Exporter{}, notFound(name)
	}
	out := *e
	out.Subjects = slices.Clone(e.Subjects)
	out.Config = r.secret.decryptAll(e.Config)
	return out, nil
}

// Status returns an exporter's status.
func (r *Registry) Status(name string) (Status, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.defs[name] == nil {
		return Status{}, notFound(name)
	}
	if s := r.status[name]; s != nil {
		return *s, nil
	}
	return Status{Name: name, State: StateStarting, Offset: -1}, nil
}

// Config returns an exporter's config, passwords decrypted.
func (r *Registry) Config(name string) (map[string]string, error) {
	e, err := r.Get(name)
	if err != nil {
		return nil, err
	}
	return e.Config, nil
}

// write decides records under the write lock and appends them.
func (r *Registry) write(ctx context.Context, decide func() (configs, states []store.Record, err error)) error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	configs, states, err := decide()
	if err != nil {
		return err
	}
	if len(configs) > 0 {
		if err := r.configs.Append(ctx, configs); err != nil {
			return err
		}
	}
	if len(states) > 0 {
		if err := r.states.Append(ctx, states); err != nil {
			return err
		}
	}
	return nil
}

func now() int64 { return time.Now().UnixMilli() }

// Create adds an exporter (40950 if the name is taken); it starts
// running.
func (r *Registry) Create(ctx context.Context, e Exporter) (string, error) {
	if err := e.normalize(); err != nil {
		return "", err
	}
	err := r.write(ctx, func() ([]store.Record, []store.Record, error) {
		r.mu.RLock()
		taken := r.defs[e.Name] != nil
		r.mu.RUnlock()
		if taken {
			return nil, nil, &store.Error{Code: CodeExporterAlreadyExists, Message: "Exporter '" + e.Name + "' already exists."}
		}
		stored := e
		stored.Config = r.secret.encryptAll(e.Config)
		return []store.Record{configRecord(e.Name, &stored)},
			[]store.Record{stateRecord(e.Name, &Status{Name: e.Name, State: StateStarting, Offset: -1, TS: now()})}, nil
	})
	return e.Name, err
}

// Update changes an exporter's definition; its copy starts over from its
// position with the new definition.
func (r *Registry) Update(ctx context.Context, name string, u Update) (string, error) {
	return name, r.write(ctx, func() ([]store.Record, []store.Record, error) {
		e, err := r.Get(name)
		if err != nil {
			return nil, nil, err
		}
		if u.Subjects != nil {
			e.Subjects = u.Subjects
		}
		if u.SubjectRenameFormat != nil {
			e.SubjectRenameFormat = *u.SubjectRenameFormat
		}
		if u.ContextType != nil {
			e.ContextType = *u.ContextType
		}
		if u.Context != nil {
			e.Context = *u.Context
		}
		if e.Config == nil {
			e.Config = map[string]string{}
		}
		maps.Copy(e.Config, u.Config)
		if err := e.normalize(); err != nil {
			return nil, nil, err
		}
		e.Config = r.secret.encryptAll(e.Config)
		return []store.Record{configRecord(name, &e)}, nil, nil
	})
}

// UpdateConfig merges entries into an exporter's config.
func (r *Registry) UpdateConfig(ctx context.Context, name string, config map[string]string) (string, error) {
	return r.Update(ctx, name, Update{Config: config})
}

// Delete removes an exporter and its state.
func (r *Registry) Delete(ctx context.Context, name string) error {
	return r.write(ctx, func() ([]store.Record, []store.Record, error) {
		if _, err := r.Get(name); err != nil {
			return nil, nil, err
		}
		return []store.Record{configRecord(name, nil)}, []store.Record{stateRecord(name, nil)}, nil
	})
}

// changeState writes an exporter's state as change makes it.
func (r *Registry) changeState(ctx context.Context, name string, change func(s *Status)) (string, error) {
	return name, r.write(ctx, func() ([]store.Record, []store.Record, error) {
		s, err := r.Status(name)
		if err != nil {
			return nil, nil, err
		}
		before := s
		change(&s)
		if s == before {
			return nil, nil, nil
		}
		if s.State != before.State {
			s.TS = now()
		}
		return nil, []store.Record{stateRecord(name, &s)}, nil
	})
}

// Pause stops an exporter's copy where it is.
func (r *Registry) Pause(ctx context.Context, name string) (string, error) {
	return r.changeState(ctx, name, func(s *Status) { s.State, s.Trace = StatePaused, "" })
}

// Resume restarts a paused exporter's copy where it stopped.
func (r *Registry) Resume(ctx context.Context, name string) (string, error) {
	return r.changeState(ctx, name, func(s *Status) {
		if s.State == StatePaused {
			s.State = StateStarting
		}
	})
}

// Reset starts an exporter's copy over from the start of the source.
func (r *Registry) Reset(ctx context.Context, name string) (string, error) {
	return r.changeState(ctx, name, func(s *Status) { s.Offset, s.Resets, s.Trace = -1, s.Resets+1, "" })
}

// progress records where the runner is: the state, offset and last error
// of an exporter that is not paused (a pause written meanwhile wins).
func (r *Registry) progress(ctx context.Context, name string, resets int, state string, offset int64, trace string) error {
	_, err := r.changeState(ctx, name, func(s *Status) {
		if s.State == StatePaused || s.Resets != resets {
			return
		}
		s.State, s.Offset, s.Trace = state, offset, trace
	})
	return err
}

// stored returns the definitions and states of every exporter.
func (r *Registry) snapshot() map[string]Status {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := map[string]Status{}
	for name := range r.defs {
		s := Status{Name: name, State: StateStarting, Offset: -1}
		if st := r.status[name]; st != nil {
			s = *st
		}
		out[name] = s
	}
	return out
}
