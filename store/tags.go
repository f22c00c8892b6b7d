package store

import (
	"context"
	"slices"

	"github.com/schemaregistry/registry/formats"
)

// Schema tags: tags written inline in a schema's elements (Avro's
// "confluent:tags"), added and removed on registration
// (schemaTagsToAdd, schemaTagsToRemove, propagateSchemaTags) or by
// POST /subjects/{s}/versions/{v}/tags, which registers a new version.

// hasTagEdits reports whether a registration asks to edit tags.
func (req *SchemaRequest) hasTagEdits() bool {
	return len(req.SchemaTagsToAdd) > 0 || len(req.SchemaTagsToRemove) > 0 || req.PropagateSchemaTags
}

// withTags returns req with its tag edits applied to its schema text (the
// previous live version's tags first, when propagated), as Confluent's
// toSchemaWithTags and maybePropagateSchemaTags do.
func (r *Registry) withTags(subject string, req SchemaRequest, normalize bool) (SchemaRequest, error) {
	if !req.hasTagEdits() {
		return req, nil
	}
	edit := func(text string, add, remove []formats.SchemaTags) (string, error) {
		plain := req
		plain.Schema, plain.SchemaTagsToAdd, plain.SchemaTagsToRemove, plain.PropagateSchemaTags = text, nil, nil, false
		c, err := r.candidate(subject, plain, normalize, forLookup)
		if err != nil {
			return "", err
		}
		tagged, ok := c.schema.(formats.Tagged)
		if !ok {
			return "", errorf(CodeInvalidSchema, "Invalid schema of type %s, details: schema tags are not supported for this schema type", c.schema.Type())
		}
		out, err := tagged.WithTags(add, remove)
		if err != nil {
			return "", invalidSchema(c.schema.Type(), err)
		}
		return out, nil
	}
	text := req.Schema
	var err error
	if len(req.SchemaTagsToAdd) > 0 || len(req.SchemaTagsToRemove) > 0 {
		if text, err = edit(text, req.SchemaTagsToAdd, req.SchemaTagsToRemove); err != nil {
			return req, err
		}
	}
	if req.PropagateSchemaTags {
		if prev, err := r.ownVersion(subject, LatestVersion); err == nil {
			if tags, err := r.SchemaTags(prev.ID, prev.Subject, []string{"*"}); err == nil && len(tags) > 0 {
				if text, err = edit(text, tags, nil); err != nil {
					return req, err
				}
			}
		}
	}
	req.Schema, req.SchemaTagsToAdd, req.SchemaTagsToRemove, req.PropagateSchemaTags = text, nil, nil, false
	return req, nil
}

// ownVersion is a live version of subject in its own context (Version
// falls back to other contexts for an unqualified subject; a tag edit
// must not).
func (r *Registry) ownVersion(subject string, v int) (SchemaVersion, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ver, err := r.st.version(subject, v, LiveOnly)
	if err != nil {
		return SchemaVersion{}, err
	}
	return ver.export(), nil
}

// SchemaTags lists the tagged elements of the schema with an id (in the
// context of subject) that carry one of the tags asked for ("*": any).
// A schema type without tags has none.
func (r *Registry) SchemaTags(id int, subject string, find []string) ([]formats.SchemaTags, error) {
	s, _, err := r.Parsed(contextOf(subject), id)
	if err != nil {
		return nil, err
	}
	tagged, ok := s.(formats.Tagged)
	if !ok {
		return nil, nil
	}
	return formats.TagsFound(tagged.Tags(), find), nil
}

// TagSchemaRequest is the body of POST /subjects/{s}/versions/{v}/tags.
type TagSchemaRequest struct {
	NewVersion    int                  `json:"newVersion,omitempty"`
	TagsToAdd     []formats.SchemaTags `json:"tagsToAdd,omitempty"`
	TagsToRemove  []formats.SchemaTags `json:"tagsToRemove,omitempty"`
	Metadata      *formats.Metadata    `json:"metadata,omitempty"`
	RuleSet       *formats.RuleSet     `json:"ruleSet,omitempty"`
	RulesToMerge  *formats.RuleSet     `json:"rulesToMerge,omitempty"`
	RulesToRemove []string             `json:"rulesToRemove,omitempty"`
}

// TagSchema registers, as a new version of subject, version v's schema
// with tags added and removed, its metadata (confluent:version the new
// version's, when one is asked for) and rule set as the request gives
// them (Confluent's modifySchemaTags).
func (r *Registry) TagSchema(ctx context.Context, subject string, v int, req TagSchemaRequest) (SchemaVersion, error) {
	if err := r.settings.validNewSubject(subject); err != nil {
		return SchemaVersion{}, err
	}
	old, err := r.ownVersion(subject, v)
	if err != nil {
		return SchemaVersion{}, err
	}
	if (req.RulesToMerge != nil || len(req.RulesToRemove) > 0) && req.RuleSet != nil {
		return SchemaVersion{}, errorf(CodeInvalidRuleSet, "ruleSet should be omitted if specifying rulesToMerge or rulesToRemove")
	}
	for _, rs := range []*formats.RuleSet{req.RuleSet, req.RulesToMerge} {
		if err := validateRuleSet(rs); err != nil {
			return SchemaVersion{}, err
		}
	}
	md := req.Metadata
	if md == nil {
		md = old.Metadata
	}
	if req.NewVersion > 0 {
		md = withConfluentVersion(md, req.NewVersion)
	}
	rs := req.RuleSet
	if req.RulesToMerge != nil || len(req.RulesToRemove) > 0 {
		base := old
		if req.NewVersion > 1 {
			if prev, err := r.ownVersion(subject, req.NewVersion-1); err == nil {
				base = prev
			}
		} else if latest, err := r.ownVersion(subject, LatestVersion); err == nil {
			base = latest
		}
		rs = withoutRules(mergeRuleSets(base.RuleSet, req.RulesToMerge), req.RulesToRemove)
	}
	sr := SchemaRequest{Schema: old.Schema, SchemaType: string(old.SchemaType), References: old.References,
		Metadata: md, RuleSet: rs, Version: req.NewVersion, SchemaTagsToAdd: req.TagsToAdd, SchemaTagsToRemove: req.TagsToRemove}
	tagged, err := r.withTags(subject, sr, false)
	if err != nil {
		return SchemaVersion{}, err
	}
	return r.Register(ctx, subject, tagged, RegisterOptions{})
}

// withoutRules is a rule set without the rules of the given names.
func withoutRules(rs *formats.RuleSet, names []string) *formats.RuleSet {
	if rs == nil || len(names) == 0 {
		return rs
	}
	out := *rs
	drop := func(rules []formats.Rule) []formats.Rule {
		return slices.DeleteFunc(slices.Clone(rules), func(r formats.Rule) bool { return slices.Contains(names, r.Name) })
	}
	out.MigrationRules, out.DomainRules, out.EncodingRules = drop(rs.MigrationRules), drop(rs.DomainRules), drop(rs.EncodingRules)
	return &out
}
