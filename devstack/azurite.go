package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// AccountName and AccountKey are Azurite's well-known development account (public, documented by
// Microsoft; also in local.settings.json.example).
const (
	AccountName = "devstoreaccount1"
	AccountKey  = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// TableConnectionString is the shared-key connection string to Azurite's table service on port, as the
// handler's TABLES_CONNECTION_STRING takes it.
func TableConnectionString(port int) string {
	return fmt.Sprintf("%s;TableEndpoint=http://127.0.0.1:%d/%s;", account(), port, AccountName)
}

func account() string {
	return "DefaultEndpointsProtocol=http;AccountName=" + AccountName + ";AccountKey=" + AccountKey
}

// AzuriteOptions says how to run Azurite.
type AzuriteOptions struct {
	// Dir is the data folder; "" keeps the tables in memory (lost on stop).
	Dir string
	// TablePort is the table service's port; 0 picks a free one.
	TablePort int
	// BlobAndQueue runs the blob and queue services too (the real host's AzureWebJobsStorage uses
	// them), on BlobPort and QueuePort (0: free).
	BlobAndQueue        bool
	BlobPort, QueuePort int
	// Log receives Azurite's output; nil discards it.
	Log io.Writer
}

// Azurite is a running Azurite. Stop and Start again keep its ports and, with a Dir, its data.
type Azurite struct {
	opts AzuriteOptions
	bin  string
	proc *Process
}

// StartAzurite starts Azurite from the pinned npm install and waits until its ports accept connections.
func StartAzurite(ctx context.Context, opts AzuriteOptions) (*Azurite, error) {
	bin, err := azuriteBin(opts.BlobAndQueue)
	if err != nil {
		return nil, err
	}
	a := &Azurite{opts: opts, bin: bin}
	var lastErr error
	for range portAttempts {
		a.opts = opts // the ports the caller chose; the others are picked afresh
		if lastErr = a.pickPorts(); lastErr != nil {
			return nil, lastErr
		}
		if lastErr = a.Start(ctx); !errors.Is(lastErr, errExited) || a.fixedPorts(opts) {
			break
		}
	}
	return a, lastErr
}

// TablePort, BlobPort and QueuePort are the services' ports (0 for a service not running).
func (a *Azurite) TablePort() int { return a.opts.TablePort }
func (a *Azurite) BlobPort() int  { return a.opts.BlobPort }
func (a *Azurite) QueuePort() int { return a.opts.QueuePort }

// ConnectionString is TableConnectionString for this Azurite.
func (a *Azurite) ConnectionString() string { return TableConnectionString(a.opts.TablePort) }

// StorageConnectionString names all three services, as the host's AzureWebJobsStorage takes it.
func (a *Azurite) StorageConnectionString() string {
	return fmt.Sprintf("%s;BlobEndpoint=http://127.0.0.1:%d/%[3]s;QueueEndpoint=http://127.0.0.1:%d/%[3]s;TableEndpoint=http://127.0.0.1:%d/%[3]s;",
		account(), a.opts.BlobPort, AccountName, a.opts.QueuePort, a.opts.TablePort)
}

// Pid is the running process's id (0 when stopped).
func (a *Azurite) Pid() int {
	if a.proc == nil {
		return 0
	}
	return a.proc.Pid()
}

// fixedPorts reports whether the caller chose every port, so that a failure is not retried elsewhere.
func (a *Azurite) fixedPorts(opts AzuriteOptions) bool {
	return opts.TablePort != 0 && (!opts.BlobAndQueue || opts.BlobPort != 0 && opts.QueuePort != 0)
}

// pickPorts fills the ports the caller left at 0 (in a.opts: kept for restarts).
func (a *Azurite) pickPorts() error {
	ports := []*int{&a.opts.TablePort}
	if a.opts.BlobAndQueue {
		ports = append(ports, &a.opts.BlobPort, &a.opts.QueuePort)
	}
	for _, p := range ports {
		if *p != 0 {
			continue
		}
		free, err := FreePort()
		if err != nil {
			return err
		}
		*p = free
	}
	return nil
}

// Start (re)starts the process on the same ports and data folder; it does nothing while running.
func (a *Azurite) Start(ctx context.Context) error {
	if a.proc != nil {
		return nil
	}
	// --silent: no line per request; --skipApiVersionCheck: the SDK may be newer than Azurite.
	args := []string{"--silent", "--skipApiVersionCheck", "--disableTelemetry",
		"--tableHost", "127.0.0.1", "--tablePort", strconv.Itoa(a.opts.TablePort)}
	if a.opts.BlobAndQueue {
		args = append(args, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(a.opts.BlobPort),
			"--queueHost", "127.0.0.1", "--queuePort", strconv.Itoa(a.opts.QueuePort))
	}
	cmd := exec.Command(a.bin, args...)
	if a.opts.Dir == "" {
		cmd.Args = append(cmd.Args, "--inMemoryPersistence")
	} else {
		if err := os.MkdirAll(a.opts.Dir, 0o755); err != nil {
			return err
		}
		cmd.Args = append(cmd.Args, "--location", a.opts.Dir)
		cmd.Dir = a.opts.Dir // the debug log, if any, lands beside the data
	}
	// SIGINT: azurite-table saves its tables (LokiJS, autosaved only every few seconds) on SIGINT and
	// handles no other signal, so a SIGTERM would lose acknowledged writes (azurite dist/src/table/main.js;
	// the all-services azurite.js saves on SIGINT and SIGTERM).
	p, err := StartProcess("Azurite", cmd, syscall.SIGINT, a.opts.Log, a.opts.Log)
	if err != nil {
		return err
	}
	err = p.waitReady(ctx, func() error {
		for _, port := range []int{a.opts.TablePort, a.opts.BlobPort, a.opts.QueuePort} {
			if port != 0 {
				if err := answersAsAzurite(ctx, port); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		p.Stop()
		return err
	}
	a.proc = p
	return nil
}

// answersAsAzurite checks that Azurite itself answers on port (its Server header is Azurite-Table/3.x,
// Azurite-Blob/..., Azurite-Queue/...), not another program that holds the port: Azurite then exits
// with EADDRINUSE, but only after a moment.
func answersAsAzurite(ctx context.Context, port int) error {
	resp, err := get(ctx, "http://127.0.0.1:"+strconv.Itoa(port)+"/")
	if err != nil {
		return err
	}
	if server := resp.Header.Get("Server"); !strings.HasPrefix(server, "Azurite-") {
		return fmt.Errorf("port %d answers as %q, not Azurite", port, server)
	}
	return nil
}

// Stop stops Azurite with SIGINT, so that it saves its data first, and waits until it has exited.
func (a *Azurite) Stop() error { return stopProcess(&a.proc) }

// azuriteBin finds the pinned Azurite: beside $AZURITE_BIN (set by make) or under tools/azurite.
func azuriteBin(allServices bool) (string, error) {
	name := "azurite-table"
	if allServices {
		name = "azurite"
	}
	var candidates []string
	if env := os.Getenv("AZURITE_BIN"); env != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(env), name))
	}
	if root, err := RepoRoot(); err == nil {
		candidates = append(candidates, filepath.Join(root, "tools", "azurite", "node_modules", ".bin", name))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("%s not found (looked in %v): run `make deps` to install the pinned Azurite", name, candidates)
}
