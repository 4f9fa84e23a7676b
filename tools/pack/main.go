// Command pack writes the function app's deployment zip from the staged app folder (`make build`):
// host.json, one <function>/function.json per function, and the handler binary at mode 0755.
//
// azd deploys the zip as is (azure.yaml `dist: build/api.zip`). Writing it here, instead of letting azd zip
// the folder, keeps the handler executable whatever builds the package: azd before 1.26.0 wrote no Unix modes
// into its zips, and a zip made on Windows has none to copy. On Flex Consumption the package is mounted
// read-only, so the host could not make the handler executable itself.
//
// With -stage it first stages the app into -src (devstack/stage: the handler cross-compiled for the function
// app, host.json and the function.json files), as scripts/build-api.sh and build-api.ps1 run it.
//
// Usage: go run ./tools/pack [-stage] -src build -out build/api.zip
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	appstage "github.com/example/entra-tasks/devstack/stage"
)

func main() {
	src := flag.String("src", "build", "the staged function app folder")
	out := flag.String("out", "build/api.zip", "the zip to write")
	staging := flag.Bool("stage", false, "first build the handler for linux/amd64 and stage the app into -src (run from the repository root)")
	flag.Parse()
	if *staging {
		if err := stageApp(context.Background(), *src, *out); err != nil {
			fmt.Fprintln(os.Stderr, "pack:", err)
			os.Exit(1)
		}
	}
	entries, err := writeZipFile(*src, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d files\n", *out, len(entries))
}

// stageApp stages the app from the working directory (the repository) into dir. The old zip goes first:
// a failed build must not leave an earlier package for azd to deploy.
func stageApp(ctx context.Context, dir, zip string) error {
	if err := os.Remove(zip); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	handler := filepath.Join(dir, appstage.HandlerName)
	if err := appstage.BuildHandler(ctx, ".", handler, appstage.FunctionApp); err != nil {
		return err
	}
	return appstage.App(".", dir, handler)
}
