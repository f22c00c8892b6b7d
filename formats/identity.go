package formats

import (
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"sort"
)

// Metadata is a schema's data-contract metadata. It is part of the schema's
// identity.
type Metadata struct {
	Tags       map[string][]string `json:"tags,omitempty"`
	Properties map[string]string   `json:"properties,omitempty"`
	Sensitive  []string            `json:"sensitive,omitempty"`
}

// Rule is one data-contract rule.
type Rule struct {
	Name      string            `json:"name,omitempty"`
	Doc       string            `json:"doc,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Mode      string            `json:"mode,omitempty"`
	Type      string            `json:"type,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
	Expr      string            `json:"expr,omitempty"`
	OnSuccess string            `json:"onSuccess,omitempty"`
	OnFailure string            `json:"onFailure,omitempty"`
	Disabled  bool              `json:"disabled,omitempty"`
}

// RuleSet is a schema's data-contract rules. It is part of the schema's
// identity.
type RuleSet struct {
	MigrationRules []Rule `json:"migrationRules,omitempty"`
	DomainRules    []Rule `json:"domainRules,omitempty"`
	EncodingRules  []Rule `json:"encodingRules,omitempty"`
	EnableAt       string `json:"enableAt,omitempty"`
}

// Identity is the MD5 digest Confluent uses to recognise the same schema
// (MD5.ofSchema, through Schema.updateHash): the canonical text, then the
// references, then a 1 byte and the metadata if any, then a 1 byte and the
// rule set if any. The schema type is not part of it.
type Identity [16]byte

// GUID prints the identity as the UUID string the API exposes.
func (id Identity) GUID() string { return UUID(id) }

// UUID prints 16 bytes in the 8-4-4-4-12 form of a UUID, in lower-case hex.
func UUID(b [16]byte) string {
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// IdentityOf computes the identity of a canonical schema text with its
// references, metadata and rule set.
func IdentityOf(canonical string, refs []Reference, md *Metadata, rs *RuleSet) Identity {
	h := md5.New()
	h.Write([]byte(canonical))
	var ver [4]byte
	for _, r := range refs {
		h.Write([]byte(r.Name))
		h.Write([]byte(r.Subject))
		binary.BigEndian.PutUint32(ver[:], uint32(int32(r.Version)))
		h.Write(ver[:])
	}
	if md != nil {
		h.Write([]byte{1})
		for _, k := range sortedKeys(md.Tags) {
			h.Write([]byte(k))
			for _, t := range sortedCopy(md.Tags[k]) {
				h.Write([]byte(t))
			}
		}
		for _, k := range sortedKeys(md.Properties) {
			h.Write([]byte(k))
			h.Write([]byte(md.Properties[k]))
		}
		for _, s := range sortedCopy(md.Sensitive) {
			h.Write([]byte(s))
		}
	}
	if rs != nil {
		h.Write([]byte{1})
		for _, list := range [][]Rule{rs.MigrationRules, rs.DomainRules, rs.EncodingRules} {
			for _, r := range list {
				for _, s := range []string{r.Name, r.Doc, r.Kind, r.Mode, r.Type} {
					h.Write([]byte(s))
				}
				for _, t := range sortedCopy(r.Tags) {
					h.Write([]byte(t))
				}
				for _, k := range sortedKeys(r.Params) {
					h.Write([]byte(k))
					h.Write([]byte(r.Params[k]))
				}
				for _, s := range []string{r.Expr, r.OnSuccess, r.OnFailure} {
					h.Write([]byte(s))
				}
				if r.Disabled {
					h.Write([]byte{1})
				}
			}
		}
		h.Write([]byte(rs.EnableAt))
	}
	var id Identity
	h.Sum(id[:0])
	return id
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

// ParseGUID reads a GUID as Identity.GUID prints it (lower-case hex in the
// 8-4-4-4-12 form); any other spelling names no identity.
func ParseGUID(s string) (Identity, bool) {
	var id Identity
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return id, false
	}
	j := 0
	for i := 0; i < 36; i += 2 {
		if s[i] == '-' {
			i--
			continue
		}
		hi, ok1 := lowerHex(s[i])
		lo, ok2 := lowerHex(s[i+1])
		if !ok1 || !ok2 {
			return Identity{}, false
		}
		id[j] = hi<<4 | lo
		j++
	}
	return id, j == 16
}

func lowerHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
