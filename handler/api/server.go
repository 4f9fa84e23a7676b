// Package api serves the Tasks API over HTTP: routes, JSON, RFC 9457 problem details and
// RFC 6750 bearer challenges. Tokens are checked by an auth.Verifier and tasks kept by a
// tasks.Store; this package only translates between them and HTTP.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

// TokenVerifier is what the API needs of auth.Verifier.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*auth.Principal, error)
	// RequiredScope is the full scope a client requests, api://<client id>/<name>: the one
	// value both the challenges and the OpenAPI document name.
	RequiredScope() string
}

// Config wires a Server.
type Config struct {
	Verifier TokenVerifier
	Store    tasks.Store
	// Users is the users index and the erase behind the admin API. Nil: listing users and
	// erasing answer 503.
	Users tasks.Users
	// AuditLog records every admin and app action on users' tasks. Nil: every route that acts
	// on another user's tasks, and the audit log itself, answers 503 (no record, no action).
	AuditLog tasks.AuditLog
	IDs      *tasks.IDGenerator
	Logger   *slog.Logger
	Now      func() time.Time // nil: time.Now
	// RequestTimeout bounds each request's work before storage (the token check, which may
	// wait for a key refresh); zero: 15 s.
	RequestTimeout time.Duration
	// BodyTimeout is how long a request's body may take to arrive (a 408 after it); zero: 10 s.
	BodyTimeout time.Duration
	// StorageTimeout is a request's storage budget, from its first storage call; zero: 15 s.
	StorageTimeout time.Duration
	// MaxTasksPerUser is the most tasks one user may keep (a create beyond is a 409); zero:
	// tasks.DefaultMaxTasksPerUser.
	MaxTasksPerUser int
	// TenantID and APIClientID fill the served OpenAPI document's sign-in URLs and scope.
	// TenantID is also the home tenant: its users' data is keyed by their bare oid, as before
	// multi-tenant mode, and any other tenant's by <tid>_<oid> (tasks.Tenant.Owner). Every
	// verified caller has a tenant, so with none set here nobody is of the home tenant.
	TenantID, APIClientID string
	// MultiTenant: tokens of other tenants than TenantID are accepted (AZURE_ALLOWED_TENANTS),
	// so the OpenAPI document's sign-in URLs name "organizations", not the home tenant.
	MultiTenant bool
	// AuthorityHost is the cloud's Entra host (AZURE_AUTHORITY_HOST) for those sign-in URLs;
	// empty: the public cloud.
	AuthorityHost string
	// AdminAuthContext is the Conditional Access authentication context (e.g. "c1") a
	// destructive admin action (the erase) requires in the token's acrs claim; without it the
	// caller gets a claims challenge. Empty: no step-up (ADMIN_AUTH_CONTEXT).
	AdminAuthContext string
	// UserIDKey is the HMAC key of the pseudonymous user id on the access line (USER_ID_KEY, at
	// least UserIDKeyBytes); nil: a random key, so ids correlate within this process only.
	UserIDKey []byte
	// Health answers GET /api/health; nil: the route answers 503 (nothing is known).
	Health *Health
}

// Server is the API's http.Handler.
type Server struct {
	verifier TokenVerifier
	store    tasks.Store
	users    tasks.Users
	auditLog tasks.AuditLog
	bodies   sync.Pool // *[]byte: buffers for the /api/me body (writeMe)
	ids      *tasks.IDGenerator
	log      *slog.Logger
	now      func() time.Time
	timeout  time.Duration
	// bodyTimeout and storageTimeout: see Config.
	bodyTimeout, storageTimeout time.Duration
	maxTasks                    int
	homeTenant                  string // Config.TenantID, lower-case as the verifier gives tids (tenantOf)
	adminAuthContext            string // see Config.AdminAuthContext
	authorityHost               string // the cloud's Entra host, for the claims challenge's authorization_uri
	openAPI                     openAPIDocument
	userIDs                     *userIDs
	health                      *Health
	mux                         *http.ServeMux
	chain                       http.Handler // mux wrapped in the cross-cutting middleware, built once
}

