package store

// Confluent's delete rules (KafkaSchemaRegistry.deleteSchemaVersion and
// deleteSubject), as decisions: guards in Confluent's order, returning
// records instead of acting.

// decideDeleteVersion soft-deletes a subject-version (the SCHEMA record
// rewritten with deleted:true), or tombstones one soft-deleted before when
// permanent, with the subject's config and mode when it was the last. v may
// be LatestVersion. It answers the version number.
func (w *view) decideDeleteVersion(subject string, v int, how Deletion) ([]Record, int, error) {
	st := w.st
	s := st.subjects[subject]
	if s == nil {
		return nil, 0, errSubjectNotFound(subject)
	}
	if err := st.checkMode(subject, writeDelete); err != nil {
		return nil, 0, err
	}
	permanent := how == PermanentDelete
	var ver *version
	if v == LatestVersion {
		ver = s.latest(Deleted(permanent))
	} else {
		ver = s.find(v)
	}
	if ver == nil {
		if v == LatestVersion {
			return nil, 0, errVersionNotFound("latest")
		}
		return nil, 0, errVersionNotFound(v)
	}
	if !permanent {
		if ver.deleted {
			return nil, 0, errorf(CodeVersionSoftDeleted, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, ver.version)
		}
		if len(st.assocs.bySubject[subject]) > 0 && len(s.live()) == 1 {
			// An associated subject keeps a live version (Confluent answers
			// this with a 500 it does not map; its code is 40907).
			return nil, 0, errorf(CodeNoActiveVersion, "No active (non-deleted) version exists for subject '%s'", subject)
		}
		if st.referenced(subject, ver.version, referrerScope{}) {
			return nil, 0, errReferenced(subject, ver.version)
		}
		val := ver.value()
		val.Deleted = true
		return []Record{schemaRecord(val)}, ver.version, nil
	}
	if !ver.deleted {
		return nil, 0, errorf(CodeVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", subject, ver.version)
	}
	if st.referenced(subject, ver.version, referrerScope{deleted: true}) {
		return nil, 0, errReferenced(subject, ver.version)
	}
	recs := []Record{schemaTombstone(subject, ver.version)}
	if len(s.versions) == 1 {
		recs = append(recs, st.subjectSettingsTombstones(subject)...)
	}
	return recs, ver.version, nil
}

// decideDeleteSubject soft-deletes every version of a subject (one
// DELETE_SUBJECT record up to its highest version; the SCHEMA records stay),
// or, when permanent, tombstones the versions of a subject soft-deleted
// before, newest first, then its config and mode. It answers the versions.
func (w *view) decideDeleteSubject(subject string, how Deletion) ([]Record, []int, error) {
	st := w.st
	s := st.subjects[subject]
	if s == nil || len(s.versions) == 0 {
		return nil, nil, errSubjectNotFound(subject)
	}
	if err := st.checkMode(subject, writeDelete); err != nil {
		return nil, nil, err
	}
	live := s.live()
	if how == SoftDelete {
		if len(live) == 0 {
			return nil, nil, errorf(CodeSubjectSoftDeleted, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
		}
		if err := st.associated(subject); err != nil {
			return nil, nil, err
		}
		versions := make([]int, 0, len(live))
		for _, v := range live {
			if st.referenced(subject, v.version, referrerScope{otherSubjects: true}) {
				return nil, nil, errReferenced(subject, v.version)
			}
			versions = append(versions, v.version)
		}
		last := s.versions[len(s.versions)-1].version
		return []Record{{Key: recordKey{Type: keyDeleteSubject, Subject: subject}.bytes(),
			Value: marshal(deleteSubjectValue{Subject: subject, Version: last})}}, versions, nil
	}
	if err := st.associated(subject); err != nil {
		return nil, nil, err
	}
	if len(live) > 0 {
		return nil, nil, errorf(CodeSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", subject)
	}
	recs := make([]Record, 0, len(s.versions)+2)
	versions := make([]int, 0, len(s.versions))
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if st.referenced(subject, v.version, referrerScope{deleted: true, otherSubjects: true}) {
			return nil, nil, errReferenced(subject, v.version)
		}
		recs = append(recs, schemaTombstone(subject, v.version))
	}
	for _, v := range s.versions {
		versions = append(versions, v.version)
	}
	return append(recs, st.subjectSettingsTombstones(subject)...), versions, nil
}

// associated refuses to delete a subject that an association holds.
func (st *state) associated(subject string) error {
	if len(st.assocs.bySubject[subject]) > 0 {
		return errorf(CodeSubjectAssociationExists, "An association already exists for subject '%s'", subject)
	}
	return nil
}

// decideDeleteContext deletes a context (".name", ":.name:" or "." for the
// default one) that holds no subject, soft-deleted ones included (42211
// otherwise): a named context's CONTEXT record gets its tombstone. Its ids
// stay taken, so that an id never names two schemas.
func (w *view) decideDeleteContext(name string) ([]Record, struct{}, error) {
	ctx, err := NormalizeContext(name)
	if err != nil {
		return nil, struct{}{}, errorf(400, "%v", err)
	}
	if w.st.hasSubject(":"+ctx+":", IncludingDeleted) {
		return nil, struct{}{}, errorf(CodeContextNotEmpty, "The specified context '%s' is not empty.", name)
	}
	if ctx == defaultContext || !w.st.contexts[ctx] {
		return nil, struct{}{}, nil
	}
	return []Record{{Key: recordKey{Type: keyContext, Subject: ctx}.bytes()}}, struct{}{}, nil
}

// subjectSettingsTombstones returns tombstones for a subject's config and
// mode, for when its last version is gone.
func (st *state) subjectSettingsTombstones(subject string) []Record {
	var recs []Record
	if _, ok := st.configs[subject]; ok {
		recs = append(recs, Record{Key: recordKey{Type: keyConfig, Subject: subject}.bytes()})
	}
	if _, ok := st.modes[subject]; ok {
		recs = append(recs, Record{Key: recordKey{Type: keyMode, Subject: subject}.bytes()})
	}
	return recs
}
