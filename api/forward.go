package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/schemaregistry/registry/store"
)

// Leadership tells the API where writes go in a cluster of nodes.
type Leadership interface {
	// Primary returns the primary's base URL and whether it is this node;
	// known is false while no primary is known.
	Primary() (url string, self, known bool)
}

// forwarded is a primary's answer relayed as is: status, error code and
// message reach the client intact.
type forwarded struct {
	status       int
	contentType  string
	authenticate string // WWW-Authenticate of a 401
	body         []byte
}

// forwardedHeaders are copied to the primary (Confluent's list).
var forwardedHeaders = []string{"Content-Type", "Accept", "Confluent-Accept-Unknown-Properties", "Authorization", "X-Request-ID",
	"Target-Sr-Cluster", "Target-Identity-Pool-Id", "Confluent-Identity-Pool-Id"} // the last three: what OAuth clients send

// writeTarget says where a write runs: here (a single node, or the
// primary), else at the primary's URL, "" while no primary is known.
func (a *API) writeTarget() (primary string, here bool) {
	if a.lead == nil {
		return "", true
	}
	url, self, known := a.lead.Primary()
	switch {
	case self:
		return "", true
	case !known:
		return "", false
	}
	return url, false
}

// write wraps a write handler: on a follower the request goes to the
// primary; on the primary (or a single node) it runs here.
func (a *API) write(h handler) handler {
	return func(r *http.Request) (any, error) {
		url, here := a.writeTarget()
		if here {
			r, cancel := a.bounded(r)
			defer cancel()
			return h(r)
		}
		var body []byte
		if url != "" && r.Body != nil { // with no primary known, forward answers 50004
			b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, a.maxBody))
			if err != nil {
				return nil, httpError(http.StatusRequestEntityTooLarge, "Request body larger than %d bytes", a.maxBody)
			}
			body = b
		}
		return a.forward(r, url, body, 1)
	}
}

// writeEach wraps a batch write whose items are written one by one, each
// within WriteTimeout (the handler bounds them): on a follower the request
// goes to the primary, which is given that time for each item.
func (a *API) writeEach(h handler) handler {
	return func(r *http.Request) (any, error) {
		url, here := a.writeTarget()
		if here {
			return h(r)
		}
		body, err := a.readBody(r)
		if err != nil {
			return nil, err
		}
		var batch struct {
			Requests []json.RawMessage `json:"requests"`
		}
		json.Unmarshal(body, &batch)
		return a.forward(r, url, body, max(1, len(batch.Requests)))
	}
}

// forwardMargin is how much longer than WriteTimeout a follower waits for
// the primary's answer to a forwarded write.
const forwardMargin = 500 * time.Millisecond

// writeContext is the context of one bounded write.
func (a *API) writeContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if a.opts.WriteTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, a.opts.WriteTimeout)
}

// bounded gives a write on the primary its deadline (Options.WriteTimeout):
// waiting for the write lock, catching up with the log and appending all
// end with 50002 by then.
func (a *API) bounded(r *http.Request) (*http.Request, context.CancelFunc) {
	ctx, cancel := a.writeContext(r.Context())
	return r.WithContext(ctx), cancel
}

// forward sends the request to the primary (50004 when none is known). A
// request that was already forwarded once is not forwarded again: the
// leadership moved under it.
func (a *API) forward(r *http.Request, primary string, body []byte, writes int) (any, error) {
	if primary == "" {
		return nil, store.ErrLeaderNotKnown()
	}
	if r.Header.Get("X-Forward") != "" {
		return nil, store.ErrForwarding("this node is not the leader any more")
	}
	ctx := r.Context()
	wait := time.Duration(writes)*a.opts.WriteTimeout + forwardMargin
	if a.opts.WriteTimeout > 0 {
		// The primary answers within WriteTimeout a write; a primary that
		// does not (cut off, paused, gone) does not hold this node's
		// callers.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, wait)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, primary+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return nil, store.ErrForwarding(err.Error())
	}
	for _, h := range forwardedHeaders {
		if v := r.Header.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	req.Header.Set("X-Forward", "true")
	resp, err := a.forwardClient.Do(req)
	if err != nil {
		if ctx.Err() != nil && r.Context().Err() == nil {
			return nil, store.ErrForwarding(fmt.Sprintf("the primary %s did not answer within %v", primary, wait))
		}
		return nil, store.ErrForwarding(err.Error())
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, &store.Error{Code: store.CodeForwardingFailed, Message: "Error while reading the leader's answer: " + err.Error()}
	}
	return forwarded{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"),
		authenticate: resp.Header.Get("WWW-Authenticate"), body: b}, nil
}

func defaultForwardClient() *http.Client {
	return &http.Client{Timeout: 60 * time.Second}
}
