// Package testenv starts the real things the tests run against (devstack: Azurite from the
// pinned npm package, the handler binary, a loopback key set), tied to a test: a failure to start
// fails the test, and everything stops when the test ends. Nothing here is mocked.
package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// startTimeout bounds each wait for a process to be ready.
const startTimeout = 30 * time.Second

// LogBuffer collects what several goroutines write, readable while they run.
type LogBuffer = devstack.LogBuffer

// Azurite is an Azurite table service owned by one test. Its data lives in a temporary folder,
// so Stop and Start simulate an outage without losing what was written.
type Azurite struct {
	t   testing.TB
	az  *devstack.Azurite
	log *devstack.LogBuffer
	// Port is the table service's port.
	Port int
}

// StartAzurite starts the table service on a free port and stops it when the test ends.
func StartAzurite(t testing.TB) *Azurite {
	t.Helper()
	log := &devstack.LogBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	az, err := devstack.StartAzurite(ctx, devstack.AzuriteOptions{Dir: t.TempDir(), Log: log})
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	a := &Azurite{t: t, az: az, log: log, Port: az.TablePort()}
	t.Cleanup(a.Stop)
	return a
}

// ConnectionString is the full shared-key string the handler's TABLES_CONNECTION_STRING takes.
func (a *Azurite) ConnectionString() string { return a.az.ConnectionString() }

// Start restarts the service on the same port and data folder.
func (a *Azurite) Start() {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := a.az.Start(ctx); err != nil {
		a.t.Fatalf("%v\n%s", err, a.log)
	}
}

// Stop ends the service with SIGINT, which makes Azurite save what it acknowledged, and waits
// for it to exit.
func (a *Azurite) Stop() { a.az.Stop() }

// FreePort asks the kernel for a free TCP port on loopback.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}
