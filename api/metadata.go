package api

import (
	"net/http"
)

// The endpoints about the server itself rather than its schemas.

// root and postRoot are Confluent's RootResource: a no-op answering {}, for
// liveness checks; the POST takes a map of strings to test request bodies.
func (a *API) root(*http.Request) (any, error) { return struct{}{}, nil }

func (a *API) postRoot(r *http.Request) (any, error) {
	var m map[string]string
	if err := a.decodeBody(r, &m); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

// clusterID, serverVersion and deployment are Confluent's
// ServerMetadataResource (/v1/metadata).
func (a *API) clusterID(*http.Request) (any, error) {
	var out serverClusterID
	out.Scope.Path = []string{}
	out.Scope.Clusters = map[string]string{"kafka-cluster": a.opts.ClusterID, "schema-registry-cluster": a.opts.GroupID}
	return out, nil
}

func (a *API) serverVersion(*http.Request) (any, error) {
	return map[string]string{"version": a.opts.Version, "commitId": a.opts.Commit}, nil
}

func (a *API) deployment(*http.Request) (any, error) {
	return map[string][]string{"attributes": {"opensource"}}, nil
}
