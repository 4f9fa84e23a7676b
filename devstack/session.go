package devstack

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// LiveProcess is a process found in /proc.
type LiveProcess struct {
	Pid     int
	Command string
}

// SessionProcesses lists the live processes of a session (zombies, already dead, excluded), which is how
// a test started in a session of its own (SysProcAttr.Setsid) proves that nothing it started is left:
// process groups change, the session does not. Linux only (/proc).
func SessionProcesses(session int) []LiveProcess {
	entries, _ := os.ReadDir("/proc")
	var found []LiveProcess
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session ...; comm may hold spaces, so split after ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 4 || fields[0] == "Z" || fields[3] != strconv.Itoa(session) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		found = append(found, LiveProcess{pid, strings.ReplaceAll(string(cmdline), "\x00", " ")})
	}
	return found
}
