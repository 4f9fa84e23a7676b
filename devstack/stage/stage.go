// Package stage lays out the function app the way the Functions host reads it: host.json, one
// <function>/function.json per folder of functions/, and the custom handler's executable. `make build`
// and azd's prepackage hook (scripts/build-api.sh, through tools/pack -stage), `make start` and every test
// that runs the app behind a host stage it here, so that what runs locally is what is deployed.
package stage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// HandlerName is customHandler.description.defaultExecutablePath in host.json.
const HandlerName = "handler"

// Target is the platform a handler is compiled for. The zero value is the machine running the build.
type Target struct{ GOOS, GOARCH string }

// FunctionApp is the platform of the Flex Consumption plan's Linux workers.
var FunctionApp = Target{GOOS: "linux", GOARCH: "amd64"}

// BuildHandler compiles ./handler of repo into out as `make build` does.
func BuildHandler(ctx context.Context, repo, out string, target Target) error {
	return Build(ctx, repo, "./handler", out, target)
}

// Build compiles the main package pkg of repo into out as `make build` compiles the handler: static
// (CGO_ENABLED=0), with no local paths and no symbol table. $GO names the go command when set, as in the
// build scripts.
func Build(ctx context.Context, repo, pkg, out string, target Target) error {
	cmd := exec.CommandContext(ctx, cmp.Or(os.Getenv("GO"), "go"), "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if target.GOOS != "" {
		cmd.Env = append(cmd.Env, "GOOS="+target.GOOS)
	}
	if target.GOARCH != "" {
		cmd.Env = append(cmd.Env, "GOARCH="+target.GOARCH)
	}
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %w\n%s", pkg, err, output)
	}
	return nil
}

// App stages repo's host.json and functions/*/function.json into dir, with handler (a built executable)
// as dir/handler at mode 0755. What an earlier staging left (host.json, */function.json, the handler) is
// removed first, so a function deleted from functions/ does not live on in dir; anything else there, such
// as local.settings.json, is kept. handler may already be dir/handler.
func App(repo, dir, handler string) error {
	fns, err := filepath.Glob(filepath.Join(repo, "functions", "*", "function.json"))
	if err != nil {
		return err
	}
	if len(fns) == 0 {
		return fmt.Errorf("no functions/*/function.json in %s", repo)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	target := filepath.Join(dir, HandlerName)
	if err := clean(dir, !sameFile(handler, target)); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(repo, "host.json"), filepath.Join(dir, "host.json"), 0o644); err != nil {
		return err
	}
	for _, fn := range fns {
		name := filepath.Base(filepath.Dir(fn))
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			return err
		}
		if err := copyFile(fn, filepath.Join(dir, name, "function.json"), 0o644); err != nil {
			return err
		}
	}
	if sameFile(handler, target) {
		return os.Chmod(target, 0o755)
	}
	return copyFile(handler, target, 0o755)
}

// clean removes the files an earlier staging wrote.
func clean(dir string, handler bool) error {
	old, err := filepath.Glob(filepath.Join(dir, "*", "function.json"))
	if err != nil {
		return err
	}
	old = append(old, filepath.Join(dir, "host.json"))
	if handler {
		old = append(old, filepath.Join(dir, HandlerName))
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

// copyFile writes a fresh file (never through an existing one: a running handler's binary cannot be
// opened for writing, and a symbolic link must not be followed into the repository).
func copyFile(from, to string, mode os.FileMode) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.Remove(to); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return fmt.Errorf("copy %s: %w", from, err)
	}
	if err := dst.Close(); err != nil {
		return err
	}
	return os.Chmod(to, mode) // the umask may have narrowed it
}
