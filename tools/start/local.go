package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/example/entra-tasks/devstack"
)

// ensureSettings creates the settings file from local.settings.json.example when it does not exist; an
// existing one is never touched. It reports whether it created it.
func ensureSettings(path, root string) (bool, error) {
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("the settings: %w", err)
	}
	example, err := os.ReadFile(filepath.Join(root, "local.settings.json.example"))
	if err != nil {
		return false, fmt.Errorf("the settings: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return false, fmt.Errorf("the settings: %w", err)
	}
	// O_EXCL: a file that appeared meanwhile is someone's, and stays as it is. 0600: it may come to hold
	// a connection string.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return false, fmt.Errorf("the settings: %w", err)
	}
	if _, err := f.Write(example); err != nil {
		f.Close()
		return false, fmt.Errorf("the settings: %w", err)
	}
	return true, f.Close()
}

// checkPorts refuses a port that something already listens on, naming what, before anything starts.
func checkPorts(cfg config) error {
	ports := []struct {
		port int
		what string
	}{
		{cfg.apiPort, "the API; Host.LocalHttpPort in " + cfg.settings},
		{cfg.blobPort, "Azurite Blob"},
		{cfg.queuePort, "Azurite Queue"},
		{cfg.azuritePort, "Azurite Table"},
	}
	if cfg.web {
		ports = append(ports, struct {
			port int
			what string
		}{cfg.webPort, "the SPA's dev server"})
	}
	for _, p := range ports {
		if p.port != 0 && devstack.Listening(p.port) {
			return fmt.Errorf("port %d (%s) is already in use by %s. Stop it, or move ours (see docs/local.md), and try again",
				p.port, p.what, portHolder(p.port))
		}
	}
	return nil
}

var (
	ssUser  = regexp.MustCompile(`users:\(\("([^"]*)",pid=([0-9]+)`)
	lsofPid = regexp.MustCompile(`(?m)^p([0-9]+)$`)
	lsofCmd = regexp.MustCompile(`(?m)^c(.+)$`)
)

// portHolder names what listens on port (`node (pid 4242)`), where ss or lsof can tell.
func portHolder(port int) string {
	if out, err := exec.Command("ss", "-Hltnp", fmt.Sprintf("sport = :%d", port)).Output(); err == nil {
		if m := ssUser.FindStringSubmatch(string(out)); m != nil {
			return fmt.Sprintf("%s (pid %s)", m[1], m[2])
		}
	}
	if out, err := exec.Command("lsof", "-nP", fmt.Sprintf("-iTCP:%d", port), "-sTCP:LISTEN", "-Fpc").Output(); err == nil {
		pid, cmd := lsofPid.FindStringSubmatch(string(out)), lsofCmd.FindStringSubmatch(string(out))
		if pid != nil && cmd != nil {
			return fmt.Sprintf("%s (pid %s)", cmd[1], pid[1])
		}
	}
	return fmt.Sprintf("another program (run `ss -ltnp` or `lsof -i :%d` to see which)", port)
}

// webAvailable reports whether the frontend provides the dev server (`make start-web`).
func webAvailable(root, make string) bool {
	if _, err := os.Stat(filepath.Join(root, "frontend", "package.json")); err != nil {
		return false
	}
	check := exec.Command(make, "-n", "start-web")
	check.Dir = root
	return check.Run() == nil
}

// startWeb starts the SPA's dev server, which writes frontend/public/config.json from the settings file
// and proxies the local identity's token endpoint (.cache/localidentity.url).
func startWeb(root string, cfg config, l *logs) (*devstack.Process, error) {
	log, _, err := l.open("web")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(cfg.make, "-s", "--no-print-directory", "start-web",
		"SPA_PORT="+strconv.Itoa(cfg.webPort), "LOCAL_SETTINGS="+cfg.settings)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), fmt.Sprintf("API_BASE_URL=http://localhost:%d", cfg.apiPort))
	// SIGTERM to the group: make, the recipe's shell (which takes it as a normal end) and Vite.
	return devstack.StartProcess("the SPA's dev server", cmd, syscall.SIGTERM, log, log)
}

// webReadyTimeout bounds the dev server's start once the API is up (it started before the API).
const webReadyTimeout = 60 * time.Second

// waitWeb waits until the dev server listens, while it runs.
func waitWeb(ctx context.Context, web *devstack.Process, port int) error {
	ctx, cancel := context.WithTimeout(ctx, webReadyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !devstack.Listening(port) {
		select {
		case <-web.Done():
			return fmt.Errorf("%s stopped before it was ready (its output is above)", web.Name())
		case <-ctx.Done():
			return fmt.Errorf("%s was not ready within %s (its output is above)", web.Name(), webReadyTimeout)
		case <-tick.C:
		}
	}
	return nil
}

// printSummary prints where everything is, once it all answers.
func printSummary(l *logs, cfg config, ready devstack.Ready, web bool) {
	host := "the funchost stand-in (Core Tools not found; see docs/local.md)"
	if ready.Host != "funchost" {
		host = "Azure Functions Core Tools (" + ready.Host + ")"
	}
	l.say("")
	if web {
		l.say("App:      http://localhost:%d/", cfg.webPort)
		l.say("API docs: http://localhost:%d/docs", cfg.webPort)
	}
	l.say("API:      http://localhost:%d/api/   (served by %s)", ready.APIPort, host)
	l.say("Azurite:  blob :%d, queue :%d, table :%d; data in %s/ (make reset clears it)", ready.BlobPort, ready.QueuePort, ready.TablePort, shown(cfg.azuriteDir))
	l.say("Settings: %s (the file you edit; copied to %s on every start)", shown(cfg.settings), shown(ready.SettingsPath))
	l.say("Token:    make -s token   (USER=alice for another user), then e.g.")
	l.say("          curl -H \"Authorization: Bearer $(make -s token)\" http://localhost:%d/api/me", ready.APIPort)
	l.say("Stop:     Ctrl-C (stops everything above)")
	l.say("")
}

// shown is path relative to the working directory (the repository, under make) when it is inside it.
func shown(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil || strings.HasPrefix(rel, "..") {
		return path
	}
	return rel
}
