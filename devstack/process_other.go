//go:build !linux

package devstack

import "syscall"

// processAttributes puts a child in a process group of its own. Only Linux can also have the kernel kill
// it when its parent dies (Pdeathsig); elsewhere the owner's own clean-up is all there is.
func processAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
