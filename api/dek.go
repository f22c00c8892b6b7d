package api

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/schemaregistry/registry/dek"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// The DEK registry (/dek-registry/v1/keks...), Confluent's dek-registry
// module; package dek holds the keys.

// dekRoutes are the DEK registry's routes; reads need the read level,
// creations and undeletes the write level (a writer limited to subjects
// writes the DEKs of those subjects), deletes the admin level (a key
// deleted for good cannot decrypt again).
func (a *API) dekRoutes() []route {
	const p = "/dek-registry/v1/keks"
	return []route{
		{"GET", p, read, a.serve(a.dekOn(a.listKEKs))},
		{"POST", p, register, a.serve(a.dekOn(a.write(a.createKEK)))},
		{"GET", p + "/{name}", read, a.serve(a.dekOn(a.getKEK))},
		{"PUT", p + "/{name}", register, a.serve(a.dekOn(a.write(a.updateKEK)))},
		{"DELETE", p + "/{name}", admin, a.serve(a.dekOn(a.write(a.deleteKEK)))},
		{"POST", p + "/{name}/undelete", register, a.serve(a.dekOn(a.write(a.undeleteKEK)))},
		{"POST", p + "/{name}/test", register, a.serve(a.dekOn(a.testKEK))},
		{"GET", p + "/{name}/deks", read, a.serve(a.dekOn(a.listDEKSubjects))},
		{"POST", p + "/{name}/deks", register, a.serve(a.dekOn(a.write(a.createDEK)))},
		{"GET", p + "/{name}/deks/{subject}", read, a.serve(a.dekOn(a.getDEK))},
		{"POST", p + "/{name}/deks/{subject}", register, a.serve(a.dekOn(a.write(a.createDEK)))},
		{"DELETE", p + "/{name}/deks/{subject}", admin, a.serve(a.dekOn(a.write(a.deleteDEK)))},
		{"POST", p + "/{name}/deks/{subject}/undelete", register, a.serve(a.dekOn(a.write(a.undeleteDEK)))},
		{"GET", p + "/{name}/deks/{subject}/versions", read, a.serve(a.dekOn(a.listDEKVersions))},
		{"GET", p + "/{name}/deks/{subject}/versions/{version}", read, a.serve(a.dekOn(a.getDEK))},
		{"DELETE", p + "/{name}/deks/{subject}/versions/{version}", admin, a.serve(a.dekOn(a.write(a.deleteDEK)))},
		{"POST", p + "/{name}/deks/{subject}/versions/{version}/undelete", register, a.serve(a.dekOn(a.write(a.undeleteDEK)))},
	}
}

// dekOn answers 404 when the DEK registry is off, as Confluent without its
// extension does.
func (a *API) dekOn(h handler) handler {
	return func(r *http.Request) (any, error) {
		if a.opts.Dek == nil {
			return nil, httpError(store.CodeNotFound, "HTTP 404 Not Found")
		}
		return h(r)
	}
}

func (a *API) listKEKs(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	var prefixes []string
	if r.URL.RawQuery != "" {
		prefixes = r.URL.Query()["subjectPrefix"]
	}
	return pageOf(a.opts.Dek.KEKs(prefixes, boolQuery(r, "deleted")), p), nil
}

func (a *API) getKEK(r *http.Request) (any, error) {
	return a.opts.Dek.KEK(pathParam(r, "name"), boolQuery(r, "deleted"))
}

func (a *API) createKEK(r *http.Request) (any, error) {
	var req dek.CreateKEKRequest
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	if req.Shared && boolQuery(r, "testSharing") {
		kt := ""
		if req.KmsType != nil {
			kt = *req.KmsType
		}
		return nil, httpError(http.StatusInternalServerError, "Error while creating key: Could not generate encrypted dek for __TEST: No KMS driver supports: %s://%s", kt, req.KmsKeyID)
	}
	return a.opts.Dek.CreateKEK(r.Context(), req)
}

func (a *API) updateKEK(r *http.Request) (any, error) {
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := decodeJSON(body, &fields); err != nil {
		return nil, err
	}
	var u dek.UpdateKEK
	if raw, ok := fields["kmsProps"]; ok {
		u.SetKmsProps = true
		if err := decodeJSON(raw, &u.KmsProps); err != nil {
			return nil, err
		}
	}
	if raw, ok := fields["doc"]; ok {
		u.SetDoc = true
		if err := decodeJSON(raw, &u.Doc); err != nil {
			return nil, err
		}
	}
	if raw, ok := fields["shared"]; ok {
		if string(raw) == "null" {
			return nil, httpError(http.StatusUnprocessableEntity, "shared may not be null")
		}
		var shared bool
		if err := decodeJSON(raw, &shared); err != nil {
			return nil, err
		}
		u.Shared = &shared
	}
	return a.opts.Dek.UpdateKEK(r.Context(), pathParam(r, "name"), u)
}

