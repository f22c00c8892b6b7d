package hook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	hamba "github.com/hamba/avro/v2"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/internal/bounded"
	"github.com/schemaregistry/registry/store"
)

// Reason codes of an invalid verdict.
const (
	ReasonMalformed       = "MALFORMED"         // no readable wire-format prefix
	ReasonUnknownSchema   = "UNKNOWN_SCHEMA"    // no schema has that id or GUID
	ReasonSubjectMismatch = "SUBJECT_MISMATCH"  // the strategy's subject does not hold that schema
	ReasonNoRecordName    = "NO_RECORD_NAME"    // a record-name strategy, and the schema has no name
	ReasonBadMessageIndex = "BAD_MESSAGE_INDEX" // Protobuf message indexes missing or outside the schema
	ReasonBadPayload      = "BAD_PAYLOAD"       // the payload does not decode against the schema
	ReasonUnavailable     = "UNAVAILABLE"       // the source could not be read (ErrUnavailable): try again
)

// Record is one record of a batch; a nil key or value is not checked.
type Record struct {
	Key, Value []byte
}

// Verdict is the answer for one record: valid, or the first problem found.
type Verdict struct {
	Valid   bool   `json:"valid"`
	Side    string `json:"side,omitempty"` // key or value
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Validator checks records against a registry, caching what it learns about
// ids until the registry changes (a Revisioned source), or leaving the
// caching to its source.
type Validator struct {
	src   Source
	rev   Revisioned // src when it has a revision, else nil: no cache here
	cache *bounded.Map[idKey, *idInfo]
}

// idKey is an id in its context.
type idKey struct {
	context string
	id      int
}

// idInfo is what the validator knows of one id at one registry revision.
type idInfo struct {
	revision int64
	schema   formats.Schema
	subjects map[string]bool
	err      error
}

// New returns a validator over reg with an id cache of at most limit
// entries (10,000 when 0).
func New(reg *store.Registry, limit int) *Validator {
	return NewFrom(StoreSource{reg}, limit)
}

// NewFrom returns a validator reading src; a Revisioned source's answers
// are cached here in at most limit entries (10,000 when 0).
func NewFrom(src Source, limit int) *Validator {
	if limit <= 0 {
		limit = 10_000
	}
	v := &Validator{src: src, cache: bounded.New[idKey, *idInfo](limit)}
	v.rev, _ = src.(Revisioned)
	return v
}

func (v *Validator) info(context string, id int) *idInfo {
	var rev int64
	key := idKey{context, id}
	if v.rev != nil {
		rev = v.rev.Revision()
		if c, ok := v.cache.Get(key); ok && c.revision == rev {
			return c
		}
	}
	s, subjects, err := v.src.Schema(context, id)
	info := &idInfo{revision: rev, schema: s, err: err, subjects: make(map[string]bool, len(subjects))}
	for _, sub := range subjects {
		info.subjects[sub] = true
	}
	if v.rev != nil {
		v.cache.Put(key, info)
	}
	return info
}

// Validate checks a batch of records of topic. A garbage or truncated
// record is an invalid verdict, never an error.
func (v *Validator) Validate(topic string, recs []Record, s Settings) []Verdict {
	out := make([]Verdict, len(recs))
	for i, r := range recs {
		out[i] = Verdict{Valid: true}
		if s.Key.Validate && r.Key != nil {
			if vd := v.check(topic, true, r.Key, s.Key, s.Context); !vd.Valid {
				out[i] = vd
				continue
			}
		}
		if s.Value.Validate && r.Value != nil {
			if vd := v.check(topic, false, r.Value, s.Value, s.Context); !vd.Valid {
				out[i] = vd
			}
		}
	}
	return out
}

func (v *Validator) check(topic string, isKey bool, data []byte, side Side, context string) Verdict {
	name := "value"
	if isKey {
		name = "key"
	}
	bad := func(reason, format string, args ...any) Verdict {
		return Verdict{Side: name, Reason: reason, Message: fmt.Sprintf(format, args...)}
	}
	prefix, payload, err := formats.ParsePrefix(data)
	if err != nil {
		return bad(ReasonMalformed, "%v", err)
	}
	id := int(prefix.ID)
	in := ""
	if context != "" {
		in = " in context " + context
	}
	if prefix.Magic == formats.MagicGUID {
		if id, err = v.src.IDOfGUID(context, prefix.GUID); err != nil {
			if errors.Is(err, ErrNotFound) {
				return bad(ReasonUnknownSchema, "no schema has GUID %s%s", prefix.GUID.GUID(), in)
			}
			if errors.Is(err, ErrUnavailable) {
				return bad(ReasonUnavailable, "GUID %s cannot be looked up: %v", prefix.GUID.GUID(), err)
			}
			return bad(ReasonUnknownSchema, "GUID %s cannot be read: %v", prefix.GUID.GUID(), err)
		}
	}
	info := v.info(context, id)
	if info.err != nil || info.schema == nil {
		if errors.Is(info.err, ErrNotFound) {
			return bad(ReasonUnknownSchema, "no schema has id %d%s", id, in)
		}
		if errors.Is(info.err, ErrUnavailable) {
			return bad(ReasonUnavailable, "schema %d cannot be looked up: %v", id, info.err)
		}
		return bad(ReasonUnknownSchema, "schema %d cannot be read: %v", id, info.err)
	}
	var indexes []int
	recordName := ""
	if pb, ok := info.schema.(messageNamer); ok {
		if indexes, payload, err = formats.ParseMessageIndexes(payload); err != nil {
			return bad(ReasonBadMessageIndex, "%v", err)
		}
		if recordName, err = pb.MessageName(indexes); err != nil {
			return bad(ReasonBadMessageIndex, "schema %d has no message at indexes %v", id, indexes)
		}
	} else if rn, ok := info.schema.(formats.RecordNamer); ok {
		recordName = rn.RecordName()
	}
	subject, err := side.Strategy.Subject(topic, isKey, recordName)
	if err != nil {
		return bad(ReasonNoRecordName, "%v", err)
	}
	if context != "" {
		subject = ":" + context + ":" + subject
	}
	if !info.subjects[subject] {
		return bad(ReasonSubjectMismatch, "schema %d is not registered under subject %s (%s)", id, subject, side.Strategy)
	}
	if side.Deep {
		if err := checkPayload(info.schema, recordName, payload); err != nil {
			return bad(ReasonBadPayload, "the %s does not decode against schema %d: %v", name, id, err)
		}
	}
	return Verdict{Valid: true}
}

// messageNamer is a Protobuf schema: its records carry message indexes.
type messageNamer interface {
	MessageName(indexes []int) (string, error)
	Descriptor() protoreflect.FileDescriptor
}

// jsonValidator is a JSON Schema.
type jsonValidator interface {
	Validate(doc []byte) error
}

// checkPayload decodes a payload against its schema.
func checkPayload(s formats.Schema, messageName string, payload []byte) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("undecodable: %v", p)
		}
	}()
	switch sc := s.(type) {
	case *avro.Schema:
		h := sc.Hamba()
		if h == nil {
			return errors.New("the schema cannot be used to decode")
		}
		r := hamba.NewReader(bytes.NewReader(payload), 4096)
		var v any
		r.ReadVal(h, &v)
		if r.Error != nil {
			return r.Error
		}
		// The datum must be the whole payload.
		if r.Read(make([]byte, 1)); r.Error == nil {
			return errors.New("bytes left after the datum")
		}
		return nil
	case messageNamer:
		fd := sc.Descriptor()
		if fd == nil {
			return errors.New("the schema cannot be linked")
		}
		md := findMessage(fd, protoreflect.FullName(messageName))
		if md == nil {
			return fmt.Errorf("no message %s", messageName)
		}
		return proto.Unmarshal(payload, dynamicpb.NewMessage(md))
	case jsonValidator:
		if !json.Valid(payload) {
			return errors.New("not JSON")
		}
		return sc.Validate(payload)
	}
	return fmt.Errorf("no payload check for %s", s.Type())
}

func findMessage(fd protoreflect.FileDescriptor, name protoreflect.FullName) protoreflect.MessageDescriptor {
	var walk func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor
	walk = func(ms protoreflect.MessageDescriptors) protoreflect.MessageDescriptor {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.FullName() == name {
				return m
			}
			if n := walk(m.Messages()); n != nil {
				return n
			}
		}
		return nil
	}
	return walk(fd.Messages())
}
