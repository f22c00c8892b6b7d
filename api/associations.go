package api

import (
	"net/http"
)

// noAssociations answers association lookups with an empty list: this
// registry keeps no associations, and Java serdes using
// AssociatedNameStrategy then fall back to the topic name strategy.
func (a *API) noAssociations(*http.Request) (any, error) {
	return []struct{}{}, nil
}
