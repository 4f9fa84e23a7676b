package host

import (
	"errors"
	"net/http"
	"strings"
)

// corsPolicy is what Core Tools configures from Host.CORS and Host.CORSCredentials:
// ASP.NET's UseCors with WithOrigins(origins).AllowAnyHeader().AllowAnyMethod(), plus
// AllowCredentials() when asked (azure-functions-core-tools src/Cli/func/Actions/HostActions/
// Startup.cs). Its behaviour follows ASP.NET's CorsService and CorsMiddleware.
type corsPolicy struct {
	anyOrigin   bool
	origins     map[string]bool
	credentials bool
}

// newCORSPolicy returns nil when no origin is configured: then there is no CORS middleware
// at all, and a preflight reaches the routing (and gets a 404) like any other OPTIONS.
func newCORSPolicy(origins []string, credentials bool) (*corsPolicy, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	p := &corsPolicy{origins: map[string]bool{}, credentials: credentials}
	for _, o := range origins {
		if o == "*" {
			p.anyOrigin = true
		}
		p.origins[strings.ToLower(o)] = true
	}
	if p.anyOrigin && credentials {
		// ASP.NET refuses this combination too (CorsPolicy InsecureConfiguration).
		return nil, errors.New(`Host.CORS "*" cannot be combined with Host.CORSCredentials: list the origins instead`)
	}
	return p, nil
}

// isPreflight is ASP.NET's CorsMiddleware test: an OPTIONS request with an Origin and an
// Access-Control-Request-Method. Without an Origin the middleware does nothing at all, so
// such a request is routed like any other OPTIONS.
func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

// addHeaders adds the CORS response headers for r to h, if r comes from an allowed origin.
// Note what it never adds: Access-Control-Expose-Headers (Core Tools exposes none, so a
// browser script cannot read ETag or Location from a cross-origin response).
func (p *corsPolicy) addHeaders(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if origin == "" || !(p.anyOrigin || p.origins[origin]) {
		return // a server not taking part in CORS sends none of its headers
	}
	if p.anyOrigin {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		if len(p.origins) > 1 {
			h.Add("Vary", "Origin")
		}
	}
	if p.credentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if isPreflight(r) {
		// AllowAnyMethod and AllowAnyHeader echo what the browser asked for.
		h.Set("Access-Control-Allow-Methods", r.Header.Get("Access-Control-Request-Method"))
		if asked := requestedHeaders(r); asked != "" {
			h.Set("Access-Control-Allow-Headers", asked)
		}
	}
}

func requestedHeaders(r *http.Request) string {
	var names []string
	for _, v := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				names = append(names, name)
			}
		}
	}
	return strings.Join(names, ",")
}
