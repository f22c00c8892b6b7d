package api

import (
	"net/http"
	"strings"

	"github.com/schemaregistry/registry/formats"
	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/store"
)

// validationRequest is the body of POST /validation/topics/{topic}: a batch
// of records (base64 key and value, null for none) and, optionally, the
// topic's validation settings under Confluent's topic-config names; absent
// settings take the server's defaults.
type validationRequest struct {
	Records []struct {
		Key   []byte `json:"key"`
		Value []byte `json:"value"`
	} `json:"records"`
	KeyValidation   *bool   `json:"confluent.key.schema.validation"`
	ValueValidation *bool   `json:"confluent.value.schema.validation"`
	KeyStrategy     *string `json:"confluent.key.subject.name.strategy"`
	ValueStrategy   *string `json:"confluent.value.subject.name.strategy"`
	Payload         *bool   `json:"confluent.payload.validation"`
}

type validationResponse struct {
	Results []hook.Verdict `json:"results"`
}

// maxValidationRecords bounds one batch.
const maxValidationRecords = 100_000

// validate answers, for each record of the batch, valid or invalid with a
// reason; a garbage record is an invalid verdict, never an error.
func (a *API) validate(r *http.Request) (any, error) {
	var req validationRequest
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	if len(req.Records) > maxValidationRecords {
		return nil, httpError(http.StatusUnprocessableEntity, "A batch holds at most %d records, not %d", maxValidationRecords, len(req.Records))
	}
	s := a.opts.Validation
	setBool := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	setBool(&s.Key.Validate, req.KeyValidation)
	setBool(&s.Value.Validate, req.ValueValidation)
	if req.Payload != nil {
		s.Key.Deep, s.Value.Deep = *req.Payload, *req.Payload
	}
	for _, st := range []struct {
		name string
		v    *string
		dst  *formats.Strategy
	}{{"confluent.key.subject.name.strategy", req.KeyStrategy, &s.Key.Strategy}, {"confluent.value.subject.name.strategy", req.ValueStrategy, &s.Value.Strategy}} {
		if st.v == nil {
			continue
		}
		strategy, err := formats.ParseStrategy(*st.v)
		if err != nil {
			return nil, httpError(http.StatusUnprocessableEntity, "%s: %v", st.name, err)
		}
		*st.dst = strategy
	}
	recs := make([]hook.Record, len(req.Records))
	for i, rec := range req.Records {
		recs[i] = hook.Record{Key: rec.Key, Value: rec.Value}
	}
	topic := pathParam(r, "topic")
	if strings.TrimSpace(topic) == "" {
		return nil, &store.Error{Code: 42208, Message: "The specified topic is empty."}
	}
	return validationResponse{Results: a.validator.Validate(topic, recs, s)}, nil
}
