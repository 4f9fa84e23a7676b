package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/handler/trace"
)

// problem is an RFC 9457 problem details document. Type is about:blank throughout: the status
// code says what happened and detail says why, in words safe to show a user.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// RetryAfter repeats the Retry-After header (seconds) on a 503: a cross-origin SPA cannot
	// read that header through the Functions host, which exposes no custom response headers.
	RetryAfter int `json:"retryAfter,omitempty"`
	// RequiredRole names the app role a 403 for a missing role asks for. It is what tells that
	// 403 apart from the missing-scope one, which has an RFC 6750 challenge instead.
	RequiredRole string `json:"requiredRole,omitempty"`
	// WWWAuthenticate repeats, on a 401 claims challenge (step-up), the WWW-Authenticate header
	// byte for byte: a cross-origin SPA cannot read that header through the Functions host.
	WWWAuthenticate string `json:"wwwAuthenticate,omitempty"`
	// TraceID is the request's trace id (App Insights' operation_Id): what a user quotes and
	// the operator finds every log line of the request by.
	TraceID string `json:"traceId,omitempty"`
}

// Errors the HTTP layer itself detects.
var (
	errNoRoute  = errors.New("no such resource")
	errTooLarge = errors.New("the request body is larger than 16 KiB")
	errNotJSON  = errors.New("the request body must be application/json (UTF-8)")
	// errBodyTimeout: the client took longer than the server waits for a body (Config.BodyTimeout).
	errBodyTimeout = errors.New("the request body did not arrive in time; nothing was changed")
	errNoUsers     = fmt.Errorf("the users index is not configured: %w", tasks.ErrUnavailable)
	errNoAuditLog  = fmt.Errorf("the audit log is not configured: %w", tasks.ErrUnavailable)
)

// badRequest is a malformed request; its text is the detail the client sees.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// RetryAfterSeconds is what a 503 asks clients to wait before trying again.
const RetryAfterSeconds = 5

// realm names this API in bearer challenges.
const realm = "tasks-api"

// StatusClientClosedRequest is nginx's 499: the client went away (reset the connection, or
// half-closed it, which net/http also reports as a cancelled request context) before the
// answer was ready. It is the client's doing, not a server fault: never a 5xx or an ERROR.
const StatusClientClosedRequest = 499

// fail is the one place where an error becomes an HTTP status. Every handler returns its
// error here; nothing else writes an error response.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	// Only an error that is the cancellation itself (a body read cut short, a wait for keys)
	// becomes a 499: any other answer, such as a 404 for a half-closed client, is still true
	// and still sent. The server's own timeout is context.DeadlineExceeded and maps below.
	if errors.Is(err, context.Canceled) && errors.Is(r.Context().Err(), context.Canceled) {
		info := infoFrom(r.Context())
		info.gone = err
		info.problem = "client-closed-request"
		writeProblem(w, r, problem{Type: "about:blank", Title: "Client Closed Request", Status: StatusClientClosedRequest,
			Detail: "the client closed the request before the answer was ready"})
		return
	}
	status, detail := http.StatusInternalServerError, "the server could not complete the request"
	// kind names the failure on the access line ("problem"): finer than the status, stable,
	// and never a word of the request's content. Problem bodies keep type about:blank.
	kind := "internal-error"
	var (
		invalidToken *auth.InvalidTokenError
		invalidReq   *auth.InvalidRequestError
		noScope      *auth.InsufficientScopeError
		noClaims     *auth.InsufficientClaimsError
		noRole       *access.MissingRoleError
		noOwnTasks   *access.NoOwnTasksError
		validation   *tasks.ValidationError
		limit        *tasks.LimitError
		bad          badRequest
	)
	h := w.Header()
	switch {
	case errors.Is(err, auth.ErrNoToken):
		kind = "missing-token"
		status, detail = http.StatusUnauthorized, "a bearer token is required"
		h.Set("WWW-Authenticate", s.challenge())
	case errors.As(err, &invalidReq):
		kind = "invalid-request"
		status, detail = http.StatusBadRequest, invalidReq.Description
		h.Set("WWW-Authenticate", s.challenge("error", "invalid_request", "error_description", invalidReq.Description))
	case errors.As(err, &invalidToken):
		kind = "invalid-token"
		status, detail = http.StatusUnauthorized, invalidToken.Description
		h.Set("WWW-Authenticate", s.challenge("error", "invalid_token", "error_description", invalidToken.Description))
	case errors.As(err, &noScope):
		kind = "insufficient-scope"
		status, detail = http.StatusForbidden, "the token does not grant the scope "+noScope.Scope
		h.Set("WWW-Authenticate", s.challenge("error", "insufficient_scope", "scope", noScope.Scope))
	case errors.As(err, &noClaims):
		kind = "insufficient-claims"
		status, detail = http.StatusUnauthorized, "this action needs a stronger sign-in (authentication context "+noClaims.AuthContext+"); sign in again with the claims in the challenge"
		h.Set("WWW-Authenticate", s.claimsChallenge(noClaims))
	case errors.As(err, &noRole):
		kind = "missing-role"
		status, detail = http.StatusForbidden, missingRoleDetail(noRole)
	case errors.As(err, &noOwnTasks):
		kind = "no-own-tasks"
		status, detail = http.StatusForbidden, "an app has no tasks of its own: read and write a user's tasks at /api/users/{userId}/tasks, with the application permission Tasks.Read.All or Tasks.ReadWrite.All"
	case errors.As(err, &validation):
		kind = "invalid-task"
		status, detail = http.StatusBadRequest, validation.Error()
	case errors.As(err, &bad):
		kind = "bad-request"
		status, detail = http.StatusBadRequest, bad.Error()
	case errors.Is(err, tasks.ErrInvalidCursor):
		kind = "invalid-cursor"
		status, detail = http.StatusBadRequest, "next: not a cursor this API issued for this list (the same q and done); start again without next"
	case errors.Is(err, errTooLarge):
		kind = "body-too-large"
		status, detail = http.StatusRequestEntityTooLarge, errTooLarge.Error()
	case errors.Is(err, errNotJSON):
		kind = "unsupported-media-type"
		status, detail = http.StatusUnsupportedMediaType, errNotJSON.Error()
	case errors.Is(err, errBodyTimeout):
		kind = "body-timeout"
		// RFC 9110 §15.5.9: the server closes the connection; its read side is broken anyway.
		status, detail = http.StatusRequestTimeout, errBodyTimeout.Error()
		h.Set("Connection", "close")
	case errors.As(err, &limit):
		kind = "task-limit"
		status, detail = http.StatusConflict, limit.Error()
	case errors.Is(err, tasks.ErrKeyReused):
		kind = "idempotency-key-reused"
		// draft-ietf-httpapi-idempotency-key-header-06, "Error Scenarios": a key reused for another payload is a 422.
		status, detail = http.StatusUnprocessableEntity, "this Idempotency-Key was already used to create a task with another title; use a new key for a new task"
	case errors.Is(err, tasks.ErrKeyTaskGone):
		kind = "idempotency-key-task-gone"
		status, detail = http.StatusGone, "the task this Idempotency-Key created has been deleted; use a new key to create another"
	case errors.Is(err, errNoRoute):
		kind = "no-route"
		status, detail = http.StatusNotFound, errNoRoute.Error()
	case errors.Is(err, tasks.ErrNotFound):
		kind = "not-found"
		status, detail = http.StatusNotFound, "no such task"
	case errors.Is(err, tasks.ErrPreconditionFailed):
		kind = "precondition-failed"
		status, detail = http.StatusPreconditionFailed, "the task has changed since the ETag given in If-Match"
	case errors.Is(err, auth.ErrKeysUnavailable):
		kind = "keys-unavailable"
		// The alert on the key set's outage counts these lines.
		s.log.ErrorContext(r.Context(), "keys unavailable")
		// The token may well be valid: a 401 would make the SPA drop it and sign in again.
		status, detail = http.StatusServiceUnavailable, "the sign-in keys are not available yet; try again shortly"
		h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	case errors.Is(err, tasks.ErrUnavailable):
		kind = "storage-unavailable"
		status, detail = http.StatusServiceUnavailable, "task storage is unavailable; try again shortly"
		h.Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	info := infoFrom(r.Context())
	info.problem = kind
	if status >= 500 {
		info.err = err
	}
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: detail}
	if status == http.StatusServiceUnavailable {
		p.RetryAfter = RetryAfterSeconds
	}
	if noRole != nil {
		p.RequiredRole = noRole.Role.String()
	}
	if noClaims != nil {
		p.WWWAuthenticate = h.Get("WWW-Authenticate")
	}
	writeProblem(w, r, p)
}

