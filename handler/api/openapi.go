package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"github.com/example/entra-tasks/handler/auth"
)

// openAPITemplate is the hand-written OpenAPI 3.1 description of this package's routes. The
// contract tests hold every answer of the integration suite against it, so it cannot drift
// from what the handler does.
//
//go:embed openapi.json
var openAPITemplate []byte

// Placeholders in openapi.json, each a whole JSON string, replaced with this deployment's
// values when the document is served.
const (
	authorizeURLPlaceholder = "https://login.microsoftonline.com/{tenant-id}/oauth2/v2.0/authorize"
	tokenURLPlaceholder     = "https://login.microsoftonline.com/{tenant-id}/oauth2/v2.0/token"
	scopePlaceholder        = "api://{api-client-id}/access_as_user"
	appScopePlaceholder     = "api://{api-client-id}/.default"
)

// OpenAPITemplate returns the document as committed, placeholders and all.
func OpenAPITemplate() []byte { return bytes.Clone(openAPITemplate) }

// openAPIDocument is the document as served, rendered on its first use: rendering it (35 KB:
// a copy, three replacements and a SHA-256) took about a third of a millisecond in api.New,
// before the handler could serve anything, and only GET /api/openapi.json needs it.
type openAPIDocument struct {
	rendered func() renderedOpenAPI
}

// renderedOpenAPI is the document's bytes, with its strong ETag.
type renderedOpenAPI struct {
	body []byte
	etag string
}

// renderOpenAPI fills in the tenant's sign-in URLs and the API's scope, so that a docs page
// or an API client can sign in against this deployment without editing anything. With no
// tenant or scope (a test wiring only part of the API) the placeholders stay. scope is the
// verifier's full scope, exactly as the challenges name it.
func renderOpenAPI(authorityHost, tenantID, scope string) openAPIDocument {
	return openAPIDocument{rendered: sync.OnceValue(func() renderedOpenAPI {
		return renderOpenAPINow(authorityHost, tenantID, scope)
	})}
}

func renderOpenAPINow(authorityHost, tenantID, scope string) renderedOpenAPI {
	body := bytes.Clone(openAPITemplate)
	if tenantID != "" {
		base := strings.TrimSuffix(cmp.Or(authorityHost, auth.DefaultAuthorityHost), "/") + "/" + tenantID + "/oauth2/v2.0/"
		body = replaceJSONString(body, authorizeURLPlaceholder, base+"authorize")
		body = replaceJSONString(body, tokenURLPlaceholder, base+"token")
	}
	if scope != "" {
		body = replaceJSONString(body, scopePlaceholder, scope)
		// What a client-credentials client requests: the API's resource (the delegated scope's
		// api://<client id>) and /.default, as the verifier's 403 names it.
		if i := strings.LastIndex(scope, "/"); i > 0 {
			body = replaceJSONString(body, appScopePlaceholder, scope[:i]+"/.default")
		}
	}
	sum := sha256.Sum256(body)
	return renderedOpenAPI{body: body, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`}
}

// replaceJSONString replaces every JSON string token equal to from (a member name or a value)
// with to, encoded as JSON. Matching whole quoted tokens cannot touch text inside other strings.
func replaceJSONString(doc []byte, from, to string) []byte {
	quote := func(s string) []byte {
		b, _ := json.Marshal(s) // a string always marshals
		return b
	}
	return bytes.ReplaceAll(doc, quote(from), quote(to))
}

// serveOpenAPI answers GET /api/openapi.json without a token. Caches may keep the document but
// must revalidate it (no-cache), so a redeployment with other settings is seen at once; the
// ETag makes that revalidation a 304 without a body.
func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	doc := s.openAPI.rendered()
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", doc.etag)
	if etagListHas(r.Header.Get("If-None-Match"), doc.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(doc.body)
}

// etagListHas reports whether an If-None-Match value names etag (RFC 9110 §13.1.2: weak
// comparison, "*" matches any).
func etagListHas(header, etag string) bool {
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimPrefix(strings.TrimSpace(candidate), "W/")
		if candidate == "*" || candidate == etag {
			return true
		}
	}
	return false
}

func (s *Server) requiredScope() string {
	if s.verifier == nil {
		return ""
	}
	return s.verifier.RequiredScope()
}
