package devstack

import "syscall"

// processAttributes puts a child in a process group of its own (one signal reaches whatever it starts)
// and, as a last resort, has the kernel kill it when the process that started it dies without stopping
// it (SIGKILL, a crash): a child must never outlive the command that owns it.
func processAttributes() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
