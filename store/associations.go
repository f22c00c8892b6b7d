package store

import (
	"cmp"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"

	"github.com/schemaregistry/registry/internal/jackson"
)

// Associations (Confluent 8.2+): explicit bindings of a resource (a Kafka
// topic) to the subjects of its key and value, kept as ASSOC records of the
// schema log. This file holds their state, records and reads; the write
// rules are in rules_assoc.go.

// Lifecycles of an association: a STRONG association owns its subject (the
// topic's default subject, deleted with it); a WEAK one points at a subject
// that lives on its own.
const (
	Strong = "STRONG"
	Weak   = "WEAK"
)

// ResourceTopic is the only resource type an association is written for.
const ResourceTopic = "topic"

// Wildcard stands for any namespace or any resource name in reads.
const Wildcard = "-"

// Association is an association as the API shows it (Confluent's
// Association entity).
type Association struct {
	Subject           string
	GUID              string
	ResourceName      string
	ResourceNamespace string
	ResourceID        string
	ResourceType      string
	AssociationType   string
	Lifecycle         string
	Frozen            bool
	CreateTs          int64 // timestamp of the first record of its key
	UpdateTs          int64 // timestamp of its last record
}

// assocKey is the key of an ASSOC record: resourceId is not part of it.
type assocKey struct {
	name, namespace, resourceType, associationType, subject string
}

func (a *Association) key() assocKey {
	return assocKey{a.ResourceName, a.ResourceNamespace, a.ResourceType, a.AssociationType, a.Subject}
}

// assocState holds the associations and their indexes.
type assocState struct {
	all        map[assocKey]*Association
	bySubject  map[string][]*Association
	byResource map[string][]*Association // by resourceId
	byName     map[string][]*Association // by resourceName
}

func newAssocState() assocState {
	return assocState{all: map[assocKey]*Association{}, bySubject: map[string][]*Association{},
		byResource: map[string][]*Association{}, byName: map[string][]*Association{}}
}

func (s *assocState) put(a *Association) {
	if old := s.all[a.key()]; old != nil {
		s.remove(old.key())
	}
	s.all[a.key()] = a
	s.bySubject[a.Subject] = append(s.bySubject[a.Subject], a)
	s.byResource[a.ResourceID] = append(s.byResource[a.ResourceID], a)
	s.byName[a.ResourceName] = append(s.byName[a.ResourceName], a)
}

func (s *assocState) remove(k assocKey) {
	a := s.all[k]
	if a == nil {
		return
	}
	delete(s.all, k)
	drop := func(m map[string][]*Association, by string) {
		list := slices.DeleteFunc(m[by], func(x *Association) bool { return x == a })
		if len(list) == 0 {
			delete(m, by)
		} else {
			m[by] = list
		}
	}
	drop(s.bySubject, a.Subject)
	drop(s.byResource, a.ResourceID)
	drop(s.byName, a.ResourceName)
}

// strong reports whether a STRONG association holds subject.
func (s *assocState) strong(subject string) bool {
	for _, a := range s.bySubject[subject] {
		if a.Lifecycle == Strong {
			return true
		}
	}
	return false
}

// assocRecordKey and assocRecordValue are the JSON of ASSOC records, as
// Confluent's AssociationKey and AssociationValue are written (fixed field
// order, empty strings left out, frozen always written).
type assocRecordKey struct {
	Keytype           string `json:"keytype"`
	Tenant            string `json:"tenant"`
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
	ResourceType      string `json:"resourceType"`
	AssociationType   string `json:"associationType"`
	Subject           string `json:"subject"`
}

type assocRecordValue struct {
	GUID              string `json:"guid"`
	Tenant            string `json:"tenant"`
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
	ResourceID        string `json:"resourceId"`
	ResourceType      string `json:"resourceType"`
	AssociationType   string `json:"associationType"`
	Subject           string `json:"subject"`
	Lifecycle         string `json:"lifecycle"`
	Frozen            bool   `json:"frozen"`
}

const defaultTenant = "default"

func appendField(b []byte, name, value string) []byte {
	if value == "" {
		return b
	}
	if b[len(b)-1] != '{' {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `":`...)
	return jackson.AppendString(b, value)
}

func assocKeyBytes(k assocKey) []byte {
	b := append(make([]byte, 0, 160), '{')
	b = appendField(b, "keytype", keyAssoc)
	b = appendField(b, "tenant", defaultTenant)
	b = appendField(b, "resourceName", k.name)
	b = appendField(b, "resourceNamespace", k.namespace)
	b = appendField(b, "resourceType", k.resourceType)
	b = appendField(b, "associationType", k.associationType)
	b = appendField(b, "subject", k.subject)
	return append(b, `,"magic":0}`...)
}

