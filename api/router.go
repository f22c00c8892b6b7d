package api

import (
	"log/slog"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/schemaregistry/registry/openapi"
	"github.com/schemaregistry/registry/store"
)

// Options are what the API needs.
type Options struct {
	Registry     *store.Registry
	Logger       *slog.Logger
	MaxBodyBytes int64  // request body limit; 16 MiB when 0
	Version      string // served by /v1/metadata/version
	Commit       string
	ClusterID    string // the Kafka cluster id, or the embedded store's id
	GroupID      string // schema.registry.group.id
	// Leadership routes writes to the primary; nil on a single node.
	Leadership Leadership
	// ForwardClient sends writes to the primary; 60 s timeout when nil.
	ForwardClient *http.Client
}

// API serves the Confluent REST API over a registry.
type API struct {
	reg           *store.Registry
	logger        *slog.Logger
	maxBody       int64
	opts          Options
	lead          Leadership
	forwardClient *http.Client
	bodies        *bodyCache
}

// New returns the HTTP handler of the REST API.
func New(o Options) http.Handler {
	a := &API{reg: o.Registry, logger: o.Logger, maxBody: o.MaxBodyBytes, opts: o, lead: o.Leadership, forwardClient: o.ForwardClient}
	a.bodies = &bodyCache{limit: 50_000}
	if a.forwardClient == nil {
		a.forwardClient = defaultForwardClient()
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	if a.maxBody <= 0 {
		a.maxBody = 16 << 20
	}
	return a.router()
}

// router lists every route, one line each.
func (a *API) router() http.Handler {
	r := chi.NewRouter()
	r.Use(a.recoverer, requestID, middleware.StripSlashes)
	r.NotFound(a.serve(func(*http.Request) (any, error) { return nil, httpError(404, "HTTP 404 Not Found") }))
	r.MethodNotAllowed(a.serve(func(*http.Request) (any, error) { return nil, httpError(405, "HTTP 405 Method Not Allowed") }))

	r.Get("/", a.serve(a.root))
	r.Post("/", a.serve(a.postRoot))

	r.Get("/schemas", a.serve(a.listSchemas))
	r.Get("/schemas/types", a.serve(a.schemaTypes))
	r.Get("/schemas/ids/{id}", a.serve(a.schemaByID))
	r.Get("/schemas/ids/{id}/schema", a.serve(a.rawSchemaByID))
	r.Get("/schemas/ids/{id}/subjects", a.serve(a.subjectsByID))
	r.Get("/schemas/ids/{id}/versions", a.serve(a.versionsByID))
	r.Get("/schemas/guids/{guid}", a.serve(a.schemaByGUID))
	r.Get("/schemas/guids/{guid}/ids", a.serve(a.idsByGUID))

	r.Get("/subjects", a.serve(a.listSubjects))
	r.Post("/subjects/{subject}", a.serve(a.lookupSchema))
	r.Delete("/subjects/{subject}", a.serve(a.write(a.deleteSubject)))
	r.Get("/subjects/{subject}/metadata", a.serve(a.versionByMetadata))
	r.Get("/subjects/{subject}/versions", a.serve(a.listVersions))
	r.Post("/subjects/{subject}/versions", a.serve(a.registerOrForward))
	r.Get("/subjects/{subject}/versions/{version}", a.serve(a.getVersion))
	r.Delete("/subjects/{subject}/versions/{version}", a.serve(a.write(a.deleteVersion)))
	r.Get("/subjects/{subject}/versions/{version}/schema", a.serve(a.rawVersionSchema))
	r.Get("/subjects/{subject}/versions/{version}/referencedby", a.serve(a.referencedBy))

	r.Post("/compatibility/subjects/{subject}/versions", a.serve(a.compatibilityAll))
	r.Post("/compatibility/subjects/{subject}/versions/{version}", a.serve(a.compatibilityVersion))

	r.Get("/config", a.serve(a.getConfig))
	r.Put("/config", a.serve(a.write(a.putConfig)))
	r.Delete("/config", a.serve(a.write(a.deleteConfig)))
	r.Get("/config/{subject}", a.serve(a.getConfig))
	r.Put("/config/{subject}", a.serve(a.write(a.putConfig)))
	r.Delete("/config/{subject}", a.serve(a.write(a.deleteConfig)))

	r.Get("/mode", a.serve(a.getMode))
	r.Put("/mode", a.serve(a.write(a.putMode)))
	r.Delete("/mode", a.serve(a.write(a.deleteMode)))
	r.Get("/mode/{subject}", a.serve(a.getMode))
	r.Put("/mode/{subject}", a.serve(a.write(a.putMode)))
	r.Delete("/mode/{subject}", a.serve(a.write(a.deleteMode)))

	r.Get("/contexts", a.serve(a.listContexts))
	r.Delete("/contexts/{context}", a.serve(a.write(a.deleteContext)))

	r.Get("/v1/metadata/id", a.serve(a.clusterID))
	r.Get("/v1/metadata/version", a.serve(a.serverVersion))
	r.Get("/v1/metadata/deployment", a.serve(a.deployment))

	r.Get("/associations/subjects/{subject}", a.serve(a.noAssociations))
	r.Get("/associations/resources/{resourceId}", a.serve(a.noAssociations))
	r.Get("/associations/resources/{namespace}/{name}", a.serve(a.noAssociations))

	r.Get("/health/live", a.serve(a.live))
	r.Get("/health/ready", a.serve(a.ready))

	r.Get("/openapi.yaml", openapi.Handler)
	return r
}
