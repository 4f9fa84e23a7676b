package main

import (
	"archive/zip"
	"bytes"
	"debug/elf"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// elfHeader returns the 64-byte header of an ELF executable for machine: all that the format check reads.
// (A real cross-compiled binary would do too, but linking one per test costs seconds on a busy machine.)
func elfHeader(machine elf.Machine) []byte {
	h := make([]byte, 64)
	copy(h, elf.ELFMAG)
	h[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	binary.LittleEndian.PutUint16(h[16:], uint16(elf.ET_EXEC))
	binary.LittleEndian.PutUint16(h[18:], uint16(machine))
	binary.LittleEndian.PutUint32(h[20:], uint32(elf.EV_CURRENT))
	binary.LittleEndian.PutUint16(h[52:], 64) // e_ehsize
	return h
}

// stage lays out an app folder the way `make build` does, from the repository's real host.json and
// functions/*/function.json, plus the files azd or a developer leave there that must not ship.
func stage(t *testing.T, handler []byte) (dir string, want map[string][]byte) {
	t.Helper()
	root := filepath.Join("..", "..")
	dir = t.TempDir()
	want = map[string][]byte{}
	put := func(name string, b []byte, mode fs.FileMode) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	host := read(filepath.Join(root, "host.json"))
	put("host.json", host, 0o644)
	want["host.json"] = host
	fns, _ := filepath.Glob(filepath.Join(root, "functions", "*", "function.json"))
	if len(fns) == 0 {
		t.Fatal("no functions/*/function.json in the repository")
	}
	for _, f := range fns {
		name := filepath.Base(filepath.Dir(f)) + "/function.json"
		put(name, read(f), 0o644)
		want[name] = read(f)
	}
	// As a Windows checkout or an old azd would leave it: no execute bit on disk.
	put("handler", handler, 0o644)
	want["handler"] = handler
	put("local.settings.json", []byte(`{"Values":{"TABLES_CONNECTION_STRING":"AccountKey=secret"}}`), 0o644)
	put("api.zip", []byte("an earlier package"), 0o644)
	put("notes/readme.txt", []byte("not for the host"), 0o644)
	return dir, want
}

// The package holds exactly host.json, each function.json and the handler; the handler is executable
// (0755) in the zip even though it was not on disk, and every byte matches what was staged. Read back with
// archive/zip, the way the deployment unpacks it.
func TestZipHasExactlyTheHostFilesWithHandlerExecutable(t *testing.T) {
	src, want := stage(t, elfHeader(elf.EM_X86_64))
	out := filepath.Join(src, "api.zip")
	if _, err := writeZipFile(src, out); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		wantMode := fs.FileMode(0o644)
		if f.Name == "handler" {
			wantMode = 0o755
		}
		if got := f.Mode(); got != wantMode {
			t.Errorf("%s: mode %v, want %v", f.Name, got, wantMode)
		}
		// Unix creator: without it unzip and the platform ignore the mode bits.
		if f.CreatorVersion>>8 != 3 {
			t.Errorf("%s: creator %d, want 3 (Unix)", f.Name, f.CreatorVersion>>8)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, want[f.Name]) {
			t.Errorf("%s: contents differ from the staged file", f.Name)
		}
	}
	var wantNames []string
	for n := range want {
		wantNames = append(wantNames, n)
	}
	slices.Sort(wantNames)
	if !slices.Equal(names, wantNames) {
		t.Errorf("zip entries %v, want exactly %v", names, wantNames)
	}
}

// Packing twice gives the same bytes, so an unchanged build deploys an identical package.
func TestZipIsReproducible(t *testing.T) {
	src, _ := stage(t, elfHeader(elf.EM_X86_64))
	a, b := filepath.Join(t.TempDir(), "a.zip"), filepath.Join(t.TempDir(), "b.zip")
	if _, err := writeZipFile(src, a); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(src, "host.json"), zipTime.AddDate(40, 0, 0), zipTime.AddDate(40, 0, 0))
	if _, err := writeZipFile(src, b); err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Error("two packs of the same files differ")
	}
}

// A handler the Flex host cannot run, or a missing file, is refused with a message naming the fix, and no
// zip is written.
func TestZipRefusesWhatTheHostCannotRun(t *testing.T) {
	cases := map[string]func(t *testing.T, dir string) string{
		"handler built for arm64": func(t *testing.T, dir string) string {
			os.WriteFile(filepath.Join(dir, "handler"), elfHeader(elf.EM_AARCH64), 0o755)
			return "GOARCH=amd64"
		},
		"handler built for Windows": func(t *testing.T, dir string) string {
			// A PE executable starts with MZ.
			os.WriteFile(filepath.Join(dir, "handler"), append([]byte("MZ"), make([]byte, 62)...), 0o755)
			return "GOOS=linux"
		},
		"no host.json": func(t *testing.T, dir string) string {
			os.Remove(filepath.Join(dir, "host.json"))
			return "host.json"
		},
		"no functions": func(t *testing.T, dir string) string {
			fns, _ := filepath.Glob(filepath.Join(dir, "*", "function.json"))
			for _, f := range fns {
				os.Remove(f)
			}
			return "function.json"
		},
	}
	linux := elfHeader(elf.EM_X86_64)
	for name, breakIt := range cases {
		t.Run(name, func(t *testing.T) {
			src, _ := stage(t, linux)
			hint := breakIt(t, src)
			out := filepath.Join(t.TempDir(), "api.zip")
			_, err := writeZipFile(src, out)
			if err == nil || !strings.Contains(err.Error(), hint) {
				t.Errorf("error %v, want one mentioning %q", err, hint)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Error("a zip was written anyway")
			}
		})
	}
}
