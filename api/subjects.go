package api

import (
	"net/http"
	"strconv"

	"github.com/schemaregistry/registry/store"
)

func (a *API) listSubjects(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	// Without a subjectPrefix, every context (":*:"); an empty one is the
	// default context alone, as with Confluent's @DefaultValue.
	prefix := ":*:"
	if r.URL.RawQuery != "" && r.URL.Query().Has("subjectPrefix") {
		prefix = queryParam(r, "subjectPrefix")
	}
	o := store.SubjectsOptions{Prefix: prefix, Readable: a.readFilter(r),
		Deleted: boolQuery(r, "deleted"), DeletedOnly: boolQuery(r, "deletedOnly"), Paging: p}
	return a.listing(r, p, func(w *arrayWriter) { a.reg.EachSubject(o, w.string) }), nil
}

func (a *API) listVersions(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	return a.reg.Versions(subjectParam(r), store.VersionsOptions{Deleted: boolQuery(r, "deleted"),
		DeletedOnly: boolQuery(r, "deletedOnly"), DeletedAsNegative: boolQuery(r, "deletedAsNegative"), Paging: p})
}

func (a *API) getVersion(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	subject, deleted, format, referenceFormat := subjectParam(r), deletedQuery(r), queryParam(r, "format"), queryParam(r, "referenceFormat")
	readable := a.readFilter(r)
	if readable != nil {
		sv, err := a.reg.Version(subject, v, deleted)
		if err == nil {
			err = answerAllowed(readable, subject, sv)
		}
		if err == nil && format != "" {
			err = a.refsAllowed(r, readable, sv.Subject, sv.References, 0)
		}
		if err != nil {
			return nil, err
		}
	}
	return a.cached(versionKey(r, subject, v), func() (any, error) {
		sv, err := a.reg.Version(subject, v, deleted)
		if err != nil {
			return nil, err
		}
		out := toSchemaJSON(sv)
		if err := a.findTags(r, &out, sv.ID, sv.Subject); err != nil { // before the format, as Confluent's
			return nil, err
		}
		if err := a.format(&out, sv.ID, sv.Subject, format); err != nil {
			return nil, err
		}
		qualifyReferences(&out, sv.Subject, referenceFormat)
		return out, nil
	})
}

// versionKey is the cache key of the answer of
// GET /subjects/{subject}/versions/{version} to r.
func versionKey(r *http.Request, subject string, version int) string {
	return cacheKey("version", subject, strconv.Itoa(version), strconv.FormatBool(bool(deletedQuery(r))),
		queryParam(r, "format"), queryParam(r, "referenceFormat"), findTagsKey(r))
}

func (a *API) rawVersionSchema(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	sv, err := a.reg.Version(subjectParam(r), v, deletedQuery(r))
	if err == nil {
		err = answerAllowed(a.readFilter(r), subjectParam(r), sv)
	}
	if err != nil {
		return nil, err
	}
	return rawText(sv.Schema), nil
}

func (a *API) referencedBy(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	if a.readFilter(r) != nil {
		ids, err := a.reg.ReferencedBy(subjectParam(r), v, deletedQuery(r), store.Paging{})
		if err != nil {
			return nil, err
		}
		readable := []int{}
		for _, id := range ids {
			if a.mayReadID(r, id, contextHint(contextOfSubject(subjectParam(r)))) == nil {
				readable = append(readable, id)
			}
		}
		return pageOf(readable, p), nil
	}
	return a.reg.ReferencedBy(subjectParam(r), v, deletedQuery(r), p)
}

// contextOfSubject is the context of a subject as a ContextId names it.
func contextOfSubject(subject string) string {
	q := store.QualifyReference(subject, "")
	if q == "" {
		return "."
	}
	return q[1 : len(q)-1]
}

func (a *API) versionByMetadata(r *http.Request) (any, error) {
	q := r.URL.Query()
	keys, values := q["key"], q["value"]
	pairs := map[string]string{}
	for i, k := range keys {
		if i < len(values) {
			pairs[k] = values[i]
		}
	}
	sv, err := a.reg.MetadataVersion(subjectParam(r), pairs, deletedQuery(r))
	if err != nil {
		return nil, err
	}
	return toSchemaJSON(sv), nil
}

