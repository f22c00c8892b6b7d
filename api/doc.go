// Package api is the HTTP face of the registry: the whole REST surface in
// one table (router.go), one file of handlers per resource (subjects,
// schemas, config and mode, contexts, metadata, associations, validation,
// health), Confluent's entities, media types and error envelopes
// (entities.go, handler.go), and the HTTP concerns around them:
// authentication and roles (auth.go), the audit log (audit.go), Prometheus
// metrics (metrics.go), cached answers of the hot reads (cache.go) and the
// fast lane that serves them before routing (fastlane.go), request
// body limits, forwarding writes to the primary (forward.go), and the web
// console's page, assets and JSON routes under its path (console.go).
//
// It holds no business rules: every decision is the store's (or the
// validation hook's), and a handler never touches the store's indexes
// directly. Nothing imports api but cmd and tests.
package api
