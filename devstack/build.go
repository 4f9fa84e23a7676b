package devstack

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/example/entra-tasks/devstack/stage"
)

// Builder compiles the repository's commands for this machine, each at most once, into Dir.
type Builder struct {
	// Dir holds the binaries; "" makes a temporary folder on first use (RemoveAll removes it).
	Dir string

	mu     sync.Mutex
	builds map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// Build compiles the main package pkg ("./handler", "./tools/funchost") of the repository and returns
// the binary's path. Each is built as `make build` builds the handler (devstack/stage), for this machine.
func (b *Builder) Build(ctx context.Context, pkg string) (string, error) {
	b.mu.Lock()
	if b.builds == nil {
		b.builds = map[string]*build{}
	}
	one, ok := b.builds[pkg]
	if !ok {
		one = &build{}
		b.builds[pkg] = one
	}
	b.mu.Unlock()
	one.once.Do(func() { one.path, one.err = b.compile(ctx, pkg) })
	return one.path, one.err
}

// Handler is Build("./handler").
func (b *Builder) Handler(ctx context.Context) (string, error) { return b.Build(ctx, "./handler") }

// RemoveAll removes the binaries built so far, when Dir was left for the Builder to make.
func (b *Builder) RemoveAll() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return os.RemoveAll(b.Dir)
}

func (b *Builder) compile(ctx context.Context, pkg string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	b.mu.Lock()
	if b.Dir == "" {
		b.Dir, err = os.MkdirTemp("", "stack-bin-")
	}
	dir := b.Dir
	b.mu.Unlock()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, path.Base(pkg))
	return out, stage.Build(ctx, root, pkg, out, stage.Target{})
}
