package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/schemaregistry/registry/store"
)

// auditRecord is the audit log line of one call that may change the
// registry: who, what, and the outcome. Refused calls are recorded too.
type auditRecord struct {
	logger    *slog.Logger
	start     time.Time
	r         *http.Request
	w         *statusWriter
	acc       access
	principal *principal
	code      int // error_code of a refused or failed call
	id        int // schema id of a registration
	version   int // version registered or deleted
	versions  []int
	forwarded bool   // answered by the primary
	answer    []byte // an encoded answer, read for id, version and code when logged
	revision  int64  // the registry's revision when the call began
	reg       interface{ Revision() int64 }
	// subject: set by the fast lane, which answers before routing (the
	// route's parameters are read otherwise).
	subject string
}

type auditKey struct{}

func auditOf(ctx context.Context) *auditRecord {
	rec, _ := ctx.Value(auditKey{}).(*auditRecord)
	return rec
}

// startAudit begins the record of a call; serve fills in the outcome and
// rec.log writes it when the call is done.
func (a *API) startAudit(w http.ResponseWriter, r *http.Request, acc access) (http.ResponseWriter, *http.Request, *auditRecord) {
	sw := &statusWriter{ResponseWriter: w}
	rec := &auditRecord{logger: a.logger, start: monoEpoch.Add(monoNow()), w: sw, acc: acc, reg: a.reg, revision: a.reg.Revision()}
	r = r.WithContext(context.WithValue(r.Context(), auditKey{}, rec))
	rec.r = r
	return sw, r, rec
}

// note takes the details of a handler's answer: the id and version of a
// registration, the versions of a delete, the error code.
func (rec *auditRecord) note(v any, err error) {
	if rec == nil {
		return
	}
	if err != nil {
		rec.code = store.AsError(err).Code
		return
	}
	switch body := v.(type) {
	case registerJSON:
		rec.id, rec.version = body.ID, body.Version
	case int: // DELETE of a version
		rec.version = body
	case []int: // DELETE of a subject
		rec.versions = body
	case rawJSON: // an answer from the cache
		rec.answer = body
	case forwarded:
		rec.forwarded = true
		rec.answer = body.body
	}
}

// fromJSON takes id, version and error code from an encoded answer. They
// lead the answers that carry them, so the scan stops there instead of
// decoding the schema text.
func (rec *auditRecord) fromJSON(b []byte) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return
		}
		var n int
		switch t {
		case "id", "version", "error_code":
			if dec.Decode(&n) != nil {
				return
			}
		default:
			return // past the leading numbers
		}
		switch t {
		case "id":
			rec.id = n
		case "version":
			rec.version = n
		case "error_code":
			rec.code = n
		}
	}
}

// log writes the record as one line: at INFO, or at DEBUG for a call that
// succeeded without changing anything (a serializer registering a schema
// the subject already holds, on every start).
func (rec *auditRecord) log() {
	r := rec.r
	level := auditLevel(rec.w.status(), rec.forwarded, rec.revision, rec.reg.Revision())
	if !rec.logger.Enabled(r.Context(), level) {
		return
	}
	if rec.answer != nil {
		rec.fromJSON(rec.answer)
	}
	attrs := make([]slog.Attr, 0, 16)
	if p := rec.principal; p != nil {
		attrs = append(attrs, slog.String("user", p.Name), slog.String("auth", p.Via))
	} else {
		attrs = append(attrs, slog.String("user", ""))
	}
	attrs = append(attrs,
		slog.String("remote", r.RemoteAddr),
		slog.String("method", r.Method),
		slog.String("path", loggedURI(r)),
		slog.String("access", rec.acc.String()))
	subject, context := rec.subject, pathParam(r, "context")
	if subject == "" {
		subject = subjectParam(r)
	}
	if subject != "" {
		attrs = append(attrs, slog.String("subject", subject))
	}
	if context != "" {
		attrs = append(attrs, slog.String("context", context))
	}
	if rec.id > 0 {
		attrs = append(attrs, slog.Int("id", rec.id))
	}
	if rec.version != 0 {
		attrs = append(attrs, slog.Int("version", rec.version))
	}
	if rec.versions != nil {
		attrs = append(attrs, slog.Any("versions", rec.versions))
	}
	attrs = append(attrs, slog.Int("status", rec.w.status()))
	if rec.code != 0 {
		attrs = append(attrs, slog.Int("error_code", rec.code))
	}
	if rec.forwarded {
		attrs = append(attrs, slog.Bool("forwarded_to_primary", true))
	}
	if r.Header.Get("X-Forward") != "" {
		attrs = append(attrs, slog.Bool("forwarded_by_follower", true))
	}
	attrs = append(attrs,
		slog.String("request_id", r.Header.Get("X-Request-ID")),
		slog.Duration("elapsed", time.Since(rec.start)))
	rec.logger.LogAttrs(r.Context(), level, "audit", attrs...)
}

// auditLevel is the level of the audit record of a call answered with
// status, that began at revision and ended at now.
func auditLevel(status int, forwarded bool, revision, now int64) slog.Level {
	if status < 300 && !forwarded && now == revision {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}

// statusWriter remembers the status of a response.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}

// loggedURI is the request URI as logged: a token sent in the query string
// (refused anyway) is left out.
func loggedURI(r *http.Request) string {
	if r.URL.RawQuery == "" || !strings.Contains(r.URL.RawQuery, "access_token") {
		return r.URL.RequestURI()
	}
	q := r.URL.Query()
	q.Set("access_token", "REDACTED")
	return r.URL.EscapedPath() + "?" + q.Encode()
}
