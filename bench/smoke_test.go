package main

import (
	"context"
	"strings"
	"testing"

	"github.com/example/entra-tasks/devstack"
)

// TestQuickRunProducesEveryRow runs the whole benchmark with tiny counts. It proves that the
// program still works end to end (every scenario got the statuses it expects, the scale walk
// saw every task exactly once, the goroutine dump was read) and that every row of the table
// has a value. It asserts nothing about speed: timings never decide a test.
func TestQuickRunProducesEveryRow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Azurite and several handler processes")
	}
	root, err := devstack.RepoRoot()
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
		t.Errorf("the table has %d rows, want every figure the targets name (36)", len(rows))
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
	checkCountedOnTheWire(t, r)
	table := r.render(p)
	for _, want := range []string{"QUICK SMOKE RUN", "| token | full check / bare RSA verify", "| cold start | handler / floor",
		"| floor | GET /api/me cached / floor: throughput |", "| floor | GET /api/me cached / floor: p99 |", "| memory | goroutines",
		"| storage calls | create: round trips", "| storage calls | erase: round trips", "| per-user scale | create: handler p50 at",
		"| capacity | requests/s of M per Flex instance", "| erase | 0 |"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	t.Logf("\n%s", table)
}

// checkCountedOnTheWire: the per-user scale counted each operation at every size through the
// proxy, whatever the store's design: a create writes, a list page is one query, an erase
// answers, and a size's partition was seeded with what the plan says (the list sees it; a store
// may read a bookkeeping entity of its own beside the tasks).
func checkCountedOnTheWire(t *testing.T, r *report) {
	t.Helper()
	if len(r.sizes) < 2 {
		t.Fatalf("measured %d sizes, want at least 2", len(r.sizes))
	}
	for _, s := range r.sizes {
		create, _ := medianTally(s.calls[opCreate])
		list, _ := medianTally(s.calls[opList])
		erase, _ := medianTally(s.calls[opErase])
		if create.Writes < 1 {
			t.Errorf("at %d tasks a create wrote nothing on the wire: %+v", s.tasks, create)
		}
		if list.ByOp["query"] != 1 || list.Rows < min(s.tasks, 50) {
			t.Errorf("at %d tasks a list page was %+v, want one query reading at least %d", s.tasks, list, min(s.tasks, 50))
		}
		if erase.Calls < 1 || s.eraseRequests < 1 {
			t.Errorf("at %d tasks the erase made %+v in %d requests", s.tasks, erase, s.eraseRequests)
		}
	}
}
