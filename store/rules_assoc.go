package store

import (
	"context"
	"crypto/rand"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
)

// Confluent's association rules (AbstractSchemaRegistry /
// KafkaSchemaRegistry createOrUpdateAssociation and deleteAssociations), as
// decisions. Unlike Confluent, a write is one append: the schemas an
// association registers and its ASSOC records land together or not at all,
// and a STRONG association's subject is deleted with it in the same append.

// AssociationRequest is the body of POST /associations and PUT
// /associations/resources/{id} (AssociationCreateOrUpdateRequest).
type AssociationRequest struct {
	ResourceName      string            `json:"resourceName,omitempty"`
	ResourceNamespace string            `json:"resourceNamespace,omitempty"`
	ResourceID        string            `json:"resourceId,omitempty"`
	ResourceType      string            `json:"resourceType,omitempty"`
	Associations      []AssociationInfo `json:"associations,omitempty"`
}

// AssociationInfo is one association of a request; nil fields are unset.
type AssociationInfo struct {
	Subject         *string        `json:"subject,omitempty"`
	AssociationType string         `json:"associationType,omitempty"`
	Lifecycle       string         `json:"lifecycle,omitempty"`
	Frozen          *bool          `json:"frozen,omitempty"`
	Schema          *SchemaRequest `json:"schema,omitempty"`
	Normalize       *bool          `json:"normalize,omitempty"`
}

// AssociateOptions are the query options of an association write.
type AssociateOptions struct {
	Create  bool   // POST (create) rather than PUT (create or update)
	DryRun  bool   // check only
	Context string // ":.ctx:" puts the request's unqualified subjects in that context
}

// AssociationWritten is one association a write answers: the schema it
// registered, if any.
type AssociationWritten struct {
	Subject, AssociationType, Lifecycle string
	Frozen                              bool
	Schema                              *SchemaVersion
}

// AssociationResponse answers an association write.
type AssociationResponse struct {
	ResourceName, ResourceNamespace, ResourceID, ResourceType string
	Associations                                              []AssociationWritten
}

func errInvalidAssociation(property, detail string, args ...any) *Error {
	return errorf(CodeInvalidAssociation, "The association specified an invalid value for property: '%s', detail: %s", property, fmt.Sprintf(detail, args...))
}

// checkResourceName is Confluent's RestValidation.checkName.
func checkResourceName(value, property string) error {
	if value == "" {
		return errInvalidAssociation(property, "cannot be null or empty")
	}
	units := utf16.Encode([]rune(value))
	if len(units) > 256 {
		return errInvalidAssociation(property, "exceeds max length of 256")
	}
	for _, c := range value {
		if c > 0xFFFF || !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '-') {
			return errInvalidAssociation(property, "illegal character '%c'", c)
		}
	}
	return nil
}

func checkAssociationSubject(s *string) error {
	if s == nil {
		return nil
	}
	if *s == "" || strings.ContainsFunc(*s, func(c rune) bool { return c <= 0x1f || c >= 0x7f && c <= 0x9f }) {
		return errInvalidAssociation("subject", "must not be empty")
	}
	return nil
}

func (req *AssociationRequest) defaultSubject(associationType string) string {
	return ":." + req.ResourceNamespace + ":" + req.ResourceName + "-" + associationType
}

// applyDefaults is Confluent's applyDefaults: a schema makes the
// association STRONG, no schema WEAK; STRONG is frozen.
func (info *AssociationInfo) applyDefaults(create bool) error {
	if !create && info.Schema != nil {
		return errInvalidAssociation("schema", "cannot be provided when adding an association to an existing topic; an association with a schema must be created with the topic")
	}
	if info.Schema != nil {
		if info.Lifecycle == Weak {
			return errInvalidAssociation("lifecycle", "cannot be WEAK when schema is provided")
		}
		if info.Frozen != nil && !*info.Frozen {
			return errInvalidAssociation("frozen", "cannot be false when a schema is provided")
		}
		info.Lifecycle = Strong
	} else if info.Lifecycle == "" {
		info.Lifecycle = Weak
	}
	desired := info.Lifecycle == Strong
	if info.Frozen != nil && *info.Frozen != desired {
		return errInvalidAssociation("frozen", "association with lifecycle of %s cannot be frozen=%t", info.Lifecycle, *info.Frozen)
	}
	info.Frozen = &desired
	return nil
}

