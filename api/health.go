package api

import "net/http"

// healthJSON answers the health endpoints.
type healthJSON struct {
	Status  string `json:"status"`
	Primary string `json:"primary,omitempty"`
	// IsPrimary reports whether this node is the primary.
	IsPrimary bool `json:"isPrimary"`
}

// live answers as soon as the process serves HTTP (the log is replayed
// before the listeners open).
func (a *API) live(*http.Request) (any, error) {
	return healthJSON{Status: "live", IsPrimary: a.lead == nil}, nil
}

// ready answers 200 when this node can take writes: on a single node
// always, in a cluster when a primary is known. Otherwise 503, so a load
// balancer holds traffic.
func (a *API) ready(*http.Request) (any, error) {
	if a.lead == nil {
		return healthJSON{Status: "ready", IsPrimary: true}, nil
	}
	url, self, known := a.lead.Primary()
	if !known {
		return nil, httpError(http.StatusServiceUnavailable, "Leader not known.")
	}
	return healthJSON{Status: "ready", Primary: url, IsPrimary: self}, nil
}
