package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/trace"
)

// requestInfo collects what the access log line reports; handlers deeper in the chain fill it.
type requestInfo struct {
	status int
	// user is the caller's pseudonymous id once verified (userIDs: a keyed hash of tid and
	// oid), never the oid itself nor the token; "" while anonymous.
	user string
	// problem names the kind of a failure (fail), for the access line's "problem".
	problem string
	err     error // the cause behind a 5xx, for the log only
	gone    error // what failed because the client closed the request (status 499)
}

type infoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if ri, ok := ctx.Value(infoKey{}).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}

// statusRecorder holds the requestInfo and the request's context itself: one allocation per
// request for all three.
type statusRecorder struct {
	http.ResponseWriter
	info requestInfo
	ctx  requestContext
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.info.status == 0 {
		w.info.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.info.status == 0 {
		w.info.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logged bounds each request's work before storage (the token check, which may wait for a key
// refresh) by s.timeout, storage having its own budget (storageContext), and writes one
// JSON line per request with the Functions invocation id, so that a line can be matched with
// the host's own telemetry. It never logs headers or bodies. The deadline and the record the
// line is made from travel in one context (requestContext, whose timer is made only if
// something waits): each request is copied once, not once for each.
// The line is written as soon as the handler returns, in one write (see handler/logging.go):
// nothing is held back that a crash could lose.
//
// The request's trace id (trace.FromContext) is the one of the traceparent header the host
// sends, or a new one; the logger's handler (handler/logging.go) writes it on every line logged
// with the request's context, and fail on every problem body.
func (s *Server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		info := &rec.info
		rec.ctx.init(r.Context(), start, s.timeout, info)
		defer rec.ctx.end()
		if r.URL.Path == "/" {
			next.ServeHTTP(w, r.WithContext(&rec.ctx)) // the host's readiness polls are not worth a line each
			return
		}
		rec.ctx.setTrace(trace.FromHeader(r.Header.Get(trace.Header)))
		// The mux records the matched pattern on the request it is given: this copy.
		routed := r.WithContext(&rec.ctx)
		next.ServeHTTP(rec, routed)
		s.logRequest(routed, info, start)
	})
}

// routeOf is the route pattern r matched, without its method ("/api/tasks/{id}"): what the
// access line names instead of the path, which holds ids a log line has no need of.
func routeOf(r *http.Request) string {
	p := r.Pattern
	if i := strings.IndexByte(p, ' '); i >= 0 {
		p = p[i+1:]
	}
	if p == "/" {
		return "" // the catch-all: no route matched (a 404 "no-route")
	}
	return p
}

// invocationIDHeader is X-Azure-Functions-InvocationId in the canonical form net/http keys
// headers by, so that looking it up costs no new string.
const invocationIDHeader = "X-Azure-Functions-Invocationid"

// logRequest writes the access line of r. It hands the record to the logger's handler as
// slog.Logger.LogAttrs does, without the caller's program counter, which only a handler with
// AddSource would read (and would find here, not at the route), and with the attributes on
// the stack.
func (s *Server) logRequest(r *http.Request, info *requestInfo, start time.Time) {
	level := slog.LevelInfo
	if info.err != nil {
		level = slog.LevelError
	}
	ctx := r.Context()
	h := s.log.Handler()
	if !h.Enabled(ctx, level) {
		return
	}
	now := time.Now()
	var buf [10]slog.Attr
	attrs := append(buf[:0],
		slog.String("method", r.Method),
		slog.String("route", routeOf(r)),
		slog.Int("status", info.status),
		slog.Float64("ms", float64(now.Sub(start).Microseconds())/1000),
	)
	// The host sets this header to a GUID; anything else came from a client, and a log
	// line must not carry what a client chose to write into it.
	if id := r.Header.Get(invocationIDHeader); auth.IsGUID(id) {
		attrs = append(attrs, slog.String("invocationId", id))
	}
	if info.user != "" {
		attrs = append(attrs, slog.String("user", info.user))
	}
	if info.status >= 400 && info.problem != "" {
		attrs = append(attrs, slog.String("problem", info.problem))
	}
	if info.gone != nil {
		// INFO, not ERROR: a client that hangs up is routine and no operator can act on it.
		attrs = append(attrs, slog.String("reason", "client closed request"), slog.String("cause", info.gone.Error()))
	}
	if info.err != nil {
		attrs = append(attrs, slog.String("error", info.err.Error()))
	}
	rec := slog.NewRecord(now, level, "request", 0)
	rec.AddAttrs(attrs...)
	_ = h.Handle(ctx, rec)
}

// recovered turns a panic into a 500 problem instead of a dropped connection.
func (s *Server) recovered(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil || v == http.ErrAbortHandler {
				if v != nil {
					panic(v)
				}
				return
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			s.fail(w, r, errors.New("internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}

// routeHandler serves one route for a verified caller. It writes a success itself and returns
// any failure, which authenticated answers through fail, so that a handler can return early.
type routeHandler func(w http.ResponseWriter, r *http.Request, p *auth.Principal) error

// authenticated runs h only for a request with a valid token carrying the required scope,
// whose roles grant need.
func (s *Server) authenticated(need access.Permission, h routeHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := s.verifyRequest(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		infoFrom(r.Context()).user = s.userIDs.of(p.TenantID, p.ObjectID)
		// Answers are per user: no shared cache may keep or reuse them.
		w.Header().Set("Cache-Control", "no-store")
		if err := p.Roles.Check(need); err != nil {
			s.fail(w, r, err)
			return
		}
		if err := h(w, r, p); err != nil {
			s.fail(w, r, err)
		}
	})
}

// requestVerifier is implemented by auth.Verifier: BearerToken and Verify in one, which can
// answer a cached token without checking its syntax again.
type requestVerifier interface {
	VerifyRequest(ctx context.Context, r *http.Request) (*auth.Principal, error)
}

// verifyRequest is the caller of r, from its bearer token.
func (s *Server) verifyRequest(r *http.Request) (*auth.Principal, error) {
	if v, ok := s.verifier.(requestVerifier); ok {
		return v.VerifyRequest(r.Context(), r)
	}
	raw, err := auth.BearerToken(r)
	if err != nil {
		return nil, err
	}
	return s.verifier.Verify(r.Context(), raw)
}
