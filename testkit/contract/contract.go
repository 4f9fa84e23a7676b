// Package contract holds answers against the API's OpenAPI document: the integration suite
// checks every answer it receives with it, and the document's own tests use it directly.
// It is its own package so that nothing else (the fuzz binary) links the validator.
package contract

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	valerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi/datamodel"
)

// Contract is the API's OpenAPI document, ready to judge answers. Every answer the suite
// receives goes through Check, so the document is held to what the handler really does.
type Contract struct {
	validator  validator.Validator
	operations []Operation

	mu   sync.Mutex // the validator's caches are not documented as safe for concurrent use
	seen map[Operation]bool
}

// Operation is one method on one path template of the document, e.g. GET /api/tasks/{id}.
type Operation struct {
	Method, Path string
}

func (o Operation) String() string { return o.Method + " " + o.Path }

// New parses an OpenAPI 3.1 document. It fails if the document does not validate
// against the OpenAPI 3.1 schema or has references that do not resolve.
func New(doc []byte) (*Contract, error) {
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = slog.New(slog.DiscardHandler) // what it finds comes back as errors; no log lines
	parsed, err := libopenapi.NewDocumentWithConfiguration(doc, cfg)
	if err != nil {
		return nil, fmt.Errorf("parse OpenAPI document: %w", err)
	}
	if v := parsed.GetSpecInfo().Version; !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("OpenAPI version %q, want 3.1.x", v)
	}
	model, err := parsed.BuildV3Model()
	if err != nil {
		return nil, fmt.Errorf("build OpenAPI model: %w", err)
	}
	// Format assertions make "date-time" and "uuid" checks, not annotations.
	v, errs := validator.NewValidator(parsed, config.WithFormatAssertions())
	if len(errs) > 0 {
		return nil, fmt.Errorf("OpenAPI validator: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("the document is not valid OpenAPI 3.1:\n%s", describe(verrs))
	}
	c := &Contract{validator: v, seen: map[Operation]bool{}}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			c.operations = append(c.operations, Operation{Method: strings.ToUpper(method), Path: path})
		}
	}
	sort.Slice(c.operations, func(i, j int) bool { return c.operations[i].String() < c.operations[j].String() })
	return c, nil
}

// Operations lists what the document describes, sorted.
func (c *Contract) Operations() []Operation { return slices.Clone(c.operations) }

// Unexercised lists the documented operations that no checked answer has come from yet.
func (c *Contract) Unexercised() []Operation {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Operation
	for _, op := range c.operations {
		if !c.seen[op] {
			out = append(out, op)
		}
	}
	return out
}

// Check holds one answer against the document: its status must be declared for the operation,
// its declared headers present and well-formed, its body of the declared media type and
// schema. A request the document does not describe must be answered 404, as the Functions
// host answers any route no function.json declares. It returns what is wrong, or nothing.
func (c *Contract) Check(req *http.Request, status int, header http.Header, body []byte) []string {
	op, ok := c.operationFor(req.Method, req.URL.Path)
	if !ok {
		if status != http.StatusNotFound {
			return []string{fmt.Sprintf("%s %s is not in the OpenAPI document, yet was answered %d, not 404", req.Method, req.URL.Path, status)}
		}
		return nil
	}
	httpResp := &http.Response{
		StatusCode: status,
		Header:     header,
		Body:       io.NopCloser(bytes.NewReader(body)),
		Request:    req,
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[op] = true
	if ok, errs := c.validator.ValidateHttpResponse(req, httpResp); !ok {
		return []string{fmt.Sprintf("%s answered %d, which the OpenAPI document does not allow:\n%s", op, status, describe(errs))}
	}
	return nil
}

// operationFor finds the documented operation a request addresses. A {name} segment of a
// path template matches any one non-empty segment; the handler answers ids that are not
// of its form with a documented 404.
func (c *Contract) operationFor(method, path string) (Operation, bool) {
	got := strings.Split(path, "/")
	for _, op := range c.operations {
		if op.Method != method {
			continue
		}
		want := strings.Split(op.Path, "/")
		if len(want) != len(got) {
			continue
		}
		match := true
		for i := range want {
			isParam := strings.HasPrefix(want[i], "{") && strings.HasSuffix(want[i], "}")
			match = match && (want[i] == got[i] || isParam && got[i] != "")
		}
		if match {
			return op, true
		}
	}
	return Operation{}, false
}

func describe(errs []*valerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "  - %s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n      %s at %s", s.Reason, s.FieldPath)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Fetch reads the document the API under test serves, anonymously, as a client would.
func Fetch(client *http.Client, baseURL string) (*Contract, error) {
	resp, err := client.Get(baseURL + "/api/openapi.json")
	if err != nil {
		return nil, fmt.Errorf("GET /api/openapi.json: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET /api/openapi.json: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/openapi.json: status %d: %s", resp.StatusCode, body)
	}
	return New(body)
}

// SignIn is the part of a served OpenAPI document a client signs in with: the top-level
// security requirement and the Entra authorization-code flow.
type SignIn struct {
	Security   []map[string][]string `json:"security"`
	Components struct {
		SecuritySchemes struct {
			Entra struct {
				Flows struct {
					AuthorizationCode struct {
						AuthorizationURL string            `json:"authorizationUrl"`
						TokenURL         string            `json:"tokenUrl"`
						Scopes           map[string]string `json:"scopes"`
					} `json:"authorizationCode"`
				} `json:"flows"`
			} `json:"entra"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

// Flow is the document's authorization-code flow.
func (s SignIn) Flow() (authorizeURL, tokenURL string, scopes map[string]string) {
	f := s.Components.SecuritySchemes.Entra.Flows.AuthorizationCode
	return f.AuthorizationURL, f.TokenURL, f.Scopes
}
