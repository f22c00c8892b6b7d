package api

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/schemaregistry/registry/store"
)

// Associations (Confluent's AssociationsResource): topics bound to the
// subjects of their keys and values. Reads are filtered by the caller's read
// limits; writes bind topics and may delete subjects for good, so they need
// the admin level.

func (a *API) associationRoutes() []route {
	if a.opts.NoAssociations {
		return nil // associations.enable=false: every route answers 404, as Confluent's
	}
	return []route{
		{"GET", "/associations/subjects/{subject}", read, a.serve(a.associationsOfSubject)},
		{"GET", "/associations/resources/{resourceId}", read, a.serve(a.associationsOfResourceID)},
		{"GET", "/associations/resources/{namespace}/{name}", read, a.serve(a.associationsOfResource)},
		{"POST", "/associations", admin, a.serve(a.write(a.createAssociations))},
		{"PUT", "/associations/resources/{resourceId}", admin, a.serve(a.write(a.upsertAssociations))},
		{"DELETE", "/associations/resources/{resourceId}", admin, a.serve(a.write(a.deleteAssociations))},
		{"POST", "/associations:batchGet", read, a.serve(a.batchGetAssociations)},
		{"POST", "/associations:batchMutate", admin, a.serve(a.writeEach(a.batchMutateAssociations))},
	}
}

// associationJSON is Confluent's Association entity; frozen is shown only
// when it is not its lifecycle's default.
type associationJSON struct {
	Subject           string `json:"subject,omitempty"`
	GUID              string `json:"guid,omitempty"`
	ResourceName      string `json:"resourceName,omitempty"`
	ResourceNamespace string `json:"resourceNamespace,omitempty"`
	ResourceID        string `json:"resourceId,omitempty"`
	ResourceType      string `json:"resourceType,omitempty"`
	AssociationType   string `json:"associationType,omitempty"`
	Lifecycle         string `json:"lifecycle,omitempty"`
	Frozen            *bool  `json:"frozen,omitempty"`
	CreateTs          int64  `json:"createTs,omitempty"`
	UpdateTs          int64  `json:"updateTs,omitempty"`
}

func frozenShown(lifecycle string, frozen bool) *bool {
	if frozen == (lifecycle == store.Strong) {
		return nil
	}
	return &frozen
}

func toAssociationJSON(as []store.Association) []associationJSON {
	if as == nil {
		return nil
	}
	out := make([]associationJSON, len(as))
	for i, x := range as {
		out[i] = associationJSON{Subject: x.Subject, GUID: x.GUID, ResourceName: x.ResourceName,
			ResourceNamespace: x.ResourceNamespace, ResourceID: x.ResourceID, ResourceType: x.ResourceType,
			AssociationType: x.AssociationType, Lifecycle: x.Lifecycle, Frozen: frozenShown(x.Lifecycle, x.Frozen),
			CreateTs: x.CreateTs, UpdateTs: x.UpdateTs}
	}
	return out
}

// associationResponseJSON is Confluent's AssociationResponse.
type associationResponseJSON struct {
	ResourceName      string                `json:"resourceName,omitempty"`
	ResourceNamespace string                `json:"resourceNamespace,omitempty"`
	ResourceID        string                `json:"resourceId,omitempty"`
	ResourceType      string                `json:"resourceType,omitempty"`
	Associations      []associationInfoJSON `json:"associations,omitempty"`
}

type associationInfoJSON struct {
	Subject         string      `json:"subject,omitempty"`
	AssociationType string      `json:"associationType,omitempty"`
	Lifecycle       string      `json:"lifecycle,omitempty"`
	Frozen          *bool       `json:"frozen,omitempty"`
	Schema          *schemaJSON `json:"schema,omitempty"`
}

func toAssociationInfo(x store.Association, schema *schemaJSON) associationInfoJSON {
	return associationInfoJSON{Subject: x.Subject, AssociationType: x.AssociationType, Lifecycle: x.Lifecycle,
		Frozen: frozenShown(x.Lifecycle, x.Frozen), Schema: schema}
}

func toAssociationResponse(res store.AssociationResponse) associationResponseJSON {
	out := associationResponseJSON{ResourceName: res.ResourceName, ResourceNamespace: res.ResourceNamespace,
		ResourceID: res.ResourceID, ResourceType: res.ResourceType}
	for _, x := range res.Associations {
		info := associationInfoJSON{Subject: x.Subject, AssociationType: x.AssociationType, Lifecycle: x.Lifecycle,
			Frozen: frozenShown(x.Lifecycle, x.Frozen)}
		if x.Schema != nil {
			s := toSchemaJSON(*x.Schema)
			info.Schema = &s
		}
		out.Associations = append(out.Associations, info)
	}
	return out
}