// New returns the API with every route of the contract registered.
func New(cfg Config) *Server {
	s := &Server{
		verifier: cfg.Verifier,
		store:    cfg.Store,
		users:    cfg.Users,
		auditLog: cfg.AuditLog,
		ids:      cfg.IDs,
		log:      cfg.Logger,
		now:      cfg.Now,
		timeout:  cfg.RequestTimeout,
		mux:      http.NewServeMux(),
		// Defaults below.
		bodyTimeout:    cfg.BodyTimeout,
		storageTimeout: cfg.StorageTimeout,
		maxTasks:       cfg.MaxTasksPerUser,
		homeTenant:     strings.ToLower(cfg.TenantID),
		// Step-up (claims challenge).
		adminAuthContext: cfg.AdminAuthContext,
		authorityHost:    cfg.AuthorityHost,
		userIDs:          newUserIDs(cfg.UserIDKey),
		health:           cfg.Health,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ids == nil {
		s.ids = tasks.NewIDGenerator(s.now)
	}
	if s.timeout == 0 {
		s.timeout = 15 * time.Second
	}
	if s.bodyTimeout == 0 {
		s.bodyTimeout = 10 * time.Second
	}
	if s.storageTimeout == 0 {
		s.storageTimeout = 15 * time.Second
	}
	if s.maxTasks == 0 {
		s.maxTasks = tasks.DefaultMaxTasksPerUser
	}
	if s.authorityHost == "" {
		s.authorityHost = auth.DefaultAuthorityHost
	}
	signIn := cfg.TenantID
	if cfg.MultiTenant && signIn != "" {
		signIn = "organizations"
	}
	s.openAPI = renderOpenAPI(cfg.AuthorityHost, signIn, s.requiredScope())
	for _, rt := range s.routes() {
		s.mux.Handle(rt.Method+" "+rt.Path, rt.handler)
	}
	// The Functions host polls GET / until the handler answers; it must answer at once.
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	// Anything else is what the host would answer for an undeclared route: 404.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errNoRoute)
	})
	s.chain = s.logged(s.recovered(s.mux))
	return s
}

// Route is one (method, path pattern) the API serves, in net/http pattern syntax.
type Route struct {
	Method string
	Path   string
}

type route struct {
	Route
	handler http.Handler
}

// routes is the API, each route with the permission its caller's roles must grant: the one
// table that says who may do what. authenticated enforces it before the handler runs.
//
// A user's own tasks (/api/tasks) take tasks.read / tasks.write (Viewer, Editor, Admin; an app
// has none of its own). Another user's (/api/users/...) take users.read (Admin, or an app's
// Tasks.Read.All or Tasks.ReadWrite.All) and, to write, users.write (an app's Tasks.ReadWrite.All
// only: no signed-in user writes someone else's tasks). Erasing a user's tasks takes UsersErase and
// the audit log AuditRead, which only Admin grants (listed together as "admin"): no application
// permission, and no reader, erases.
func (s *Server) routes() []route {
	return []route{
		{Route{"GET", "/api/me"}, s.authenticated(access.None, s.me)},
		{Route{"GET", "/api/tasks"}, s.authenticated(access.TasksRead, s.listTasks)},
		{Route{"POST", "/api/tasks"}, s.authenticated(access.TasksWrite, s.createTask(ownTasks))},
		{Route{"GET", "/api/tasks/{id}"}, s.authenticated(access.TasksRead, s.getTask(ownTasks))},
		{Route{"PATCH", "/api/tasks/{id}"}, s.authenticated(access.TasksWrite, s.updateTask(ownTasks))},
		{Route{"DELETE", "/api/tasks/{id}"}, s.authenticated(access.TasksWrite, s.deleteTask(ownTasks))},
		{Route{"GET", "/api/users"}, s.authenticated(access.UsersRead, s.listUsers)},
		{Route{"GET", "/api/users/{userId}/tasks"}, s.authenticated(access.UsersRead, s.listUserTasks)},
		{Route{"POST", "/api/users/{userId}/tasks"}, s.authenticated(access.UsersWrite, s.createTask(usersTasks))},
		{Route{"DELETE", "/api/users/{userId}/tasks"}, s.authenticated(access.UsersErase, s.eraseUserTasks)},
		{Route{"GET", "/api/users/{userId}/tasks/{taskId}"}, s.authenticated(access.UsersRead, s.getTask(usersTasks))},
		{Route{"PATCH", "/api/users/{userId}/tasks/{taskId}"}, s.authenticated(access.UsersWrite, s.updateTask(usersTasks))},
		{Route{"DELETE", "/api/users/{userId}/tasks/{taskId}"}, s.authenticated(access.UsersWrite, s.deleteTask(usersTasks))},
		{Route{"GET", "/api/audit"}, s.authenticated(access.AuditRead, s.listAudit)},
		{Route{"GET", "/api/openapi.json"}, http.HandlerFunc(s.serveOpenAPI)}, // anonymous
		{Route{"GET", "/api/health"}, http.HandlerFunc(s.serveHealth)},        // anonymous
	}
}

// Routes lists what the API serves, so that a test can hold it against function.json.
func Routes() []Route {
	var s Server
	var out []Route
	for _, rt := range s.routes() {
		out = append(out, rt.Route)
	}
	return out
}

// ServeHTTP applies the cross-cutting concerns (the request's deadline, the access log,
// panic recovery) once, outside every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.chain.ServeHTTP(w, r)
}
