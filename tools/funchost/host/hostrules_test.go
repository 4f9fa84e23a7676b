package host

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Smaller rules of the host that the stand-in mirrors; each names its source in the code.

func TestMethodsMatchIgnoringCase(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	_, e := echoed(t, newRequest(t, "get", h.URL+"/api/me", nil))
	if e.Method != "get" {
		t.Errorf("handler saw method %q, want the request's own", e.Method)
	}
}

func TestOPTIONSWithoutOriginIsNotAPreflight(t *testing.T) {
	h := startHost(t, stageRepoApp(t, corsSettings("http://localhost:5173", false)), Options{})
	req := newRequest(t, http.MethodOptions, h.URL+"/api/me", nil)
	req.Header.Set("Access-Control-Request-Method", "GET")
	resp, _ := do(t, req)
	if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Access-Control-Allow-Methods") != "" {
		t.Errorf("OPTIONS without Origin: %d, Allow-Methods %q; want the routing's plain 404", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Methods"))
	}
}

func TestBodiesOverTheHostsCapGet413(t *testing.T) {
	h := startHost(t, stageRepoApp(t, nil), Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Only the headers: the host refuses on the declared length, before any body.
	fmt.Fprintf(conn, "POST /api/tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", MaxRequestBody+1)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.Header.Get("X-Echo-Pid") != "" {
		t.Errorf("body of %d bytes: %d, want the host's 413", MaxRequestBody+1, resp.StatusCode)
	}
}

func TestLocalHTTPAddressIsRead(t *testing.T) {
	root := stageRepoApp(t, map[string]any{"Host": map[string]any{"LocalHttpAddress": "0.0.0.0"}})
	s, err := LoadLocalSettings(root)
	if err != nil || s.LocalHTTPAddr != "0.0.0.0" {
		t.Errorf("LocalHttpAddress read as %q (%v)", s.LocalHTTPAddr, err)
	}
}

func TestCommandLineFollowsTheHost(t *testing.T) {
	env := []string{"A=alpha", "SPACED=x y"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"%A%", "%NOPE%", "b"}, "alpha|b"},
		{[]string{"--x=%SPACED%"}, "--x=x|y"},
		{[]string{`"quoted arg"`, "100%"}, "quoted arg|100%"},
		{[]string{"%FUNCTIONS_CUSTOMHANDLER_PORT%"}, "8080"},
	} {
		got := strings.Join(commandLine(tc.args, env, map[string]string{"FUNCTIONS_CUSTOMHANDLER_PORT": "8080"}), "|")
		if got != tc.want {
			t.Errorf("commandLine(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
