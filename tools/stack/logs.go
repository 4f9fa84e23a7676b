package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// logs gives each process its log: a file in dir, or its lines on stderr with its name in front.
type logs struct {
	dir    string
	stderr *lockedWriter
	files  []*os.File
}

func newLogs(dir string, stderr io.Writer) *logs {
	return &logs{dir: dir, stderr: &lockedWriter{w: stderr}}
}

// open returns the log of the piece called name (azurite, api), and where a reader finds it.
func (l *logs) open(name string) (io.Writer, string, error) {
	if l.dir == "" {
		return &prefixWriter{out: l.stderr, prefix: fmt.Sprintf("%-7s | ", name)}, "its output is above on stderr", nil
	}
	if err := os.MkdirAll(l.dir, 0o755); err != nil {
		return nil, "", err
	}
	path := filepath.Join(l.dir, name+".log")
	f, err := os.Create(path)
	if err != nil {
		return nil, "", err
	}
	l.files = append(l.files, f)
	return f, "its log: " + path, nil
}

func (l *logs) close() {
	for _, f := range l.files {
		f.Close()
	}
}

// lockedWriter serialises the writes of several processes' logs to one stream.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// prefixWriter writes each whole line with prefix in front; a partial line waits for its end.
type prefixWriter struct {
	mu      sync.Mutex
	out     io.Writer
	prefix  string
	partial []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.partial = append(p.partial, b...)
	for {
		i := bytes.IndexByte(p.partial, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := append([]byte(p.prefix), p.partial[:i+1]...)
		p.partial = p.partial[i+1:]
		if _, err := p.out.Write(line); err != nil {
			return len(b), err
		}
	}
}
