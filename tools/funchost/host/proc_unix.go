//go:build unix

package host

import (
	"os"
	"os/exec"
	"syscall"
)

var errProcessDone = os.ErrProcessDone

// ownProcessGroup puts the handler in its own process group, so a Ctrl-C in the terminal
// reaches only the host, which then stops the handler in order (and does not mistake the
// handler's exit for a crash to restart).
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func terminate(p *os.Process) error { return p.Signal(syscall.SIGTERM) }
