package api

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/schemaregistry/registry/hook"
	"github.com/schemaregistry/registry/store"
)

// validationRequest is the body of POST /validation/topics/{topic}: a batch
// of records (base64 key and value, null for none) and, optionally, the
// topic's validation settings under Confluent's topic-config names (and
// this registry's schema.validation.context); absent settings take the
// server's defaults.
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
	Context         *string `json:"schema.validation.context"`
}

// setting is one validation setting by its Confluent name, in the text
// hook.Settings.Set reads.
type setting struct{ name, value string }

// settings are the settings the request gives (a JSON boolean as true or
// false).
func (req *validationRequest) settings() []setting {
	var out []setting
	add := func(name string, value *string) {
		if value != nil {
			out = append(out, setting{name, *value})
		}
	}
	add(hook.KeyValidation, boolText(req.KeyValidation))
	add(hook.ValueValidation, boolText(req.ValueValidation))
	add(hook.KeyStrategy, req.KeyStrategy)
	add(hook.ValueStrategy, req.ValueStrategy)
	add(hook.PayloadValidation, boolText(req.Payload))
	add(hook.Context, req.Context)
	return out
}

func boolText(b *bool) *string {
	if b == nil {
		return nil
	}
	s := strconv.FormatBool(*b)
	return &s
}

type validationResponse struct {
	Results []hook.Verdict `json:"results"`
}

// maxValidationRecords bounds one batch.
const maxValidationRecords = 100_000

// validate answers, for each record of the batch, valid or invalid with a
// reason; a garbage record is an invalid verdict, never an error.
func (a *API) validate(r *http.Request) (any, error) {
	if a.readFilter(r) != nil {
		// A verdict tells which subject holds an id, and a payload's decoding
		// tells of its schema: not for a caller whose reads are limited.
		return nil, forbidden(principalOf(r.Context()), "validate records (its reads are limited to some subjects)", "authorization.read.subjects.<role>")
	}
	var req validationRequest
	if err := a.decodeBody(r, &req); err != nil {
		return nil, err
	}
	if len(req.Records) > maxValidationRecords {
		return nil, httpError(http.StatusUnprocessableEntity, "A batch holds at most %d records, not %d", maxValidationRecords, len(req.Records))
	}
	s := a.opts.Validation
	sets := req.settings()
	if c := queryParam(r, "context"); c != "" { // the /contexts/{context}/ URL form
		sets = append([]setting{{hook.Context, c}}, sets...)
	}
	for _, set := range sets {
		if err := s.Set(set.name, set.value); err != nil {
			var bad *hook.SettingError
			if errors.As(err, &bad) {
				return nil, httpError(http.StatusUnprocessableEntity, "%s: %v", bad.Name, bad.Err)
			}
			return nil, httpError(http.StatusUnprocessableEntity, "%v", err)
		}
	}
	recs := make([]hook.Record, len(req.Records))
	for i, rec := range req.Records {
		recs[i] = hook.Record{Key: rec.Key, Value: rec.Value}
	}
	topic := pathParam(r, "topic")
	if strings.TrimSpace(topic) == "" {
		return nil, &store.Error{Code: store.CodeInvalidSubject, Message: "The specified topic is empty."}
	}
	return validationResponse{Results: a.validator.Validate(topic, recs, s)}, nil
}
