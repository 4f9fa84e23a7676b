package auth_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/testenv"
)

func TestBearerToken(t *testing.T) {
	cases := []struct {
		name    string
		headers []string
		token   string
		want    string // "", "none", "request", "invalid"
	}{
		{"no header", nil, "", "none"},
		{"basic scheme", []string{"Basic dXNlcjpwYXNz"}, "", "none"},
		{"bearer", []string{"Bearer abc.def.ghi"}, "abc.def.ghi", ""},
		{"lowercase scheme", []string{"bearer abc.def.ghi"}, "abc.def.ghi", ""},
		{"extra spaces", []string{"Bearer    abc.def.ghi  "}, "abc.def.ghi", ""},
		{"scheme only", []string{"Bearer"}, "", "request"},
		{"scheme and space", []string{"Bearer "}, "", "request"},
		{"two headers", []string{"Bearer a.b.c", "Bearer d.e.f"}, "", "request"},
		{"bad characters", []string{"Bearer a.b.c;drop"}, "", "invalid"},
		{"space inside", []string{"Bearer a.b c"}, "", "invalid"},
		{"too large", []string{"Bearer " + strings.Repeat("a", auth.MaxTokenBytes+1)}, "", "invalid"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/me?access_token=abc.def.ghi", nil)
			for _, h := range c.headers {
				r.Header.Add("Authorization", h)
			}
			tok, err := auth.BearerToken(r)
			var req *auth.InvalidRequestError
			var inv *auth.InvalidTokenError
			switch c.want {
			case "":
				if err != nil || tok != c.token {
					t.Errorf("got %q, %v; want %q", tok, err, c.token)
				}
			case "none":
				if !errors.Is(err, auth.ErrNoToken) {
					t.Errorf("err = %v, want ErrNoToken (the query string must be ignored)", err)
				}
			case "request":
				if !errors.As(err, &req) {
					t.Errorf("err = %v, want InvalidRequestError", err)
				}
			case "invalid":
				if !errors.As(err, &inv) {
					t.Errorf("err = %v, want InvalidTokenError", err)
				}
			}
		})
	}
}

// VerifyRequest answers every request as BearerToken followed by Verify does, with the
// verified-token cache off and on, before and after a token is cached: the same principal, or
// the same kind of error with the same description.
func TestVerifyRequestIsBearerTokenThenVerify(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	srv := httptest.NewServer(entra.NewKeyServer(key))
	t.Cleanup(srv.Close)
	good := sign(t, key, entra.V2Claims(tenant, client, user, time.Now()), nil)
	other := sign(t, key, entra.V2Claims(tenant, client, entra.UserB, time.Now()), nil)
	headers := [][]string{nil, {"Basic dXNlcjpwYXNz"}, {"Bearer"}, {"Bearer " + good, "Bearer " + good},
		{"Bearer " + good}, {"bearer   " + good + "  "}, {"Bearer " + good + ";"}, {"Bearer " + good + " junk"},
		{"Bearer " + good[:len(good)-2]}, {"Bearer a.b.c"}, {"Bearer " + strings.Repeat("a", auth.MaxTokenBytes+1)},
		{"Bearer " + other}, {"Bearer " + good + "=="}}
	describe := func(p *auth.Principal, err error) string {
		var inv *auth.InvalidTokenError
		var req *auth.InvalidRequestError
		switch {
		case err == nil:
			return "ok " + p.ObjectID + " " + strings.Join(p.Scopes, ",")
		case errors.Is(err, auth.ErrNoToken):
			return "no token"
		case errors.As(err, &inv):
			return "invalid token: " + inv.Description
		case errors.As(err, &req):
			return "invalid request: " + req.Description
		}
		return "other: " + err.Error()
	}
	for _, size := range []int{0, 16} {
		_, v := startKeys(t, srv.URL, auth.KeySetOptions{}, auth.Config{CacheSize: size})
		for round := range 2 { // the second round finds the good tokens cached
			for _, h := range headers {
				r := httptest.NewRequest("GET", "/api/me", nil)
				for _, value := range h {
					r.Header.Add("Authorization", value)
				}
				var want string
				if raw, err := auth.BearerToken(r); err != nil {
					want = describe(nil, err)
				} else {
					want = describe(v.Verify(context.Background(), raw))
				}
				if got := describe(v.VerifyRequest(context.Background(), r)); got != want {
					t.Errorf("cache %d, round %d, headers %.60q: VerifyRequest %q, BearerToken and Verify %q", size, round, h, got, want)
				}
			}
		}
	}
}
