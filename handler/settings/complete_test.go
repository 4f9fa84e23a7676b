package settings_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/example/entra-tasks/handler/settings"
)

// Load reads exactly the settings of All and Platform, nothing else.
func TestLoadReadsTheTable(t *testing.T) {
	read := map[string]bool{}
	settings.Load(func(name string) string { read[name] = true; return "" })
	for _, s := range append(settings.All(), settings.Platform()...) {
		if !read[s.Name] {
			t.Errorf("Load never reads %s", s.Name)
		}
		delete(read, s.Name)
	}
	for name := range read {
		t.Errorf("Load reads %s, which is in neither All nor Platform", name)
	}
}

// docs/settings.md, the local settings example and the infra tests trust the table to be every
// setting the handler reads, so no other shipped code under handler/ may read the
// environment by name: os.Getenv and friends are not called, and a getenv passed down is
// called only with a name the settings package exports.
func TestOnlySettingsReadsTheEnvironment(t *testing.T) {
	calls := 0
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			filepath.Dir(path) == filepath.Join("..", "settings") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if pkg, ok := fn.X.(*ast.Ident); ok && (pkg.Name == "os" || pkg.Name == "syscall") &&
					(fn.Sel.Name == "Getenv" || fn.Sel.Name == "LookupEnv" || fn.Sel.Name == "Environ") {
					t.Errorf("%s calls %s.%s: read settings through handler/settings (All), so docs/settings.md and infra see them", path, pkg.Name, fn.Sel.Name)
				}
			case *ast.Ident:
				if strings.EqualFold(fn.Name, "getenv") && len(call.Args) == 1 {
					calls++
					if !namedBySettings(call.Args[0]) {
						t.Errorf("%s calls %s with a name of its own: name settings in handler/settings (All)", path, fn.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 {
		t.Error("found no getenv(settings.X) call under handler/ (main reads the port so); has this test stopped looking?")
	}
}

// namedBySettings reports whether e is settings.Something.
func namedBySettings(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "settings"
}
