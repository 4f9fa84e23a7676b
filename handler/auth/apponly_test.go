package auth_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
)

func (f *fixture) app(roles ...string) map[string]any {
	return entra.AppV2Claims(tenant, client, entra.DaemonApp, entra.DaemonSP, roles, f.now)
}

func (f *fixture) appV1(roles ...string) map[string]any {
	return entra.AppV1Claims(tenant, client, entra.DaemonApp, entra.DaemonSP, roles, f.now)
}

func with(c map[string]any, name string, value any) map[string]any {
	out := map[string]any{}
	for k, v := range c {
		out[k] = v
	}
	if value == nil {
		delete(out, name)
	} else {
		out[name] = value
	}
	return out
}

// App-only tokens are told apart from delegated ones by idtyp, or without it by Microsoft's
// documented test (no scp, oid equal to sub), and read for the application permissions only.
func TestAppOnlyTokens(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	for name, c := range map[string]struct {
		claims map[string]any
		roles  []string
	}{
		"v2 without idtyp":              {f.app("Tasks.Read.All"), []string{"Tasks.Read.All"}},
		"v1 without idtyp":              {f.appV1("Tasks.ReadWrite.All"), []string{"Tasks.ReadWrite.All"}},
		"v2 with idtyp app":             {with(f.app("Tasks.Read.All"), "idtyp", "app"), []string{"Tasks.Read.All"}},
		"v1 with idtyp app":             {with(f.appV1("Tasks.Read.All"), "idtyp", "app"), []string{"Tasks.Read.All"}},
		"idtyp app, oid other than sub": {with(with(f.app("Tasks.Read.All"), "idtyp", "app"), "sub", "something-else"), []string{"Tasks.Read.All"}},
		"user roles ignored":            {f.app("Admin", "Tasks.ReadWrite.All", "Editor"), []string{"Tasks.ReadWrite.All"}},
	} {
		p, err := f.verify(t, sign(t, f.key, c.claims, nil))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Kind() != access.App || p.AppID != entra.DaemonApp || p.ObjectID != entra.DaemonSP || p.TenantID != tenant {
			t.Errorf("%s: kind %v app %q oid %q tid %q, want the daemon app", name, p.Kind(), p.AppID, p.ObjectID, p.TenantID)
		}
		if p.Name != "" || p.Username != "" || p.Scopes != nil || p.AuthContexts != nil {
			t.Errorf("%s: an app has no name, username, scopes or contexts: %+v", name, p)
		}
		if got := p.Roles.Names(); !slices.Equal(got, c.roles) {
			t.Errorf("%s: roles %v, want %v", name, got, c.roles)
		}
	}
}

// A delegated token is a user's, whatever its roles: it never gains application permissions,
// and it names the app the user signed in with.
func TestDelegatedTokensStayUsers(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	for name, claims := range map[string]map[string]any{
		"v2":                    with(f.v2(), "roles", []string{"Tasks.ReadWrite.All", "Viewer"}),
		"v1":                    with(f.v1(), "roles", []string{"Tasks.ReadWrite.All", "Viewer"}),
		"idtyp user":            with(with(f.v2(), "idtyp", "user"), "roles", []string{"Tasks.ReadWrite.All", "Viewer"}),
		"oid equal to sub, scp": with(with(f.v2(), "sub", user), "roles", []string{"Tasks.ReadWrite.All", "Viewer"}),
	} {
		p, err := f.verify(t, sign(t, f.key, claims, nil))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if p.Kind() != access.User || p.ObjectID != user || p.AppID != "44444444-4444-4444-8444-444444444444" {
			t.Errorf("%s: kind %v oid %q app %q, want the user through the SPA", name, p.Kind(), p.ObjectID, p.AppID)
		}
		if got := p.Roles.Names(); !slices.Equal(got, []string{"Viewer"}) {
			t.Errorf("%s: roles %v, want only Viewer", name, got)
		}
	}
}

func TestAppOnlyTokensRefused(t *testing.T) {
	f := newFixture(t, auth.KeySetOptions{})
	appScope := "api://" + client + "/.default"
	userScope := "api://" + client + "/access_as_user"
	for name, c := range map[string]struct {
		claims map[string]any
		scope  string // "": 401 invalid_token; else 403 insufficient_scope naming it
	}{
		// Entra never issues these.
		"idtyp app with scp":       {with(with(f.app("Tasks.Read.All"), "idtyp", "app"), "scp", "access_as_user"), ""},
		"idtyp app with empty scp": {with(with(f.app("Tasks.Read.All"), "idtyp", "app"), "scp", ""), ""},
		"idtyp device":             {with(f.app("Tasks.Read.All"), "idtyp", "device"), ""},
		"idtyp not a string":       {with(f.app("Tasks.Read.All"), "idtyp", true), ""},
		"idtyp in capitals":        {with(f.app("Tasks.Read.All"), "idtyp", "App"), ""},
		"no azp":                   {with(f.app("Tasks.Read.All"), "azp", nil), ""},
		"azp not a GUID":           {with(f.app("Tasks.Read.All"), "azp", "daemon"), ""},
		"v1 with azp but no appid": {with(with(f.appV1("Tasks.Read.All"), "appid", nil), "azp", entra.DaemonApp), ""},
		// A valid app without one of our application permissions asked for none of them.
		"no roles":        {with(f.app(), "roles", nil), appScope},
		"user roles only": {f.app("Admin", "Editor"), appScope},
		"wrong case":      {f.app("tasks.read.all"), appScope},
		// Without idtyp, oid other than sub is a user token, and one without scp has no scope.
		"oid other than sub, no scp": {with(f.app("Tasks.ReadWrite.All"), "sub", "pairwise-subject"), userScope},
		"idtyp user without scp":     {with(f.app("Tasks.ReadWrite.All"), "idtyp", "user"), userScope},
	} {
		_, err := f.verify(t, sign(t, f.key, c.claims, nil))
		var invalid *auth.InvalidTokenError
		var noScope *auth.InsufficientScopeError
		switch {
		case c.scope == "" && !errors.As(err, &invalid):
			t.Errorf("%s: %v, want an invalid token (401)", name, err)
		case c.scope != "" && (!errors.As(err, &noScope) || noScope.Scope != c.scope):
			t.Errorf("%s: %v, want insufficient scope %s (403)", name, err, c.scope)
		}
	}
}
