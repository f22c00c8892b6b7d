// Package dek is the DEK registry of client-side field-level encryption
// (Confluent's dek-registry module): key encryption keys (KEKs, which name
// a key in a KMS) and data encryption keys (DEKs, per KEK, subject,
// algorithm and version, stored encrypted by their KEK). Its records are
// Confluent's, on a log of their own (the `_dek_registry_keys` topic, or a
// file log), so that a topic written by Confluent is served as is.
//
// Keys are never decrypted here: the registry has no KMS, as Confluent's
// open-source build has none. A shared KEK (whose DEKs the server would
// generate and decrypt) answers 50070 where it would need one.
package dek

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"

	"github.com/schemaregistry/registry/store"
)

// Error codes (Confluent's DekRegistryErrors).
const (
	CodeKeyNotFound        = 40470
	CodeKeyNotSoftDeleted  = 40471
	CodeKeySoftDeleted     = 40472
	CodeAlreadyExists      = 40971
	CodeTooManyKeys        = 40972
	CodeInvalidKey         = 42271
	CodeReferenceExists    = 42272
	CodeInvalidVersion     = 42202
	CodeDekGenerationError = 50070
)

// Algorithms a DEK may have; the first is the default.
var Algorithms = []string{"AES256_GCM", "AES128_GCM", "AES256_SIV"}

// DefaultMaxKeys is dek.registry.max.keys.
const DefaultMaxKeys = 10000

// KEK is a key encryption key.
type KEK struct {
	Name     string            `json:"name"`
	KmsType  string            `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps"`
	Doc      *string           `json:"doc,omitempty"`
	Shared   bool              `json:"shared"`
	TS       int64             `json:"ts,omitempty"`
	Deleted  bool              `json:"deleted,omitempty"`
}

// DEK is a data encryption key.
type DEK struct {
	KekName              string  `json:"kekName"`
	Subject              string  `json:"subject"`
	Version              int     `json:"version"`
	Algorithm            string  `json:"algorithm"`
	EncryptedKeyMaterial *string `json:"encryptedKeyMaterial,omitempty"`
	TS                   int64   `json:"ts,omitempty"`
	Deleted              bool    `json:"deleted,omitempty"`
}

// dekID names a DEK: subjects compare as Confluent's qualified subjects
// (":.:s" is "s").
type dekID struct {
	kek, subject, algorithm string
	version                 int
}

// Registry is the DEK registry over its log.
type Registry struct {
	log     store.Log
	logger  *slog.Logger
	maxKeys int
	writeMu sync.Mutex // one write at a time: decide, append, apply
	mu      sync.RWMutex
	keks    map[string]*KEK
	deks    map[dekID]*DEK
}

// Open replays the log.
func Open(log store.Log, maxKeys int, logger *slog.Logger) (*Registry, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if maxKeys <= 0 {
		maxKeys = DefaultMaxKeys
	}
	r := &Registry{log: log, logger: logger, maxKeys: maxKeys, keks: map[string]*KEK{}, deks: map[dekID]*DEK{}}
	if err := log.Open(r.apply); err != nil {
		return nil, err
	}
	return r, nil
}

// Close closes the log.
func (r *Registry) Close() error { return r.log.Close() }

// Record keys and values, in Confluent's field order.
type kekKey struct {
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
	Type   string `json:"type"`
}

type dekKey struct {
	Tenant    string `json:"tenant"`
	KekName   string `json:"kekName"`
	Subject   string `json:"subject"`
	Algorithm string `json:"algorithm"`
	Version   int    `json:"version"`
	Type      string `json:"type"`
}

type kekValue struct {
	Name     string            `json:"name"`
	KmsType  string            `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps"`
	Doc      *string           `json:"doc,omitempty"`
	Shared   bool              `json:"shared"`
	Deleted  bool              `json:"deleted"`
	Type     string            `json:"type"`
}

type dekValue struct {
	KekName              string  `json:"kekName"`
	Subject              string  `json:"subject"`
	Algorithm            string  `json:"algorithm"`
	Version              int     `json:"version"`
	EncryptedKeyMaterial *string `json:"encryptedKeyMaterial,omitempty"`
	Deleted              bool    `json:"deleted"`
	Type                 string  `json:"type"`
}

// marshal writes JSON as Jackson does: no \u0026 for & (record keys must be
// Confluent's bytes, for compaction).
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // only plain structs
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func kekRecord(k *KEK) store.Record {
	key := marshal(kekKey{"default", k.Name, "KEK"})
	props := k.KmsProps
	if props == nil {
		props = map[string]string{}
	}
	return store.Record{Key: key, Value: marshal(kekValue{k.Name, k.KmsType, k.KmsKeyID, props, k.Doc, k.Shared, k.Deleted, "KEK"})}
}

func kekTombstone(name string) store.Record {
	return store.Record{Key: marshal(kekKey{"default", name, "KEK"})}
}