// registerOrForward answers a registration the subject already holds on any
// node (even in READONLY mode or without a primary), and sends the others to
// the primary.
func (a *API) registerOrForward(r *http.Request) (any, error) {
	url, here := a.writeTarget()
	if here {
		r, cancel := a.bounded(r)
		defer cancel()
		return a.register(r)
	}
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	var req store.SchemaRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	a.registrationDefaults(&req)
	if sv, ok, err := a.reg.Existing(subjectParam(r), req, boolQuery(r, "normalize")); err != nil {
		return nil, err
	} else if ok {
		return registerResponse(sv), nil
	}
	return a.forward(r, url, body, 1)
}

func registerResponse(sv store.SchemaVersion) registerJSON {
	return registerJSON{ID: sv.ID, Version: sv.Version, GUID: sv.GUID, SchemaType: sv.SchemaType,
		References: sv.References, Metadata: sv.Metadata, RuleSet: sv.RuleSet, Schema: sv.Schema, TS: sv.Timestamp}
}

func (a *API) register(r *http.Request) (any, error) {
	return a.cachedByBody(r, "register", func(body []byte) (any, error) {
		var req store.SchemaRequest
		if err := decodeJSON(body, &req); err != nil {
			return nil, err
		}
		a.registrationDefaults(&req)
		sv, err := a.reg.Register(r.Context(), subjectParam(r), req,
			store.RegisterOptions{Normalize: boolQuery(r, "normalize"), Force: boolQuery(r, "force")})
		if err != nil {
			return nil, err
		}
		return registerResponse(sv), nil
	})
}

// registrationDefaults completes a registration as Confluent's update
// request handlers do: with the DEK registry on, the KEK of an encryption
// rule that names only its KMS key.
func (a *API) registrationDefaults(req *store.SchemaRequest) {
	if a.opts.Dek != nil {
		req.RuleSet = withKMSDefaults(req.RuleSet)
	}
}

// tagSchema registers a version's schema with tags added and removed as a
// new version (Confluent's POST /subjects/{s}/versions/{v}/tags).
func (a *API) tagSchema(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	var req store.TagSchemaRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	sv, err := a.reg.TagSchema(r.Context(), subjectParam(r), v, req)
	if err != nil {
		return nil, err
	}
	return registerResponse(sv), nil
}

func (a *API) lookupSchema(r *http.Request) (any, error) {
	answer, err := a.cachedByBody(r, "lookup", func(body []byte) (any, error) {
		var req store.SchemaRequest
		if err := decodeJSON(body, &req); err != nil {
			return nil, err
		}
		sv, err := a.reg.Lookup(subjectParam(r), req, boolQuery(r, "normalize"), deletedQuery(r))
		if err != nil {
			return nil, err
		}
		return toSchemaJSON(sv), nil
	})
	if err == nil {
		err = answerAllowed(a.readFilter(r), subjectParam(r), answer)
	}
	return answer, err
}

func (a *API) deleteSubject(r *http.Request) (any, error) {
	return a.reg.DeleteSubject(r.Context(), subjectParam(r), deletion(r))
}

func (a *API) deleteVersion(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	return a.reg.DeleteVersion(r.Context(), subjectParam(r), v, deletion(r))
}

func (a *API) compatibilityAll(r *http.Request) (any, error) {
	return a.compatibility(r, 0)
}

func (a *API) compatibilityVersion(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	return a.compatibility(r, v)
}

// compatibility checks against one version (v > 0 or latest) or all (v 0).
// A check repeated while the registry has not changed (a CI pipeline, a
// producer checking before it registers) is answered from the cache.
func (a *API) compatibility(r *http.Request, v int) (any, error) {
	return a.cachedByBody(r, "compatibility", func(body []byte) (any, error) {
		var req store.SchemaRequest
		if err := decodeJSON(body, &req); err != nil {
			return nil, err
		}
		verbose := boolQuery(r, "verbose")
		res, err := a.reg.CheckCompatibility(subjectParam(r), v, req, boolQuery(r, "normalize"), verbose)
		if err != nil {
			return nil, err
		}
		out := compatibilityJSON{IsCompatible: res.Compatible}
		if verbose {
			msgs := append([]string{}, res.Messages...)
			out.Messages = &msgs
		}
		outcome := noCheck
		switch {
		case res.Checked && res.Compatible:
			outcome = checkPassed
		case res.Checked:
			outcome = checkFailed
		}
		return withCheck{out, outcome}, nil
	})
}
