package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/store"
)

func idParam(r *http.Request) (int, error) {
	return parseID(pathParam(r, "id"))
}

// parseID reads the {id} path parameter, percent-decoded.
func parseID(s string) (int, error) {
	id, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		// JAX-RS answers a path parameter it cannot convert with 404.
		return 0, &store.Error{Code: store.CodeSchemaNotFound, Message: "Schema " + s + " not found"}
	}
	return int(id), nil
}

func (a *API) schemaByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	subject := queryParam(r, "subject")
	if err := a.mayReadID(r, id, subject); err != nil {
		return nil, err
	}
	format, referenceFormat := queryParam(r, "format"), queryParam(r, "referenceFormat")
	fetchMaxID := boolQuery(r, "fetchMaxId")
	readable := a.readFilter(r)
	compute := func() (any, error) {
		v, err := a.reg.SchemaByID(id, subject)
		if err != nil {
			return nil, err
		}
		if readable != nil {
			// Name a readable subject-version, and print references only
			// to readable subjects.
			if !readable(v.Subject) {
				usages, _ := a.reg.VersionsOfID(id, subject, store.IncludingDeleted, store.Paging{})
				for _, u := range usages {
					if readable(u.Subject) {
						v.Subject, v.Version = u.Subject, u.Version
						break
					}
				}
			}
			if format != "" {
				if err := a.refsAllowed(r, readable, v.Subject, v.References, 0); err != nil {
					return nil, err
				}
			}
		}
		out := toSchemaJSON(v)
		out.ID = 0 // SchemaString has no id: the caller knows it
		if err := a.format(&out, id, v.Subject, format); err != nil {
			return nil, err
		}
		qualifyReferences(&out, v.Subject, referenceFormat)
		if err := a.findTags(r, &out, id, v.Subject); err != nil {
			return nil, err
		}
		if fetchMaxID {
			out.MaxID = a.reg.MaxID(v.Subject) // in the id's context
		}
		return out, nil
	}
	if fetchMaxID || readable != nil {
		return compute()
	}
	return a.cached(idKey(r, id), compute)
}

// idKey is the cache key of the answer of GET /schemas/ids/{id} to r.
func idKey(r *http.Request, id int) string {
	return cacheKey("id", strconv.Itoa(id), queryParam(r, "subject"), queryParam(r, "format"), queryParam(r, "referenceFormat"), findTagsKey(r))
}

// findTags adds the schemaTags that ?findTags asks for (tag names, "*" for
// all): the schema's tagged elements carrying one of them.
func (a *API) findTags(r *http.Request, out *schemaJSON, id int, subject string) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	find := r.URL.Query()["findTags"]
	if len(find) == 0 {
		return nil
	}
	tags, err := a.reg.SchemaTags(id, subject, find)
	if err != nil {
		return err
	}
	out.SchemaTags = tags
	return nil
}

func findTagsKey(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return strings.Join(r.URL.Query()["findTags"], "\x00")
}

func (a *API) rawSchemaByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	if err := a.mayReadID(r, id, queryParam(r, "subject")); err != nil {
		return nil, err
	}
	v, err := a.reg.SchemaByID(id, queryParam(r, "subject"))
	if err != nil {
		return nil, err
	}
	return rawText(v.Schema), nil
}

func (a *API) subjectsByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	if readable := a.readFilter(r); readable != nil {
		usages, err := a.reg.VersionsOfID(id, queryParam(r, "subject"), deletedQuery(r), store.Paging{})
		if err != nil {
			return nil, err
		}
		var out []string
		for _, u := range usages {
			if readable(u.Subject) && (len(out) == 0 || out[len(out)-1] != u.Subject) {
				out = append(out, u.Subject)
			}
		}
		return pageOf(out, p), nil
	}
	return a.reg.SubjectsOfID(id, queryParam(r, "subject"), deletedQuery(r), p)
}

func (a *API) versionsByID(r *http.Request) (any, error) {
	id, err := idParam(r)
	if err != nil {
		return nil, err
	}
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	if readable := a.readFilter(r); readable != nil {
		usages, err := a.reg.VersionsOfID(id, queryParam(r, "subject"), deletedQuery(r), store.Paging{})
		if err != nil {
			return nil, err
		}
		out := []store.SubjectVersion{}
		for _, u := range usages {
			if readable(u.Subject) {
				out = append(out, u)
			}
		}
		return pageOf(out, p), nil
	}
	return a.reg.VersionsOfID(id, queryParam(r, "subject"), deletedQuery(r), p)
}

// mayReadID refuses an id none of whose subjects the caller may read.
func (a *API) mayReadID(r *http.Request, id int, hint string) error {
	readable := a.readFilter(r)
	if readable == nil {
		return nil
	}
	usages, err := a.reg.VersionsOfID(id, hint, store.IncludingDeleted, store.Paging{})
	if err != nil {
		return err
	}
	for _, u := range usages {
		if readable(u.Subject) {
			return nil
		}
	}
	return forbidden(principalOf(r.Context()), fmt.Sprintf("read schema %d", id), "authorization.read.subjects.<role>")
}

