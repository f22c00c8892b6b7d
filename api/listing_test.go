package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/schemaregistry/registry/store"
)

func TestListingsWithDeletedAndPaging(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/config", `{"compatibility":"NONE"}`, 200, "")
	for _, schema := range []string{`"int"`, `"long"`, `"string"`} {
		s.expect("POST", "/subjects/a/versions", body(schema), 200, "")
	}
	s.expect("POST", "/subjects/b/versions", body(`"bytes"`), 200, "")
	s.expect("DELETE", "/subjects/a/versions/2", "", 200, "2")
	entry := func(subject string, v, id int, schema string, deleted bool) string {
		out := `{"subject":"` + subject + `","version":` + itoa(v) + `,"id":` + itoa(id) + `,"guid":"` + guid(schema) + `","schemaType":"AVRO","schema":` + quote(schema)
		if deleted {
			out += `,"deleted":true`
		}
		return out + "}"
	}
	s.expect("GET", "/schemas", "", 200, "["+entry("a", 1, 1, `"int"`, false)+","+entry("a", 3, 3, `"string"`, false)+","+entry("b", 1, 4, `"bytes"`, false)+"]")
	s.expect("GET", "/schemas?deleted=true&offset=1&limit=2", "", 200, "["+entry("a", 2, 2, `"long"`, true)+","+entry("a", 3, 3, `"string"`, false)+"]")
	s.expect("GET", "/schemas?latestOnly=true&subjectPrefix=a", "", 200, "["+entry("a", 3, 3, `"string"`, false)+"]")
	s.expect("GET", "/subjects/a/versions?offset=1&limit=1", "", 200, `[3]`)
	s.expect("GET", "/schemas/ids/2/subjects", "", 200, `[]`)
	s.expect("GET", "/schemas/ids/2/subjects?deleted=true", "", 200, `["a"]`)
	// Lookup finds a soft-deleted version only when asked to.
	s.expectError("POST", "/subjects/a", body(`"long"`), 404, 40403, "Schema not found")
	s.expect("POST", "/subjects/a?deleted=true", body(`"long"`), 200, entry("a", 2, 2, `"long"`, true))
	s.expectError("GET", "/subjects?offset=x", "", 400, 400, "offset")
}

func TestDeleteModeAndContextRoutes(t *testing.T) {
	s := newServer(t)
	s.expect("PUT", "/mode", `{"mode":"READONLY"}`, 200, `{"mode":"READONLY"}`)
	s.expect("PUT", "/mode/x", `{"mode":"READWRITE"}`, 200, `{"mode":"READWRITE"}`)
	s.expect("PUT", "/mode/y", `{"mode":"IMPORT"}`, 200, `{"mode":"IMPORT"}`)
	s.expect("DELETE", "/mode/x", "", 200, `{"mode":"READWRITE"}`)
	s.expect("GET", "/mode/x?defaultToGlobal=true", "", 200, `{"mode":"READONLY"}`)
	// recursive also drops every subject's mode.
	s.expect("DELETE", "/mode?recursive=true", "", 200, `{"mode":"READONLY"}`)
	s.expect("GET", "/mode", "", 200, `{"mode":"READWRITE"}`)
	s.expectError("GET", "/mode/y", "", 404, 40409, "")
	s.expect("GET", "/associations/resources/lkc-123", "", 200, `[]`)
}

func TestBodyTooLarge(t *testing.T) {
	reg, err := store.Open(store.NewMemoryLog(), nil, store.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, reg: reg, h: New(Options{Registry: reg, MaxBodyBytes: 1024})}
	s.expectError("POST", "/subjects/s/versions", body(`"`+strings.Repeat("x", 2000)+`"`), 413, 413, "Request body larger than 1024 bytes")
	s.expectError("PUT", "/config", `{"compatibility":"`+strings.Repeat("x", 2000)+`"}`, 413, 413, "")
}

// A panic in a handler is a logged 500 envelope, not a dropped connection.
func TestPanicIsAnEnvelope(t *testing.T) {
	s := newServer(t)
	a := &API{logger: discardLogger()}
	h := a.recoverer(httpPanics{})
	s.h = h
	s.expectError("GET", "/", "", 500, 500, "Internal server error")
}

type httpPanics struct{}

func (httpPanics) ServeHTTP(http.ResponseWriter, *http.Request) { panic("boom") }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func itoa(i int) string { return strconv.Itoa(i) }
