package host

import (
	"net/http"
	"slices"
	"testing"
)

func corsSettings(origins string, credentials bool) map[string]any {
	return map[string]any{"Host": map[string]any{"CORS": origins, "CORSCredentials": credentials}}
}

func preflight(t *testing.T, url, origin string) *http.Response {
	t.Helper()
	req := newRequest(t, http.MethodOptions, url, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "PATCH")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, _ := do(t, req)
	return resp
}

func TestCORSPreflightIsAnsweredByTheHost(t *testing.T) {
	h := startHost(t, stageRepoApp(t, corsSettings("http://localhost:5173,https://app.example", true)), Options{})

	for _, path := range []string{"/api/tasks/" + "AAAAAAAAAAAAAAAAAAAAAAAAAA", "/api/undeclared"} {
		resp := preflight(t, h.URL+path, "http://localhost:5173")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-Echo-Pid") != "" {
			t.Errorf("preflight %s: %d (from handler: %v), want the host's 204", path, resp.StatusCode, resp.Header.Get("X-Echo-Pid") != "")
		}
		want := map[string]string{
			"Access-Control-Allow-Origin":      "http://localhost:5173",
			"Access-Control-Allow-Methods":     "PATCH",
			"Access-Control-Allow-Headers":     "authorization,content-type",
			"Access-Control-Allow-Credentials": "true",
			"Vary":                             "Origin",
		}
		for name, value := range want {
			if got := resp.Header.Get(name); got != value {
				t.Errorf("preflight %s: %s = %q, want %q", path, name, got, value)
			}
		}
	}

	other := preflight(t, h.URL+"/api/me", "https://evil.example")
	if other.StatusCode != http.StatusNoContent || other.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from an unlisted origin: %d with Allow-Origin %q, want 204 without CORS headers",
			other.StatusCode, other.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestCORSHeadersOnActualResponses(t *testing.T) {
	h := startHost(t, stageRepoApp(t, corsSettings("https://app.example", false)), Options{})

	req := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Add("X-Echo-Header", "Access-Control-Allow-Origin: https://handler-choice.example")
	req.Header.Add("X-Echo-Header", "ETag: \"1\"")
	resp, _ := do(t, req)
	if got := resp.Header.Values("Access-Control-Allow-Origin"); !slices.Equal(got, []string{"https://app.example"}) {
		t.Errorf("Allow-Origin %q, want exactly the caller's origin", got)
	}
	for _, name := range []string{"Access-Control-Allow-Credentials", "Access-Control-Expose-Headers", "Vary"} {
		if got := resp.Header.Get(name); got != "" {
			t.Errorf("%s = %q, want none (single origin, no credentials, nothing exposed)", name, got)
		}
	}

	notFound := newRequest(t, http.MethodGet, h.URL+"/api/undeclared", nil)
	notFound.Header.Set("Origin", "https://app.example")
	resp, _ = do(t, notFound)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("404 for an allowed origin: %d with Allow-Origin %q; the browser must be able to read it",
			resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}

	stranger := newRequest(t, http.MethodGet, h.URL+"/api/me", nil)
	stranger.Header.Set("Origin", "https://evil.example")
	resp, _ = do(t, stranger)
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://handler-choice.example" && got != "" {
		t.Errorf("unlisted origin got Allow-Origin %q", got)
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	h := startHost(t, stageRepoApp(t, corsSettings("*", false)), Options{})
	resp := preflight(t, h.URL+"/api/me", "https://anywhere.example")
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight with CORS *: %d, Allow-Origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}

func TestWithoutCORSSettingsAPreflightIsJustAnUndeclaredOPTIONS(t *testing.T) {
	h := startHost(t, stageRepoApp(t, map[string]any{"Values": map[string]any{}}), Options{})
	resp := preflight(t, h.URL+"/api/me", "http://localhost:5173")
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without Host.CORS: %d, Allow-Origin %q; want a plain 404", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
}
