package proxy

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the proxy's Prometheus series. Topics label them: only
// topics with validation on appear, so the series are as many as the
// topics the configuration names or matches.
type Metrics struct {
	registry  *prometheus.Registry
	validated *prometheus.CounterVec
	refused   *prometheus.CounterVec
	latency   prometheus.Histogram
}

// NewMetrics returns the proxy's metrics, with the Go and process ones.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		validated: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sr_proxy_records_validated_total",
			Help: "Records checked against the registry, by topic.",
		}, []string{"topic"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sr_proxy_records_refused_total",
			Help: "Records that failed validation, by topic and reason (hook's reason codes, CORRUPT for an unreadable batch).",
		}, []string{"topic", "reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "sr_proxy_produce_validation_seconds",
			Help:    "Time a produce request with validated topics spends in validation: the latency the proxy adds to it, beyond forwarding.",
			Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
	m.registry.MustRegister(m.validated, m.refused, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

func (m *Metrics) records(topic string, n int) {
	if m != nil && n > 0 {
		m.validated.WithLabelValues(topic).Add(float64(n))
	}
}

func (m *Metrics) refusal(topic, reason string, n int) {
	if m != nil && n > 0 {
		m.refused.WithLabelValues(topic, reason).Add(float64(n))
	}
}

func (m *Metrics) took(d time.Duration) {
	if m != nil {
		m.latency.Observe(d.Seconds())
	}
}
