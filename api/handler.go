package api

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/go-chi/chi/v5"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/internal/bounded"
	"github.com/schemaregistry/registry/store"
)

// handler answers a request with a value to encode as JSON, or an error.
type handler func(r *http.Request) (any, error)

// rawText is a response body written as is (the /schema endpoints).
type rawText string

// noContent answers 204.
type noContent struct{}

// Response media types, best first, with the server's preference weight.
var responseTypes = []struct {
	name string
	q    float64
}{
	{"application/vnd.schemaregistry.v1+json", 1},
	{"application/vnd.schemaregistry+json", 0.9},
	{"application/json", 0.5},
}

// negotiated remembers the answer of negotiate for the few Accept headers
// clients send (each client library sends one spelling on every request).
var negotiated = bounded.New[string, string](256)

// negotiate picks the response media type for an Accept header, "" when
// none is acceptable.
func negotiate(accept string) string {
	switch accept {
	case "", "*/*":
		return responseTypes[0].name
	case responseTypes[0].name, responseTypes[1].name, responseTypes[2].name:
		return accept
	}
	return remembered(negotiated, accept, negotiateHeader)
}

// remembered returns f(header), remembered in m for the header values that
// clients repeat on every request (one spelling per client library).
func remembered[T any](m *bounded.Map[string, T], header string, f func(string) T) T {
	if v, ok := m.Get(header); ok {
		return v
	}
	v := f(header)
	if len(header) <= 256 {
		m.Put(header, v)
	}
	return v
}

func negotiateHeader(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return responseTypes[0].name
	}
	best, bestQ := "", 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		for _, rt := range responseTypes {
			match := mt == "*/*" || mt == rt.name || mt == "application/*"
			if match && q*rt.q > bestQ {
				best, bestQ = rt.name, q*rt.q
			}
		}
	}
	return best
}

// requestTypeOK reports whether a request body's content type is one the
// API reads (JSON in its three spellings, or octet-stream treated as JSON).
func requestTypeOK(ct string) bool {
	if slices.Contains(requestTypeShortcuts[:], ct) {
		return true
	}
	return remembered(contentTypes, ct, requestTypeParsedOK)
}

// requestTypeShortcuts are the Content-Type values requestTypeOK accepts
// without parsing them: each must be one requestTypeParsedOK accepts.
var requestTypeShortcuts = [...]string{"", "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
	"application/json", "application/octet-stream"}

// contentTypes remembers the answer of requestTypeOK per header value.
var contentTypes = bounded.New[string, bool](256)

func requestTypeParsedOK(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json",
		"application/json", "application/octet-stream":
		return true
	}
	return false
}

// errorBody is Confluent's error envelope.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func httpError(status int, format string, args ...any) *store.Error {
	return &store.Error{Code: status, Message: fmt.Sprintf(format, args...)}
}

// serve wraps a handler: it renders the result or the error.
func (a *API) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ct := negotiate(header(r, "Accept"))
		if ct == "" {
			writeError(w, responseTypes[0].name, httpError(http.StatusNotAcceptable, "HTTP 406 Not Acceptable"))
			return
		}
		if (r.Method == http.MethodPost || r.Method == http.MethodPut) && !requestTypeOK(header(r, "Content-Type")) {
			writeError(w, ct, httpError(http.StatusUnsupportedMediaType, "HTTP 415 Unsupported Media Type"))
			return
		}
		v, err := h(r)
		auditOf(r.Context()).note(v, err)
		if err != nil {
			e := store.AsError(err)
			if e.Status() >= 500 {
				a.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", e.Message)
			}
			writeError(w, ct, e)
			return
		}
		switch body := v.(type) {
		case noContent:
			w.WriteHeader(http.StatusNoContent)
		case multiStatus:
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(http.StatusMultiStatus)
			w.Write(encodeJSON(body.v))
		case forwarded:
			if body.contentType != "" {
				w.Header().Set("Content-Type", body.contentType)
			}
			if body.authenticate != "" {
				w.Header().Set("WWW-Authenticate", body.authenticate)
			}
			w.WriteHeader(body.status)
			w.Write(body.body)
		case rawJSON:
			writeBody(w, ct, body)
		case rawText:
			setContentType(w, ct)
			io.WriteString(w, string(body))
		case jsonArray:
			w.Header().Set("Content-Type", ct)
			aw := newArrayWriter(w)
			body(aw)
			aw.close()
		default:
			writeBody(w, ct, encodeJSON(body))
		}
	}
}

