package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// benchLine is one result line of a Go benchmark.
type benchLine struct {
	nsPerOp     float64
	bytesPerOp  float64
	allocsPerOp float64
}

// goBench compiles pkg's tests once and runs the benchmarks matching pattern rounds times,
// each round running all of them back to back, so that each round's ratios compare numbers
// taken seconds apart.
func goBench(ctx context.Context, root, tmp, pkg, pattern string, rounds int, benchtime string) (map[string][]benchLine, error) {
	bin := filepath.Join(tmp, filepath.Base(pkg)+".test")
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, pkg)
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c %s: %v\n%s", pkg, err, out)
	}
	results := map[string][]benchLine{}
	for range rounds {
		cmd := exec.CommandContext(ctx, bin, "-test.run", "^$", "-test.bench", pattern,
			"-test.benchmem", "-test.benchtime", benchtime, "-test.count", "1")
		cmd.Dir = filepath.Join(root, pkg) // as go test runs it: the package folder
		cmd.Env = append(os.Environ(), "AZURITE_BIN="+filepath.Join(root, "tools", "azurite", "node_modules", ".bin", "azurite"))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("%s benchmarks: %v\n%s", pkg, err, out.Bytes())
		}
		lines := parseBench(out.Bytes())
		if len(lines) == 0 {
			return nil, fmt.Errorf("%s: no benchmark matched %s\n%s", pkg, pattern, out.Bytes())
		}
		for name, l := range lines {
			results[name] = append(results[name], l)
		}
	}
	return results, nil
}

// parseBench reads "BenchmarkName-2  N  123 ns/op  456 B/op  7 allocs/op" lines.
func parseBench(out []byte) map[string]benchLine {
	lines := map[string]benchLine{}
	s := bufio.NewScanner(bytes.NewReader(out))
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := strings.TrimPrefix(f[0], "Benchmark")
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		var l benchLine
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				l.nsPerOp = v
			case "B/op":
				l.bytesPerOp = v
			case "allocs/op":
				l.allocsPerOp = v
			}
		}
		lines[name] = l
	}
	return lines
}
