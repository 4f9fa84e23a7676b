package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// make bench rewrites its own table in bench/results.md and keeps the sections other parts of
// the project add after it (each starts with a "## " heading).
func TestWriteResultsKeepsOtherSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.md")
	old := "# Benchmark results\n\nold table\n\n## Browser\n\nthe SPA's figures\n"
	if err := os.WriteFile(path, []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeResults(path, "# Benchmark results\n\nnew table\n"); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "# Benchmark results\n\nnew table\n\n## Browser\n\nthe SPA's figures\n"
	if string(got) != want {
		t.Errorf("results.md =\n%s\nwant\n%s", got, want)
	}
}

// Without the file, the table is all it holds.
func TestWriteResultsCreatesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.md")
	if err := writeResults(path, "# Benchmark results\n"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "# Benchmark results\n" {
		t.Errorf("results.md = %q", got)
	}
}

// The CPU time read from /proc grows by what the process burns (in 10 ms ticks).
func TestCPUTime(t *testing.T) {
	before, err := cpuTimeOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	burn := time.Now()
	for x := 0; time.Since(burn) < 200*time.Millisecond; x++ {
	}
	after, err := cpuTimeOf(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	// Wall time is an upper bound on this goroutine's CPU time; a loaded machine may give it
	// less, but not under a tenth.
	if got := after - before; got < 20*time.Millisecond || got > 2*time.Second {
		t.Errorf("CPU time grew by %v over a 200 ms busy loop", got)
	}
}

// A goroutine dump is counted without the runtime's own goroutines, some of which start
// lazily (the cleanup goroutine at the first runtime.AddCleanup): counting them made an idle
// handler's baseline move by one between runs. The shape is that of a SIGQUIT dump with
// GOTRACEBACK=all (go1.26).
func TestCountGoroutinesLeavesOutTheRuntimes(t *testing.T) {
	dump := `SIGQUIT: quit

goroutine 0 gp=0xc77080 m=0 mp=0xc78260 [idle]:
runtime.futex(0xc78398, 0x80, 0x0, 0x0, 0x0, 0x0)

goroutine 1 gp=0x1 m=nil [select]:
main.run(0x1, 0x2)
	handler/main.go:150 +0x4d5
main.main()
	handler/main.go:27 +0x5a

goroutine 2 gp=0x2 m=nil [force gc (idle)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
	runtime/proc.go:462 +0xce
created by runtime.init.7 in goroutine 1
	runtime/proc.go:401 +0x1a

goroutine 7 gp=0x7 m=nil [cleanup wait]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
created by runtime.(*cleanupQueue).createGs in goroutine 1
	runtime/mcleanup.go:672 +0xa5

goroutine 9 gp=0x9 m=nil [GC worker (idle)]:
runtime.gcBgMarkWorker(0x0)
created by runtime.gcBgMarkStartWorkers in goroutine 1

goroutine 20 gp=0x20 m=nil [IO wait]:
net/http.(*persistConn).Read(0x1, {0x2, 0x3, 0x4})
net/http.(*persistConn).readLoop(0x1)
created by net/http.(*Transport).dialConn in goroutine 19

goroutine 21 gp=0x21 m=nil [select]:
net/http.(*persistConn).writeLoop(0x1)
created by net/http.(*Transport).dialConn in goroutine 19

goroutine 30 gp=0x30 m=nil [select]:
github.com/MicahParks/jwkset.NewStorageFromHTTP.func2()
created by github.com/MicahParks/jwkset.NewStorageFromHTTP in goroutine 12

goroutine 31 gp=0x31 m=3 mp=0x3 [syscall]:
os/signal.signal_recv()
created by os/signal.Notify.func1.1 in goroutine 1
`
	got := countGoroutines(dump)
	if want := (goroutineCount{total: 5, pooled: 2}); got != want {
		t.Errorf("counted %+v, want %+v (main, the pool's reader and writer, jwkset's refresh, signal.Notify's loop)", got, want)
	}
}
