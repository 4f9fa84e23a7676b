package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// row is one line of the table: a figure, the target it answers to and whether it is met.
type row struct {
	area, measure, value, target, status string
}

// maxIdleConnsPerHost is the Azure SDK's default for its pooled connections per host: after
// load, the pool may hold that many more connections to Azurite (two goroutines each) than the
// idle baseline, which already holds one to Azurite and one to the key set. Azurite (Node)
// closes idle connections after 5 s, so a long soak may see fewer.
const maxIdleConnsPerHost = 10

const (
	met    = "met"
	notMet = "NOT MET"
	info   = "—"
)

func check(ok bool) string {
	if ok {
		return met
	}
	return notMet
}

func (r *report) rows(p plan) []row {
	var rows []row
	add := func(area, measure, value, target, status string) {
		rows = append(rows, row{area, measure, value, target, status})
	}

	// Token validation: per round ratios, then the median of them.
	verify, cached, rsa := r.tokenBench["Verify"], r.tokenBench["VerifyCached"], r.tokenBench["RSAVerify"]
	ratio := medianRatio(verify, rsa)
	add("token", "bare rsa.VerifyPKCS1v15 (floor)", nsAllocs(rsa), "", info)
	add("token", "full check, uncached", nsAllocs(verify), "", info)
	add("token", "full check / bare RSA verify (median of rounds)", fmt.Sprintf("%.2fx (rounds %s)", ratio, rangeOf(ratios(verify, rsa))),
		"≤ 1.50x", check(ratio <= 1.50))
	add("token", "repeated token, verified-token cache", nsAllocs(cached),
		"", info)
	add("token", "cached / bare RSA verify", fmt.Sprintf("%.3fx", medianRatio(cached, rsa)), "", info)

	// In-process handler path.
	for _, name := range []string{"Me", "MeCached", "ListTasks"} {
		label := map[string]string{
			"Me": "GET /api/me in process, uncached", "MeCached": "GET /api/me in process, cached",
			"ListTasks": "GET /api/tasks in process (50 tasks, Azurite)",
		}[name]
		add("handler", label, nsAllocs(r.apiBench[name]), "", info)
	}

	// HTTP: throughput and latency at p.conns connections.
	meRate := rate(r.meCached)
	add("http", "GET /api/me, cache on (as shipped)", throughputLine(r.meCached), "≥ 12,000 req/s", check(meRate >= 12000))
	add("http", "GET /api/me, cache off (new token each time is this path)", throughputLine(r.meUncached), "", info)
	r.floorRows(add)
	add("http", "handler CPU per request: /api/me uncached / list of 50 / create, patch or delete",
		fmt.Sprintf("%s / %s / %s", us(cpuPerRequest(r.meUncached)), us(cpuPerRequest(r.listHandler)), us(cpuPerRequest(r.mixHandler))), "", info)
	add("http", "GET /api/tasks (50 tasks)", throughputLine(r.listHandler), "", info)
	add("http", "same list, aztables direct", throughputLine(r.listDirect), "", info)
	lr := ratioP50(r.listHandler.all(), r.listDirect.all())
	add("http", "list: handler / direct at p50", fmt.Sprintf("%.2fx", lr), "≤ 1.15x", check(lr <= 1.15))
	for _, op := range []string{"create", "patch", "delete"} {
		h, d := r.mixHandler.series[op], r.mixDirect.series[op]
		add("http", op+" (POST/PATCH/DELETE mix, a user per connection)", latencyLine(h, r.mixHandler.elapsed), "", info)
		add("http", op+", the same storage calls made by the store in process", latencyLine(d, r.mixDirect.elapsed), "", info)
		x := ratioP50(h, d)
		add("http", op+": handler / direct at p50", fmt.Sprintf("%.2fx", x), "≤ 1.15x", check(x <= 1.15))
	}
	// One user's writes take turns within an instance (the exact count needs them to): 16 at once
	// wait for each other. Shown for what it is, with no target.
	for _, op := range []string{"create", "patch", "delete"} {
		add("http", op+", one user writing on every connection at once", latencyLine(r.mixOneUser.series[op], r.mixOneUser.elapsed), "", info)
	}

	// Cold start.
	cs := sorted(r.coldStarts)
	med := median(r.coldStarts)
	add("cold start", fmt.Sprintf("process start → first authenticated 200 on /api/me, median of %d", len(cs)),
		fmt.Sprintf("%s (min %s, max %s)", ms(med), ms(cs.p(0)), ms(cs.p(1))), "≤ 50 ms", check(med <= 50*time.Millisecond))
	fs := sorted(r.floorStarts)
	fmed := median(r.floorStarts)
	add("cold start", fmt.Sprintf("floor: process start → first 200 on /api/me, same method, median of %d", len(fs)),
		fmt.Sprintf("%s (min %s, max %s)", ms(fmed), ms(fs.p(0)), ms(fs.p(1))), "", info)
	startRatio := ratioOf(float64(med), float64(fmed))
	add("cold start", "handler / floor (medians)", fmt.Sprintf("%.2fx", startRatio), "≤ 1.50x", check(startRatio <= 1.5))

	// Scale.
	add("scale", fmt.Sprintf("seed %d tasks directly (entity group transactions of %d)", p.scaleTasks, maxBatch),
		fmt.Sprintf("%s (%s tasks/s)", ms(r.scaleSeed), thousands(float64(p.scaleTasks)/r.scaleSeed.Seconds())), "", info)
	add("scale", fmt.Sprintf("list all %d tasks, %d pages of %d, median of %d walks", p.scaleTasks, r.pagesPerWalk, 200, len(r.walkTimes)),
		ms(median(r.walkTimes)), "", info)
	first, last := median(r.firstPages), median(r.lastPages)
	flat := float64(last) / float64(first)
	add("scale", "first page / last page latency (median)", fmt.Sprintf("%s / %s (%.2fx)", ms(first), ms(last), flat),
		"flat: last ≤ 1.5x first", check(flat <= 1.5))

	r.sizeRows(add)
	r.capacityRows(add)

	// Memory.
	add("memory", fmt.Sprintf("RSS after %d requests (peak)", r.served),
		fmt.Sprintf("%.1f MB (peak %.1f MB)", float64(r.rssKiB)/1024, float64(r.peakKiB)/1024), "≤ 50 MB",
		check(r.served >= p.soakRequests && r.rssKiB <= 50*1024))
	after, base := r.goroutinesAfter, r.goroutinesBaseline
	add("memory", "goroutines after load / idle baseline (of which storage client's idle connection pool)",
		fmt.Sprintf("%d (%d) / %d (%d)", after.total, after.pooled, base.total, base.pooled),
		"back to baseline, apart from the bounded pool",
		check(after.total-after.pooled <= base.total-base.pooled && after.pooled <= base.pooled+2*maxIdleConnsPerHost))
	return rows
}

