package hook

import (
	"errors"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// ErrNotFound is the answer of a Source for an id or GUID that no schema has.
var ErrNotFound = errors.New("schema not found")

// ErrUnavailable wraps a Source's failure to answer at all (a registry that
// cannot be reached): the record may be valid, its producer should retry.
var ErrUnavailable = errors.New("schema source unavailable")

// Source is where a Validator reads the registry: the registry's own store
// in process (StoreSource), or a registry's REST API (a validating proxy's).
type Source interface {
	// Schema returns the parsed schema of id in context ("" for the default
	// one) and the subjects holding it, soft-deleted versions included. An
	// unknown id is an error wrapping ErrNotFound.
	Schema(context string, id int) (formats.Schema, []string, error)
	// IDOfGUID returns the id of the schema with that GUID in context, an
	// error wrapping ErrNotFound when none has it.
	IDOfGUID(context string, guid formats.Identity) (int, error)
}

// Revisioned is a Source whose answers change only when its revision does:
// the Validator caches them until then. A Source without it caches (or not)
// by itself.
type Revisioned interface {
	Revision() int64
}

// StoreSource is a Source over a registry in process.
type StoreSource struct{ Reg *store.Registry }

// Schema implements Source.
func (s StoreSource) Schema(context string, id int) (formats.Schema, []string, error) {
	sc, usages, err := s.Reg.Parsed(context, id)
	if err != nil {
		if e := store.AsError(err); e != nil && e.Code == store.CodeSchemaNotFound {
			return nil, nil, errors.Join(ErrNotFound, err)
		}
		return nil, nil, err
	}
	subjects := make([]string, len(usages))
	for i, u := range usages {
		subjects[i] = u.Subject
	}
	return sc, subjects, nil
}

// IDOfGUID implements Source.
func (s StoreSource) IDOfGUID(context string, guid formats.Identity) (int, error) {
	if id, ok := s.Reg.IDOfGUID(context, guid); ok {
		return id, nil
	}
	return 0, ErrNotFound
}

// Revision implements Revisioned.
func (s StoreSource) Revision() int64 { return s.Reg.Revision() }