// ValidateAssociationResource checks the resource part of a request and
// defaults its type (Confluent's validate, steps 1 to 3).
func (req *AssociationRequest) validateResource(dryRun bool) error {
	if err := checkResourceName(req.ResourceName, "resourceName"); err != nil {
		return err
	}
	if err := checkResourceName(req.ResourceNamespace, "resourceNamespace"); err != nil {
		return err
	}
	if !dryRun && req.ResourceID == "" {
		return errInvalidAssociation("resourceId", "cannot be null or empty")
	}
	if req.ResourceType != "" && req.ResourceType != ResourceTopic {
		return errInvalidAssociation("resourceType", "must be 'topic'")
	}
	req.ResourceType = ResourceTopic
	return nil
}

func checkAssociationType(t *string) error {
	if *t == "" {
		*t = "value"
	}
	if *t != "key" && *t != "value" {
		return errInvalidAssociation("associationType", "must be either 'key' or 'value'")
	}
	return nil
}

// CheckLifecycle refuses a lifecycle other than STRONG and WEAK as
// Confluent's JSON reader does (400); "" is none.
func CheckLifecycle(l string) error { return checkLifecycle(l) }

func checkLifecycle(l string) error {
	if l != "" && l != Strong && l != Weak {
		return errorf(CodeBadRequest, "Cannot deserialize value of type `LifecyclePolicy` from String \"%s\": not one of the values accepted for Enum class: [STRONG, WEAK]", l)
	}
	return nil
}

// validate is Confluent's AssociationCreateOrUpdateRequest.validate.
func (req *AssociationRequest) validate(create, dryRun bool) error {
	for _, info := range req.Associations {
		if err := checkLifecycle(info.Lifecycle); err != nil {
			return err
		}
	}
	if err := req.validateResource(dryRun); err != nil {
		return err
	}
	if len(req.Associations) == 0 {
		return errInvalidAssociation("associations", "cannot be null or empty")
	}
	for i := range req.Associations {
		info := &req.Associations[i]
		if err := info.validate(create); err != nil {
			return err
		}
		if create {
			if err := req.createSubject(info); err != nil {
				return err
			}
		}
	}
	return nil
}

// validate checks one association of a request: its lifecycle, subject
// and type, with the create defaults when creating, and what WEAK forbids.
func (info *AssociationInfo) validate(create bool) error {
	if err := checkLifecycle(info.Lifecycle); err != nil {
		return err
	}
	if err := checkAssociationSubject(info.Subject); err != nil {
		return err
	}
	if create {
		if err := info.applyDefaults(true); err != nil {
			return err
		}
	}
	if err := checkAssociationType(&info.AssociationType); err != nil {
		return err
	}
	if info.Lifecycle == Weak {
		switch {
		case info.Schema != nil:
			return errInvalidAssociation("lifecycle", "cannot be WEAK when schema is provided")
		case info.Frozen != nil && *info.Frozen:
			return errInvalidAssociation("frozen", "association with lifecycle of WEAK cannot be frozen")
		case create && info.Subject == nil:
			return errInvalidAssociation("subject", "must be provided for WEAK associations")
		}
	}
	return nil
}

// createSubject gives a created association the resource's default
// subject when it names none: the subject of a frozen association, and
// never a WEAK one's.
func (req *AssociationRequest) createSubject(info *AssociationInfo) error {
	def := req.defaultSubject(info.AssociationType)
	if info.Subject == nil {
		info.Subject = &def
	}
	if info.Frozen != nil && *info.Frozen && *info.Subject != def {
		return errInvalidAssociation("subject", "frozen associations must use subject '%s'", def)
	}
	if info.Lifecycle == Weak && *info.Subject == def {
		return errInvalidAssociation("subject", "WEAK associations cannot use subject '%s'", def)
	}
	return nil
}

// inContext puts a subject without a context in the context of the
// request's context parameter (":.ctx:" or ":.ctx"; other forms are
// ignored, as Confluent ignores them).
func inContext(ctxParam, subject string) string {
	if !strings.HasPrefix(ctxParam, ":.") || strings.HasPrefix(subject, ":.") {
		return subject
	}
	ctx := contextOf(ctxParam)
	if ctx == defaultContext {
		return subject
	}
	return ":" + ctx + ":" + subject
}

