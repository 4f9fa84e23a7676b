package storecalls

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

// Proxy returns a reverse proxy to the storage endpoint target (scheme and host; the request's
// path, which names the account and table, passes unchanged) that records every request in c,
// as Do does. Point a store in another process at it, e.g. with a connection string whose
// TableEndpoint is the proxy's address: shared-key signatures stay valid, because they sign
// the path, not the host. A request the proxy could not forward is recorded with status 0.
func (c *Counter) Proxy(target *url.URL) http.Handler {
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
		// Its own pool, as large as a store's: the proxy should not add connection set-ups
		// the store would not make.
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second},
		ModifyResponse: func(resp *http.Response) error {
			call, _ := resp.Request.Context().Value(callKey{}).(*Call)
			if call != nil {
				observe(call, resp.Request.Method, resp)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, fmt.Sprintf("storecalls proxy: %v", err), http.StatusBadGateway)
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body []byte
		if isBatch(r) && r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				http.Error(w, fmt.Sprintf("storecalls proxy: read request: %v", err), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		call := classify(r, body)
		rp.ServeHTTP(w, r.WithContext(withCall(r.Context(), &call)))
		c.record(call) // Status stays 0 when no answer came (ErrorHandler)
	})
}

// callKey carries the call being recorded from the proxy's handler to ModifyResponse.
type callKey struct{}

func withCall(ctx context.Context, call *Call) context.Context {
	return context.WithValue(ctx, callKey{}, call)
}