// floorRows hold the commonest request, GET /api/me with a cached token, against the bare
// net/http server answering the same body in the same rounds: what our own per-request
// machinery (middleware, access log, cache lookup, encoding) costs next to what any Go HTTP
// server costs on this machine.
func (r *report) floorRows(add func(area, measure, value, target, status string)) {
	add("floor", "bare net/http, same /api/me body, no check, no log", throughputLine(r.floor), "", info)
	me, floor := sorted(r.meCached.all()), sorted(r.floor.all())
	tput := ratioOf(rate(r.meCached), rate(r.floor))
	var perRound []float64
	for i := range min(len(r.meCached.rates), len(r.floor.rates)) {
		perRound = append(perRound, ratioOf(r.meCached.rates[i], r.floor.rates[i]))
	}
	add("floor", "GET /api/me cached / floor: throughput", fmt.Sprintf("%.2fx (rounds %s)", tput, rangeOf(perRound)),
		"≥ 0.75x", check(tput >= 0.75))
	add("floor", "GET /api/me cached, access log to /dev/null (no reader)", throughputLine(r.meDevNull), "", info)
	add("floor", "same, / floor: throughput", fmt.Sprintf("%.2fx", ratioOf(rate(r.meDevNull), rate(r.floor))), "", info)
	add("floor", "server CPU per request: floor / /api/me cached / same, log to /dev/null",
		fmt.Sprintf("%s / %s / %s", us(cpuPerRequest(r.floor)), us(cpuPerRequest(r.meCached)), us(cpuPerRequest(r.meDevNull))), "", info)
	add("floor", "GET /api/me cached / floor: server CPU per request",
		fmt.Sprintf("%.2fx", ratioOf(float64(cpuPerRequest(r.meCached)), float64(cpuPerRequest(r.floor)))), "", info)
	add("floor", "GET /api/me cached / floor: p50", fmt.Sprintf("%.2fx", ratioOf(float64(me.p(0.5)), float64(floor.p(0.5)))), "", info)
	p99 := ratioOf(float64(me.p(0.99)), float64(floor.p(0.99)))
	add("floor", "GET /api/me cached / floor: p99", fmt.Sprintf("%.2fx", p99), "≤ 1.50x", check(p99 <= 1.5))
}

