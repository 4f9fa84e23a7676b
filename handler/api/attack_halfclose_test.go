package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
)

// halfClosed sends one complete request over a fresh connection, half-closes it
// (shutdown(SHUT_WR), which net/http reports to the handler as a cancelled request context)
// and reads the answer the server still sends.
func halfClosed(t *testing.T, h *testenv.Handler, method, path, auth string, headers map[string]string, body string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(h.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n", method, path)
	if auth != "" {
		fmt.Fprintf(&req, "Authorization: Bearer %s\r\n", auth)
	}
	for name, v := range headers {
		fmt.Fprintf(&req, "%s: %s\r\n", name, v)
	}
	if body != "" {
		fmt.Fprintf(&req, "Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	req.WriteString("\r\n" + body)
	if _, err := io.WriteString(c, req.String()); err != nil {
		t.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("%s %s half-closed: no answer: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusCreated || resp.StatusCode == http.StatusOK {
		return resp.StatusCode, resp.Header.Get("ETag") + "\n" + string(raw)
	}
	return resp.StatusCode, string(raw)
}

// A client that half-closes after a complete request, or resets, is answered exactly as any
// other, every answer tells the truth (a create answered 201 is stored, a complete body is
// never called unreadable, held keys are used), and what fails because the client left is at
// most a 499 at INFO: never a 5xx, never an ERROR line (docs/security.md, "the client
// half-closes its side").
func TestAttackHalfClosedClients(t *testing.T) {
	k := attackKit{t: t, ours: atkKey(t, "ours-1")}
	h := testenv.StartHandler(t, map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           testenv.ServeKeys(t, entra.NewKeyServer(k.ours)),
		"TABLES_CONNECTION_STRING": testenv.StartAzurite(t).ConnectionString(),
	})
	tok := k.good()
	if resp, body := callMe(t, h, tok); resp.StatusCode != 200 {
		t.Fatalf("warm-up: %d %s", resp.StatusCode, body)
	}

	const rounds = 12
	for i := range rounds {
		if status, body := halfClosed(t, h, "GET", "/api/me", tok, nil, ""); status != 200 {
			t.Errorf("GET /api/me half-closed: %d %s", status, body)
		}
		if status, body := halfClosed(t, h, "GET", "/api/me", "junk", nil, ""); status != 401 {
			t.Errorf("GET /api/me with a junk token, half-closed: %d %s", status, body)
		}
		status, body := halfClosed(t, h, "POST", "/api/tasks", tok, nil, fmt.Sprintf(`{"title":"half-closed %d"}`, i))
		if status != 201 {
			t.Fatalf("POST half-closed: %d %s", status, body)
		}
		etag, doc, _ := strings.Cut(body, "\n")
		var created struct{ ID string }
		if err := json.Unmarshal([]byte(doc), &created); err != nil {
			t.Fatal(err)
		}
		if status, body := halfClosed(t, h, "PATCH", "/api/tasks/"+created.ID, tok, map[string]string{"If-Match": etag}, `{"completed":true}`); status != 200 {
			t.Errorf("PATCH half-closed: %d %s", status, body)
		}
		if status, body := halfClosed(t, h, "GET", "/api/tasks/"+created.ID, tok, nil, ""); status != 200 || !strings.Contains(body, `"completed":true`) {
			t.Errorf("GET of a task patched half-closed: %d %s", status, body)
		}
		if i%2 == 0 {
			if status, body := halfClosed(t, h, "DELETE", "/api/tasks/"+created.ID, tok, nil, ""); status != 204 {
				t.Errorf("DELETE half-closed: %d %s", status, body)
			}
		}
	}
	// Every create answered 201 is stored, and every delete answered 204 is gone.
	status, body := halfClosed(t, h, "GET", "/api/tasks?limit=100", tok, nil, "")
	_, doc, _ := strings.Cut(body, "\n")
	var page struct{ Items []struct{ Title string } }
	if err := json.Unmarshal([]byte(doc), &page); status != 200 || err != nil || len(page.Items) != rounds/2 {
		t.Errorf("GET /api/tasks half-closed: %d, %d tasks, want %d: %s", status, len(page.Items), rounds/2, body)
	}

	// Resets right after a complete request: the client reads nothing, and the server must
	// not call its own departure a server fault.
	for i := range rounds {
		c, err := net.Dial("tcp", strings.TrimPrefix(h.URL(), "http://"))
		if err != nil {
			t.Fatal(err)
		}
		b := fmt.Sprintf(`{"title":"reset %d"}`, i)
		fmt.Fprintf(c, "POST /api/tasks HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", tok, len(b), b)
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}
	// The answer to a request on a later connection means the server is alive; the resets'
	// own log lines are written when their handlers end, which the poll below waits for.
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(h.Output(), `"path":"/api/tasks","status"`) < 2*rounds+1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range strings.Split(h.Output(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) || strings.Contains(line, `"status":5`) {
			t.Errorf("a client closing its request was logged as a server fault: %s", line)
		}
	}
}
