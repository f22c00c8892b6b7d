package exporter

import "github.com/prometheus/client_golang/prometheus"

var (
	lagDesc = prometheus.NewDesc("schema_registry_exporter_lag_records",
		"Records of the source's schema log an exporter has not yet exported (its status offset to the last record applied).", []string{"exporter"}, nil)
	successDesc = prometheus.NewDesc("schema_registry_exporter_last_success_timestamp_seconds",
		"When an exporter last left its destination up to date, on this node (absent before its first success here).", []string{"exporter"}, nil)
	stateDesc = prometheus.NewDesc("schema_registry_exporter_state",
		"1 for an exporter's current state.", []string{"exporter", "state"}, nil)
)

// Describe implements prometheus.Collector.
func (rn *Runner) Describe(ch chan<- *prometheus.Desc) {
	ch <- lagDesc
	ch <- successDesc
	ch <- stateDesc
}

// Collect implements prometheus.Collector: the exporters' lag, last
// success and state at each scrape.
func (rn *Runner) Collect(ch chan<- prometheus.Metric) {
	at := rn.src.Stats().Offset
	for name, st := range rn.defs.snapshot() {
		lag := at - st.Offset
		if lag < 0 {
			lag = 0
		}
		ch <- prometheus.MustNewConstMetric(lagDesc, prometheus.GaugeValue, float64(lag), name)
		ch <- prometheus.MustNewConstMetric(stateDesc, prometheus.GaugeValue, 1, name, st.State)
		if t, ok := rn.LastSuccess(name); ok {
			ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, float64(t.UnixNano())/1e9, name)
		}
	}
}
