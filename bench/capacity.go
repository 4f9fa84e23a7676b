package main

import (
	"fmt"
	"strings"
	"time"
)

// The capacity model (docs/scale.md): from the storage calls and the handler CPU this run
// measured, how many requests one Flex Consumption instance serves and at what request rate
// one storage account reaches its target. The limits are Microsoft's; docs/scale.md quotes
// each with its page.

const (
	// accountTransactionsPerSecond: "Maximum request rate per storage account: 20,000
	// transactions per second, which assumes a 1-KiB entity size" (Scalability and performance
	// targets for Table storage).
	accountTransactionsPerSecond = 20_000
	// partitionEntitiesPerSecond: "Target throughput for a single table partition (1 KiB-
	// entities): Up to 2,000 entities per second" (same page).
	partitionEntitiesPerSecond = 2_000
)

// flexInstance is one Flex Consumption instance size and its typical CPU cores (Flex
// Consumption plan hosting, "Instance sizes").
type flexInstance struct {
	memoryMB int
	cores    float64
}

func flexInstances() []flexInstance {
	return []flexInstance{{512, 0.25}, {2048, 1}, {4096, 2}}
}

// mixShare is one operation's share of the model's requests.
type mixShare struct {
	op    string
	share float64
}

// modelMix is the read/write mix the model assumes for a task list: most requests read a page,
// about one in three changes a task. Change it here; every capacity row follows.
func modelMix() []mixShare {
	return []mixShare{{opList, 0.70}, {opCreate, 0.10}, {opPatch, 0.15}, {opDelete, 0.05}}
}

// capacityAt is the model at one task count per user.
type capacityAt struct {
	tasks            int
	callsPerRequest  float64       // storage round trips per request of the mix
	cpuPerRequest    time.Duration // handler CPU per request of the mix; 0 when under a clock tick
	entitiesPerWrite float64       // entities read and written per write, all partitions
}

// accountLimitRate is the request rate of the mix at which one account reaches its target.
func (c capacityAt) accountLimitRate() float64 {
	return ratioOf(accountTransactionsPerSecond, c.callsPerRequest)
}

// instanceRate is the requests per second one instance's cores give the handler alone (the
// host's share of the CPU is not measured here, so this is an upper bound).
func (c capacityAt) instanceRate(in flexInstance) float64 {
	return ratioOf(in.cores, c.cpuPerRequest.Seconds())
}

// userWriteLimit is the writes per second one user can make before their partition passes
// its target (an upper bound on the entities in their own partition: all are counted).
func (c capacityAt) userWriteLimit() float64 {
	return ratioOf(partitionEntitiesPerSecond, c.entitiesPerWrite)
}

// capacity computes the model at size i of the run.
func (r *report) capacity(i int) capacityAt {
	s := r.sizes[i]
	c := capacityAt{tasks: s.tasks}
	var cpu, writeShare float64
	for _, m := range modelMix() {
		t, _ := medianTally(s.calls[m.op])
		c.callsPerRequest += m.share * float64(t.Calls)
		if m.op == opList {
			cpu += m.share * float64(cpuPerRequest(r.listHandler))
			continue
		}
		cpu += m.share * float64(cpuPerRequest(s.handler))
		c.entitiesPerWrite += m.share * float64(t.Rows+t.Writes)
		writeShare += m.share
	}
	c.entitiesPerWrite = ratioOf(c.entitiesPerWrite, writeShare)
	if cpuPerRequest(r.listHandler) > 0 && cpuPerRequest(s.handler) > 0 {
		c.cpuPerRequest = time.Duration(cpu)
	}
	return c
}

// capacityRows are the model's figures at the smallest and the largest task count of the run.
func (r *report) capacityRows(add func(area, measure, value, target, status string)) {
	if len(r.sizes) == 0 {
		return
	}
	ends := []capacityAt{r.capacity(0), r.capacity(len(r.sizes) - 1)}
	at := fmt.Sprintf("at %s · %s tasks per user", thousands(float64(ends[0].tasks)), thousands(float64(ends[1].tasks)))
	var mix []string
	for _, m := range modelMix() {
		mix = append(mix, fmt.Sprintf("%.0f %% %s", m.share*100, m.op))
	}
	add("capacity", "request mix M of the model (docs/scale.md)", strings.Join(mix, " · ")+" (list: one page of 50)", "", info)
	each := func(f func(capacityAt) string) string {
		return f(ends[0]) + " · " + f(ends[1])
	}
	add("capacity", "storage round trips per request of M, "+at,
		each(func(c capacityAt) string { return fmt.Sprintf("%.2f", c.callsPerRequest) }), "", info)
	add("capacity", fmt.Sprintf("requests/s of M at which one storage account reaches %s transactions/s, %s",
		thousands(accountTransactionsPerSecond), at),
		each(func(c capacityAt) string { return figure(c.accountLimitRate()) }), "", info)
	add("capacity", "handler CPU per request of M, "+at,
		each(func(c capacityAt) string { return cpuLine(c.cpuPerRequest) }), "", info)
	sizes := instanceLabel()
	add("capacity", fmt.Sprintf("requests/s of M per Flex instance, handler CPU only (%s), %s", sizes, at),
		each(func(c capacityAt) string {
			return perInstance(c, func(in flexInstance) string { return figure(c.instanceRate(in)) })
		}), "", info)
	add("capacity", fmt.Sprintf("instances that reach one account's %s transactions/s (%s), %s",
		thousands(accountTransactionsPerSecond), sizes, at),
		each(func(c capacityAt) string {
			return perInstance(c, func(in flexInstance) string { return figure(c.accountLimitRate() / c.instanceRate(in)) })
		}), "", info)
	add("capacity", fmt.Sprintf("writes/s one user can make before their partition's %s entities/s, %s",
		thousands(partitionEntitiesPerSecond), at),
		each(func(c capacityAt) string { return figure(c.userWriteLimit()) }), "", info)
}

// perInstance is one figure per Flex instance size, "a / b / c", or why there is none.
func perInstance(c capacityAt, f func(flexInstance) string) string {
	if c.cpuPerRequest == 0 {
		return "CPU under one 10 ms tick"
	}
	var parts []string
	for _, in := range flexInstances() {
		parts = append(parts, f(in))
	}
	return strings.Join(parts, " / ")
}

// instanceLabel is "512 MB, 0.25 core / 2,048 MB, 1 core / 4,096 MB, 2 cores".
func instanceLabel() string {
	var parts []string
	for _, in := range flexInstances() {
		unit := "cores"
		if in.cores <= 1 {
			unit = "core"
		}
		parts = append(parts, fmt.Sprintf("%s MB, %g %s", thousands(float64(in.memoryMB)), in.cores, unit))
	}
	return strings.Join(parts, " / ")
}

// figure is a model's output: whole numbers with thousands separators, one decimal under 10.
func figure(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.1f", v)
	}
	return thousands(v)
}
