package apitest

import (
	"net/http"
	"testing"

	"github.com/example/entra-tasks/testkit/contract"
)

// checkAnswersAgainstOpenAPI makes every later Do hold its answer against the document the
// API serves (fetched anonymously, as a client would).
func (e *Env) checkAnswersAgainstOpenAPI(t *testing.T) {
	t.Helper()
	c, err := contract.Fetch(e.client, e.Target.URL())
	if err != nil {
		t.Fatal(err)
	}
	e.contract = c
	// The document's own route goes through the check like any other.
	if r := e.Do(t, Request{Method: "GET", Path: "/api/openapi.json"}); r.Status != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: status %d", r.Status)
	}
}

// requireEveryOperationExercised fails a whole-suite run that never called a documented
// operation: a route described but never exercised is a description nobody has proven.
func (e *Env) requireEveryOperationExercised(t *testing.T) {
	t.Cleanup(func() {
		if t.Failed() {
			return // a failed subtest may have stopped before reaching an operation
		}
		for _, op := range e.contract.Unexercised() {
			t.Errorf("contract: the suite never called %s, so the document's description of it is unproven", op)
		}
	})
}
