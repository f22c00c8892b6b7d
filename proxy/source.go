package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/internal/bounded"
)

// RegistryClient reaches a registry's REST API: its URL and credentials.
type RegistryClient struct {
	URL        string       // base URL, e.g. http://localhost:8081
	User       string       // basic auth user, when Password or User is set
	Password   string       //
	Token      string       // bearer token (instead of basic auth)
	HTTPClient *http.Client // nil: one with a 10 s timeout
}

// RemoteSource is a hook.Source over a registry's REST API: GET
// /schemas/ids/{id}, /schemas/ids/{id}/versions?deleted=true, the
// referenced subject-versions, and /schemas/guids/{guid}/ids. Answers are
// cached in a bounded map, found ones for TTL, unknown ids (and schemas
// this proxy cannot parse) for NegativeTTL; a registry that cannot be
// reached is not cached. Concurrent lookups of
// one id share one request.
type RemoteSource struct {
	client      RegistryClient
	formats     map[formats.SchemaType]formats.Format
	ttl, negTTL time.Duration
	cache       *bounded.Map[string, *remoteEntry]
	group       singleflight.Group
	now         func() time.Time
}

type remoteEntry struct {
	schema   formats.Schema
	subjects []string
	id       int // of a GUID
	err      error
	expires  time.Time
}

