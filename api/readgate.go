package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// Read limits (authorization.read.subjects.<role>) beyond the subject of
// the path, which guard checks: what a request could reach through
// references, contexts, or a shared id.

// refsAllowed refuses references, followed through the versions they
// name, to subjects the caller may not read: a registration, lookup or
// check would otherwise resolve them, and format=resolved print them.
func (a *API) refsAllowed(r *http.Request, readable func(string) bool, parent string, refs []formats.Reference, depth int) error {
	for _, ref := range refs {
		sub := store.QualifyReference(parent, ref.Subject)
		if !readable(sub) {
			return forbidden(principalOf(r.Context()), "use a reference to subject "+sub, "authorization.read.subjects.<role>")
		}
		if depth >= 32 {
			continue
		}
		v, err := a.reg.Version(sub, ref.Version, store.IncludingDeleted)
		if err != nil {
			continue // the request fails on it anyway
		}
		if !readable(v.Subject) {
			return forbidden(principalOf(r.Context()), "use a reference to subject "+v.Subject, "authorization.read.subjects.<role>")
		}
		if err := a.refsAllowed(r, readable, v.Subject, v.References, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// bodyRefsAllowed is refsAllowed for the references of a request body.
func (a *API) bodyRefsAllowed(r *http.Request, readable func(string) bool, body []byte) error {
	var req struct {
		References []formats.Reference `json:"references"`
	}
	if json.Unmarshal(body, &req) != nil {
		return nil // not JSON: the handler answers it
	}
	return a.refsAllowed(r, readable, subjectParam(r), req.References, 0)
}

// answerAllowed refuses an answer about a subject the caller may not read
// (an unqualified subject found in another context), as if the subject
// were not there.
func answerAllowed(readable func(string) bool, asked string, answer any) error {
	if readable == nil {
		return nil
	}
	var subject string
	switch v := answer.(type) {
	case store.SchemaVersion:
		subject = v.Subject
	case rawJSON:
		var s struct{ Subject string }
		json.Unmarshal(v, &s)
		subject = s.Subject
	default:
		return nil
	}
	if subject == "" || readable(subject) {
		return nil
	}
	return &store.Error{Code: store.CodeSubjectNotFound, Message: fmt.Sprintf("Subject '%s' not found.", asked)}
}