// missingRoleDetail says what the caller lacks, and whether they could ever be granted it: a
// user is assigned roles, an app is granted application permissions, and neither holds the
// other's.
func missingRoleDetail(e *access.MissingRoleError) string {
	role := e.Role.String()
	switch {
	case e.Role.Application() && e.Caller == access.App:
		return "this needs the application permission " + role + ", which this app has not been granted"
	case e.Role.Application():
		return "this needs the application permission " + role + ", which only an app calling as itself (client credentials, a managed identity) can hold, not a signed-in user"
	case e.Caller == access.App:
		return "this needs the " + role + " role, which only a signed-in user can hold, not an app"
	}
	return "this needs the " + role + " role, which your account has not been assigned"
}

// writeProblem sends p with the request's trace id: every problem body carries it.
func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	p.TraceID = string(trace.FromContext(r.Context()))
	status := p.Status
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Del("ETag")
	w.WriteHeader(status)
	w.Write(body)
}

// challenge renders a WWW-Authenticate value: Bearer with the realm, the scope a client must
// request, and any further auth-params as name/value pairs (RFC 6750 §3).
func (s *Server) challenge(params ...string) string {
	c := `Bearer realm="` + realm + `"`
	hasScope := false
	for i := 0; i+1 < len(params); i += 2 {
		c += ", " + params[i] + "=" + strconv.Quote(params[i+1])
		hasScope = hasScope || params[i] == "scope"
	}
	if !hasScope {
		c += `, scope="` + s.verifier.RequiredScope() + `"`
	}
	return c
}

// claimsChallenge renders Microsoft's claims challenge for e, in the parameters and order of the
// documented example: realm "" (the authority is then the common endpoint), authorization_uri,
// error "insufficient_claims" and claims, the base64 claims request
// (learn.microsoft.com/entra/identity-platform/claims-challenge, "Claims challenge header
// format"; the same shape as the Conditional Access authentication context sample, Azure-Samples
// ms-identity-ca-auth-context, quoted in developer-guide-conditional-access-authentication-context).
// The authorization_uri is in this deployment's cloud (AZURE_AUTHORITY_HOST).
func (s *Server) claimsChallenge(e *auth.InsufficientClaimsError) string {
	return `Bearer realm="", authorization_uri="` + s.authorityHost + `/common/oauth2/authorize", error="insufficient_claims", claims="` +
		e.EncodedClaims() + `"`
}
