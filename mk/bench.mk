# Performance. `make bench` measures the API side by side in one run on this machine
# (pinned Azurite, a loopback key set, the real handler binary, a Go load generator, all on the
# same cores) and prints one table of every figure beside its target; the table is also
# written to bench/results.md. Timings never decide a test: `make test` only runs the bench
# program with tiny counts (bench/smoke_test.go, part of test-go) to prove it still works.

.PHONY: bench bench-profile

bench: $(AZURITE_BIN) ## @measure Measure performance against the targets; writes bench/results.md (~3 min).
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) run ./bench -out bench/results.md

# CPU and allocation profiles of the in-process /api/me (cached token: the commonest request;
# uncached: the full check) and list paths, and of the auth key lookup on a cache hit, for
# `go tool pprof`.
bench-profile: $(AZURITE_BIN) ## @measure Write pprof profiles of /api/me and the list path to bench/profiles/.
	mkdir -p bench/profiles
	cd handler/api && AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -run '^$$' -bench '^BenchmarkMeCached$$' -benchtime 200000x \
		-cpuprofile $(ROOT)/bench/profiles/mecached.cpu.pprof -memprofile $(ROOT)/bench/profiles/mecached.mem.pprof -o $(ROOT)/bench/profiles/api.test .
	cd handler/api && AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -run '^$$' -bench '^BenchmarkMe$$' -benchtime 20000x \
		-cpuprofile $(ROOT)/bench/profiles/me.cpu.pprof -memprofile $(ROOT)/bench/profiles/me.mem.pprof -o $(ROOT)/bench/profiles/api.test .
	cd handler/api && AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -run '^$$' -bench '^BenchmarkListTasks$$' -benchtime 3000x \
		-cpuprofile $(ROOT)/bench/profiles/list.cpu.pprof -memprofile $(ROOT)/bench/profiles/list.mem.pprof -o $(ROOT)/bench/profiles/api.test .
	$(GO) tool pprof -top -cum -nodecount 30 bench/profiles/api.test bench/profiles/mecached.cpu.pprof | head -40
	$(GO) tool pprof -top -sample_index alloc_objects -nodecount 20 bench/profiles/api.test bench/profiles/mecached.mem.pprof | head -30
	$(GO) tool pprof -top -nodecount 25 bench/profiles/api.test bench/profiles/me.cpu.pprof | head -35
	$(GO) tool pprof -top -nodecount 25 -sample_index alloc_space bench/profiles/api.test bench/profiles/list.mem.pprof | head -35
