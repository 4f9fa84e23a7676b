package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// logs gives each process its log: a file in dir, or its lines on the console with its name in front.
type logs struct {
	dir     string
	console *lockedWriter
	where   string // where the console is, for a reader: "above"
	files   []*os.File
}

// newLogs writes to dir, or when dir is "" to console, which is called where in messages.
func newLogs(dir string, console io.Writer, where string) *logs {
	return &logs{dir: dir, console: &lockedWriter{w: console}, where: where}
}

// say writes the command's own line, named "start" as the processes' lines are named.
func (l *logs) say(format string, args ...any) {
	fmt.Fprintf(l.console, "%-7s | %s\n", "start", fmt.Sprintf(format, args...))
}

// open returns the log of the piece called name (azurite, api, web), and where a reader finds it.
func (l *logs) open(name string) (io.Writer, string, error) {
	if l.dir == "" {
		return &prefixWriter{out: l.console, prefix: fmt.Sprintf("%-7s | ", name)}, "its output is " + l.where, nil
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

// lockedWriter serialises the writes of several processes' logs to one stream. A write that fails (the
// terminal was closed: EIO; a reader went away: EPIPE) is dropped and reported as done: the processes
// must keep running, and stop cleanly, with nobody watching, not die of a broken pipe or block on a
// full one while the stack is being stopped.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w.Write(p)
	return len(p), nil
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
