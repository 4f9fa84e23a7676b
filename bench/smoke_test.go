package main

import (
	"context"
	"strings"
	"testing"

	"github.com/example/entra-tasks/testkit/stack"
)

// TestQuickRunProducesEveryRow runs the whole benchmark with tiny counts. It proves that the
// program still works end to end (every scenario got the statuses it expects, the scale walk
// saw every task exactly once, the goroutine dump was read) and that every row of the table
// has a value. It asserts nothing about speed: timings never decide a test.
func TestQuickRunProducesEveryRow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Azurite and several handler processes")
	}
	root, err := stack.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := quickPlan()
	r, err := run(context.Background(), root, p)
	if err != nil {
		t.Fatal(err)
	}
	rows := r.rows(p)
	if len(rows) < 36 {
		t.Errorf("the table has %d rows, want every figure of issues 5 and 19 (36)", len(rows))
	}
	for _, x := range rows {
		// CPU time comes in 10 ms ticks: at these counts it may round to zero (see TestCPUTime).
		if x.value == "" || strings.Contains(x.value, "not measured") || strings.HasPrefix(x.value, "0 req/s") ||
			(strings.HasPrefix(x.value, "0.00x") && !strings.Contains(x.measure, "CPU")) || strings.Contains(x.value, "rounds none") {
			t.Errorf("row %q has no value: %q", x.measure, x.value)
		}
		if x.target != "" && x.status != met && x.status != notMet {
			t.Errorf("row %q has a target but no verdict", x.measure)
		}
	}
	table := r.render(p)
	for _, want := range []string{"QUICK SMOKE RUN", "| token | full check / bare RSA verify", "| cold start | handler / floor",
		"| floor | GET /api/me cached / floor: throughput |", "| floor | GET /api/me cached / floor: p99 |", "| memory | goroutines"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	t.Logf("\n%s", table)
}
