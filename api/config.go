package api

import (
	"net/http"

	"github.com/schemaregistry/registry/store"
)

func (a *API) getConfig(r *http.Request) (any, error) {
	return a.reg.GetConfig(subjectParam(r), boolQuery(r, "defaultToGlobal"))
}

func (a *API) putConfig(r *http.Request) (any, error) {
	body, err := a.readBody(r)
	if err != nil {
		return nil, err
	}
	c, err := a.reg.UpdateConfig(r.Context(), subjectParam(r), body)
	if err != nil {
		return nil, err
	}
	return configUpdateJSON(c), nil
}

func (a *API) deleteConfig(r *http.Request) (any, error) {
	return a.reg.DeleteConfig(r.Context(), subjectParam(r))
}

func (a *API) getMode(r *http.Request) (any, error) {
	m, err := a.reg.GetMode(subjectParam(r), boolQuery(r, "defaultToGlobal"))
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m.String()}, nil
}

func (a *API) putMode(r *http.Request) (any, error) {
	var req modeJSON
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	mode, err := store.ParseMode(req.Mode)
	if err != nil {
		return nil, err
	}
	m, err := a.reg.SetMode(r.Context(), subjectParam(r), store.ModeUpdate{Mode: mode, Force: boolQuery(r, "force")})
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m.String()}, nil
}

func (a *API) deleteMode(r *http.Request) (any, error) {
	m, err := a.reg.DeleteMode(r.Context(), subjectParam(r), boolQuery(r, "recursive"))
	if err != nil {
		return nil, err
	}
	return modeJSON{Mode: m.String()}, nil
}
