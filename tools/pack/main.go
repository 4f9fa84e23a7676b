// Command pack writes the function app's deployment zip from the staged app folder (`make build`):
// host.json, one <function>/function.json per function, and the handler binary at mode 0755.
//
// azd deploys the zip as is (azure.yaml `dist: build/api.zip`). Writing it here, instead of letting azd zip
// the folder, keeps the handler executable whatever builds the package: azd before 1.26.0 wrote no Unix modes
// into its zips, and a zip made on Windows has none to copy. On Flex Consumption the package is mounted
// read-only, so the host could not make the handler executable itself.
//
// Usage: go run ./tools/pack -src build -out build/api.zip
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	src := flag.String("src", "build", "the staged function app folder")
	out := flag.String("out", "build/api.zip", "the zip to write")
	flag.Parse()
	entries, err := writeZipFile(*src, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s: %d files\n", *out, len(entries))
}