func errReadOnlySubject(subject string) *Error {
	return errorf(CodeOperationNotPermitted, "Subject %s in context %s is in read-only mode", plainSubject(subject), contextOf(subject))
}

// existingAssociations is step 3: the stored associations of the
// request's resource by type; a dry run of a create without a resource id
// (a topic not created yet) looks the resource up by name instead, in its
// most recently updated incarnation.
func (st *state) existingAssociations(req *AssociationRequest, create, dryRun bool) map[string]*Association {
	types := map[string]bool{}
	for _, info := range req.Associations {
		types[info.AssociationType] = true
	}
	out := map[string]*Association{}
	if req.ResourceID != "" {
		for _, a := range st.assocs.byResource[req.ResourceID] {
			if a.ResourceType == req.ResourceType && types[a.AssociationType] {
				out[a.AssociationType] = a
			}
		}
		return out
	}
	if !create || !dryRun {
		return out
	}
	for _, a := range st.assocs.byName[req.ResourceName] {
		if a.ResourceNamespace != req.ResourceNamespace || a.ResourceType != req.ResourceType {
			continue
		}
		if cur := out[a.AssociationType]; cur == nil || newerAssociation(a, cur) {
			out[a.AssociationType] = a
		}
	}
	// Only the most recent resource's.
	var newest *Association
	for _, a := range out {
		if newest == nil || newerAssociation(a, newest) {
			newest = a
		}
	}
	for t, a := range out {
		if a.ResourceID != newest.ResourceID {
			delete(out, t)
		}
	}
	return out
}

func newerAssociation(a, b *Association) bool {
	if a.UpdateTs != b.UpdateTs {
		return a.UpdateTs > b.UpdateTs
	}
	if a.CreateTs != b.CreateTs {
		return a.CreateTs > b.CreateTs
	}
	return a.ResourceID > b.ResourceID
}

// schemaSubjects resolves the subject of each association of the request
// that carries a schema (what its candidate is parsed for), as the decision
// will: its own, else the stored association's, else the default one.
func (st *state) schemaSubjects(req *AssociationRequest, o AssociateOptions) map[int]string {
	existing := st.existingAssociations(req, o.Create, o.DryRun)
	out := map[int]string{}
	for i, info := range req.Associations {
		if info.Schema == nil {
			continue
		}
		switch {
		case info.Subject != nil:
			out[i] = *info.Subject
		case existing[info.AssociationType] != nil:
			out[i] = existing[info.AssociationType].Subject
		default:
			out[i] = req.defaultSubject(info.AssociationType)
		}
	}
	return out
}

// Associate creates (o.Create) or creates and updates the associations of
// a resource, registering the schemas they carry in the same write.
func (r *Registry) Associate(ctx context.Context, req AssociationRequest, o AssociateOptions) (AssociationResponse, error) {
	if err := req.validate(o.Create, o.DryRun); err != nil {
		return AssociationResponse{}, err
	}
	for i := range req.Associations {
		if s := req.Associations[i].Subject; s != nil {
			q := NormalizeSubject(inContext(o.Context, *s))
			req.Associations[i].Subject = &q
		}
	}
	// Parse the schemas before the write lock, for the subjects they will
	// be registered under; the decision checks the subjects again.
	r.mu.RLock()
	subjects := r.st.schemaSubjects(&req, o)
	r.mu.RUnlock()
	cands := map[int]*candidate{}
	for i, subject := range subjects {
		sr := *req.Associations[i].Schema
		if err := r.checkLimits(sr); err != nil {
			return AssociationResponse{}, err
		}
		if err := r.settings.validNewSubject(subject); err != nil {
			return AssociationResponse{}, err
		}
		if err := validateRuleSet(sr.RuleSet); err != nil {
			return AssociationResponse{}, err
		}
		normalize := req.Associations[i].Normalize != nil && *req.Associations[i].Normalize
		sr, err := r.withTags(subject, sr, normalize)
		if err != nil {
			return AssociationResponse{}, err
		}
		c, err := r.candidate(subject, sr, normalize, forRegistration)
		if err != nil {
			return AssociationResponse{}, err
		}
		cands[i] = c
	}
	plan, err := commit(ctx, r, func(w *view) ([]Record, associationPlan, error) {
		return w.decideAssociate(&req, o, subjects, cands)
	})
	if err != nil {
		return AssociationResponse{}, err
	}
	out := AssociationResponse{ResourceName: req.ResourceName, ResourceNamespace: req.ResourceNamespace,
		ResourceID: req.ResourceID, ResourceType: req.ResourceType}
	if o.DryRun {
		return out, nil
	}
	for _, p := range plan.written {
		aw := AssociationWritten{Subject: p.assoc.Subject, AssociationType: p.assoc.AssociationType,
			Lifecycle: p.assoc.Lifecycle, Frozen: p.assoc.Frozen}
		if sv, ok := plan.schemaOf(p.assoc.AssociationType, r); ok {
			aw.Schema = &sv
		}
		out.Associations = append(out.Associations, aw)
	}
	return out, nil
}

