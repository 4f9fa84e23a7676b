package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
)

// keysPath mirrors Entra's key set path, so the URL reads like the real one.
const keysPath = "/" + entra.DevTenantID + "/discovery/v2.0/keys"

// TokenPath is where the SPA's local sign-in asks for a development user's token. The SPA
// reaches it through its own origin (a proxy in the Vite dev server and in the browser
// tests), so no CORS is needed and none is offered.
const tokenPath = "/local-identity/token"

// tokenLifetime matches devToken's claims (entra.V2Claims: one hour).
const tokenLifetime = time.Hour

// devIdentity is the loopback server of local-identity mode: the development key set the
// handler verifies against, and development users' tokens for the SPA.
type devIdentity struct {
	now func() time.Time
}

func (d devIdentity) handler() (http.Handler, error) {
	key, err := entra.DevKey()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+keysPath, entra.NewKeyServer(key))
	mux.HandleFunc("POST "+tokenPath, d.token)
	return loopbackOnly(mux), nil
}

// serve listens on a free loopback port for the life of this process and returns the base URL.
func (d devIdentity) serve() (string, error) {
	h, err := d.handler()
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("serve the development identity: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), nil
}

type tokenRequest struct {
	User string `json:"user"`
	// Roles is a comma-separated list of app role values for the token's roles claim, e.g.
	// "Admin,Viewer"; absent or empty: no roles claim (the API then treats the user as an Editor).
	Roles string `json:"roles"`
	// Tenant is the token's tenant: "home" (absent or empty), "partner", or a tenant id.
	Tenant string `json:"tenant"`
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	// Name and Username are what the SPA shows; the API reads the same values from the token.
	Name     string `json:"name"`
	Username string `json:"username"`
	// TenantID is the token's tid.
	TenantID string `json:"tenantId"`
}

// token answers POST {"user":"alice","roles":"Admin","tenant":"partner"} with a token for that
// development user: the same token `make token USER=alice ROLES=Admin TENANT=partner` prints.
func (d devIdentity) token(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "send JSON: {\"user\":\"alice\"}")
		return
	}
	var req tokenRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1024))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "the body must be {\"user\":\"<name>\",\"roles\":\"<Role,Role>\",\"tenant\":\"home|partner\"} (roles and tenant optional)")
		return
	}
	user, err := normalizeUser(req.User)
	var roles []string
	if err == nil {
		roles, err = parseRoles(req.Roles)
	}
	tenant := ""
	if err == nil {
		tenant, err = resolveTenant(req.Tenant)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	tok, err := devToken(user, tenant, roles, d.now())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "could not sign a development token")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(tokenResponse{
		AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(tokenLifetime.Seconds()),
		Name: user, Username: devUsername(user), TenantID: tenant,
	})
}

func writeError(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": detail})
}

// loopbackOnly refuses anything that did not come from this machine to a loopback name:
// the listener is on 127.0.0.1, the Host check stops DNS rebinding (a web page whose name
// resolves to 127.0.0.1), and an Origin, when a browser sends one, must be a loopback page.
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil || !isLoopbackName(host) || !isLoopbackName(hostname(r.Host)) {
			writeError(w, http.StatusForbidden, "the development identity answers loopback requests only")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			u, err := url.Parse(origin)
			if err != nil || !isLoopbackName(u.Hostname()) {
				writeError(w, http.StatusForbidden, "the development identity answers pages on this machine only")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func isLoopbackName(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// publishURL writes the server's URL to path (atomically), where the SPA's dev proxy finds it.
func publishURL(path, base string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("publish the development identity's URL: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(base+"\n"), 0o644); err != nil {
		return fmt.Errorf("publish the development identity's URL: %w", err)
	}
	return os.Rename(tmp, path)
}

// unpublishURL removes a URL file left by an earlier run, so nothing proxies to it.
func unpublishURL(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", path, err)
	}
	return nil
}