// writeBody answers 200 with body of media type ct.
func writeBody(w http.ResponseWriter, ct string, body []byte) {
	setContentType(w, ct)
	w.Write(body)
}

// contentTypeValues are the Content-Type header values of responseTypes, shared
// by every response (net/http only reads them; the capacity of 1 makes an
// Add copy instead of writing into them).
var contentTypeValues = func() (v [3][]string) {
	for i, rt := range responseTypes {
		v[i] = []string{rt.name}[:1:1]
	}
	return
}()

// setContentType sets the Content-Type of a response, without allocating
// for the response types.
func setContentType(w http.ResponseWriter, ct string) {
	for i, rt := range responseTypes {
		if rt.name == ct {
			w.Header()["Content-Type"] = contentTypeValues[i]
			return
		}
	}
	w.Header().Set("Content-Type", ct)
}

func writeError(w http.ResponseWriter, ct string, e *store.Error) {
	setContentType(w, ct)
	w.WriteHeader(e.Status())
	w.Write(encodeJSON(errorBody{ErrorCode: e.Code, Message: e.Message}))
}

// encodeJSON renders a response body as Jackson does: no HTML escaping, no
// trailing newline.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return []byte(`{"error_code":50001,"message":"could not encode the response"}`)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// readBody reads a request body up to the limit: 422 when it is missing or
// nested too deep, 413 when it is too large.
func (a *API) readBody(r *http.Request) ([]byte, error) {
	b, err := a.readRawBody(r)
	if err != nil {
		return nil, err
	}
	if err := a.checkNesting(b); err != nil {
		return nil, err
	}
	return b, nil
}

// readRawBody reads a request body up to the limit, in one allocation when
// the length is announced: 422 when it is missing, 413 when it is too large.
func (a *API) readRawBody(r *http.Request) ([]byte, error) {
	return a.readRawBodyInto(r, new(bytes.Buffer))
}

// readRawBodyInto is readRawBody reading into buf.
func (a *API) readRawBodyInto(r *http.Request, buf *bytes.Buffer) ([]byte, error) {
	if r.ContentLength > 0 && r.ContentLength <= a.maxBody {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(http.MaxBytesReader(nil, r.Body, a.maxBody)); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httpError(http.StatusRequestEntityTooLarge, "Request body larger than %d bytes", a.maxBody)
		}
		return nil, httpError(http.StatusBadRequest, "Could not read the request body: %v", err)
	}
	b := buf.Bytes()
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, httpError(http.StatusUnprocessableEntity, "Request body is missing")
	}
	return b, nil
}

// checkNesting refuses a body nested deeper than the limit (422), before
// it reaches a JSON decoder.
func (a *API) checkNesting(b []byte) error {
	if store.NestingExceeds(b, false, a.maxDepth) {
		return httpError(http.StatusUnprocessableEntity, "Request body nests deeper than %d levels", a.maxDepth)
	}
	return nil
}

// decodeBody decodes a JSON request body into v: 400 when it is not JSON,
// 422 when a field has the wrong type.
func (a *API) decodeBody(r *http.Request, v any) error {
	b, err := a.readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(b, v)
}

// decodeJSON decodes a JSON body: 400 when it is not JSON, 422 when a field
// has the wrong type.
func decodeJSON(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return httpError(http.StatusUnprocessableEntity, "Unrecognized field type: %v", err)
		}
		return httpError(http.StatusBadRequest, "Unexpected character in the JSON body: %v", err)
	}
	return nil
}

// subjectParam returns the percent-decoded subject path parameter.
// A default-context qualifier is dropped (":.:s" is "s") and a context
// gets its closing colon (":.c" is ":.c:"), as Confluent normalizes them.
func subjectParam(r *http.Request) string {
	return store.NormalizeSubject(pathParam(r, "subject"))
}

func pathParam(r *http.Request, name string) string {
	return unescapeParam(chi.URLParam(r, name))
}

// unescapeParam percent-decodes a path parameter as routed, or returns it
// as is when it does not decode.
func unescapeParam(raw string) string {
	if strings.IndexByte(raw, '%') < 0 {
		return raw
	}
	if s, err := url.PathUnescape(raw); err == nil {
		return s
	}
	return raw
}

// queryParam returns a query parameter, without parsing a query that is
// not there (the hot reads have none).
func queryParam(r *http.Request, name string) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return r.URL.Query().Get(name)
}