func (r *report) render(p plan) string {
	var b strings.Builder
	host, _ := os.Hostname()
	_ = host
	fmt.Fprintf(&b, "# Benchmark results\n\n")
	mode := "full run"
	if p.quick {
		mode = "QUICK SMOKE RUN: tiny counts, the numbers mean nothing"
	}
	fmt.Fprintf(&b, "%s, %s; %s %s/%s, %s, %d CPUs (`nproc`) shared by the load generator, the handler and Azurite; %d connections; wall time %s.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), mode, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		cpuModel(), runtime.NumCPU(), p.conns, r.wall.Round(time.Second))
	fmt.Fprintf(&b, "| area | measure | value | target | status |\n|---|---|---|---|---|\n")
	for _, x := range r.rows(p) {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", x.area, x.measure, x.value, x.target, x.status)
	}
	b.WriteString("\nLatency: p50 / p95 / p99 over every request of every round (exact, nothing is sampled). " +
		"Ratios are taken between scenarios run alternately in the same run; absolute numbers move with the machine's load.\n")
	b.WriteString(r.callsBreakdown())
	return b.String()
}

func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if name, value, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown CPU"
}

func nsAllocs(lines []benchLine) string {
	if len(lines) == 0 {
		return "not measured"
	}
	ns := make([]float64, len(lines))
	for i, l := range lines {
		ns[i] = l.nsPerOp
	}
	l := lines[0]
	return fmt.Sprintf("%s/op, %.0f allocs/op, %.0f B/op", nsString(medianF(ns)), l.allocsPerOp, l.bytesPerOp)
}

func nsString(ns float64) string {
	switch {
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.0f ns", ns)
	}
}

// medianRatio is the median over rounds of a[i]/b[i]: each round's pair ran seconds apart.
func medianRatio(a, b []benchLine) float64 { return medianF(ratios(a, b)) }

// ratios are a[i]/b[i] for each round i.
func ratios(a, b []benchLine) []float64 {
	var rs []float64
	for i := range min(len(a), len(b)) {
		if b[i].nsPerOp > 0 {
			rs = append(rs, a[i].nsPerOp/b[i].nsPerOp)
		}
	}
	return rs
}

// ratioOf is a/b, or 0 when b is: a figure that was not measured shows as 0x, never as +Inf.
func ratioOf(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// rangeOf is "min–max" of per-round ratios.
func rangeOf(v []float64) string {
	if len(v) == 0 {
		return "none"
	}
	return fmt.Sprintf("%.2f–%.2fx", slices.Min(v), slices.Max(v))
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func median(d []time.Duration) time.Duration { return sorted(d).p(0.5) }

func rate(r loadResult) float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.count()) / r.elapsed.Seconds()
}

func throughputLine(r loadResult) string {
	return latencyLine(r.all(), r.elapsed)
}

// latencyLine is "N req/s; p50 / p95 / p99" for the requests lat, made over elapsed.
func latencyLine(lat []time.Duration, elapsed time.Duration) string {
	if len(lat) == 0 {
		return "not measured"
	}
	l := sorted(lat)
	return fmt.Sprintf("%s req/s; %s / %s / %s", thousands(float64(len(l))/elapsed.Seconds()), ms(l.p(0.5)), ms(l.p(0.95)), ms(l.p(0.99)))
}

func ratioP50(a, b []time.Duration) float64 {
	pb := sorted(b).p(0.5)
	if pb == 0 {
		return 0
	}
	return float64(sorted(a).p(0.5)) / float64(pb)
}

// cpuPerRequest is the server's CPU time per request answered in r (user and system time
// from /proc, in 10 ms ticks: exact enough over thousands of requests).
func cpuPerRequest(r loadResult) time.Duration {
	if r.count() == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.count())
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d.Nanoseconds())/1000) }

func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000)
}

func thousands(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
