package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/example/entra-tasks/devstack/storecalls"
	"github.com/example/entra-tasks/handler/tasks"
)

// flatRatio is the standing bar for a write at N tasks against the same write at 0: the same
// cost at any size, within what a noisy machine moves a p50.
const flatRatio = 1.5

// writeOps are the operations whose latency is measured at each size.
func writeOps() []string { return []string{opCreate, opPatch, opDelete} }

// countedOps are the operations whose storage calls are counted at each size, in table order.
func countedOps() []string { return []string{opCreate, opPatch, opDelete, opList, opErase} }

// sizeRows are the per-user scale rows: storage calls per operation and write latency at
// each task count.
func (r *report) sizeRows(add func(area, measure, value, target, status string)) {
	if len(r.sizes) == 0 {
		return
	}
	at := r.sizesLabel()
	seeded := 0
	for _, s := range r.sizes {
		seeded += s.tasks
	}
	add("per-user scale", fmt.Sprintf("seed %s tasks directly (entity group transactions of %d; not counted)", at, maxBatch),
		fmt.Sprintf("%s (%s tasks/s)", ms(r.sizeSeedTime), thousands(float64(seeded)/max(r.sizeSeedTime.Seconds(), 1e-9))), "", info)
	for _, op := range countedOps() {
		target, ok := r.callsTarget(op)
		add("storage calls", fmt.Sprintf("%s: round trips / entities read / entities written, at %s tasks", op, at),
			r.callsLine(op), target, check(ok))
	}
	add("storage calls", fmt.Sprintf("erase at %s tasks: DELETE requests (a 503 at the request time-out, then a retry), time through the counting proxy", at),
		r.eraseLine(), "", info)
	for _, op := range writeOps() {
		add("per-user scale", fmt.Sprintf("%s p50 at %s tasks, one connection: handler / aztables direct (handler/direct)", op, at),
			r.latencyLine(op), "", info)
		line, flat := r.flatLine(op)
		add("per-user scale", fmt.Sprintf("%s: handler p50 at %s tasks / at %d", op, r.sizesLabelFrom(1), r.sizes[0].tasks),
			line, fmt.Sprintf("flat: each ≤ %.1fx", flatRatio), check(flat))
	}
	var cpus []string
	for _, s := range r.sizes {
		cpus = append(cpus, cpuLine(cpuPerRequest(s.handler)))
	}
	add("per-user scale", fmt.Sprintf("handler CPU per create, patch or delete at %s tasks", at), strings.Join(cpus, " · "), "", info)
}

// callsTarget is op's target and whether every size meets it.
func (r *report) callsTarget(op string) (string, bool) {
	switch op {
	case opList:
		ok := r.sameAtEverySize(op, func(t storecalls.Tally) int { return t.Calls })
		for _, s := range r.sizes {
			for _, t := range s.calls[op] {
				ok = ok && t.Rows <= tasks.DefaultPageSize
			}
		}
		return fmt.Sprintf("the same round trips at every size, ≤ %d read", tasks.DefaultPageSize), ok
	case opErase:
		ok := true
		for _, s := range r.sizes {
			for _, t := range s.calls[op] {
				ok = ok && t.Calls <= eraseBudget(s.tasks)
			}
		}
		return fmt.Sprintf("≤ N/50 + 10 round trips (batches of %d)", maxBatch), ok
	default:
		ok := r.sameAtEverySize(op, func(t storecalls.Tally) int { return t.Calls }) &&
			r.sameAtEverySize(op, func(t storecalls.Tally) int { return t.Rows }) &&
			r.sameAtEverySize(op, func(t storecalls.Tally) int { return t.Writes })
		return "the same at every size", ok
	}
}

// eraseBudget is what erasing n tasks in batches may cost: a batch per 100 tasks, as many key
// pages again at most, and a few calls of bookkeeping and audit.
func eraseBudget(n int) int { return n/50 + 10 }

// sameAtEverySize reports whether field of op's tallies is one value across every size and
// repetition.
func (r *report) sameAtEverySize(op string, field func(storecalls.Tally) int) bool {
	var seen []int
	for _, s := range r.sizes {
		for _, t := range s.calls[op] {
			seen = append(seen, field(t))
		}
	}
	return len(seen) > 0 && slices.Min(seen) == slices.Max(seen)
}

