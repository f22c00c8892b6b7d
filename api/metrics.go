package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is what GET /metrics serves, in the Prometheus text format.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(a *API) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "schema_registry_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "schema_registry_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route pattern and method.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	m.registry.MustRegister(m.requests, m.duration, &stateCollector{a: a},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if a.opts.ExporterMetrics != nil {
		m.registry.MustRegister(a.opts.ExporterMetrics)
	}
	return m
}

// middleware counts and times every request by its route pattern (never
// the raw path: subjects would make the series unbounded).
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := monoNow()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil {
			if p := rc.RoutePattern(); p != "" {
				route = p
			}
		}
		method := r.Method
		switch method {
		case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodHead, http.MethodOptions, http.MethodPatch:
		default:
			method = "other"
		}
		m.requests.WithLabelValues(route, method, strconv.Itoa(sw.status())).Inc()
		m.duration.WithLabelValues(route, method).Observe((monoNow() - start).Seconds())
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// stateCollector reports the registry's state at each scrape.
type stateCollector struct{ a *API }

var (
	subjectsDesc = prometheus.NewDesc("schema_registry_subjects", "Subjects with at least one version, soft-deleted ones included.", nil, nil)
	versionsDesc = prometheus.NewDesc("schema_registry_versions", "Subject versions, soft-deleted ones included.", nil, nil)
	schemasDesc  = prometheus.NewDesc("schema_registry_schemas", "Distinct schema ids.", nil, nil)
	offsetDesc   = prometheus.NewDesc("schema_registry_log_offset", "Offset of the last record of the schema log applied to memory (-1 before any).", nil, nil)
	lagDesc      = prometheus.NewDesc("schema_registry_log_lag", "Records of the schema log not yet applied to memory.", nil, nil)
	primaryDesc  = prometheus.NewDesc("schema_registry_primary", "1 when this node is the primary (takes the writes), else 0.", nil, nil)
	checksDesc   = prometheus.NewDesc("schema_registry_compatibility_checks_total", "Compatibility checks run, by registrations and the compatibility endpoints.", nil, nil)
	failuresDesc = prometheus.NewDesc("schema_registry_compatibility_failures_total", "Compatibility checks that found the schema incompatible.", nil, nil)
	infoDesc     = prometheus.NewDesc("schema_registry_info", "Version of this server.", []string{"version", "commit"}, nil)

	parsedDesc      = prometheus.NewDesc("schema_registry_parsed_schemas", "Stored schemas held parsed, for compatibility checks and the other reads that need a parse (at most schema.cache.size).", nil, nil)
	parsedBytesDesc = prometheus.NewDesc("schema_registry_parsed_schemas_bytes", "Estimated memory of the stored schemas held parsed (about schema.cache.max.bytes at most).", nil, nil)
	parsesDesc      = prometheus.NewDesc("schema_registry_schema_parses_total", "Parses of stored schemas: the first use of each, and again after its parse was dropped.", nil, nil)
	evictionsDesc   = prometheus.NewDesc("schema_registry_parsed_schema_evictions_total", "Parses of stored schemas dropped to stay within the bounds of the parsed schema cache.", nil, nil)
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{subjectsDesc, versionsDesc, schemasDesc, offsetDesc, lagDesc, primaryDesc, checksDesc, failuresDesc, infoDesc,
		parsedDesc, parsedBytesDesc, parsesDesc, evictionsDesc} {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	a := c.a
	s := a.reg.Stats()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	gauge(subjectsDesc, float64(s.Subjects))
	gauge(versionsDesc, float64(s.Versions))
	gauge(schemasDesc, float64(s.Schemas))
	gauge(offsetDesc, float64(s.Offset))
	if a.opts.LogEnd == nil {
		gauge(lagDesc, 0) // the embedded log is applied before a write returns
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		end, err := a.opts.LogEnd(ctx)
		cancel()
		if err != nil {
			a.logger.Debug("metrics: cannot read the end of the schema log", "err", err)
		} else {
			gauge(lagDesc, float64(max(0, end-1-s.Offset)))
		}
	}
	primary := 1.0
	if a.lead != nil {
		if _, self, _ := a.lead.Primary(); !self {
			primary = 0
		}
	}
	gauge(primaryDesc, primary)
	checks, failures := a.reg.CompatibilityStats()
	ch <- prometheus.MustNewConstMetric(checksDesc, prometheus.CounterValue, float64(checks))
	ch <- prometheus.MustNewConstMetric(failuresDesc, prometheus.CounterValue, float64(failures))
	ch <- prometheus.MustNewConstMetric(infoDesc, prometheus.GaugeValue, 1, a.opts.Version, a.opts.Commit)
	ps := a.reg.ParsedStats()
	gauge(parsedDesc, float64(ps.Held))
	gauge(parsedBytesDesc, float64(ps.Bytes))
	ch <- prometheus.MustNewConstMetric(parsesDesc, prometheus.CounterValue, float64(ps.Parses))
	ch <- prometheus.MustNewConstMetric(evictionsDesc, prometheus.CounterValue, float64(ps.Evictions))
}