// boolQuery reads a JAX-RS boolean query parameter: "true" in any case.
func boolQuery(r *http.Request, name string) bool {
	return strings.EqualFold(queryParam(r, name), "true")
}

// intQuery reads an integer query parameter, def when absent.
func intQuery(r *http.Request, name string, def int) (int, error) {
	s := queryParam(r, name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, httpError(http.StatusBadRequest, "Invalid value '%s' for query parameter %s: not an integer", s, name)
	}
	return n, nil
}

// paging reads offset and limit.
func paging(r *http.Request) (p store.Paging, err error) {
	if p.Offset, err = intQuery(r, "offset", 0); err != nil {
		return
	}
	p.Limit, err = intQuery(r, "limit", -1)
	return
}

// deletedQuery reads the deleted query parameter.
func deletedQuery(r *http.Request) store.Deleted {
	return store.Deleted(boolQuery(r, "deleted"))
}

// deletion reads the permanent query parameter.
func deletion(r *http.Request) store.Deletion {
	if boolQuery(r, "permanent") {
		return store.PermanentDelete
	}
	return store.SoftDelete
}

// versionParam reads the {version} path parameter.
func versionParam(r *http.Request) (int, error) {
	return store.ParseVersion(pathParam(r, "version"))
}

// requestID echoes X-Request-ID, generating one when absent: a UUIDv4
// shaped id made of a random per-process prefix and a counter, unique
// without a call to the system's random source on every request.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRequestID(w, r)
		next.ServeHTTP(w, r)
	})
}

// setRequestID gives the response the request's X-Request-ID, and the
// request a new one when it has none (for the audit log and the primary).
func setRequestID(w http.ResponseWriter, r *http.Request) {
	if ids, generated := echoRequestID(w, r); generated {
		r.Header["X-Request-Id"] = ids
	}
}

// echoRequestID gives the response the request's X-Request-ID, or a new
// one when it has none, and returns it.
func echoRequestID(w http.ResponseWriter, r *http.Request) (ids []string, generated bool) {
	ids = r.Header["X-Request-Id"]
	if len(ids) == 0 || ids[0] == "" {
		ids, generated = newRequestIDValues(), true
	}
	w.Header()["X-Request-Id"] = ids[:1:1]
	return ids, generated
}

var (
	requestPrefix  = func() (b [8]byte) { rand.Read(b[:]); return }()
	requestCounter atomic.Uint64
)

// requestIDPrefix is how every request id begins: the UUID text of the
// random bytes, with the version bits.
var requestIDPrefix = func() string {
	var b [16]byte
	copy(b[:8], requestPrefix[:])
	b[6] = b[6]&0x0f | 0x40
	return formats.UUID(b)[:19]
}()

// newRequestIDValues returns the next request id as header values: 8
// random bytes fixed at start-up then a counter, with the version and
// variant bits of a UUIDv4, in one allocation (the text and the slice
// holding it).
func newRequestIDValues() []string {
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], requestCounter.Add(1))
	c[0] = c[0]&0x3f | 0x80
	v := new(struct {
		values [1]string
		text   [36]byte
	})
	copy(v.text[:], requestIDPrefix)
	hex.Encode(v.text[19:23], c[0:2])
	v.text[23] = '-'
	hex.Encode(v.text[24:36], c[2:8])
	v.values[0] = unsafe.String(&v.text[0], len(v.text)) // never written again
	return v.values[:]
}

// monoEpoch is the origin of monoNow.
var monoEpoch = time.Now()

// monoNow is the time since start-up on the monotonic clock: what a
// request's duration is measured with, cheaper than time.Now (no wall
// clock reading).
func monoNow() time.Duration {
	return time.Since(monoEpoch)
}

// recoverer turns a panic into a logged 500 envelope instead of a dropped
// connection.
func (a *API) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				a.panicked(w, r, p)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// panicked answers a request whose handler panicked with p: logged, and a
// 500 envelope (an aborted handler's panic goes on).
func (a *API) panicked(w http.ResponseWriter, r *http.Request, p any) {
	if p == http.ErrAbortHandler {
		panic(p)
	}
	a.logger.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
	writeError(w, responseTypes[0].name, httpError(http.StatusInternalServerError, "Internal server error"))
}

// header is r.Header.Get(name) for a name in canonical form, without
// canonicalizing it again.
func header(r *http.Request, name string) string {
	if v := r.Header[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}
