// Package api is the HTTP face of the registry: the chi router, one file per
// resource, Confluent's media types and error envelopes. It holds no business
// rules: every decision is the store's.
package api
