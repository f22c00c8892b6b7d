package api

import (
	"net/http"
)

func (a *API) root(*http.Request) (any, error) { return struct{}{}, nil }

func (a *API) postRoot(r *http.Request) (any, error) {
	var m map[string]string
	if err := a.decodeBody(r, &m); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}

func (a *API) listContexts(r *http.Request) (any, error) {
	p, err := paging(r)
	if err != nil {
		return nil, err
	}
	return a.reg.Contexts(p), nil
}

func (a *API) deleteContext(r *http.Request) (any, error) {
	if err := a.reg.DeleteContext(r.Context(), pathParam(r, "context")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

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

// noAssociations answers association lookups with an empty list: this
// registry keeps no associations, and Java serdes using
// AssociatedNameStrategy then fall back to the topic name strategy.
func (a *API) noAssociations(*http.Request) (any, error) {
	return []struct{}{}, nil
}
