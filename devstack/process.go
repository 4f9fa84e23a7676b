package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Process is a child process running in its own process group, so that one signal reaches whatever it
// starts (node's workers, the host's handler) and a terminal's Ctrl-C, which reaches only the foreground
// group, cannot race an orderly stop.
type Process struct {
	name   string
	cmd    *exec.Cmd
	signal syscall.Signal // what stops it cleanly
	done   chan struct{}  // closed when it has exited; err is then set
	err    error
}

// stopGrace is how long Stop waits after the clean signal before it kills the group.
const stopGrace = 10 * time.Second

// StartProcess starts cmd, called name in errors, in a process group of its own (on Linux also killed by
// the kernel should this process die first), with its output on stdout and stderr (nil: discarded); its
// standard input is /dev/null unless cmd says otherwise. stop is the signal that ends it cleanly.
func StartProcess(name string, cmd *exec.Cmd, stop syscall.Signal, stdout, stderr io.Writer) (*Process, error) {
	cmd.SysProcAttr = processAttributes()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = 2 * time.Second // a grandchild left holding the output pipe must not hang Wait
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, signal: stop, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Name is what the process is called in messages ("Azurite", "the API (funchost)").
func (p *Process) Name() string { return p.name }

// Pid is the process id, which is also its process group's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends the clean signal to the process group and waits for the process to exit; after stopGrace it
// kills the group. Whatever of the group is still there after the process exited is killed too, so that
// nothing outlives Stop. It returns how the process ended (nil for exit status 0).
func (p *Process) Stop() error {
	return p.stopWith(p.signal, stopGrace)
}

// Signal sends sig to the process alone.
func (p *Process) Signal(sig syscall.Signal) error { return p.cmd.Process.Signal(sig) }

// Wait waits until the process has exited and returns how it ended.
func (p *Process) Wait() error {
	<-p.done
	return p.err
}

// Kill ends the process group at once with SIGKILL, as the Functions host stops a custom handler.
func (p *Process) Kill() error {
	return p.stopWith(syscall.SIGKILL, stopGrace)
}

func (p *Process) stopWith(sig syscall.Signal, grace time.Duration) error {
	pgid := p.Pid()
	select {
	case <-p.done:
	default:
		syscall.Kill(-pgid, sig)
		select {
		case <-p.done:
		case <-time.After(grace):
			syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.done
		}
	}
	syscall.Kill(-pgid, syscall.SIGKILL) // ESRCH when the group is empty, as it should be
	return p.err
}

// errExited says that a process ended before it was ready; on a port picked by FreePort that is most
// often another program having taken the port first.
var errExited = errors.New("exited before it was ready")

// waitReady calls check until it succeeds, the process exits or ctx ends.
func (p *Process) waitReady(ctx context.Context, check func() error) error {
	err := poll(ctx, p.done, check)
	switch {
	case errors.Is(err, errStopped):
		return fmt.Errorf("%s %w (%v)", p.name, errExited, p.err)
	case err != nil:
		return fmt.Errorf("%s not ready: %w", p.name, err)
	}
	return nil
}

// stopProcess stops *p, if running, and forgets it (a later Start starts a new one).
func stopProcess(p **Process) error {
	if *p == nil {
		return nil
	}
	err := (*p).Stop()
	*p = nil
	return err
}

// portAttempts is how often a constructor tries again on another free port when its process exits
// before it is ready.
const portAttempts = 3

// onFreePort runs start on port, or when port is 0 on a free port, trying another free port when the
// process exited before it was ready (another program took the port between FreePort and listen).
func onFreePort(port int, start func(port int) error) error {
	if port != 0 {
		return start(port)
	}
	var err error
	for range portAttempts {
		free, ferr := FreePort()
		if ferr != nil {
			return ferr
		}
		if err = start(free); !errors.Is(err, errExited) {
			return err
		}
	}
	return err
}
