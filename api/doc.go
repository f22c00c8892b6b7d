// Package api is the HTTP face of the registry: the chi router, one file per
// resource, Confluent's media types and error envelopes, and the HTTP
// concerns around them: authentication and roles (auth.go), the audit log
// (audit.go), Prometheus metrics (metrics.go) and the limits on request
// bodies. It holds no business rules: every decision is the store's.
package api