// associationPlan is what an association decision answers: the
// associations written and the schemas registered, by association type.
type associationPlan struct {
	written    []plannedAssociation
	registered map[string]registerAnswer
	subjects   map[string]string
}

type plannedAssociation struct {
	assoc *Association
}

func (p associationPlan) schemaOf(associationType string, r *Registry) (SchemaVersion, bool) {
	a, ok := p.registered[associationType]
	if !ok {
		return SchemaVersion{}, false
	}
	if a.existing != nil {
		return *a.existing, true
	}
	sv, err := r.written(p.subjects[associationType], a.version, nil)
	return sv, err == nil
}

// decideAssociate is Confluent's createOrUpdateAssociation, steps 1 to 11.
func (w *view) decideAssociate(req *AssociationRequest, o AssociateOptions, subjects map[int]string, cands map[int]*candidate) ([]Record, associationPlan, error) {
	st := w.st
	var none associationPlan
	// 1. Read-only subjects.
	for _, info := range req.Associations {
		if info.Subject != nil && st.mode(*info.Subject).readOnly() {
			return nil, none, errReadOnlySubject(*info.Subject)
		}
	}
	// 2. One association a type.
	seen := map[string]bool{}
	for _, info := range req.Associations {
		if seen[info.AssociationType] {
			return nil, none, errInvalidAssociation("associationType", "may only appear once per request, but '%s' appears more than once", info.AssociationType)
		}
		seen[info.AssociationType] = true
	}
	// 3. The stored ones.
	existing := st.existingAssociations(req, o.Create, o.DryRun)
	// 4. Each association against its stored one.
	infos := slices.Clone(req.Associations)
	skip := map[string]bool{}
	for i := range infos {
		info := &infos[i]
		e := existing[info.AssociationType]
		if e == nil && !o.Create {
			if err := info.applyDefaults(false); err != nil {
				return nil, none, err
			}
		}
		def := req.defaultSubject(info.AssociationType)
		if info.Subject == nil {
			switch {
			case e != nil:
				info.Subject = &e.Subject
			case info.Lifecycle == Strong:
				info.Subject = &def
			default:
				return nil, none, errInvalidAssociation("subject", "must be provided for WEAK associations")
			}
		}
		subject := *info.Subject
		eff := info.Lifecycle
		if eff == "" && e != nil {
			eff = e.Lifecycle
		}
		if eff == "" {
			return nil, none, errInvalidAssociation("lifecycle", "lifecycle must be set")
		}
		if eff == Weak {
			if info.Schema != nil {
				return nil, none, errInvalidAssociation("lifecycle", "cannot be WEAK when schema is provided")
			}
			if subject == def {
				return nil, none, errInvalidAssociation("subject", "WEAK associations cannot use subject '%s'", def)
			}
		}
		frozen := info.Frozen != nil && *info.Frozen
		if e != nil {
			frozen = e.Frozen
		}
		requested := frozen
		if info.Frozen != nil {
			requested = *info.Frozen
		}
		if requested != (eff == Strong) {
			return nil, none, errInvalidAssociation("frozen", "association with lifecycle of %s cannot be frozen=%t", eff, requested)
		}
		if frozen && subject != def {
			return nil, none, errInvalidAssociation("subject", "frozen associations must use subject '%s'", def)
		}
		importing := st.mode(subject).importing()
		switch {
		case e == nil:
			if !o.Create && eff == Strong && !importing {
				return nil, none, errInvalidAssociation("lifecycle", "cannot be STRONG when creating an association; STRONG associations must be created with the topic")
			}
			if info.Frozen != nil && *info.Frozen && !importing {
				if o.Create && info.Schema == nil {
					return nil, none, errInvalidAssociation("schema", "schema must be provided when creating a frozen association")
				}
				if s := st.subjects[subject]; s != nil {
					if latest := s.latest(LiveOnly); latest != nil {
						c := cands[i]
						if info.Schema == nil || latest.version != 1 || c == nil || st.findInSubject(subject, c, LiveOnly) == nil {
							return nil, none, errInvalidAssociation("frozen", "cannot create a frozen association when schemas already exist in the subject")
						}
					}
				}
			}
		case e.Subject == subject && (info.Lifecycle == "" || info.Lifecycle == e.Lifecycle) && (info.Frozen == nil || *info.Frozen == e.Frozen):
			// The same association: nothing to write, but a schema it
			// carries is registered (a new version of the topic's subject).
			if o.Create && info.Schema != nil && (cands[i] == nil || st.findInSubject(subject, cands[i], LiveOnly) == nil) {
				return nil, none, errorf(CodeResourceAssociationExists, "An association of type '%s' already exists for resource '%s'", e.AssociationType, e.ResourceName)
			}
			skip[info.AssociationType] = true
		default:
			switch {
			case o.Create:
				return nil, none, errorf(CodeResourceAssociationExists, "An association of type '%s' already exists for resource '%s'", e.AssociationType, e.ResourceName)
			case info.Lifecycle == "" && info.Schema == nil:
				return nil, none, errInvalidAssociation("lifecycle", "at least lifecycle or schema must be provided for update")
			case subject != e.Subject:
				return nil, none, errInvalidAssociation("subject", "subject of association cannot be changed from '%s' to '%s'", e.Subject, subject)
			case e.Lifecycle == Strong && info.Lifecycle == Weak && e.Subject == def:
				return nil, none, errInvalidAssociation("lifecycle", "cannot change to WEAK when subject matches default format '%s'", def)
			case info.Frozen != nil && *info.Frozen != e.Frozen:
				return nil, none, errInvalidAssociation("frozen", "frozen attribute of association cannot be changed")
			case e.Frozen:
				return nil, none, errorf(CodeAssociationFrozen, "The association of type  '%s' is frozen for subject '%s'", e.AssociationType, e.Subject)
			}
		}
		info.Lifecycle = eff
		info.Frozen = &requested
	}
	// 5. One lifecycle a resource.
	var stored []*Association
	if req.ResourceID != "" {
		for _, a := range st.assocs.byResource[req.ResourceID] {
			if a.ResourceType == req.ResourceType {
				stored = append(stored, a)
			}
		}
	} else {
		for _, a := range existing {
			stored = append(stored, a)
		}
	}
	slices.SortFunc(stored, compareAssociations)
	var order []string
	lifecycles := map[string]string{}
	for _, a := range stored {
		if _, ok := lifecycles[a.AssociationType]; !ok {
			order = append(order, a.AssociationType)
		}
		lifecycles[a.AssociationType] = a.Lifecycle
	}
	for _, info := range infos {
		if _, ok := lifecycles[info.AssociationType]; !ok {
			order = append(order, info.AssociationType)
		}
		lifecycles[info.AssociationType] = info.Lifecycle
	}
	for _, t := range order[min(1, len(order)):] {
		if lifecycles[t] != lifecycles[order[0]] {
			var parts []string
			for _, t := range order {
				parts = append(parts, t+"="+lifecycles[t])
			}
			return nil, none, errInvalidAssociation("lifecycle", "all associations for a resource must have the same lifecycle, but got %s", strings.Join(parts, ", "))
		}
	}
	// 6 and 7. The subjects.
	for i, info := range infos {
		subject := *info.Subject
		if info.Schema != nil && st.mode(subject).importing() {
			return nil, none, errInvalidAssociation("schema", "cannot be provided while subject '%s' is in IMPORT mode", subject)
		}
		if info.Schema == nil {
			if s := st.subjects[subject]; s == nil || s.latest(LiveOnly) == nil {
				return nil, none, errorf(CodeNoActiveVersion, "No active (non-deleted) version exists for subject '%s'", subject)
			}
		}
		e := existing[info.AssociationType]
		var others []*Association
		for _, a := range st.assocs.bySubject[subject] {
			if e == nil || a.key() != e.key() {
				others = append(others, a)
			}
		}
		if info.Lifecycle == Strong {
			if len(others) > 0 {
				return nil, none, errorf(CodeSubjectAssociationExists, "An association already exists for subject '%s'", subject)
			}
			if st.referencedAtAll(subject) || referencedByOthers(infos, cands, i, subject) {
				return nil, none, errorf(CodeReferenceExists, "One or more references exist to the schema %s.", subject)
			}
		} else {
			for _, a := range others {
				if a.Lifecycle == Strong {
					return nil, none, errorf(CodeStrongAssociationExists, "A strong association already exists for subject '%s'", subject)
				}
			}
		}
	}
	// 8 to 10. The schemas, registered as POST /subjects/{s}/versions would.
	plan := associationPlan{registered: map[string]registerAnswer{}, subjects: map[string]string{}}
	var recs []Record
	for i, info := range infos {
		if info.Schema == nil {
			continue
		}
		c := cands[i]
		if c == nil || subjects[i] != *info.Subject {
			return nil, none, errorf(CodeStoreError, "Error while writing to the store: the associations of resource '%s' changed during the write; try again", req.ResourceName)
		}
		rs, answer, err := w.decideRegister(registration{subject: *info.Subject, c: c})
		if err != nil {
			return nil, none, err
		}
		recs = append(recs, rs...)
		plan.registered[info.AssociationType] = answer
		plan.subjects[info.AssociationType] = *info.Subject
	}
	if o.DryRun {
		return nil, plan, nil
	}
	// 11. The associations.
	for _, info := range infos {
		if skip[info.AssociationType] {
			continue
		}
		a := &Association{GUID: newGUID(), ResourceName: req.ResourceName, ResourceNamespace: req.ResourceNamespace,
			ResourceID: req.ResourceID, ResourceType: req.ResourceType, AssociationType: info.AssociationType,
			Subject: *info.Subject, Lifecycle: info.Lifecycle, Frozen: *info.Frozen}
		if e := existing[info.AssociationType]; e != nil {
			b := *e
			b.Lifecycle, b.Frozen = info.Lifecycle, *info.Frozen
			a = &b
		}
		recs = append(recs, assocRecord(a, false))
		plan.written = append(plan.written, plannedAssociation{assoc: a})
	}
	return recs, plan, nil
}