// associationFilter reads the filters of the association reads: a
// lifecycle other than STRONG or WEAK is a 404, as Jersey answers a query
// parameter it cannot convert.
func (a *API) associationFilter(r *http.Request) (store.AssociationFilter, error) {
	p, err := paging(r)
	if err != nil {
		return store.AssociationFilter{}, err
	}
	f := store.AssociationFilter{ResourceType: queryParam(r, "resourceType"), Lifecycle: queryParam(r, "lifecycle"),
		Readable: a.readFilter(r), Paging: p}
	if f.Lifecycle != "" && f.Lifecycle != store.Strong && f.Lifecycle != store.Weak {
		return f, httpError(store.CodeNotFound, "HTTP 404 Not Found")
	}
	if r.URL.RawQuery != "" {
		f.Types = r.URL.Query()["associationType"]
	}
	return f, nil
}

// schemaAssociationFilter reads the association filters of GET /schemas:
// nil when none is given.
func schemaAssociationFilter(r *http.Request) (*store.SchemaAssociationFilter, error) {
	if r.URL.RawQuery == "" {
		return nil, nil
	}
	q := r.URL.Query()
	if !q.Has("resourceType") && !q.Has("associationType") && !q.Has("lifecycle") {
		return nil, nil
	}
	f := &store.SchemaAssociationFilter{Types: q["associationType"], Lifecycles: q["lifecycle"]}
	if q.Has("resourceType") {
		rt := q.Get("resourceType")
		f.ResourceType = &rt
	}
	for _, l := range f.Lifecycles {
		if l != store.Strong && l != store.Weak && l != "NONE" {
			return nil, httpError(store.CodeNotFound, "HTTP 404 Not Found")
		}
	}
	return f, nil
}

func (a *API) associationsOfSubject(r *http.Request) (any, error) {
	f, err := a.associationFilter(r)
	if err != nil {
		return nil, err
	}
	return toAssociationJSON(a.reg.AssociationsOfSubject(pathParam(r, "subject"), f)), nil
}

func (a *API) associationsOfResourceID(r *http.Request) (any, error) {
	f, err := a.associationFilter(r)
	if err != nil {
		return nil, err
	}
	return toAssociationJSON(a.reg.AssociationsOfResourceID(pathParam(r, "resourceId"), f)), nil
}

// associationsOfResource is what the serializers' AssociatedNameStrategy
// asks: the associations of a topic by namespace (the Kafka cluster id, or
// "-" for any) and name ("-" for every resource of the namespace).
func (a *API) associationsOfResource(r *http.Request) (any, error) {
	f, err := a.associationFilter(r)
	if err != nil {
		return nil, err
	}
	return toAssociationJSON(a.reg.AssociationsOfResource(pathParam(r, "namespace"), pathParam(r, "name"), f)), nil
}

func (a *API) createAssociations(r *http.Request) (any, error) {
	return a.associate(r, "", true)
}

func (a *API) upsertAssociations(r *http.Request) (any, error) {
	return a.associate(r, pathParam(r, "resourceId"), false)
}

func (a *API) associate(r *http.Request, pathID string, create bool) (any, error) {
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	var req store.AssociationRequest
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	if !create {
		switch {
		case req.ResourceID == "" && !hasField(body, "resourceId"):
			req.ResourceID = pathID
		case req.ResourceID != pathID:
			return nil, store.ErrInvalidAssociation("resourceId", "Resource ID in the path parameter does not match the resource ID in the request body")
		}
	}
	res, err := a.reg.Associate(r.Context(), req, store.AssociateOptions{Create: create, DryRun: boolQuery(r, "dryRun"), Context: queryParam(r, "context")})
	if err != nil {
		return nil, err
	}
	return toAssociationResponse(res), nil
}

func (a *API) deleteAssociations(r *http.Request) (any, error) {
	var types []string
	if r.URL.RawQuery != "" {
		types = r.URL.Query()["associationType"]
	}
	err := a.reg.Dissociate(r.Context(), pathParam(r, "resourceId"), store.DissociateOptions{ResourceType: queryParam(r, "resourceType"),
		Types: types, Cascade: boolQuery(r, "cascadeLifecycle"), DryRun: boolQuery(r, "dryRun")})
	if err != nil {
		return nil, err
	}
	return noContent{}, nil
}

// multiStatus is an answer sent with 207 (the batch routes).
type multiStatus struct{ v any }

type batchResultJSON struct {
	Error  *errorBody               `json:"error,omitempty"`
	Result *associationResponseJSON `json:"result,omitempty"`
}

type batchResponseJSON struct {
	Results []batchResultJSON `json:"results"`
}

func batchError(err error) batchResultJSON {
	e := store.AsError(err)
	return batchResultJSON{Error: &errorBody{ErrorCode: e.Code, Message: e.Message}}
}

