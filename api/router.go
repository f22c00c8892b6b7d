package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/schemaregistry/registry/dek"
	"github.com/schemaregistry/registry/exporter"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/internal/bounded"
	"github.com/schemaregistry/registry/openapi"
	"github.com/schemaregistry/registry/store"
)

// Options are what the API needs.
type Options struct {
	Registry     *store.Registry
	Logger       *slog.Logger
	MaxBodyBytes int64  // request body limit (413 beyond); 4 MiB when 0
	MaxDepth     int    // JSON nesting limit of request bodies (422 beyond); store.DefaultMaxSchemaDepth when 0
	Version      string // served by /v1/metadata/version
	Commit       string
	ClusterID    string // the Kafka cluster id, or the embedded store's id
	GroupID      string // schema.registry.group.id
	// Leadership routes writes to the primary; nil on a single node.
	Leadership Leadership
	// ForwardClient sends writes to the primary; 60 s timeout when nil.
	ForwardClient *http.Client
	// Auth is who may do what; nil lets everyone do everything.
	Auth *Auth
	// LogEnd returns the offset the next record of the schema log will
	// get, for the lag metric; nil when this node is the log's only writer.
	LogEnd func(context.Context) (int64, error)
	// Validation are the default settings of the validation hook
	// (confluent.*.schema.validation and subject name strategies).
	Validation hook.Settings
	// Dek is the DEK registry; nil answers its routes 404.
	Dek *dek.Registry
	// Exporters are Schema Linking's exporters; nil answers their routes
	// 404. ExporterMetrics, when set, are served with the others.
	Exporters       *exporter.Registry
	ExporterMetrics prometheus.Collector
	// WriteTimeout bounds a write on the primary, waiting for the write
	// lock included (50002 beyond), and a follower's wait for the
	// primary's answer to a forwarded write (that plus 500 ms; 50003
	// beyond); 0: no bound.
	WriteTimeout time.Duration
	// NoAssociations turns the association routes off
	// (associations.enable=false): they answer 404, which serializers read
	// as "no association".
	NoAssociations bool
	// ConsolePath is where the web console is served (ui.path, e.g.
	// "/ui"); "" turns it off (ui.enable=false).
	ConsolePath string
}

// DefaultMaxBodyBytes is the request body limit when Options.MaxBodyBytes
// is 0.
const DefaultMaxBodyBytes = 4 << 20

// API serves the Confluent REST API over a registry.
type API struct {
	reg           *store.Registry
	logger        *slog.Logger
	maxBody       int64
	maxDepth      int
	opts          Options
	lead          Leadership
	forwardClient *http.Client
	bodies        *bodyCache
	pages         *bodyCache // pages of the listings (stream.go)
	hotIDs        hotAnswers // GET /schemas/ids/{id}, in front of bodies
	hotVersions   hotAnswers // GET /subjects/{subject}/versions/{version}
	auth          *Auth
	metrics       *metrics
	validator     *hook.Validator
	limiter       *writeLimiter // nil: writes are not rate-limited
}

// New returns the HTTP handler of the REST API.
func New(o Options) http.Handler {
	a := newAPI(o)
	return a.withFastLane(a.router())
}

func newAPI(o Options) *API {
	a := &API{reg: o.Registry, logger: o.Logger, maxBody: o.MaxBodyBytes, maxDepth: o.MaxDepth, opts: o, lead: o.Leadership,
		forwardClient: o.ForwardClient, auth: o.Auth}
	a.bodies = bounded.New[string, cachedBody](10_000) // hot answers; at ~3 KB each, 30 MB at most
	a.pages = bounded.New[string, cachedBody](cachedPages)
	a.validator = hook.New(o.Registry, 0)
	if a.forwardClient == nil {
		a.forwardClient = defaultForwardClient()
	}
	if a.logger == nil {
		a.logger = slog.Default()
	}
	if a.maxBody <= 0 {
		a.maxBody = DefaultMaxBodyBytes
	}
	if a.maxDepth <= 0 {
		a.maxDepth = store.DefaultMaxSchemaDepth
	}
	a.metrics = newMetrics(a)
	if o.Auth != nil {
		a.limiter = newWriteLimiter(o.Auth.WriteRate, o.Auth.WriteBurst)
	}
	return a
}

// route is one line of the API surface.
type route struct {
	method, pattern string
	access          access // who may call it (auth.go)
	handler         http.Handler
}

