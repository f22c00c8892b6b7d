package api

import (
	"net/http"
)

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
