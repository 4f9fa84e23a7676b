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
