// The tests live in an external package: package api imports openapi, so
// only an external test package may import both.
package openapi_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"gopkg.in/yaml.v3"

	"github.com/schemaregistry/registry/api"
	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/formats/avro"
	"github.com/schemaregistry/registry/openapi"
	"github.com/schemaregistry/registry/store"
)

// httpMethods are the operation keys of an OpenAPI path item.
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	reg, err := store.Open(store.NewMemoryLog(), []formats.Format{avro.Format{}}, store.Settings{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reg.Close() })
	return api.New(api.Options{Registry: reg, ConsolePath: "/ui"}) // the console at its default path
}

// routerRoutes returns the router's routes as "METHOD /pattern".
func routerRoutes(t *testing.T) map[string]bool {
	t.Helper()
	h := newHandler(t)
	routes, ok := h.(chi.Routes)
	if !ok {
		t.Fatalf("api.New returned %T, not a chi.Routes", h)
	}
	out := map[string]bool{}
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out[strings.ToUpper(method)+" "+route] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// documentRoutes returns the document's operations as "METHOD /path".
func documentRoutes(t *testing.T) map[string]bool {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapi.Document, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	out := map[string]bool{}
	for path, item := range doc.Paths {
		for key := range item {
			if httpMethods[key] {
				out[strings.ToUpper(key)+" "+path] = true
			}
		}
	}
	return out
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDocumentMatchesRouter fails when a route of the router is missing from
// openapi.yaml, or an operation of openapi.yaml is not a route.
func TestDocumentMatchesRouter(t *testing.T) {
	router, doc := routerRoutes(t), documentRoutes(t)
	if len(router) == 0 {
		t.Fatal("the router has no routes")
	}
	for _, r := range sorted(router) {
		if !doc[r] {
			t.Errorf("route %s is in the router but not in openapi.yaml", r)
		}
	}
	for _, r := range sorted(doc) {
		if !router[r] {
			t.Errorf("operation %s is in openapi.yaml but not in the router", r)
		}
	}
}

// TestDocumentIsValid loads openapi.yaml with kin-openapi and validates it.
func TestDocumentIsValid(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.Document)
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi version %q, want 3.0.3", doc.OpenAPI)
	}
}

// TestDocumentIsServed checks GET /openapi.yaml answers the document.
func TestDocumentIsServed(t *testing.T) {
	w := httptest.NewRecorder()
	newHandler(t).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/openapi.yaml", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /openapi.yaml: status %d", w.Code)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("GET /openapi.yaml: Content-Type %q, want application/yaml", ct)
	}
	if w.Body.String() != string(openapi.Document) {
		t.Error("GET /openapi.yaml does not answer the embedded document")
	}
}
