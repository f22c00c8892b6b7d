package store

import (
	"crypto/md5"
	"encoding/hex"

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

// guidOf is identity.GUID(), without fmt.
func guidOf(id formats.Identity) string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}
