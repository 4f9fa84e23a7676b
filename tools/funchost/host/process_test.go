//go:build unix

package host

import (
	"os"
	"syscall"
)

// process reports whether pid still exists (nil) or not, without touching it.
func process(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Signal(syscall.Signal(0))
}
