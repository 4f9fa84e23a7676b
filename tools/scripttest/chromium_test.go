// Package scripttest tests the shell scripts in tools/ the way a user runs them: as programs,
// with their real output. ensure-chromium.sh runs against fake id, sudo, apt-get, node and
// playwright programs on an isolated PATH, so every install path is exercised without
// touching this machine; start.sh's stop is tested in start_test.go.
package scripttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// machine describes the computer ensure-chromium.sh finds. runEnsureChromium writes fakes
// of the programs it may call into a bin folder and runs it with a PATH holding only them and
// the few real tools a bash script needs, so a missing fake (no sudo, no apt-get) is really
// missing. Each fake appends its command line to a log.
type machine struct {
	uid          string // what `id -u` prints
	sudo         string // "", "nopasswd" or "password": whether sudo exists and asks for one
	aptGet       bool   // whether apt-get exists
	aptWorks     bool   // whether apt-get install succeeds (installs the browser)
	playwright   bool   // whether the SPA's Playwright is installed
	online       bool   // whether playwright install can download
	chromiumPath string // CHROMIUM_PATH, if set
	installed    bool   // whether Debian's chromium is already installed
}

type run struct {
	stdout, stderr string
	exitCode       int
	calls          []string // every fake program's command line, in order
	debianChromium string   // where the fake apt-get installs the browser
}

func runEnsureChromium(t *testing.T, m machine) run {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	frontend := filepath.Join(dir, "frontend")
	debianChromium := filepath.Join(dir, "usr-bin", "chromium")
	playwrightChromium := filepath.Join(dir, "ms-playwright", "chrome")
	calls := filepath.Join(dir, "calls.log")
	for _, d := range []string{bin, filepath.Join(frontend, "node_modules", ".bin"), filepath.Dir(debianChromium)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, tool := range []string{"bash", "env", "dirname"} {
		real, err := exec.LookPath(tool)
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		if err := os.Symlink(real, filepath.Join(bin, tool)); err != nil {
			t.Fatal(err)
		}
	}
	if m.installed {
		writeScript(t, debianChromium, "")
	}
	logCall := `echo "${0##*/} $*" >>` + calls + "\n"
	writeScript(t, filepath.Join(bin, "id"), logCall+`[ "$1" = -u ] && echo `+m.uid+"\n")
	switch m.sudo {
	case "nopasswd":
		writeScript(t, filepath.Join(bin, "sudo"), logCall+`[ "$1" = -n ] && shift; [ "$1" = true ] && exit 0; exec "$@"`+"\n")
	case "password":
		writeScript(t, filepath.Join(bin, "sudo"), logCall+`echo "sudo: a password is required" >&2; exit 1`+"\n")
	}
	if m.aptGet {
		install := `echo "E: Failed to fetch http://deb.debian.org/debian: Temporary failure resolving" >&2; exit 100`
		if m.aptWorks {
			install = `printf '#!/bin/sh\n' >` + debianChromium + ` && chmod +x ` + debianChromium
		}
		writeScript(t, filepath.Join(bin, "apt-get"), logCall+`case "$*" in *install*) `+install+`;; esac`+"\n")
	}
	if m.playwright {
		download := `echo "Error: getaddrinfo EAI_AGAIN cdn.playwright.dev" >&2; exit 1`
		if m.online {
			download = `mkdir -p $(dirname ` + playwrightChromium + `) && printf '#!/bin/sh\n' >` + playwrightChromium + ` && chmod +x ` + playwrightChromium
		}
		writeScript(t, filepath.Join(frontend, "node_modules", ".bin", "playwright"), logCall+download+"\n")
		writeScript(t, filepath.Join(bin, "node"), logCall+`printf %s `+playwrightChromium+"\n")
	}

	cmd := exec.Command(filepath.Join("..", "ensure-chromium.sh"))
	cmd.Env = []string{"PATH=" + bin, "DEBIAN_CHROMIUM=" + debianChromium, "FRONTEND_DIR=" + frontend, "HOME=" + dir}
	if m.chromiumPath != "" {
		cmd.Env = append(cmd.Env, "CHROMIUM_PATH="+m.chromiumPath)
	}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := run{stdout: stdout.String(), stderr: stderr.String(), exitCode: cmd.ProcessState.ExitCode(), debianChromium: debianChromium}
	if err != nil && r.exitCode < 0 {
		t.Fatalf("ensure-chromium.sh did not run: %v", err)
	}
	if b, err := os.ReadFile(calls); err == nil {
		r.calls = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return r
}

func writeScript(t *testing.T, path, body string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal(err)
	}
	// The fakes themselves may use the machine's tools (mkdir, chmod); the script may not.
	script := "#!" + bash + "\nPATH=$PATH:" + os.Getenv("PATH") + "\n" + body
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestEnsureChromiumAsRootInstallsDebiansPackage(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "0", aptGet: true, aptWorks: true, sudo: "password"})
	if r.exitCode != 0 || r.stdout != r.debianChromium+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
	}
	want := []string{
		"id -u",
		"apt-get update -qq",
		"apt-get install -y -qq chromium fonts-liberation",
	}
	assertCalls(t, r, want)
}

