package main

import (
	"archive/zip"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"
)

// handlerName is customHandler.description.defaultExecutablePath in host.json.
const handlerName = "handler"

const (
	executableMode = 0o755 // the host executes the handler
	dataMode       = 0o644
)

// zipTime is every entry's modification time: the same inputs give the same bytes (1980-01-01 is the
// earliest time a zip can record).
var zipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// entry is one file of the package: its path in the zip (slash-separated) and on disk.
type entry struct {
	name, src string
	mode      fs.FileMode
}

// appFiles lists exactly what the Functions host needs from src: host.json, every <dir>/function.json
// directly under src (the host only discovers function folders beside host.json), and the handler.
// Anything else there (local.settings.json, an earlier zip) stays out.
func appFiles(src string) ([]entry, error) {
	need := func(name string) error {
		if fi, err := os.Stat(filepath.Join(src, name)); err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: no file %s (run make build)", src, name)
		}
		return nil
	}
	if err := errors.Join(need("host.json"), need(handlerName)); err != nil {
		return nil, err
	}
	if err := checkLinuxAMD64(filepath.Join(src, handlerName)); err != nil {
		return nil, err
	}
	entries := []entry{
		{"host.json", filepath.Join(src, "host.json"), dataMode},
		{handlerName, filepath.Join(src, handlerName), executableMode},
	}
	functions, err := filepath.Glob(filepath.Join(src, "*", "function.json"))
	if err != nil {
		return nil, err
	}
	if len(functions) == 0 {
		return nil, fmt.Errorf("%s: no <function>/function.json (run make build)", src)
	}
	for _, f := range functions {
		dir := filepath.Base(filepath.Dir(f))
		entries = append(entries, entry{path.Join(dir, "function.json"), f, dataMode})
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })
	return entries, nil
}

// checkLinuxAMD64 refuses a handler the Flex Consumption host could not run (it is Linux on x86-64): a
// binary built for the machine running the build instead of with GOOS=linux GOARCH=amd64.
func checkLinuxAMD64(file string) error {
	f, err := elf.Open(file)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable (build it with GOOS=linux GOARCH=amd64): %w", file, err)
	}
	defer f.Close()
	if f.Machine != elf.EM_X86_64 {
		return fmt.Errorf("%s is built for %s; the function app runs linux/amd64 (GOARCH=amd64)", file, f.Machine)
	}
	return nil
}

// writeZip writes the entries to w with their Unix modes recorded.
func writeZip(w io.Writer, entries []entry) error {
	zw := zip.NewWriter(w)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: zipTime}
		// SetMode records a Unix creator and the mode in the external attributes, which is what unzip
		// and the Functions deployment read.
		h.SetMode(e.mode)
		dst, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if err := copyFile(dst, e.src); err != nil {
			return err
		}
	}
	return zw.Close()
}

func copyFile(dst io.Writer, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(dst, f)
	return err
}

// writeZipFile packs src into out (replaced atomically, so azd never uploads half a zip) and returns
// the entries written.
func writeZipFile(src, out string) ([]entry, error) {
	entries, err := appFiles(src)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".pack-*.zip")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := writeZip(tmp, entries); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("writing %s: %w", out, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return nil, err
	}
	return entries, nil
}
