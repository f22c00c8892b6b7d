package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/schemaregistry/registry/compat"
	"github.com/schemaregistry/registry/console"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

// apiRoots are the first path segments of the REST API.
var apiRoots = []string{"subjects", "schemas", "config", "mode", "compatibility", "contexts", "v1", "validation",
	"health", "metrics", "openapi.yaml", "dek-registry", "associations", "exporters"}

// APIRoot returns the REST API's first path segment that path (the
// console's, ui.path) starts with, and whether there is one: the console
// may not take such a path.
func APIRoot(path string) (string, bool) {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	for _, root := range apiRoots {
		if first == root {
			return root, true
		}
	}
	return "", false
}

// consoleRoutes are the web console's (package console), under
// Options.ConsolePath; none when it is "". The page and its assets are
// public (they hold no data, and a sign-in form must load); the JSON
// routes the pages need beside the REST API are guarded like the REST
// reads they stand next to.
func (a *API) consoleRoutes() []route {
	base := a.opts.ConsolePath
	if base == "" {
		return nil
	}
	return []route{
		{"GET", base, public, http.HandlerFunc(a.consolePage)},
		{"GET", base + "/assets/{asset}", public, a.serveAsset()},
		{"GET", base + "/api/whoami", read, a.serve(a.whoami)},
		{"GET", base + "/api/status", read, a.serve(a.consoleStatus)},
		{"GET", base + "/api/subjects", read, a.serve(a.subjectSummaries)},
		{"GET", base + "/api/subjects/{subject}/versions/{version}/forms", read, a.serve(a.schemaForms)},
		{"GET", base + "/api/subjects/{subject}/diff", read, a.serve(a.versionDiff)},
		{"POST", base + "/api/subjects/{subject}/check", read, a.serve(a.checkAtLevel)},
	}
}

// consolePage serves the console's single page; the pages themselves are
// chosen in the browser (the URL's fragment).
func (a *API) consolePage(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(console.Page(a.opts.ConsolePath))
}

// serveAsset serves an embedded file, 404 in Confluent's envelope for
// any other name.
func (a *API) serveAsset() http.Handler {
	notFound := a.serve(func(*http.Request) (any, error) { return nil, httpError(store.CodeNotFound, "HTTP 404 Not Found") })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asset, ok := console.Lookup(pathParam(r, "asset"))
		if !ok {
			notFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", asset.ContentType)
		h.Set("ETag", asset.ETag)
		h.Set("Cache-Control", "no-cache") // revalidated: a new binary serves new assets
		h.Set("X-Content-Type-Options", "nosniff")
		if r.Header.Get("If-None-Match") == asset.ETag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(asset.Body)
	})
}

// whoamiJSON is who the console's caller is and the highest level it has:
// the page hides what the level does not allow (the server refuses it
// anyway).
type whoamiJSON struct {
	Principal      string `json:"principal"`
	Via            string `json:"via,omitempty"` // basic, bearer, certificate
	Level          string `json:"level"`         // read, write or admin
	Authentication bool   `json:"authentication"`
	// WriteSubjects are the subject patterns a write level is limited to;
	// absent when it writes every subject.
	WriteSubjects []string `json:"writeSubjects,omitempty"`
}

func (a *API) whoami(r *http.Request) (any, error) {
	au, p := a.auth, principalOf(r.Context())
	if au == nil || p == nil {
		return whoamiJSON{Principal: "anonymous", Level: admin.String()}, nil
	}
	out := whoamiJSON{Principal: p.Name, Via: p.Via, Authentication: true, Level: read.String()}
	switch {
	case !au.enforced() || au.has(p, au.AdminRoles):
		out.Level = admin.String()
	case au.has(p, au.WriteRoles):
		out.Level = register.String()
		for _, role := range au.WriteRoles {
			if role != "*" && !slices.Contains(p.Roles, role) {
				continue
			}
			patterns, limited := au.WriteSubjects[role]
			if !limited {
				out.WriteSubjects = nil
				break
			}
			out.WriteSubjects = append(out.WriteSubjects, patterns...)
		}
	}
	return out, nil
}

// statusJSON is the node's state as the status page shows it.
type statusJSON struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	ClusterID string `json:"clusterId"`
	GroupID   string `json:"groupId"`
	// IsPrimary reports whether this node takes the writes; Primary is the
	// primary's URL when known (a cluster).
	IsPrimary    bool   `json:"isPrimary"`
	Primary      string `json:"primary,omitempty"`
	PrimaryKnown bool   `json:"primaryKnown"`
	// Offset is the last record of the schema log applied; LogEnd the
	// offset the next record will get (-1 when unknown: the embedded log
	// is applied before a write returns); Lag what is left to apply.
	Offset                int64 `json:"offset"`
	LogEnd                int64 `json:"logEnd"`
	Lag                   int64 `json:"lag"`
	Subjects              int   `json:"subjects"`
	Versions              int   `json:"versions"`
	Schemas               int   `json:"schemas"`
	CompatibilityChecks   int64 `json:"compatibilityChecks"`
	CompatibilityFailures int64 `json:"compatibilityFailures"`
}