// referencedAtAll reports whether any version of subject, soft-deleted
// ones included, is referenced by any schema, soft-deleted ones included.
func (st *state) referencedAtAll(subject string) bool {
	s := st.subjects[subject]
	if s == nil {
		return false
	}
	for _, v := range s.versions {
		if st.referenced(subject, v.version, referrerScope{deleted: true}) {
			return true
		}
	}
	return false
}

// referencedByOthers reports whether another schema of the request refers
// to subject.
func referencedByOthers(infos []AssociationInfo, cands map[int]*candidate, self int, subject string) bool {
	for i, c := range cands {
		if i == self || c == nil {
			continue
		}
		for _, ref := range c.refs {
			if qualify(*infos[i].Subject, ref.Subject) == subject {
				return true
			}
		}
	}
	return false
}

// DissociateOptions are the options of an association delete.
type DissociateOptions struct {
	ResourceType string   // "" is "topic"
	Types        []string // none is every type
	Cascade      bool     // delete a STRONG association's subject with it
	DryRun       bool
	Quiet        bool // nothing to delete is no error (batch deletes)
}

// Dissociate deletes the associations of a resource; with Cascade, the
// subjects of its STRONG ones are deleted for good in the same write
// (unless in IMPORT mode), as Confluent deletes them soft then hard.
func (r *Registry) Dissociate(ctx context.Context, resourceID string, o DissociateOptions) error {
	_, err := commit(ctx, r, func(w *view) ([]Record, struct{}, error) { return w.decideDissociate(resourceID, o) })
	return err
}

