//go:build !unix

package host

import (
	"os"
	"os/exec"
)

var errProcessDone = os.ErrProcessDone

func ownProcessGroup(*exec.Cmd) {}

// terminate kills the handler: there is no SIGTERM to send outside Unix.
func terminate(p *os.Process) error { return p.Kill() }
