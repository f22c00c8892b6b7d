package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/formats/jsonschema"
	"github.com/schemaregistry/registry/formats/protobuf"
	"github.com/schemaregistry/registry/store"
)

// engine is this registry's store in memory: the offline checks run the
// same code as the server's, so they give its verdicts and messages.
type engine struct {
	reg *store.Registry
	ctx context.Context
}

func newEngine(ctx context.Context) (*engine, error) {
	fmts := []formats.Format{avro.Format{}, protobuf.Format{}, jsonschema.Format{}}
	reg, err := store.Open(store.NewMemoryLog(), fmts,
		store.Settings{ModeMutability: true, ValidateNewSchemas: true}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	return &engine{reg: reg, ctx: ctx}, nil
}

// request is the registration request of a file: its local references
// registered first (under their subjects), its registry references
// resolved to versions by resolve.
func (e *engine) request(f *schemaFile, resolve func(ref) (int, error)) (store.SchemaRequest, error) {
	// What comes from the registry keeps its ids: copied first, before
	// any local schema takes the next free id.
	if err := registryRefs(f, resolve, map[*schemaFile]bool{}); err != nil {
		return store.SchemaRequest{}, err
	}
	req := store.SchemaRequest{Schema: f.text, SchemaType: string(f.typ)}
	for _, r := range f.refs {
		version := r.version
		if r.file != nil {
			v, err := e.add(r.subject, r.file, resolve)
			if err != nil {
				return req, fmt.Errorf("%s: reference %s: %w", f.path, r.name, err)
			}
			version = v
		} else {
			v, err := resolve(r)
			if err != nil {
				return req, fmt.Errorf("%s: reference %s: %w", f.path, r.name, err)
			}
			version = v
		}
		req.References = append(req.References, formats.Reference{Name: r.name, Subject: r.subject, Version: version})
	}
	return req, nil
}

// add registers a file under subject without a compatibility check and
// returns its version.
func (e *engine) add(subject string, f *schemaFile, resolve func(ref) (int, error)) (int, error) {
	req, err := e.request(f, resolve)
	if err != nil {
		return 0, err
	}
	v, err := e.reg.Register(e.ctx, subject, req, store.RegisterOptions{Force: true})
	if err != nil {
		return 0, fmt.Errorf("%s: %s", f.path, store.AsError(err).Message)
	}
	return v.Version, nil
}

// parsed registers a file under subject and returns it parsed as the
// registry parses it, references resolved.
func (e *engine) parsed(subject string, f *schemaFile, resolve func(ref) (int, error)) (formats.Schema, error) {
	req, err := e.request(f, resolve)
	if err != nil {
		return nil, err
	}
	v, err := e.reg.Register(e.ctx, subject, req, store.RegisterOptions{Force: true})
	if err != nil {
		return nil, fmt.Errorf("%s: %s", f.path, store.AsError(err).Message)
	}
	s, _, err := e.reg.Parsed("", v.ID)
	return s, err
}

// check checks a file against the versions of subject at level.
func (e *engine) check(subject string, f *schemaFile, level compat.Level, normalize bool, resolve func(ref) (int, error)) (store.CompatibilityResult, error) {
	req, err := e.request(f, resolve)
	if err != nil {
		return store.CompatibilityResult{}, err
	}
	if _, err := e.reg.UpdateConfig(e.ctx, subject, fmt.Appendf(nil, `{"compatibility":%q}`, level)); err != nil {
		return store.CompatibilityResult{}, err
	}
	// Not verbose: a schema that does not parse is an error, not a verdict.
	res, err := e.reg.CheckCompatibility(subject, 0, req, normalize, false)
	if err != nil {
		return res, fmt.Errorf("%s: %s", f.path, store.AsError(err).Message)
	}
	return res, nil
}

// seed copies the live versions of a subject from a registry, with their
// ids, versions and references (seeded first), so that a check runs
// against what the registry holds.
func (e *engine) seed(cl *sr.Client, subject string, done map[string]bool) error {
	if done[subject] {
		return nil
	}
	done[subject] = true
	versions, err := cl.SubjectVersions(e.ctx, subject)
	if err != nil {
		if re, ok := apiError(err); ok && re.ErrorCode == 40401 {
			return nil // a new subject
		}
		return err
	}
	for _, v := range versions {
		if err := e.seedVersion(cl, subject, v, done); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) seedVersion(cl *sr.Client, subject string, version int, done map[string]bool) error {
	s, err := cl.SchemaByVersion(e.ctx, subject, version)
	if err != nil {
		return err
	}
	if _, err := e.reg.Version(subject, s.Version, store.IncludingDeleted); err == nil {
		return nil
	}
	for _, r := range s.References {
		if err := e.seedVersion(cl, r.Subject, r.Version, done); err != nil {
			return fmt.Errorf("reference %s of %s version %d: %w", r.Name, subject, version, err)
		}
	}
	if _, err := e.reg.SetMode(e.ctx, subject, store.ModeUpdate{Mode: store.ModeImport, Force: true}); err != nil {
		return err
	}
	req := store.SchemaRequest{Schema: s.Schema.Schema, SchemaType: s.Type.String(), ID: s.ID, Version: s.Version}
	for _, r := range s.References {
		req.References = append(req.References, formats.Reference{Name: r.Name, Subject: r.Subject, Version: r.Version})
	}
	if _, err := e.reg.Register(e.ctx, subject, req, store.RegisterOptions{Force: true}); err != nil {
		return fmt.Errorf("%s version %d from the registry: %s", subject, version, store.AsError(err).Message)
	}
	_, err = e.reg.DeleteMode(e.ctx, subject, false)
	return err
}

// registryRefs resolves every registry reference of a file and of its
// local references.
func registryRefs(f *schemaFile, resolve func(ref) (int, error), seen map[*schemaFile]bool) error {
	if seen[f] {
		return nil
	}
	seen[f] = true
	for _, r := range f.refs {
		if r.file != nil {
			if err := registryRefs(r.file, resolve, seen); err != nil {
				return err
			}
		} else if _, err := resolve(r); err != nil {
			return fmt.Errorf("%s: reference %s: %w", f.path, r.name, err)
		}
	}
	return nil
}