func (w *view) decideDissociate(resourceID string, o DissociateOptions) ([]Record, struct{}, error) {
	st := w.st
	f := AssociationFilter{ResourceType: o.ResourceType, Types: o.Types}
	var list []*Association
	for _, a := range st.assocs.byResource[resourceID] {
		if f.match(a) {
			list = append(list, a)
		}
	}
	if len(list) == 0 {
		if o.Quiet {
			return nil, struct{}{}, nil
		}
		return nil, struct{}{}, errorf(CodeAssociationNotFound, "Association for '%s' not found.", resourceID)
	}
	slices.SortFunc(list, compareAssociations)
	for _, a := range list {
		if st.mode(a.Subject).readOnly() {
			return nil, struct{}{}, errReadOnlySubject(a.Subject)
		}
		if !o.Cascade && a.Frozen {
			return nil, struct{}{}, errorf(CodeAssociationFrozen, "The association of type  '%s' is frozen for subject '%s'", a.AssociationType, a.Subject)
		}
	}
	var recs []Record
	for _, a := range list {
		recs = append(recs, assocRecord(a, true))
		if !o.Cascade || a.Lifecycle != Strong || st.mode(a.Subject).importing() {
			continue
		}
		del, err := st.deleteSubjectForGood(a.Subject)
		if err != nil {
			return nil, struct{}{}, err
		}
		recs = append(recs, del...)
	}
	if o.DryRun {
		return nil, struct{}{}, nil
	}
	return recs, struct{}{}, nil
}