func (a *API) deleteKEK(r *http.Request) (any, error) {
	if err := a.opts.Dek.DeleteKEK(r.Context(), pathParam(r, "name"), boolQuery(r, "permanent")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

func (a *API) undeleteKEK(r *http.Request) (any, error) {
	if err := a.opts.Dek.UndeleteKEK(r.Context(), pathParam(r, "name")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

// testKEK tries a shared KEK's KMS: there is none here.
func (a *API) testKEK(r *http.Request) (any, error) {
	k, err := a.opts.Dek.KEK(pathParam(r, "name"), false)
	if err != nil {
		return nil, err
	}
	if !k.Shared {
		return nil, &store.Error{Code: dek.CodeInvalidKey, Message: "Invalid or missing value for field 'shared' of key"}
	}
	return nil, &store.Error{Code: dek.CodeDekGenerationError, Message: "Could not generate encrypted dek for __TEST: No KMS driver supports: " + k.KmsType + "://" + k.KmsKeyID}
}

func (a *API) listDEKSubjects(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	subjects, err := a.opts.Dek.Subjects(pathParam(r, "name"), boolQuery(r, "deleted"))
	if err != nil {
		return nil, err
	}
	if readable := a.readFilter(r); readable != nil {
		var mine []string
		for _, s := range subjects {
			if readable(s) {
				mine = append(mine, s)
			}
		}
		subjects = mine
	}
	return pageOf(subjects, p), nil
}

// dekTarget reads the name, subject and algorithm of a DEK route.
func dekTarget(r *http.Request) (name, subject, algorithm string, err error) {
	name, subject = pathParam(r, "name"), pathParam(r, "subject")
	if err := dek.CheckName(name); err != nil {
		return "", "", "", err
	}
	if err := dek.CheckSubject(subject); err != nil {
		return "", "", "", err
	}
	algorithm, ok := dek.Algorithm(queryParam(r, "algorithm"))
	if !ok {
		return "", "", "", httpError(store.CodeNotFound, "HTTP 404 Not Found") // JAX-RS: an enum it cannot convert
	}
	return name, subject, algorithm, nil
}

// dekVersion is the version of a DEK route: 1 without one (Confluent's
// getDek), -1 for latest, 0 for every version of a delete or undelete.
func dekVersion(r *http.Request, none int) (int, error) {
	s := pathParam(r, "version")
	if s == "" {
		return none, nil
	}
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "latest") {
		return -1, nil
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || (n < 1 && n != -1) {
		shown := s
		if err == nil {
			shown = strconv.FormatInt(n, 10)
		}
		return 0, &store.Error{Code: dek.CodeInvalidVersion, Message: "The specified version '" + shown + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""}
	}
	return int(n), nil
}

// dekVersionTarget is dekTarget and dekVersion.
func dekVersionTarget(r *http.Request, none int) (name, subject, algorithm string, version int, err error) {
	if name, subject, algorithm, err = dekTarget(r); err == nil {
		version, err = dekVersion(r, none)
	}
	return name, subject, algorithm, version, err
}

func (a *API) getDEK(r *http.Request) (any, error) {
	name, subject, alg, v, err := dekVersionTarget(r, 1)
	if err != nil {
		return nil, err
	}
	return a.opts.Dek.DEK(name, subject, alg, v, boolQuery(r, "deleted"))
}

func (a *API) listDEKVersions(r *http.Request) (any, error) {
	name, subject, alg, err := dekTarget(r)
	if err != nil {
		return nil, err
	}
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	vs, err := a.opts.Dek.Versions(name, subject, alg, boolQuery(r, "deleted"))
	if err != nil {
		return nil, err
	}
	return pageOf(vs, p), nil
}

func (a *API) createDEK(r *http.Request) (any, error) {
	var req dek.CreateDEKRequest
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	if s := pathParam(r, "subject"); s != "" {
		req.Subject = s // the newer route, subject in the path (the clients try it first)
	}
	return a.opts.Dek.CreateDEK(r.Context(), pathParam(r, "name"), req)
}

func (a *API) deleteDEK(r *http.Request) (any, error) {
	name, subject, alg, v, err := dekVersionTarget(r, 0)
	if err != nil {
		return nil, err
	}
	if err := a.opts.Dek.DeleteDEK(r.Context(), name, subject, alg, v, boolQuery(r, "permanent")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

func (a *API) undeleteDEK(r *http.Request) (any, error) {
	name, subject, alg, v, err := dekVersionTarget(r, 0)
	if err != nil {
		return nil, err
	}
	if err := a.opts.Dek.UndeleteDEK(r.Context(), name, subject, alg, v); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

// withKMSDefaults names the KEK of each domain rule that gives a KMS key id
// but no KEK name or KMS type, as Confluent's EncryptionUpdateRequestHandler
// does on registration when the DEK registry is on: the KEK is named after
// the key id (an "arn:" prefix dropped, any character other than a letter, a
// digit, '_' or '-' turned into '-'), and an "arn:" key is an aws-kms key.
// The rule set is copied, never changed in place.
func withKMSDefaults(rs *formats.RuleSet) *formats.RuleSet {
	const keyID, kekName, kmsType = "encrypt.kms.key.id", "encrypt.kek.name", "encrypt.kms.type"
	if rs == nil || len(rs.DomainRules) == 0 {
		return rs
	}
	var rules []formats.Rule
	for i, rule := range rs.DomainRules {
		id, ok := rule.Params[keyID]
		_, named := rule.Params[kekName]
		_, typed := rule.Params[kmsType]
		if !ok || (named && typed) {
			continue
		}
		if rules == nil {
			rules = slices.Clone(rs.DomainRules)
		}
		params := maps.Clone(rule.Params)
		if !named {
			params[kekName] = scrubKeyID(strings.TrimPrefix(id, "arn:"))
		}
		if !typed && strings.HasPrefix(id, "arn:") {
			params[kmsType] = "aws-kms"
		}
		rules[i].Params = params
	}
	if rules == nil {
		return rs
	}
	out := *rs
	out.DomainRules = rules
	return &out
}

func scrubKeyID(id string) string {
	return strings.Map(func(c rune) rune {
		if unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '-' {
			return c
		}
		return '-'
	}, id)
}