func dekRecord(d *DEK) store.Record {
	return store.Record{Key: marshal(dekKey{"default", d.KekName, d.Subject, d.Algorithm, d.Version, "DEK"}),
		Value: marshal(dekValue{d.KekName, d.Subject, d.Algorithm, d.Version, d.EncryptedKeyMaterial, d.Deleted, "DEK"})}
}

func dekTombstone(d *DEK) store.Record {
	return store.Record{Key: marshal(dekKey{"default", d.KekName, d.Subject, d.Algorithm, d.Version, "DEK"})}
}

// apply applies one record of the log.
func (r *Registry) apply(rec store.Record) {
	var key struct {
		Tenant, Name, KekName, Subject, Algorithm, Type string
		Version                                         int
	}
	if err := json.Unmarshal(rec.Key, &key); err != nil {
		r.logger.Warn("skipping an unreadable DEK registry key", "offset", rec.Offset, "err", err)
		return
	}
	if key.Tenant != "" && key.Tenant != "default" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch key.Type {
	case "KEK":
		if rec.Value == nil {
			delete(r.keks, key.Name)
			return
		}
		var v kekValue
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			r.logger.Warn("skipping an unreadable KEK record", "offset", rec.Offset, "err", err)
			return
		}
		if v.KmsProps == nil {
			v.KmsProps = map[string]string{}
		}
		r.keks[key.Name] = &KEK{Name: v.Name, KmsType: v.KmsType, KmsKeyID: v.KmsKeyID, KmsProps: v.KmsProps, Doc: v.Doc,
			Shared: v.Shared, Deleted: v.Deleted, TS: rec.Timestamp}
	case "DEK":
		id := dekID{key.KekName, store.NormalizeSubject(key.Subject), key.Algorithm, key.Version}
		if rec.Value == nil {
			delete(r.deks, id)
			return
		}
		var v dekValue
		if err := json.Unmarshal(rec.Value, &v); err != nil {
			r.logger.Warn("skipping an unreadable DEK record", "offset", rec.Offset, "err", err)
			return
		}
		r.deks[id] = &DEK{KekName: v.KekName, Subject: v.Subject, Version: v.Version, Algorithm: v.Algorithm,
			EncryptedKeyMaterial: v.EncryptedKeyMaterial, Deleted: v.Deleted, TS: rec.Timestamp}
	}
}

// write appends what decide returns, one write at a time, after catching
// up with a shared log.
func (r *Registry) write(ctx context.Context, decide func() ([]store.Record, error)) error {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if s, ok := r.log.(store.Syncer); ok {
		if err := s.Sync(ctx); err != nil {
			return err
		}
	}
	recs, err := decide()
	if err != nil || len(recs) == 0 {
		return err
	}
	return r.log.Append(ctx, recs)
}

func errorf(code int, format string, args ...any) *store.Error {
	return &store.Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNotFound(name string) *store.Error {
	return errorf(CodeKeyNotFound, "Key '%s' not found", name)
}

func errInvalid(field string) *store.Error {
	return errorf(CodeInvalidKey, "Invalid or missing value for field '%s' of key", field)
}

// checkName is Confluent's KEK name rule: a letter or _ first, then
// letters, digits, _ and -, at most 256 UTF-16 units.
func checkName(name string) error {
	if name == "" || len(utf16.Encode([]rune(name))) > 256 {
		return errInvalid("name")
	}
	for i, c := range name {
		ok := unicode.IsLetter(c) || c == '_' || i > 0 && (unicode.IsDigit(c) || c == '-')
		if !ok {
			return errInvalid("name")
		}
	}
	return nil
}

// checkSubject refuses an empty subject or one with control characters.
func checkSubject(subject string) error {
	if subject == "" || strings.IndexFunc(subject, unicode.IsControl) >= 0 {
		return errInvalid("subject")
	}
	return nil
}

// CheckName is checkName for the API (path parameters).
func CheckName(name string) error { return checkName(name) }

// CheckSubject is checkSubject for the API.
func CheckSubject(subject string) error { return checkSubject(subject) }

// Algorithm is the algorithm a request names, the default when none.
func Algorithm(a string) (string, bool) {
	if a == "" {
		return Algorithms[0], true
	}
	for _, x := range Algorithms {
		if x == a {
			return a, true
		}
	}
	return "", false
}

// kmsKeyIDFormats are the minimal key id checks of the KMS types.
var kmsKeyIDFormats = map[string]*regexp.Regexp{
	"aws-kms":   regexp.MustCompile(`^arn:aws:kms:`),
	"azure-kms": regexp.MustCompile(`^https://`),
	"gcp-kms":   regexp.MustCompile(`^projects/`),
	"hcvault":   regexp.MustCompile(`^https?://`),
}

// normalizeKmsType is Confluent's: aws*, azure*, gcp* become aws-kms,
// azure-kms, gcp-kms; anything else is kept as given.
func normalizeKmsType(t string) string {
	l := strings.ToLower(t)
	for _, p := range []string{"aws", "azure", "gcp"} {
		if strings.HasPrefix(l, p) {
			return p + "-kms"
		}
	}
	return t
}

// sorted lists a set's keys in order.
func sorted(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
