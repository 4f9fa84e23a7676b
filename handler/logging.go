package main

import (
	"context"
	"io"
	"log/slog"
)

// The Functions host reads the handler's output line by line and logs each line under the
// category Host.Function.Console: a stdout line as Information, a stderr line as Error, or
// as Warning when it contains "warn" in any case (azure-functions-host
// src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs, OnOutputDataReceived and
// ParseErrorMessageAndLog; HttpWorkerDescription.cs sets UseStdErrorStreamForErrorsOnly).
// So the stream a line goes to is its severity in Application Insights: warnings and errors
// go to stderr (slog's "level":"WARN" carries the "warn" the host looks for), the rest to
// stdout.
//
// Each record is one Write of one line straight to the file, with no buffer in between, so a
// SIGKILL (how the host stops a handler) loses no line that was logged before it.

// levelRouter is a slog.Handler that sends records below slog.LevelWarn to one handler and
// the others to another.
type levelRouter struct {
	low, high slog.Handler
}

// newLogger returns a JSON logger writing Info and Debug records to stdout and Warn and
// Error records to stderr, one line each.
func newLogger(stdout, stderr io.Writer) *slog.Logger {
	return slog.New(levelRouter{low: slog.NewJSONHandler(stdout, nil), high: slog.NewJSONHandler(stderr, nil)})
}

func (r levelRouter) pick(level slog.Level) slog.Handler {
	if level >= slog.LevelWarn {
		return r.high
	}
	return r.low
}

func (r levelRouter) Enabled(ctx context.Context, level slog.Level) bool {
	return r.pick(level).Enabled(ctx, level)
}

func (r levelRouter) Handle(ctx context.Context, rec slog.Record) error {
	return r.pick(rec.Level).Handle(ctx, rec)
}

func (r levelRouter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return levelRouter{low: r.low.WithAttrs(attrs), high: r.high.WithAttrs(attrs)}
}

func (r levelRouter) WithGroup(name string) slog.Handler {
	return levelRouter{low: r.low.WithGroup(name), high: r.high.WithGroup(name)}
}