// NewRemoteSource returns a source reading c, parsing with fs, caching at
// most limit answers (10,000 when 0) for ttl (30 s when 0), unknown ids
// for negTTL (2 s when 0).
func NewRemoteSource(c RegistryClient, fs []formats.Format, limit int, ttl, negTTL time.Duration) *RemoteSource {
	if limit <= 0 {
		limit = 10_000
	}
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	if negTTL <= 0 {
		negTTL = 2 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	c.URL = strings.TrimRight(c.URL, "/")
	byType := make(map[formats.SchemaType]formats.Format, len(fs))
	for _, f := range fs {
		byType[f.Type()] = f
	}
	return &RemoteSource{client: c, formats: byType, ttl: ttl, negTTL: negTTL,
		cache: bounded.New[string, *remoteEntry](limit), now: time.Now}
}

// Schema implements hook.Source.
func (s *RemoteSource) Schema(ctx string, id int) (formats.Schema, []string, error) {
	e := s.cached("id "+ctx+" "+strconv.Itoa(id), func() *remoteEntry {
		sc, subjects, err := s.fetchSchema(ctx, id)
		return &remoteEntry{schema: sc, subjects: subjects, err: err}
	})
	return e.schema, e.subjects, e.err
}

// Revision implements hook.Revisioned: it moves on every NegativeTTL, so
// that a Validator over this source asks it again (and it answers from its
// own cache until its entries expire). An answer is thus at most TTL
// (found) or twice NegativeTTL (unknown) old.
func (s *RemoteSource) Revision() int64 { return s.now().UnixNano() / int64(s.negTTL) }

// IDOfGUID implements hook.Source.
func (s *RemoteSource) IDOfGUID(ctx string, guid formats.Identity) (int, error) {
	e := s.cached("guid "+ctx+" "+guid.GUID(), func() *remoteEntry {
		id, err := s.fetchGUID(ctx, guid.GUID())
		return &remoteEntry{id: id, err: err}
	})
	return e.id, e.err
}

func (s *RemoteSource) cached(key string, fetch func() *remoteEntry) *remoteEntry {
	if e, ok := s.cache.Get(key); ok && s.now().Before(e.expires) {
		return e
	}
	v, _, _ := s.group.Do(key, func() (any, error) {
		e := fetch()
		switch {
		case e.err == nil:
			e.expires = s.now().Add(s.ttl)
			s.cache.Put(key, e)
		case !errors.Is(e.err, hook.ErrUnavailable): // unknown, or unreadable here
			e.expires = s.now().Add(s.negTTL)
			s.cache.Put(key, e)
		}
		return e, nil
	})
	return v.(*remoteEntry)
}

// schemaJSON is the registry's answer for a schema or a subject-version.
type schemaJSON struct {
	Schema     string              `json:"schema"`
	SchemaType string              `json:"schemaType"`
	References []formats.Reference `json:"references"`
}

func (s *RemoteSource) fetchSchema(ctx string, id int) (formats.Schema, []string, error) {
	q := url.Values{}
	if ctx != "" {
		q.Set("subject", ":"+ctx+":")
	}
	var sj schemaJSON
	if err := s.get(fmt.Sprintf("/schemas/ids/%d", id), q, &sj); err != nil {
		return nil, nil, err
	}
	var usages []struct {
		Subject string `json:"subject"`
	}
	q.Set("deleted", "true")
	if err := s.get(fmt.Sprintf("/schemas/ids/%d/versions", id), q, &usages); err != nil {
		return nil, nil, err
	}
	subjects := make([]string, len(usages))
	for i, u := range usages {
		subjects[i] = u.Subject
	}
	sc, err := s.parse(sj, map[string]bool{})
	if err != nil {
		return nil, nil, fmt.Errorf("schema %d: %w", id, err)
	}
	return sc, subjects, nil
}

// parse parses a schema with its references, read from the registry.
func (s *RemoteSource) parse(sj schemaJSON, seen map[string]bool) (formats.Schema, error) {
	t := formats.SchemaType(sj.SchemaType)
	if t == "" {
		t = "AVRO"
	}
	f := s.formats[t]
	if f == nil {
		return nil, fmt.Errorf("schema type %s is not supported", t)
	}
	var deps []formats.Dependency
	if err := s.dependencies(sj.References, seen, &deps); err != nil {
		return nil, err
	}
	return f.Parse(sj.Schema, deps, formats.Options{})
}

// dependencies appends the referenced schemas in resolution order, a
// schema's own references before it, each name once.
func (s *RemoteSource) dependencies(refs []formats.Reference, seen map[string]bool, deps *[]formats.Dependency) error {
	for _, r := range refs {
		if seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		if len(seen) > 1000 {
			return errors.New("more than 1,000 references")
		}
		var sj schemaJSON
		q := url.Values{"deleted": {"true"}}
		if err := s.get(fmt.Sprintf("/subjects/%s/versions/%d", url.PathEscape(r.Subject), r.Version), q, &sj); err != nil {
			return fmt.Errorf("reference %s (%s version %d): %w", r.Name, r.Subject, r.Version, err)
		}
		if err := s.dependencies(sj.References, seen, deps); err != nil {
			return err
		}
		*deps = append(*deps, formats.Dependency{Name: r.Name, Schema: sj.Schema})
	}
	return nil
}

func (s *RemoteSource) fetchGUID(ctx, guid string) (int, error) {
	var ids []struct {
		Context string `json:"context"`
		ID      int    `json:"id"`
	}
	if err := s.get("/schemas/guids/"+url.PathEscape(guid)+"/ids", nil, &ids); err != nil {
		return 0, err
	}
	for _, c := range ids {
		if c.Context == ctx || (ctx == "" && c.Context == ".") {
			return c.ID, nil
		}
	}
	return 0, fmt.Errorf("%w: GUID %s in context %q", hook.ErrNotFound, guid, ctx)
}

// get reads path into out: a 404 is hook.ErrNotFound, a transport error or
// any other status is hook.ErrUnavailable.
func (s *RemoteSource) get(path string, q url.Values, out any) error {
	u := s.client.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/vnd.schemaregistry.v1+json")
	switch {
	case s.client.Token != "":
		req.Header.Set("Authorization", "Bearer "+s.client.Token)
	case s.client.User != "" || s.client.Password != "":
		req.SetBasicAuth(s.client.User, s.client.Password)
	}
	resp, err := s.client.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", hook.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%w: reading %s: %v", hook.ErrUnavailable, path, err)
	}
	switch {
	case resp.StatusCode == http.StatusNotFound && registryNotFound(body):
		return fmt.Errorf("%w: %s", hook.ErrNotFound, strings.TrimSpace(string(body)))
	case resp.StatusCode != http.StatusOK:
		// 5xx, 429, 401/403 (the proxy's credentials), and a 404 that is
		// not the registry's (a wrong base path, an ingress during a
		// redeploy): not the record's fault.
		return fmt.Errorf("%w: %s answered %d: %s", hook.ErrUnavailable, path, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	if err := json.Unmarshal(body, out); err != nil {
		// Not the registry's JSON (a login page of an auth proxy, say).
		return fmt.Errorf("%w: %s answered what is not the registry's JSON: %v", hook.ErrUnavailable, path, err)
	}
	return nil
}

// registryNotFound reports whether a 404's body is the registry's own
// "not found" (subject, version, schema or id): an error envelope with
// one of those codes.
func registryNotFound(body []byte) bool {
	var e struct {
		ErrorCode int `json:"error_code"`
	}
	if json.Unmarshal(body, &e) != nil {
		return false
	}
	switch e.ErrorCode {
	case 40401, 40402, 40403:
		return true
	}
	return false
}
