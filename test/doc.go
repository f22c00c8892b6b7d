// Package test holds the end-to-end tests: they build the schema-registry
// binary, start it as a user would, and talk to it over HTTP.
package test
