package testenv

// Kill stops the process as the Functions host stops a custom handler: SIGKILL, with no
// chance to finish anything (azure-functions-host src/WebJobs.Script/Workers/
// ProcessManagement/WorkerProcess.cs, Dispose). It waits until the process is gone.
func (h *Handler) Kill() {
	if h.cmd == nil {
		return
	}
	h.cmd.Process.Kill()
	h.cmd.Wait() // "signal: killed" is the expected outcome
	h.cmd = nil
}
