package api

import (
	"context"
	"net/http"

	"github.com/schemaregistry/registry/exporter"
	"github.com/schemaregistry/registry/store"
)

// Schema Linking (/exporters), Confluent Platform's schema exporters;
// package exporter holds their definitions and runs them. Every route is
// admin level: an exporter's config holds a destination's credentials.
func (a *API) exporterRoutes() []route {
	const p = "/exporters"
	return []route{
		{"GET", p, admin, a.serve(a.exportersOn(a.listExporters))},
		{"POST", p, admin, a.serve(a.exportersOn(a.write(a.createExporter)))},
		{"GET", p + "/{name}", admin, a.serve(a.exportersOn(a.getExporter))},
		{"PUT", p + "/{name}", admin, a.serve(a.exportersOn(a.write(a.updateExporter)))},
		{"DELETE", p + "/{name}", admin, a.serve(a.exportersOn(a.write(a.deleteExporter)))},
		{"GET", p + "/{name}/status", admin, a.serve(a.exportersOn(a.exporterStatus))},
		{"GET", p + "/{name}/config", admin, a.serve(a.exportersOn(a.exporterConfig))},
		{"PUT", p + "/{name}/config", admin, a.serve(a.exportersOn(a.write(a.updateExporterConfig)))},
		{"PUT", p + "/{name}/pause", admin, a.serve(a.exportersOn(a.write(a.exporterAction((*exporter.Registry).Pause))))},
		{"PUT", p + "/{name}/resume", admin, a.serve(a.exportersOn(a.write(a.exporterAction((*exporter.Registry).Resume))))},
		{"PUT", p + "/{name}/reset", admin, a.serve(a.exportersOn(a.write(a.exporterAction((*exporter.Registry).Reset))))},
	}
}

// exportersOn answers 404 when exporters are off, as Confluent without its
// extension does.
func (a *API) exportersOn(h handler) handler {
	return func(r *http.Request) (any, error) {
		if a.opts.Exporters == nil {
			return nil, httpError(store.CodeNotFound, "HTTP 404 Not Found")
		}
		return h(r)
	}
}

// exporterName is the answer of the exporter writes.
type exporterName struct {
	Name string `json:"name"`
}

func (a *API) listExporters(*http.Request) (any, error) {
	return a.opts.Exporters.Names(), nil
}

func (a *API) createExporter(r *http.Request) (any, error) {
	var e exporter.Exporter
	if err := a.decodeBody(r, &e); err != nil {
		return nil, err
	}
	name, err := a.opts.Exporters.Create(r.Context(), e)
	return exporterName{name}, err
}

func (a *API) getExporter(r *http.Request) (any, error) {
	return a.opts.Exporters.Get(pathParam(r, "name"))
}

func (a *API) updateExporter(r *http.Request) (any, error) {
	var u exporter.Update
	if err := a.decodeBody(r, &u); err != nil {
		return nil, err
	}
	name, err := a.opts.Exporters.Update(r.Context(), pathParam(r, "name"), u)
	return exporterName{name}, err
}

func (a *API) deleteExporter(r *http.Request) (any, error) {
	if err := a.opts.Exporters.Delete(r.Context(), pathParam(r, "name")); err != nil {
		return nil, err
	}
	return noContent{}, nil
}

func (a *API) exporterStatus(r *http.Request) (any, error) {
	return a.opts.Exporters.Status(pathParam(r, "name"))
}

func (a *API) exporterConfig(r *http.Request) (any, error) {
	return a.opts.Exporters.Config(pathParam(r, "name"))
}

func (a *API) updateExporterConfig(r *http.Request) (any, error) {
	var config map[string]string
	if err := a.decodeBody(r, &config); err != nil {
		return nil, err
	}
	name, err := a.opts.Exporters.UpdateConfig(r.Context(), pathParam(r, "name"), config)
	return exporterName{name}, err
}

// exporterAction is pause, resume or reset.
func (a *API) exporterAction(act func(*exporter.Registry, context.Context, string) (string, error)) handler {
	return func(r *http.Request) (any, error) {
		name, err := act(a.opts.Exporters, r.Context(), pathParam(r, "name"))
		return exporterName{name}, err
	}
}
