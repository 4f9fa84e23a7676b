// Package apitest is the Tasks API's integration suite, written once and run against any way
// of starting the API: the handler binary on its own, or behind the Functions host stand-in.
// It owns real Azurite and a real loopback key set; the API under test gets only settings.
package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/contract"
	"github.com/example/entra-tasks/testkit/testenv"
)

// Target is a running API.
type Target interface {
	URL() string          // base URL; routes are under /api
	Restart(t *testing.T) // stop and start the API with the same settings and storage
}

// StartFunc starts the API with settings as its environment (the handler's app settings).
type StartFunc func(t *testing.T, settings map[string]string) Target

// Env is what a suite run shares between its tests.
type Env struct {
	Target  Target
	Azurite *testenv.Azurite
	Key     *entra.Key
	Keys    *entra.KeyServer
	Tenant  string
	Client  string
	client  *http.Client
	// contract is the OpenAPI document the API serves; Do holds every answer against it.
	contract *contract.Contract
}

// NewEnv starts Azurite and a key server and then the API through start.
func NewEnv(t *testing.T, start StartFunc) *Env {
	t.Helper()
	key, err := entra.NewKey("suite-key-1")
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{
		Azurite: testenv.StartAzurite(t),
		Key:     key,
		Keys:    entra.NewKeyServer(key),
		Tenant:  entra.TestTenant,
		Client:  entra.TestClient,
		client:  &http.Client{Timeout: 30 * time.Second},
	}
	jwksURL := testenv.ServeKeys(t, e.Keys)
	e.Target = start(t, map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           jwksURL,
		"TABLES_CONNECTION_STRING": e.Azurite.ConnectionString(),
		"TASKS_TABLE":              "tasks",
		"TASKS_PER_USER_LIMIT":     fmt.Sprint(suiteTaskLimit),
	})
	e.checkAnswersAgainstOpenAPI(t)
	return e
}

// Token mints a valid v2 access token for user oid.
func (e *Env) Token(t *testing.T, oid string) string {
	t.Helper()
	return e.TokenWith(t, entra.V2Claims(e.Tenant, e.Client, oid, time.Now()))
}

// TokenWith signs arbitrary claims with the suite's key.
func (e *Env) TokenWith(t *testing.T, claims map[string]any) string {
	t.Helper()
	tok, err := e.Key.Sign(claims, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Response is an API answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it does not decode.
func (r Response) JSON(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Request describes one call; Body is sent as JSON unless it is a string or []byte.
type Request struct {
	Method, Path, Token string
	Body                any
	Header              map[string]string
	// HeaderLines are sent in addition, one line per value, for fields given several times.
	HeaderLines http.Header
}

// Do sends req to the target and holds the answer against the API's OpenAPI document. It
// fails the test when the request cannot be sent.
func (e *Env) Do(t *testing.T, req Request) Response {
	t.Helper()
	r, err := req.Build(e.Target.URL())
	if err != nil {
		t.Fatal(err)
	}
	answer, err := Send(e.client, r)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.Path, err)
	}
	if e.contract != nil {
		for _, problem := range e.contract.Check(r, answer.Status, answer.Header, answer.Body) {
			t.Errorf("contract: %s", problem)
		}
	}
	return answer
}

// Build makes the HTTP request req describes, addressed to base+req.Path.
func (req Request) Build(base string) (*http.Request, error) {
	var body io.Reader
	switch b := req.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s body: %w", req.Method, req.Path, err)
		}
		body = bytes.NewReader(raw)
	}
	r, err := http.NewRequest(req.Method, base+req.Path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		if v == "" {
			r.Header.Del(k)
			continue
		}
		r.Header.Set(k, v)
	}
	for k, values := range req.HeaderLines {
		for _, v := range values {
			r.Header.Add(k, v)
		}
	}
	return r, nil
}

// Send sends r with c and reads the whole answer. It takes no testing.T and checks nothing,
// so that load generators can call it from their own goroutines and clients.
func Send(c *http.Client, r *http.Request) (Response, error) {
	resp, err := c.Do(r)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	answer := Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if err != nil {
		return answer, fmt.Errorf("read %s %s answer: %w", r.Method, r.URL.Path, err)
	}
	return answer, nil
}