// callsLine is "calls / read / written" at each size, each a range when repetitions differ.
func (r *report) callsLine(op string) string {
	var parts []string
	for _, s := range r.sizes {
		ts := s.calls[op]
		if len(ts) == 0 {
			parts = append(parts, "not measured")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s / %s / %s",
			spread(ts, func(t storecalls.Tally) int { return t.Calls }),
			spread(ts, func(t storecalls.Tally) int { return t.Rows }),
			spread(ts, func(t storecalls.Tally) int { return t.Writes })))
	}
	return strings.Join(parts, " · ")
}

// spread is "n", or "min–max" when the tallies differ.
func spread(ts []storecalls.Tally, field func(storecalls.Tally) int) string {
	v := make([]int, len(ts))
	for i, t := range ts {
		v[i] = field(t)
	}
	lo, hi := slices.Min(v), slices.Max(v)
	if lo == hi {
		return thousands(float64(lo))
	}
	return thousands(float64(lo)) + "–" + thousands(float64(hi))
}

func (r *report) eraseLine() string {
	var parts []string
	for _, s := range r.sizes {
		parts = append(parts, fmt.Sprintf("%d, %s", s.eraseRequests, seconds(s.eraseTime)))
	}
	return strings.Join(parts, " · ")
}

// latencyLine is "handler / direct ms (ratio)" at each size.
func (r *report) latencyLine(op string) string {
	var parts []string
	for _, s := range r.sizes {
		h, d := sorted(s.handler.series[op]).p(0.5), sorted(s.direct.series[op]).p(0.5)
		parts = append(parts, fmt.Sprintf("%.2f / %.2f ms (%.2fx)", msf(h), msf(d), ratioOf(float64(h), float64(d))))
	}
	return strings.Join(parts, " · ")
}

// flatLine is the handler's p50 at each size after the first over its p50 at the first, and
// whether all are within flatRatio.
func (r *report) flatLine(op string) (string, bool) {
	base := float64(sorted(r.sizes[0].handler.series[op]).p(0.5))
	var parts []string
	flat := true
	for _, s := range r.sizes[1:] {
		x := ratioOf(float64(sorted(s.handler.series[op]).p(0.5)), base)
		flat = flat && x > 0 && x <= flatRatio
		parts = append(parts, fmt.Sprintf("%.2fx", x))
	}
	return strings.Join(parts, " · "), flat
}

// sizesLabel is "0 · 2,000 · 10,000".
func (r *report) sizesLabel() string { return r.sizesLabelFrom(0) }

func (r *report) sizesLabelFrom(i int) string {
	var parts []string
	for _, s := range r.sizes[i:] {
		parts = append(parts, thousands(float64(s.tasks)))
	}
	return strings.Join(parts, " · ")
}

// callsBreakdown is a second table under the main one: each operation's calls at each size by
// kind of call, from the repetition with the median number of calls.
func (r *report) callsBreakdown() string {
	if len(r.sizes) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\nStorage calls per operation, counted on the wire between the handler binary and Azurite " +
		"(a proxy; seeding and start-up not counted), by kind: the repetition with the median number of calls.\n\n" +
		"| operation | tasks of the caller | round trips | entities read | entities written | by kind |\n|---|---|---|---|---|---|\n")
	for _, op := range countedOps() {
		for _, s := range r.sizes {
			t, ok := medianTally(s.calls[op])
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", op, thousands(float64(s.tasks)),
				thousands(float64(t.Calls)), thousands(float64(t.Rows)), thousands(float64(t.Writes)), byKind(t))
		}
	}
	return b.String()
}

// medianTally is the tally with the median number of calls.
func medianTally(ts []storecalls.Tally) (storecalls.Tally, bool) {
	if len(ts) == 0 {
		return storecalls.Tally{}, false
	}
	s := slices.Clone(ts)
	slices.SortStableFunc(s, func(a, b storecalls.Tally) int { return a.Calls - b.Calls })
	return s[len(s)/2], true
}

// byKind is "query 11, get 1, insert 1, update 1": the most frequent first.
func byKind(t storecalls.Tally) string {
	kinds := make([]string, 0, len(t.ByOp))
	for k := range t.ByOp {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if t.ByOp[kinds[i]] != t.ByOp[kinds[j]] {
			return t.ByOp[kinds[i]] > t.ByOp[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %s", k, thousands(float64(t.ByOp[k])))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// cpuLine is a CPU time per request; under one clock tick over a whole run it reads as such.
func cpuLine(d time.Duration) string {
	if d == 0 {
		return "under one 10 ms tick"
	}
	if d >= time.Millisecond {
		return fmt.Sprintf("%.2f ms", msf(d))
	}
	return us(d)
}
