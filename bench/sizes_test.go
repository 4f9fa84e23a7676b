package main

import (
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/storecalls"
)

// The erase route is one constant, wherever it lives; the path names the user in it.
func TestErasePathNamesTheUser(t *testing.T) {
	const oid = "00000000-0000-4000-8000-0000000000aa"
	got := erasePath(oid)
	if !strings.HasPrefix(got, "/api/") || !strings.HasSuffix(got, "/"+oid+"/tasks") || strings.ContainsAny(got, "{}") {
		t.Errorf("erasePath = %q, want /api/.../%s/tasks", got, oid)
	}
}

// A size's row shows a range only when repetitions differ, and the targets read every
// repetition at every size.
func TestCallsRowsAndTargets(t *testing.T) {
	tally := func(calls, rows, writes int) storecalls.Tally {
		return storecalls.Tally{Calls: calls, Rows: rows, Writes: writes}
	}
	r := &report{sizes: []sizeResult{
		{tasks: 0, calls: map[string][]storecalls.Tally{
			opCreate: {tally(2, 0, 2), tally(2, 0, 2)}, opList: {tally(1, 0, 0)}, opErase: {tally(4, 0, 1)}}},
		{tasks: 10_000, calls: map[string][]storecalls.Tally{
			opCreate: {tally(2, 0, 2), tally(3, 1, 2)}, opList: {tally(1, 50, 0)}, opErase: {tally(203, 10_000, 10_001)}}},
	}}
	if got, want := r.callsLine(opCreate), "2 / 0 / 2 · 2–3 / 0–1 / 2"; got != want {
		t.Errorf("create line %q, want %q", got, want)
	}
	if _, ok := r.callsTarget(opCreate); ok {
		t.Error("a create that costs more at 10,000 tasks met 'the same at every size'")
	}
	if _, ok := r.callsTarget(opList); !ok {
		t.Error("one query per page at every size did not meet the list's target")
	}
	if _, ok := r.callsTarget(opErase); !ok {
		t.Errorf("an erase of 10,000 in batches (203 calls, budget %d) did not meet its target", eraseBudget(10_000))
	}
	r.sizes[1].calls[opErase] = []storecalls.Tally{tally(10_014, 10_010, 10_002)}
	if _, ok := r.callsTarget(opErase); ok {
		t.Error("an erase one delete per task met the batches' target")
	}
}

// The capacity model divides the account's target by the calls per request of the mix and
// the cores of an instance by the CPU per request.
func TestCapacityModel(t *testing.T) {
	c := capacityAt{callsPerRequest: 2, cpuPerRequest: 500 * time.Microsecond, entitiesPerWrite: 4}
	if got := c.accountLimitRate(); got != 10_000 {
		t.Errorf("account limit at 2 calls per request = %v, want 10,000", got)
	}
	if got := c.instanceRate(flexInstance{512, 0.25}); got != 500 {
		t.Errorf("0.25 core at 0.5 ms per request = %v req/s, want 500", got)
	}
	if got := c.userWriteLimit(); got != 500 {
		t.Errorf("4 entities per write = %v writes/s per user, want 500", got)
	}
}