// routes is the whole REST API, one route a line, with the access each
// needs: public (no credentials), read, register (write; admin with an
// explicit id), admin. Writes go to the primary through a.write.
func (a *API) routes() []route {
	return []route{
		{"GET", "/", read, a.serve(a.root)},
		{"POST", "/", read, a.serve(a.postRoot)},

		{"GET", "/schemas", read, a.serve(a.listSchemas)},
		{"GET", "/schemas/types", read, a.serve(a.schemaTypes)},
		{"GET", "/schemas/ids/{id}", read, a.serve(a.schemaByID)},
		{"GET", "/schemas/ids/{id}/schema", read, a.serve(a.rawSchemaByID)},
		{"GET", "/schemas/ids/{id}/subjects", read, a.serve(a.subjectsByID)},
		{"GET", "/schemas/ids/{id}/versions", read, a.serve(a.versionsByID)},
		{"GET", "/schemas/guids/{guid}", read, a.serve(a.schemaByGUID)},
		{"GET", "/schemas/guids/{guid}/ids", read, a.serve(a.idsByGUID)},

		{"GET", "/subjects", read, a.serve(a.listSubjects)},
		{"POST", "/subjects/{subject}", read, a.serve(a.lookupSchema)},
		{"DELETE", "/subjects/{subject}", admin, a.serve(a.write(a.deleteSubject))},
		{"GET", "/subjects/{subject}/metadata", read, a.serve(a.versionByMetadata)},
		{"GET", "/subjects/{subject}/versions", read, a.serve(a.listVersions)},
		{"POST", "/subjects/{subject}/versions", register, a.serve(a.registerOrForward)},
		{"GET", "/subjects/{subject}/versions/{version}", read, a.serve(a.getVersion)},
		{"DELETE", "/subjects/{subject}/versions/{version}", admin, a.serve(a.write(a.deleteVersion))},
		{"GET", "/subjects/{subject}/versions/{version}/schema", read, a.serve(a.rawVersionSchema)},
		{"GET", "/subjects/{subject}/versions/{version}/referencedby", read, a.serve(a.referencedBy)},
		{"POST", "/subjects/{subject}/versions/{version}/tags", register, a.serve(a.write(a.tagSchema))},

		{"POST", "/compatibility/subjects/{subject}/versions", read, a.serve(a.compatibilityAll)},
		{"POST", "/compatibility/subjects/{subject}/versions/{version}", read, a.serve(a.compatibilityVersion)},

		{"GET", "/config", read, a.serve(a.getConfig)},
		{"PUT", "/config", admin, a.serve(a.write(a.putConfig))},
		{"DELETE", "/config", admin, a.serve(a.write(a.deleteConfig))},
		{"GET", "/config/{subject}", read, a.serve(a.getConfig)},
		{"PUT", "/config/{subject}", admin, a.serve(a.write(a.putConfig))},
		{"DELETE", "/config/{subject}", admin, a.serve(a.write(a.deleteConfig))},

		{"GET", "/mode", read, a.serve(a.getMode)},
		{"PUT", "/mode", admin, a.serve(a.write(a.putMode))},
		{"DELETE", "/mode", admin, a.serve(a.write(a.deleteMode))},
		{"GET", "/mode/{subject}", read, a.serve(a.getMode)},
		{"PUT", "/mode/{subject}", admin, a.serve(a.write(a.putMode))},
		{"DELETE", "/mode/{subject}", admin, a.serve(a.write(a.deleteMode))},

		{"GET", "/contexts", read, a.serve(a.listContexts)},
		{"DELETE", "/contexts/{context}", admin, a.serve(a.write(a.deleteContext))},

		{"GET", "/v1/metadata/id", read, a.serve(a.clusterID)},
		{"GET", "/v1/metadata/version", read, a.serve(a.serverVersion)},
		{"GET", "/v1/metadata/deployment", read, a.serve(a.deployment)},

		{"POST", "/validation/topics/{topic}", read, a.serve(a.validate)},

		{"GET", "/health/live", public, a.serve(a.live)},
		{"GET", "/health/ready", public, a.serve(a.ready)},
		{"GET", "/metrics", read, a.metrics.handler()},
		{"GET", "/openapi.yaml", read, http.HandlerFunc(openapi.Handler)},
	}
}

// router mounts the routes behind the middlewares: metrics outermost, so
// that it sees the status of every answer, panics included.
func (a *API) router() http.Handler {
	r := chi.NewRouter()
	r.Use(a.metrics.middleware, a.recoverer, requestID, a.contextPaths, middleware.StripSlashes)
	r.NotFound(a.serve(func(*http.Request) (any, error) { return nil, httpError(store.CodeNotFound, "HTTP 404 Not Found") }))
	r.MethodNotAllowed(a.serve(func(*http.Request) (any, error) {
		return nil, httpError(store.CodeMethodNotAllowed, "HTTP 405 Method Not Allowed")
	}))
	for _, rt := range slices.Concat(a.routes(), a.associationRoutes(), a.dekRoutes(), a.consoleRoutes(), a.exporterRoutes()) {
		r.Method(rt.method, rt.pattern, a.guard(rt.access, rt.handler))
	}
	return r
}
