package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Result is what one scenario measured in its window: the -d after the
// warm-up.
type Result struct {
	// Scenario is the scenario's name ("bare-get", "get-id", ...).
	Scenario string `json:"scenario"`
	// Method is the HTTP method the scenario sends; it picks the bare
	// ceiling the scenario is compared with.
	Method string `json:"method"`
	// Clients is the number of concurrent clients (one connection each).
	Clients int `json:"clients"`
	// Requests counts the requests started in the window, errors included;
	// their latencies give the percentiles.
	Requests int `json:"requests"`
	// Completed counts those of them answered before the window closed.
	Completed int `json:"completed"`
	// Errors counts the requests answered with a non-2xx status or that
	// failed in transport.
	Errors int `json:"errors"`
	// FirstError describes the first error: the status and the start of the
	// body, or the transport error.
	FirstError string `json:"first_error,omitempty"`
	// Elapsed is the length of the window.
	Elapsed time.Duration `json:"elapsed_ns"`
	// Rate is Completed per second of Elapsed.
	Rate float64 `json:"req_per_s"`
	// Ratio is Rate divided by the rate of the bare ceiling of the same
	// method; 0 when there is none (for the ceilings themselves it is 1).
	Ratio float64 `json:"ratio"`
	// P50, P99 and Max are latencies: from just before the request is
	// written to the end of reading the response body.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
	// OtherCPU is the share (0 to 1) of the machine's CPU time that other
	// processes than this one and the registry used during the scenario
	// (warm-up included): above a few percent, the figures are lowered by
	// competing work. -1 when unknown (no /proc, or a registry given by
	// -url, whose own CPU time cannot be told apart).
	OtherCPU float64 `json:"other_cpu"`
}

// percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// sorted: the smallest value such that at least p% of the values are less
// than or equal to it. It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(p / 100 * float64(n))
	if float64(rank) < p/100*float64(n) {
		rank++ // ceil
	}
	rank = max(rank, 1)
	rank = min(rank, n)
	return sorted[rank-1]
}

// summarize merges the per-client latency slices and fills in the
// percentiles and the request count.
func summarize(r *Result, perClient [][]time.Duration) {
	total := 0
	for _, l := range perClient {
		total += len(l)
	}
	all := make([]time.Duration, 0, total)
	for _, l := range perClient {
		all = append(all, l...)
	}
	slices.Sort(all)
	r.Requests = len(all)
	r.P50 = percentile(all, 50)
	r.P99 = percentile(all, 99)
	r.Max = percentile(all, 100)
}

// setRatios fills in each result's ratio to the bare ceiling of its method,
// taken from the results named bare-get and bare-post.
// medianPair returns the (ceiling, scenario) pair of the median ratio (the
// lower middle one for an even count) and the ratios of every round.
func medianPair(pairs [][2]Result) ([2]Result, string) {
	sorted := slices.Clone(pairs)
	slices.SortStableFunc(sorted, func(a, b [2]Result) int { return cmp.Compare(a[1].Ratio, b[1].Ratio) })
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = fmt.Sprintf("%.1f%% (%.0f/%.0f)", 100*p[1].Ratio, p[1].Rate, p[0].Rate)
	}
	return sorted[(len(sorted)-1)/2], strings.Join(parts, "  ")
}

// setRatios sets the ratio of every result that has none yet to its rate
// over the rate of the bare ceiling of its method.
func setRatios(results []Result) {
	ceiling := map[string]float64{}
	for _, r := range results {
		switch r.Scenario {
		case "bare-get", "bare-post":
			ceiling[r.Method] = r.Rate
		}
	}
	for i := range results {
		if c := ceiling[results[i].Method]; c > 0 && results[i].Ratio == 0 {
			results[i].Ratio = results[i].Rate / c
		}
	}
}

// printTable writes the results as an aligned table, then the first error
// of every scenario that had errors. The errors column is errors/requests;
// other-cpu is OtherCPU.
func printTable(w io.Writer, results []Result) {
	rows := [][]string{{"scenario", "req/s", "ratio", "p50", "p99", "max", "errors", "other-cpu"}}
	for _, r := range results {
		ratio, other := "-", "-"
		if r.Ratio > 0 {
			ratio = fmt.Sprintf("%.1f%%", 100*r.Ratio)
		}
		if r.OtherCPU >= 0 {
			other = fmt.Sprintf("%.0f%%", 100*r.OtherCPU)
		}
		rows = append(rows, []string{
			r.Scenario,
			fmt.Sprintf("%.0f", r.Rate),
			ratio,
			fmtDuration(r.P50),
			fmtDuration(r.P99),
			fmtDuration(r.Max),
			fmt.Sprintf("%d/%d", r.Errors, r.Requests),
			other,
		})
	}
	widths := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, cell := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, cell := range row {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				b.WriteString(cell + pad) // names left-aligned
			} else {
				b.WriteString("  " + pad + cell) // numbers right-aligned
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	for _, r := range results {
		if r.Errors > 0 {
			fmt.Fprintf(w, "%s: first error: %s\n", r.Scenario, r.FirstError)
		}
	}
}

// fmtDuration prints a latency with three significant digits in a unit
// that suits it (µs below a millisecond, ms below a second, s above).
func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
}
