package store

import (
	"crypto/md5"
	"encoding/binary"

	"github.com/schemaregistry/registry/formats"
)

// identityOf is formats.IdentityOf of a text in a buffer. Most schemas have
// no references, metadata or rule set: their identity is the MD5 digest of
// the text alone, computed here without the copy of the text
// formats.IdentityOf makes (a replay would allocate the size of every
// text for nothing).
func identityOf(text []byte, refs []formats.Reference, md *formats.Metadata, rs *formats.RuleSet) formats.Identity {
	if len(refs) == 0 && md == nil && rs == nil {
		return md5.Sum(text)
	}
	return formats.IdentityOf(string(text), refs, md, rs)
}

// textSumOf is an entry's textSum: the first 8 bytes of the MD5 digest of
// its text, which is its identity when it has no references, metadata or
// rule set (identityOf).
func textSumOf(text []byte, identity formats.Identity, refs []formats.Reference, md *formats.Metadata, rs *formats.RuleSet) uint64 {
	if len(refs) == 0 && md == nil && rs == nil {
		return binary.BigEndian.Uint64(identity[:])
	}
	sum := md5.Sum(text)
	return binary.BigEndian.Uint64(sum[:])
}
