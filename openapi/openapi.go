// Package openapi holds the OpenAPI document of the REST API, served by the
// server and checked against the router by a test.
package openapi

import (
	_ "embed"
	"net/http"
)

// Document is openapi.yaml.
//
//go:embed openapi.yaml
var Document []byte

// Handler serves the document.
func Handler(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	w.Write(Document)
}