// mayReadGUID refuses a GUID none of whose ids the caller may read.
func (a *API) mayReadGUID(r *http.Request, guid string) error {
	if a.readFilter(r) == nil {
		return nil
	}
	ids, err := a.reg.IDsOfGUID(guid)
	if err != nil {
		return err
	}
	for _, c := range ids {
		if a.mayReadID(r, c.ID, contextHint(c.Context)) == nil {
			return nil
		}
	}
	return forbidden(principalOf(r.Context()), "read schema "+guid, "authorization.read.subjects.<role>")
}

// pageOf applies offset and limit to a list filtered here.
func pageOf[T any](list []T, p store.Paging) []T {
	if p.Offset > 0 {
		list = list[min(p.Offset, len(list)):]
	}
	if p.Limit > 0 && p.Limit < len(list) {
		list = list[:p.Limit]
	}
	if list == nil {
		list = []T{}
	}
	return list
}

func (a *API) schemaByGUID(r *http.Request) (any, error) {
	if err := a.mayReadGUID(r, pathParam(r, "guid")); err != nil {
		return nil, err
	}
	v, err := a.reg.SchemaByGUID(pathParam(r, "guid"))
	if err != nil {
		return nil, err
	}
	out := toSchemaJSON(v)
	out.Subject, out.Version, out.ID = "", 0, 0 // Confluent's getByGuid keeps ts and deleted
	return out, nil
}

func (a *API) idsByGUID(r *http.Request) (any, error) {
	if err := a.mayReadGUID(r, pathParam(r, "guid")); err != nil {
		return nil, err
	}
	ids, err := a.reg.IDsOfGUID(pathParam(r, "guid"))
	if err != nil || a.readFilter(r) == nil {
		return ids, err
	}
	readableIDs := []store.ContextID{}
	for _, c := range ids {
		if a.mayReadID(r, c.ID, contextHint(c.Context)) == nil {
			readableIDs = append(readableIDs, c)
		}
	}
	return readableIDs, nil
}

// contextHint is the subject hint naming a context (Confluent's ContextId
// context: "." for the default one).
func contextHint(ctx string) string {
	if ctx == "." || ctx == "" {
		return ""
	}
	return ":" + ctx + ":"
}

func (a *API) schemaTypes(*http.Request) (any, error) {
	return a.reg.Types(), nil
}

func (a *API) listSchemas(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	af, err := schemaAssociationFilter(r)
	if err != nil {
		return nil, err
	}
	o := store.SchemasOptions{Prefix: queryParam(r, "subjectPrefix"), Readable: a.readFilter(r),
		Deleted: boolQuery(r, "deleted"), LatestOnly: boolQuery(r, "latestOnly"), Associations: af, Paging: p}
	ruleType := queryParam(r, "ruleType") // kept after paging, as Confluent does
	return a.listing(r, p, func(w *arrayWriter) {
		var out schemaJSON // one for every element: encoded at once
		a.reg.EachSchema(o, func(v store.SchemaVersion) bool {
			if ruleType != "" && !hasRuleType(v, ruleType) {
				return true
			}
			out = toSchemaJSON(v)
			return w.value(&out)
		})
	}), nil
}

func hasRuleType(v store.SchemaVersion, typ string) bool {
	if v.RuleSet == nil {
		return false
	}
	for _, rules := range [][]formats.Rule{v.RuleSet.MigrationRules, v.RuleSet.DomainRules, v.RuleSet.EncodingRules} {
		for _, rule := range rules {
			if strings.EqualFold(rule.Type, typ) {
				return true
			}
		}
	}
	return false
}

// format replaces the schema text by the one the format query parameter
// asks for, when the schema's type has it (Protobuf: serialized; Avro:
// resolved); the GUID stays the stored schema's, as Confluent after 8.0.0
// keeps it.
func (a *API) format(out *schemaJSON, id int, subject, format string) error {
	if format == "" {
		return nil
	}
	text, ok, err := a.reg.Formatted(id, subject, format)
	if err != nil {
		return err
	}
	if ok {
		out.Schema = text
	}
	return nil
}

// qualifyReferences writes the references of a schema in a named context
// with that context (referenceFormat=qualified, as Confluent's readers
// answer it): the subject a reference without a context means there.
func qualifyReferences(out *schemaJSON, subject, referenceFormat string) {
	if referenceFormat != "qualified" || len(out.References) == 0 || !strings.HasPrefix(subject, ":.") {
		return
	}
	refs := make([]formats.Reference, len(out.References))
	for i, ref := range out.References {
		ref.Subject = store.QualifyReference(subject, ref.Subject)
		refs[i] = ref
	}
	out.References = refs
}