// deleteSubjectForGood is a soft delete of a subject's live versions
// followed by the permanent delete of all of them, its config and mode.
func (st *state) deleteSubjectForGood(subject string) ([]Record, error) {
	s := st.subjects[subject]
	if s == nil || len(s.versions) == 0 {
		return nil, nil
	}
	var recs []Record
	if len(s.live()) > 0 {
		last := s.versions[len(s.versions)-1].version
		recs = append(recs, Record{Key: recordKey{Type: keyDeleteSubject, Subject: subject}.bytes(),
			Value: marshal(deleteSubjectValue{Subject: subject, Version: last})})
	}
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if st.referenced(subject, v.version, referrerScope{deleted: true, otherSubjects: true}) {
			return nil, errorf(CodeReferenceExists, "One or more references exist to the schema %s.", subject)
		}
		recs = append(recs, schemaTombstone(subject, v.version))
	}
	return append(recs, st.subjectSettingsTombstones(subject)...), nil
}

// newGUID is a random UUID (version 4), as Confluent gives associations.
func newGUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// ErrInvalidAssociation is a 42212: a request property with a bad value.
func ErrInvalidAssociation(property, detail string) *Error {
	return errInvalidAssociation(property, "%s", detail)
}

// BatchOp is one operation of a batchMutate item.
type BatchOp struct {
	OpType string // CREATE, UPSERT or DELETE
	Info   AssociationInfo
}

// ValidateBatchItem is Confluent's AssociationOpRequest.validate: the
// resource, then each operation, a type at most once in the item.
func ValidateBatchItem(req *AssociationRequest, ops []BatchOp, dryRun bool) error {
	if err := req.validateResource(dryRun); err != nil {
		return err
	}
	if len(ops) == 0 {
		return errInvalidAssociation("associations", "cannot be null or empty")
	}
	seen := map[string]bool{}
	for i := range ops {
		info := &ops[i].Info
		if ops[i].OpType == "DELETE" {
			if err := checkAssociationType(&info.AssociationType); err != nil {
				return err
			}
		} else if err := info.validate(ops[i].OpType == "CREATE"); err != nil {
			return err
		}
		if seen[info.AssociationType] {
			return errInvalidAssociation("associationType", "may only appear once per request, but '%s' appears more than once", info.AssociationType)
		}
		seen[info.AssociationType] = true
	}
	for i := range ops {
		if ops[i].OpType == "CREATE" {
			if err := req.createSubject(&ops[i].Info); err != nil {
				return err
			}
		}
	}
	return nil
}