func TestEnsureChromiumWithPasswordlessSudoInstallsDebiansPackage(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "1000", sudo: "nopasswd", aptGet: true, aptWorks: true, playwright: true, online: true})
	if r.exitCode != 0 || r.stdout != r.debianChromium+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
	}
	assertCalls(t, r, []string{
		"id -u",
		"sudo -n true",
		"sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq",
		"apt-get update -qq",
		"sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation",
		"apt-get install -y -qq chromium fonts-liberation",
	})
}

// Without root or password-less sudo, it never asks for a password: it downloads
// Playwright's Chromium and hands that path to the tests.
func TestEnsureChromiumWithoutRootUsesPlaywrightsDownload(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "1000", sudo: "password", aptGet: true, playwright: true, online: true})
	if r.exitCode != 0 || !strings.HasSuffix(r.stdout, filepath.Join("ms-playwright", "chrome")+"\n") {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
	}
	assertCalls(t, r, []string{"id -u", "sudo -n true", "playwright install chromium", "node -e " + playwrightExecutablePath})
}

const playwrightExecutablePath = `process.stdout.write(require("playwright-core").chromium.executablePath())`

// Offline and without root: one clear last line naming the command to run, exit 1.
func TestEnsureChromiumOfflineWithoutRootSaysWhatToRun(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "1000", sudo: "password", aptGet: true, playwright: true})
	if r.exitCode != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, want 1 and nothing", r.exitCode, r.stdout)
	}
	assertLastLine(t, r, "chromium: no Chromium for the browser tests; run: sudo apt-get install -y chromium fonts-liberation")
	assertCalls(t, r, []string{"id -u", "sudo -n true", "playwright install chromium"})
}

// As root but offline (this machine's case without the package): apt-get fails, so does
// the download, and the last line still says what to run.
func TestEnsureChromiumOfflineAsRootSaysWhatToRun(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "0", aptGet: true, playwright: true})
	if r.exitCode != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "apt-get could not install chromium") {
		t.Errorf("stderr does not say apt-get failed:\n%s", r.stderr)
	}
	assertLastLine(t, r, "chromium: no Chromium for the browser tests; run: sudo apt-get install -y chromium fonts-liberation")
	assertCalls(t, r, []string{"id -u", "apt-get update -qq", "apt-get install -y -qq chromium fonts-liberation", "playwright install chromium"})
}

// Not Debian (macOS, Fedora...): no apt-get, so the line names Playwright's install.
func TestEnsureChromiumWithoutAptGetSaysPlaywrightInstall(t *testing.T) {
	r := runEnsureChromium(t, machine{uid: "501", playwright: true})
	if r.exitCode != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", r.exitCode, r.stderr)
	}
	assertLastLine(t, r, "chromium: no Chromium for the browser tests; run: (cd frontend && npx playwright install chromium)")
	assertCalls(t, r, []string{"playwright install chromium"})
}

func TestEnsureChromiumUsesWhatIsThere(t *testing.T) {
	t.Run("CHROMIUM_PATH", func(t *testing.T) {
		own := filepath.Join(t.TempDir(), "chrome")
		writeScript(t, own, "")
		r := runEnsureChromium(t, machine{uid: "0", aptGet: true, aptWorks: true, chromiumPath: own})
		if r.exitCode != 0 || r.stdout != own+"\n" {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
		}
		assertCalls(t, r, nil)
	})
	t.Run("CHROMIUM_PATH not executable", func(t *testing.T) {
		r := runEnsureChromium(t, machine{uid: "0", aptGet: true, aptWorks: true, chromiumPath: "/nonexistent/chrome"})
		if r.exitCode != 1 {
			t.Fatalf("exit %d, want 1", r.exitCode)
		}
		assertLastLine(t, r, "chromium: CHROMIUM_PATH=/nonexistent/chrome is not an executable")
		assertCalls(t, r, nil)
	})
	t.Run("Debian's package already installed", func(t *testing.T) {
		r := runEnsureChromium(t, machine{uid: "0", aptGet: true, aptWorks: true, installed: true})
		if r.exitCode != 0 || r.stdout != r.debianChromium+"\n" {
			t.Fatalf("exit %d, stdout %q, stderr:\n%s", r.exitCode, r.stdout, r.stderr)
		}
		assertCalls(t, r, nil)
	})
}

func assertCalls(t *testing.T, r run, want []string) {
	t.Helper()
	if strings.Join(r.calls, "\n") != strings.Join(want, "\n") {
		t.Errorf("programs run:\n  %s\nwant:\n  %s\nstderr:\n%s", strings.Join(r.calls, "\n  "), strings.Join(want, "\n  "), r.stderr)
	}
}

func assertLastLine(t *testing.T, r run, prefix string) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, prefix) {
		t.Errorf("last line %q, want it to start with %q; stderr:\n%s", last, prefix, r.stderr)
	}
}
