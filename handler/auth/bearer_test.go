package auth_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/example/entra-tasks/handler/auth"
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
