package store

import (
	"context"
)

func (st *state) checkWritable(subject string) error {
	if m := st.mode(subject); m == ModeReadOnly || m == ModeReadOnlyOverride {
		return errorf(CodeOperationNotPermitted, "Subject %s in context . is in read-only mode", subject)
	}
	return nil
}

func errReferenced(subject string, v int) *Error {
	return errorf(CodeReferenceExists, "One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, v)
}

// referenced reports whether another schema refers to subject-version v:
// live referrers only, or also soft-deleted ones (for permanent deletes).
// Referrers in the same subject are ignored when sameSubjectOK.
func (st *state) referenced(subject string, v int, withDeleted, sameSubjectOK bool) bool {
	for ref := range st.referrers[svKey{subject, v}] {
		if sameSubjectOK && ref.subject == subject {
			continue
		}
		if withDeleted || !ref.deleted {
			return true
		}
	}
	return false
}

// tombstoneSubjectSettings returns tombstones for a subject's config and
// mode, for when its last version is gone.
func (st *state) tombstoneSubjectSettings(subject string) []Record {
	var recs []Record
	if _, ok := st.configs[subject]; ok {
		recs = append(recs, Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes()})
	}
	if _, ok := st.modes[subject]; ok {
		recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: subject}.bytes()})
	}
	return recs
}

// DeleteVersion soft-deletes a subject-version, or hard-deletes one that was
// soft-deleted before when permanent. It returns the version number.
func (r *Registry) DeleteVersion(ctx context.Context, subject string, v int, permanent bool) (int, error) {
	if err := r.lockWrite(ctx); err != nil {
		return 0, err
	}
	defer r.unlockWrite()
	recs, n, err := r.decideDeleteVersion(subject, v, permanent)
	if err != nil {
		return 0, err
	}
	return n, r.append(ctx, recs...)
}

func (r *Registry) decideDeleteVersion(subject string, v int, permanent bool) ([]Record, int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	st := r.st
	s := st.subjects[subject]
	if s == nil {
		return nil, 0, errSubjectNotFound(subject)
	}
	if err := st.checkWritable(subject); err != nil {
		return nil, 0, err
	}
	var ver *version
	if v == LatestVersion {
		ver = s.latest(permanent)
	} else {
		ver = s.find(v)
	}
	if ver == nil {
		if v == LatestVersion {
			return nil, 0, errVersionNotFound("latest")
		}
		return nil, 0, errVersionNotFound(v)
	}
	key := recordKey{Type: keySchema, Subject: subject, Version: ver.version}
	if !permanent {
		if ver.deleted {
			return nil, 0, errorf(CodeVersionSoftDeleted, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, ver.version)
		}
		if st.referenced(subject, ver.version, false, false) {
			return nil, 0, errReferenced(subject, ver.version)
		}
		val := ver.export()
		rec := schemaValue{Subject: subject, Version: ver.version, ID: val.ID, SchemaType: val.SchemaType,
			References: val.References, Metadata: val.Metadata, RuleSet: val.RuleSet, Schema: val.Schema, Deleted: true}
		return []Record{{Key: key.bytes(), Value: marshal(rec)}}, ver.version, nil
	}
	if !ver.deleted {
		return nil, 0, errorf(CodeVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", subject, ver.version)
	}
	if st.referenced(subject, ver.version, true, false) {
		return nil, 0, errReferenced(subject, ver.version)
	}
	recs := []Record{{Key: key.bytes()}}
	if len(s.versions) == 1 {
		recs = append(recs, st.tombstoneSubjectSettings(subject)...)
	}
	return recs, ver.version, nil
}

// DeleteSubject soft-deletes every version of a subject, or hard-deletes a
// subject soft-deleted before when permanent. It returns the versions.
func (r *Registry) DeleteSubject(ctx context.Context, subject string, permanent bool) ([]int, error) {
	if err := r.lockWrite(ctx); err != nil {
		return nil, err
	}
	defer r.unlockWrite()
	recs, versions, err := r.decideDeleteSubject(subject, permanent)
	if err != nil {
		return nil, err
	}
	return versions, r.append(ctx, recs...)
}

func (r *Registry) decideDeleteSubject(subject string, permanent bool) ([]Record, []int, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	st := r.st
	s := st.subjects[subject]
	if s == nil || len(s.versions) == 0 {
		return nil, nil, errSubjectNotFound(subject)
	}
	if err := st.checkWritable(subject); err != nil {
		return nil, nil, err
	}
	live := s.live()
	if !permanent {
		if len(live) == 0 {
			return nil, nil, errorf(CodeSubjectSoftDeleted, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
		}
		versions := make([]int, 0, len(live))
		for _, v := range live {
			if st.referenced(subject, v.version, false, true) {
				return nil, nil, errReferenced(subject, v.version)
			}
			versions = append(versions, v.version)
		}
		last := s.versions[len(s.versions)-1].version
		return []Record{{Key: recordKey{Type: keyDeleteSubject, Subject: subject}.bytes(),
			Value: marshal(deleteSubjectValue{Subject: subject, Version: last})}}, versions, nil
	}
	if len(live) > 0 {
		return nil, nil, errorf(CodeSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", subject)
	}
	var recs []Record
	versions := make([]int, 0, len(s.versions))
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if st.referenced(subject, v.version, true, true) {
			return nil, nil, errReferenced(subject, v.version)
		}
		recs = append(recs, Record{Key: recordKey{Type: keySchema, Subject: subject, Version: v.version}.bytes()})
	}
	for _, v := range s.versions {
		versions = append(versions, v.version)
	}
	recs = append(recs, st.tombstoneSubjectSettings(subject)...)
	return recs, versions, nil
}
