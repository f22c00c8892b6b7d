package dek

import (
	"context"
	"maps"
	"math"
	"sort"
	"strings"

	"github.com/schemaregistry/registry/store"
)

// Reads.

func (r *Registry) kek(name string, deleted bool) (*KEK, error) {
	k := r.keks[name]
	if k == nil || k.Deleted && !deleted {
		return nil, errNotFound(name)
	}
	return k, nil
}

// KEKs lists KEK names in order; with subject prefixes, the KEKs of the DEKs
// whose subjects start with one of them.
func (r *Registry) KEKs(prefixes []string, deleted bool) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := map[string]bool{}
	if len(prefixes) == 0 {
		for n, k := range r.keks {
			if !k.Deleted || deleted {
				names[n] = true
			}
		}
		return sorted(names)
	}
	for _, d := range r.deks {
		if d.Deleted && !deleted {
			continue
		}
		for _, p := range prefixes {
			if strings.HasPrefix(d.Subject, p) {
				names[d.KekName] = true
			}
		}
	}
	return sorted(names)
}

// KEK returns a KEK.
func (r *Registry) KEK(name string, deleted bool) (KEK, error) {
	if err := checkName(name); err != nil {
		return KEK{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, err := r.kek(name, deleted)
	if err != nil {
		return KEK{}, err
	}
	return *k, nil
}

// Subjects lists the subjects with DEKs under a KEK.
func (r *Registry) Subjects(kek string, deleted bool) ([]string, error) {
	if err := checkName(kek); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, err := r.kek(kek, deleted); err != nil {
		return nil, err
	}
	subjects := map[string]bool{}
	for id, d := range r.deks {
		if id.kek == kek && (!d.Deleted || deleted) {
			subjects[d.Subject] = true
		}
	}
	return sorted(subjects), nil
}

// versions lists the DEKs of (kek, subject, algorithm) in version order,
// versions 1 and up.
func (r *Registry) versions(kek, subject, algorithm string, deleted bool) []*DEK {
	subject = store.NormalizeSubject(subject)
	var out []*DEK
	for id, d := range r.deks {
		if id.kek == kek && id.subject == subject && id.algorithm == algorithm && id.version >= 1 && id.version < math.MaxInt32 && (!d.Deleted || deleted) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// Versions lists the version numbers of a DEK.
func (r *Registry) Versions(kek, subject, algorithm string, deleted bool) ([]int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, err := r.kek(kek, deleted); err != nil {
		return nil, err
	}
	out := []int{}
	for _, d := range r.versions(kek, subject, algorithm, deleted) {
		out = append(out, d.Version)
	}
	return out, nil
}

// DEK returns a DEK: version -1 is the latest (never decrypted), 1 what a
// read without a version gets.
func (r *Registry) DEK(kek, subject, algorithm string, version int, deleted bool) (DEK, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k, err := r.kek(kek, deleted)
	if err != nil {
		return DEK{}, err
	}
	var d *DEK
	if version == -1 {
		if vs := r.versions(kek, subject, algorithm, deleted); len(vs) > 0 {
			d = vs[len(vs)-1]
		}
	} else if x := r.deks[dekID{kek, store.NormalizeSubject(subject), algorithm, version}]; x != nil && (!x.Deleted || deleted) {
		d = x
	}
	if d == nil {
		return DEK{}, errNotFound(subject)
	}
	if k.Shared && version != -1 {
		return DEK{}, noKMS("raw", subject, k)
	}
	return *d, nil
}

// noKMS is the answer where a KMS is needed: there is none here.
func noKMS(what, subject string, k *KEK) error {
	return errorf(CodeDekGenerationError, "Could not generate %s dek for %s: No KMS driver supports: %s://%s", what, subject, k.KmsType, k.KmsKeyID)
}

// Writes. Each decides on the state under the write lock and appends its
// records; nothing is written when a check fails.

// CreateKEKRequest is the body of POST /keks.
type CreateKEKRequest struct {
	Name     string            `json:"name"`
	KmsType  *string           `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps"`
	Doc      *string           `json:"doc"`
	Shared   bool              `json:"shared"`
	Deleted  bool              `json:"deleted"`
}

// CreateKEK creates a KEK (or, given an equivalent one deleted or not,
// changes only its deleted flag, as Confluent does).
func (r *Registry) CreateKEK(ctx context.Context, req CreateKEKRequest) (KEK, error) {
	if err := checkName(req.Name); err != nil {
		return KEK{}, err
	}
	if req.KmsKeyID == "" {
		return KEK{}, errInvalid("kmsKeyId")
	}
	if req.KmsType == nil {
		return KEK{}, errInvalid("kmsType")
	}
	if re := kmsKeyIDFormats[*req.KmsType]; re != nil && !re.MatchString(req.KmsKeyID) {
		return KEK{}, errInvalid("kmsKeyId")
	}
	props := req.KmsProps
	if props == nil {
		props = map[string]string{}
	}
	next := &KEK{Name: req.Name, KmsType: normalizeKmsType(*req.KmsType), KmsKeyID: req.KmsKeyID, KmsProps: props,
		Doc: req.Doc, Shared: req.Shared, Deleted: req.Deleted}
	err := r.write(ctx, func() ([]store.Record, error) {
		r.mu.RLock()
		defer r.mu.RUnlock()
		if len(r.keks) > r.maxKeys {
			return nil, errorf(CodeTooManyKeys, "A maximum of %d keys already exist", r.maxKeys)
		}
		if old := r.keks[req.Name]; old != nil && (old.Deleted == req.Deleted || !sameKEK(old, next)) {
			return nil, errorf(CodeAlreadyExists, "Key '%s' already exists; use a different value", req.Name)
		}
		return []store.Record{kekRecord(next)}, nil
	})
	if err != nil {
		return KEK{}, err
	}
	return r.KEK(req.Name, true)
}

func sameKEK(a, b *KEK) bool {
	return a.Name == b.Name && a.KmsType == b.KmsType && a.KmsKeyID == b.KmsKeyID && maps.Equal(a.KmsProps, b.KmsProps) &&
		(a.Doc == nil) == (b.Doc == nil) && (a.Doc == nil || *a.Doc == *b.Doc) && a.Shared == b.Shared
}

// UpdateKEK is the body of PUT /keks/{name}: each field absent (nil),
// or given; Doc and KmsProps may be given as JSON null (Set* true, value
// nil).
type UpdateKEK struct {
	KmsProps    map[string]string
	SetKmsProps bool
	Doc         *string
	SetDoc      bool
	Shared      *bool
}

// UpdateKEK changes a live KEK's kmsProps, doc or shared flag; a change to
// nothing writes nothing.
func (r *Registry) UpdateKEK(ctx context.Context, name string, u UpdateKEK) (KEK, error) {
	err := r.onKEK(ctx, name, false, func(old *KEK) ([]store.Record, error) {
		next := *old
		if u.SetKmsProps {
			next.KmsProps = u.KmsProps
			if next.KmsProps == nil {
				next.KmsProps = map[string]string{}
			}
		}
		if u.SetDoc {
			next.Doc = u.Doc
		}
		if u.Shared != nil {
			next.Shared = *u.Shared
		}
		if sameKEK(old, &next) {
			return nil, nil
		}
		return []store.Record{kekRecord(&next)}, nil
	})
	if err != nil {
		return KEK{}, err
	}
	return r.KEK(name, false)
}

// DeleteKEK soft-deletes a KEK, or permanently deletes a soft-deleted one;
// refused while DEKs use it (live ones for a soft delete, any for a
// permanent one).
func (r *Registry) DeleteKEK(ctx context.Context, name string, permanent bool) error {
	return r.onKEK(ctx, name, true, func(k *KEK) ([]store.Record, error) {
		for id, d := range r.deks {
			if id.kek == name && (!d.Deleted || permanent) {
				return nil, errorf(CodeReferenceExists, "One or more references exist to the key '%s'", name)
			}
		}
		switch {
		case permanent && !k.Deleted:
			return nil, errorf(CodeKeyNotSoftDeleted, "Key '%s' was not deleted first before being permanently deleted", name)
		case permanent:
			return []store.Record{kekTombstone(name)}, nil
		case k.Deleted:
			return nil, nil
		}
		next := *k
		next.Deleted = true
		return []store.Record{kekRecord(&next)}, nil
	})
}

// onKEK decides a write on a KEK (soft-deleted ones with deleted), under
// the write lock.
func (r *Registry) onKEK(ctx context.Context, name string, deleted bool, decide func(k *KEK) ([]store.Record, error)) error {
	if err := checkName(name); err != nil {
		return err
	}
	return r.write(ctx, func() ([]store.Record, error) {
		r.mu.RLock()
		defer r.mu.RUnlock()
		k, err := r.kek(name, deleted)
		if err != nil {
			return nil, err
		}
		return decide(k)
	})
}

// UndeleteKEK undeletes a soft-deleted KEK.
func (r *Registry) UndeleteKEK(ctx context.Context, name string) error {
	return r.onKEK(ctx, name, true, func(k *KEK) ([]store.Record, error) {
		if !k.Deleted {
			return nil, nil
		}
		next := *k
		next.Deleted = false
		return []store.Record{kekRecord(&next)}, nil
	})
}

// CreateDEKRequest is the body of POST /keks/{name}/deks.
type CreateDEKRequest struct {
	Subject              string  `json:"subject"`
	Version              *int    `json:"version"`
	Algorithm            string  `json:"algorithm"`
	EncryptedKeyMaterial *string `json:"encryptedKeyMaterial"`
	Deleted              bool    `json:"deleted"`
}

// CreateDEK stores a DEK its client encrypted with the KEK.
func (r *Registry) CreateDEK(ctx context.Context, kek string, req CreateDEKRequest) (DEK, error) {
	if err := checkName(kek); err != nil {
		return DEK{}, err
	}
	if err := checkSubject(req.Subject); err != nil {
		return DEK{}, err
	}
	alg, ok := Algorithm(req.Algorithm)
	if !ok {
		return DEK{}, errorf(400, "Cannot deserialize value of type `DekFormat` from String \"%s\": not one of the values accepted for Enum class: [AES128_GCM, AES256_SIV, AES256_GCM]", req.Algorithm)
	}
	version := 1
	if req.Version != nil {
		version = *req.Version
	}
	next := &DEK{KekName: kek, Subject: req.Subject, Version: version, Algorithm: alg, EncryptedKeyMaterial: req.EncryptedKeyMaterial, Deleted: req.Deleted}
	id := dekID{kek, store.NormalizeSubject(req.Subject), alg, version}
	err := r.write(ctx, func() ([]store.Record, error) {
		r.mu.RLock()
		defer r.mu.RUnlock()
		k, err := r.kek(kek, req.Deleted)
		if err != nil {
			return nil, err
		}
		if len(r.deks) > r.maxKeys {
			return nil, errorf(CodeTooManyKeys, "A maximum of %d keys already exist", r.maxKeys)
		}
		if req.EncryptedKeyMaterial == nil {
			if k.Shared {
				return nil, noKMS("encrypted", req.Subject, k)
			}
			return nil, errInvalid("encryptedKeyMaterial")
		}
		if old := r.deks[id]; old != nil && (old.Deleted == req.Deleted || !sameDEK(old, next)) {
			return nil, errorf(CodeAlreadyExists, "Key '%s' already exists; use a different value", req.Subject)
		}
		return []store.Record{dekRecord(next)}, nil
	})
	if err != nil {
		return DEK{}, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	d := r.deks[id]
	if d == nil {
		return DEK{}, errNotFound(req.Subject)
	}
	if k := r.keks[kek]; k != nil && k.Shared {
		return DEK{}, noKMS("raw", req.Subject, k) // written, as Confluent's: the answer needs the KMS
	}
	return *d, nil
}

func sameDEK(a, b *DEK) bool {
	return a.KekName == b.KekName && store.NormalizeSubject(a.Subject) == store.NormalizeSubject(b.Subject) && a.Algorithm == b.Algorithm &&
		a.Version == b.Version && (a.EncryptedKeyMaterial == nil) == (b.EncryptedKeyMaterial == nil) &&
		(a.EncryptedKeyMaterial == nil || *a.EncryptedKeyMaterial == *b.EncryptedKeyMaterial)
}

// DeleteDEK soft-deletes the versions of a DEK (one with version > 0, all
// with 0; latest, -1, does nothing), or permanently deletes soft-deleted
// ones.
func (r *Registry) DeleteDEK(ctx context.Context, kek, subject, algorithm string, version int, permanent bool) error {
	return r.changeDEK(ctx, "deleting", kek, subject, algorithm, version, func(vs []*DEK) ([]store.Record, error) {
		var recs []store.Record
		for _, d := range vs {
			switch {
			case permanent && !d.Deleted:
				return nil, errorf(CodeKeyNotSoftDeleted, "Key '%s' was not deleted first before being permanently deleted", subject)
			case permanent:
				recs = append(recs, dekTombstone(d))
			case !d.Deleted:
				next := *d
				next.Deleted = true
				recs = append(recs, dekRecord(&next))
			}
		}
		return recs, nil
	})
}

// UndeleteDEK undeletes the soft-deleted versions of a DEK; its KEK must be
// live.
func (r *Registry) UndeleteDEK(ctx context.Context, kek, subject, algorithm string, version int) error {
	return r.changeDEK(ctx, "undeleting", kek, subject, algorithm, version, func(vs []*DEK) ([]store.Record, error) {
		if r.keks[kek].Deleted {
			return nil, errorf(CodeKeySoftDeleted, "Key '%s' must be undeleted first", kek)
		}
		var recs []store.Record
		for _, d := range vs {
			if d.Deleted {
				next := *d
				next.Deleted = false
				recs = append(recs, dekRecord(&next))
			}
		}
		return recs, nil
	})
}

// changeDEK runs change on the versions of a DEK a delete or undelete
// names (deleted ones included): all with version 0, one with a number,
// none with -1 (latest: Confluent's no-op).
func (r *Registry) changeDEK(ctx context.Context, what, kek, subject, algorithm string, version int, change func([]*DEK) ([]store.Record, error)) error {
	if err := checkName(kek); err != nil { // the name first, as Confluent checks
		return err
	}
	if err := checkSubject(subject); err != nil {
		return err
	}
	return r.onKEK(ctx, kek, true, func(k *KEK) ([]store.Record, error) {
		all := r.versions(kek, subject, algorithm, true)
		if len(all) == 0 {
			return nil, errNotFound(subject)
		}
		var vs []*DEK
		switch {
		case version == 0:
			vs = all
		case version == -1:
			return nil, nil
		default:
			d := r.deks[dekID{kek, store.NormalizeSubject(subject), algorithm, version}]
			if d == nil {
				return nil, errNotFound(subject)
			}
			if k.Shared {
				return nil, errorf(500, "Error while %s key", what) // Confluent's: its lookup needs the KMS
			}
			vs = []*DEK{d}
		}
		return change(vs)
	})
}
