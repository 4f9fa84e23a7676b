// Command bench measures the Tasks API side by side in one run and prints one table of every
// figure beside its target (make bench). Everything runs on this machine: the pinned Azurite,
// a loopback key set, the real handler binary as a child process, and the load generator in
// this process, all sharing the same cores, so ratios taken within the run hold even on a
// noisy machine while absolute numbers move with it.
//
// Timings never decide a test: this program reports, and exits non-zero only when something
// it measures does not work (a wrong status, a lost task), never because a number is slow.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// plan is how much of each measurement to take; -quick shrinks it to a smoke run that only
// proves every row can be produced.
type plan struct {
	quick         bool
	rounds        int           // interleaved rounds of each side-by-side pair
	roundTime     time.Duration // length of one round of one scenario
	conns         int           // concurrent connections (the issue fixes 16)
	coldStarts    int
	scaleTasks    int
	walks         int
	soakRequests  int // requests the handler must have served before RSS is read
	benchRounds   int
	benchTime     string // -test.benchtime of one Go benchmark round
	apiBenchTime  string
	listPageTasks int
	sizes         []int // the calling user's task counts at which each operation is measured
	sizeReps      int   // counted repetitions of create, patch and delete at each size
	sizeConns     int   // connections of the write-latency rounds at each size
}

func main() {
	out := flag.String("out", "bench/results.md", "also write the table here (empty: stdout only)")
	quick := flag.Bool("quick", false, "tiny counts: prove that every row is produced, measure nothing")
	flag.Parse()
	p := fullPlan()
	if *quick {
		p = quickPlan()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	log.SetFlags(log.Ltime)
	root, err := devstack.RepoRoot()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	r, err := run(ctx, root, p)
	if err != nil {
		log.Fatalf("bench: %v", err)
	}
	r.wall = time.Since(start)
	table := r.render(p)
	fmt.Print(table)
	if *out != "" {
		path := *out
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := writeResults(path, table); err != nil {
			log.Fatal(err)
		}
		log.Printf("wrote %s", path)
	}
}

// writeResults replaces the bench's own part of the results file (everything before the
// first "## " heading) with table, and keeps the sections others add after it (the
// browser's figures, for one).
func writeResults(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	rest := ""
	if i := strings.Index(string(old), "\n## "); i >= 0 {
		rest = string(old[i:])
	}
	return os.WriteFile(path, []byte(table+rest), 0o644)
}

// fullPlan is what make bench runs: a few minutes on two cores.
func fullPlan() plan {
	return plan{rounds: 3, roundTime: 2 * time.Second, conns: 16, coldStarts: 10,
		scaleTasks: 10_000, walks: 5, soakRequests: 100_000, benchRounds: 5, benchTime: "1s",
		apiBenchTime: "1s", listPageTasks: 50, sizes: []int{0, 2_000, 10_000}, sizeReps: 5, sizeConns: 1}
}

// quickPlan exercises every measurement with tiny counts, for the smoke test.
func quickPlan() plan {
	return plan{quick: true, rounds: 1, roundTime: 150 * time.Millisecond, conns: 16, coldStarts: 2,
		scaleTasks: 250, walks: 2, soakRequests: 3_000, benchRounds: 1, benchTime: "20x",
		apiBenchTime: "20x", listPageTasks: 50, sizes: []int{0, 50}, sizeReps: 1, sizeConns: 1}
}