func assocValueBytes(a *Association) []byte {
	b := append(make([]byte, 0, 256), '{')
	b = appendField(b, "guid", a.GUID)
	b = appendField(b, "tenant", defaultTenant)
	b = appendField(b, "resourceName", a.ResourceName)
	b = appendField(b, "resourceNamespace", a.ResourceNamespace)
	b = appendField(b, "resourceId", a.ResourceID)
	b = appendField(b, "resourceType", a.ResourceType)
	b = appendField(b, "associationType", a.AssociationType)
	b = appendField(b, "subject", a.Subject)
	b = appendField(b, "lifecycle", a.Lifecycle)
	b = append(b, `,"frozen":`...)
	b = strconv.AppendBool(b, a.Frozen)
	return append(b, '}')
}

// assocRecord is the ASSOC record of a, or its tombstone.
func assocRecord(a *Association, tombstone bool) Record {
	r := Record{Key: assocKeyBytes(a.key())}
	if !tombstone {
		r.Value = assocValueBytes(a)
	}
	return r
}

// applyAssoc applies an ASSOC record. Records of another tenant than
// Confluent's default one are not this registry's and are skipped.
func (st *state) applyAssoc(rec Record, log *slog.Logger) {
	var k assocRecordKey
	if err := json.Unmarshal(rec.Key, &k); err != nil {
		log.Warn("skipping unreadable association key", "offset", rec.Offset, "err", err)
		return
	}
	if k.Tenant != "" && k.Tenant != defaultTenant {
		return
	}
	key := assocKey{k.ResourceName, k.ResourceNamespace, k.ResourceType, k.AssociationType, k.Subject}
	old := st.assocs.all[key]
	if rec.Value == nil {
		st.assocs.remove(key)
		return
	}
	var v assocRecordValue
	if err := json.Unmarshal(rec.Value, &v); err != nil || v.GUID == "" || v.ResourceName == "" || v.AssociationType == "" {
		log.Warn("skipping unreadable association record", "offset", rec.Offset, "err", err)
		return
	}
	a := &Association{Subject: v.Subject, GUID: v.GUID, ResourceName: v.ResourceName,
		ResourceNamespace: v.ResourceNamespace, ResourceID: v.ResourceID, ResourceType: v.ResourceType,
		AssociationType: v.AssociationType, Lifecycle: v.Lifecycle, Frozen: v.Frozen,
		CreateTs: rec.Timestamp, UpdateTs: rec.Timestamp}
	if a.Subject == "" {
		a.Subject = k.Subject
	}
	if a.Lifecycle != Strong {
		a.Lifecycle = Weak
	}
	if old != nil {
		a.CreateTs = old.CreateTs
	}
	st.assocs.put(a)
}

// AssociationFilter selects associations in reads.
type AssociationFilter struct {
	ResourceType string   // "" is "topic"
	Types        []string // association types; none is all
	Lifecycle    string   // "" is any
	Readable     func(subject string) bool
	Paging
}

func (f AssociationFilter) match(a *Association) bool {
	rt := cmp.Or(f.ResourceType, ResourceTopic)
	return a.ResourceType == rt && (len(f.Types) == 0 || slices.Contains(f.Types, a.AssociationType)) &&
		(f.Lifecycle == "" || f.Lifecycle == a.Lifecycle) && (f.Readable == nil || f.Readable(a.Subject))
}

// compareAssociations is Confluent's order of association lists.
func compareAssociations(a, b *Association) int {
	return cmp.Or(cmp.Compare(a.ResourceName, b.ResourceName), cmp.Compare(a.ResourceNamespace, b.ResourceNamespace),
		cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.AssociationType, b.AssociationType),
		cmp.Compare(a.Subject, b.Subject))
}

// pick filters, sorts and copies a list of associations; paged when page.
func (r *Registry) pickAssociations(list []*Association, f AssociationFilter, paged bool) []Association {
	var picked []*Association
	for _, a := range list {
		if f.match(a) {
			picked = append(picked, a)
		}
	}
	slices.SortFunc(picked, compareAssociations)
	if paged {
		picked = page(picked, f.Paging, r.settings.SchemaSearch)
	}
	out := make([]Association, len(picked))
	for i, a := range picked {
		out[i] = *a
	}
	return out
}

// AssociationsOfSubject lists the associations of a subject (as stored:
// qualified).
func (r *Registry) AssociationsOfSubject(subject string, f AssociationFilter) []Association {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.pickAssociations(r.st.assocs.bySubject[subject], f, true)
}

// AssociationsOfResourceID lists the associations of a resource by its id.
func (r *Registry) AssociationsOfResourceID(id string, f AssociationFilter) []Association {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.pickAssociations(r.st.assocs.byResource[id], f, true)
}

// AssociationsOfResource lists the associations of a resource by namespace
// and name; Wildcard for either matches any (a wildcard name lists every
// resource of the namespace).
func (r *Registry) AssociationsOfResource(namespace, name string, f AssociationFilter) []Association {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var list []*Association
	if name == Wildcard {
		for _, a := range r.st.assocs.all {
			list = append(list, a)
		}
	} else {
		list = r.st.assocs.byName[name]
	}
	if namespace != Wildcard {
		list = slices.DeleteFunc(slices.Clone(list), func(a *Association) bool { return a.ResourceNamespace != namespace })
	}
	return r.pickAssociations(list, f, true)
}