func (a *API) consoleStatus(r *http.Request) (any, error) {
	s := a.reg.Stats()
	out := statusJSON{Version: a.opts.Version, Commit: a.opts.Commit, ClusterID: a.opts.ClusterID, GroupID: a.opts.GroupID,
		IsPrimary: true, PrimaryKnown: true, Offset: s.Offset, LogEnd: -1,
		Subjects: s.Subjects, Versions: s.Versions, Schemas: s.Schemas}
	out.CompatibilityChecks, out.CompatibilityFailures = a.reg.CompatibilityStats()
	if a.lead != nil {
		out.Primary, out.IsPrimary, out.PrimaryKnown = a.lead.Primary()
	}
	if a.opts.LogEnd != nil {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		end, err := a.opts.LogEnd(ctx)
		cancel()
		if err == nil {
			out.LogEnd, out.Lag = end, max(0, end-1-s.Offset)
		}
	}
	return out, nil
}

// summariesJSON is a page of the console's subject list.
type summariesJSON struct {
	Total    int                    `json:"total"`
	Offset   int                    `json:"offset"`
	Subjects []store.SubjectSummary `json:"subjects"`
}

// subjectSummaries answers a page of subjects filtered by name (q: any
// part, any case), schema type, context ("." the default one, ".name" a
// named one, absent every one) and deleted.
func (a *API) subjectSummaries(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	if p.Offset < 0 {
		return nil, httpError(http.StatusBadRequest, "Invalid value '%d' for query parameter offset: negative", p.Offset)
	}
	o := store.SummaryOptions{Prefix: ":*:", Contains: queryParam(r, "q"), Deleted: boolQuery(r, "deleted"),
		Readable: a.readFilter(r), Paging: p}
	if t := queryParam(r, "type"); t != "" {
		typ, err := formats.ParseSchemaType(t)
		if err != nil {
			return nil, httpError(http.StatusBadRequest, "Invalid schema type %s", t)
		}
		o.Type = typ
	}
	switch ctx := queryParam(r, "context"); {
	case ctx == "":
	case ctx == ".":
		o.Prefix = ""
	case strings.HasPrefix(ctx, ".") && !strings.Contains(ctx, ":"):
		o.Prefix = ":" + ctx + ":"
	default:
		return nil, httpError(http.StatusBadRequest, "Invalid context '%s': a context is '.' or '.name'", ctx)
	}
	list, total := a.reg.SubjectSummaries(o)
	return summariesJSON{Total: total, Offset: max(p.Offset, 0), Subjects: list}, nil
}

func (a *API) schemaForms(r *http.Request) (any, error) {
	v, err := versionParam(r)
	if err != nil {
		return nil, err
	}
	subject := subjectParam(r)
	if readable := a.readFilter(r); readable != nil {
		sv, err := a.reg.Version(subject, v, deletedQuery(r))
		if err == nil {
			err = answerAllowed(readable, subject, sv)
		}
		if err != nil {
			return nil, err
		}
	}
	return a.reg.Forms(subject, v, deletedQuery(r))
}

// versionDiffJSON is what the diff page shows beside the two texts.
type versionDiffJSON struct {
	Subject string `json:"subject"`
	From    int    `json:"from"`
	To      int    `json:"to"`
	store.VersionDiff
}

// versionDiff compares two versions of a subject (from and to, each a
// number or latest) as srctl diff does: the engine's changes and the
// verdict of to after from at BACKWARD, FORWARD and FULL.
func (a *API) versionDiff(r *http.Request) (any, error) {
	var vs [2]int
	for i, name := range []string{"from", "to"} {
		s := queryParam(r, name)
		if s == "" {
			return nil, httpError(http.StatusBadRequest, "Query parameter %s is required: a version number or latest", name)
		}
		v, err := store.ParseVersion(s)
		if err != nil {
			return nil, err
		}
		vs[i] = v
	}
	subject, deleted := subjectParam(r), deletedQuery(r)
	from, err := a.reg.Version(subject, vs[0], deleted)
	if err == nil {
		err = answerAllowed(a.readFilter(r), subject, from)
	}
	if err != nil {
		return nil, err
	}
	to, err := a.reg.Version(subject, vs[1], deleted)
	if err != nil {
		return nil, err
	}
	d, err := a.reg.CompareVersions(from.Subject, from.Version, to.Version, deleted)
	if err != nil {
		return nil, err
	}
	return versionDiffJSON{Subject: from.Subject, From: from.Version, To: to.Version, VersionDiff: d}, nil
}

// checkAtLevel is POST /compatibility/subjects/{subject}/versions at a
// level the caller picks (level), the subject's config left as it is; its
// answer is the REST route's, with verbose messages.
func (a *API) checkAtLevel(r *http.Request) (any, error) {
	level, err := compat.ParseLevel(queryParam(r, "level"))
	if err != nil {
		return nil, &store.Error{Code: store.CodeInvalidCompatibilityLevel, Message: err.Error()}
	}
	var req store.SchemaRequest
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	res, err := a.reg.CheckCompatibilityAt(subjectParam(r), level, req, boolQuery(r, "normalize"), true)
	if err != nil {
		return nil, err
	}
	msgs := append([]string{}, res.Messages...)
	return compatibilityJSON{IsCompatible: res.Compatible, Messages: &msgs}, nil
}