// readBatch reads the items of a batch request; none is a 42212.
func readBatch[T any](a *API, r *http.Request) ([]T, error) {
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	var req struct {
		Requests []T `json:"requests"`
	}
	if err := decodeJSON(body, &req); err != nil {
		return nil, err
	}
	if len(req.Requests) == 0 {
		return nil, store.ErrInvalidAssociation("requests", "cannot be null or empty")
	}
	return req.Requests, nil
}

// resourceJSON names the resource of a batch item.
type resourceJSON struct {
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
	ResourceID        string `json:"resourceId"`
	ResourceType      string `json:"resourceType"`
}

// batchGetAssociations answers the associations of several resources, by
// id or by namespace and name, each with its result or error.
func (a *API) batchGetAssociations(r *http.Request) (any, error) {
	requests, err := readBatch[struct {
		resourceJSON
		AssociationTypes []string `json:"associationTypes"`
		Lifecycle        string   `json:"lifecycle"`
	}](a, r)
	if err != nil {
		return nil, err
	}
	for _, q := range requests {
		if err := store.CheckLifecycle(q.Lifecycle); err != nil {
			return nil, err
		}
	}
	withSchemas := boolQuery(r, "includeSchemas")
	out := batchResponseJSON{Results: []batchResultJSON{}}
	for _, q := range requests {
		fail := func(detail string, property string) {
			out.Results = append(out.Results, batchResultJSON{Error: &errorBody{ErrorCode: store.CodeInternal,
				Message: "Error while getting associations: property: " + property + "; detail: " + detail}})
		}
		switch {
		case q.ResourceID == "" && q.ResourceName == "":
			fail("either resourceId or resourceName must be specified", "resourceId")
			continue
		case q.ResourceID == "" && q.ResourceNamespace == "":
			fail("resourceNamespace is required when resourceName is specified", "resourceNamespace")
			continue
		}
		f := store.AssociationFilter{ResourceType: q.ResourceType, Types: q.AssociationTypes, Lifecycle: q.Lifecycle,
			Readable: a.readFilter(r), Paging: store.Paging{Limit: -1}}
		var found []store.Association
		if q.ResourceID != "" {
			found = a.reg.AssociationsOfResourceID(q.ResourceID, f)
		} else {
			found = a.reg.AssociationsOfResource(q.ResourceNamespace, q.ResourceName, f)
			found = slices.DeleteFunc(found, func(x store.Association) bool { return x.ResourceName != q.ResourceName })
		}
		res := associationResponseJSON{ResourceName: q.ResourceName, ResourceNamespace: q.ResourceNamespace,
			ResourceID: q.ResourceID, ResourceType: cmpOr(q.ResourceType, store.ResourceTopic)}
		if len(found) > 0 {
			first := found[0]
			for _, x := range found[1:] {
				if x.ResourceID != first.ResourceID || x.ResourceNamespace != first.ResourceNamespace {
					res.Associations = nil
					out.Results = append(out.Results, batchResultJSON{Error: &errorBody{ErrorCode: store.CodeInternal,
						Message: "Error while getting associations: All associations must have the same resourceName, resourceNamespace, resourceId, and resourceType."}})
					goto next
				}
			}
			res.ResourceName, res.ResourceNamespace, res.ResourceID = first.ResourceName, first.ResourceNamespace, first.ResourceID
			for _, x := range found {
				var schema *schemaJSON
				if withSchemas {
					if sv, err := a.reg.Version(x.Subject, store.LatestVersion, store.LiveOnly); err == nil {
						s := toSchemaJSON(sv)
						schema = &s
					}
				}
				res.Associations = append(res.Associations, toAssociationInfo(x, schema))
			}
		}
		out.Results = append(out.Results, batchResultJSON{Result: &res})
	next:
	}
	return multiStatus{out}, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// batchOp is one operation of a batchMutate item: CREATE and UPSERT carry
// an association, DELETE a type.
type batchOp struct {
	OpType string `json:"opType"`
	store.AssociationInfo
	CascadeLifecycle *bool `json:"cascadeLifecycle,omitempty"`
}

// batchMutateAssociations runs each item's operations in order: adjacent
// CREATEs (or UPSERTs) as one write, each DELETE as one. An item's earlier
// writes stay when a later one fails, as Confluent's; each item answers
// its resource's associations after it, or its error.
func (a *API) batchMutateAssociations(r *http.Request) (any, error) {
	requests, err := readBatch[struct {
		resourceJSON
		Associations []batchOp  `json:"associations"`
		Error        *errorBody `json:"error"`
	}](a, r)
	if err != nil {
		return nil, err
	}
	for _, item := range requests {
		for _, op := range item.Associations {
			if err := store.CheckLifecycle(op.Lifecycle); err != nil {
				return nil, err
			}
			switch op.OpType {
			case "CREATE", "UPSERT", "DELETE":
			case "":
				return nil, httpError(store.CodeBadRequest, "Could not resolve subtype of [simple type, class io.confluent.kafka.schemaregistry.client.rest.entities.requests.AssociationOp]: missing type id property 'opType'")
			default:
				return nil, httpError(store.CodeBadRequest, "Could not resolve type id '%s' as a subtype of [simple type, class io.confluent.kafka.schemaregistry.client.rest.entities.requests.AssociationOp]: known type ids = [CREATE, DELETE, UPSERT]", op.OpType)
			}
		}
	}
	dryRun, ctxParam := boolQuery(r, "dryRun"), queryParam(r, "context")
	out := batchResponseJSON{Results: []batchResultJSON{}}
	for _, item := range requests {
		if item.Error != nil {
			out.Results = append(out.Results, batchResultJSON{Error: item.Error})
			continue
		}
		base := store.AssociationRequest{ResourceName: item.ResourceName, ResourceNamespace: item.ResourceNamespace,
			ResourceID: item.ResourceID, ResourceType: item.ResourceType}
		if err := store.ValidateBatchItem(&base, opsOf(item.Associations), dryRun); err != nil {
			out.Results = append(out.Results, batchMutateError(err))
			continue
		}
		ctx, cancel := a.writeContext(r.Context()) // each item within the write timeout
		schemas := map[string]*schemaJSON{}
		var failed error
		ops := item.Associations
		for i := 0; i < len(ops) && failed == nil; {
			if ops[i].OpType == "DELETE" {
				failed = a.reg.Dissociate(ctx, base.ResourceID, store.DissociateOptions{ResourceType: base.ResourceType,
					Types: []string{cmpOr(ops[i].AssociationType, "value")}, Cascade: ops[i].CascadeLifecycle != nil && *ops[i].CascadeLifecycle,
					DryRun: dryRun, Quiet: true})
				i++
				continue
			}
			j := i
			run := base
			for ; j < len(ops) && ops[j].OpType == ops[i].OpType; j++ {
				run.Associations = append(run.Associations, ops[j].AssociationInfo)
			}
			res, err := a.reg.Associate(ctx, run, store.AssociateOptions{Create: ops[i].OpType == "CREATE", DryRun: dryRun, Context: ctxParam})
			if err != nil {
				failed = err
				break
			}
			for _, x := range res.Associations {
				if x.Schema != nil {
					s := toSchemaJSON(*x.Schema)
					schemas[x.AssociationType] = &s
				}
			}
			i = j
		}
		cancel()
		if failed != nil {
			out.Results = append(out.Results, batchMutateError(failed))
			continue
		}
		res := associationResponseJSON{ResourceName: base.ResourceName, ResourceNamespace: base.ResourceNamespace,
			ResourceID: base.ResourceID, ResourceType: base.ResourceType}
		if !dryRun {
			for _, x := range a.reg.AssociationsOfResourceID(base.ResourceID, store.AssociationFilter{ResourceType: base.ResourceType, Paging: store.Paging{Limit: -1}}) {
				res.Associations = append(res.Associations, toAssociationInfo(x, schemas[x.AssociationType]))
			}
		}
		out.Results = append(out.Results, batchResultJSON{Result: &res})
	}
	return multiStatus{out}, nil
}

func opsOf(ops []batchOp) []store.BatchOp {
	out := make([]store.BatchOp, len(ops))
	for i, op := range ops {
		out[i] = store.BatchOp{OpType: op.OpType, Info: op.AssociationInfo}
	}
	return out
}

// batchMutateError is an item's error as Confluent's batch maps it: an
// invalid schema is 42212 there, and errors it does not map are 500s.
func batchMutateError(err error) batchResultJSON {
	e := store.AsError(err)
	switch e.Code {
	case store.CodeInvalidSchema:
		return batchResultJSON{Error: &errorBody{ErrorCode: store.CodeInvalidAssociation, Message: e.Message}}
	case store.CodeInvalidAssociation, store.CodeResourceAssociationExists, store.CodeSubjectAssociationExists,
		store.CodeAssociationFrozen, store.CodeNoActiveVersion, store.CodeStrongAssociationExists,
		store.CodeReferenceExists, store.CodeSchemaTooLarge, store.CodeIncompatibleSchema, store.CodeBadRequest:
		return batchError(e)
	}
	return batchResultJSON{Error: &errorBody{ErrorCode: store.CodeInternal, Message: "Error while creating association: " + e.Message}}
}

// hasField reports whether a JSON object gives a field a non-null value.
func hasField(body []byte, name string) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	v, ok := m[name]
	return ok && string(v) != "null"
}
