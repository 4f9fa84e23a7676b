// Package stack starts the pieces the API runs with, as real processes on loopback: Azurite, the handler
// binary, the function app staged as `make build` stages it, the host in front of it (the funchost
// stand-in, or Core Tools' `func start`) and the local identity around the host. The tests (through
// testkit/testenv), bench and tools/start (`make start`, the browser tests) all start them here; StartStack
// runs the whole of it.
//
// It imports no testing package: commands link it. Constructors return errors and take a context
// where they wait; every process runs in its own process group and is stopped with the signal that
// lets it finish cleanly.
package devstack

import (
	"errors"
	"os"
	"path/filepath"
)

// RepoRoot is the folder holding go.mod, found upwards from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
