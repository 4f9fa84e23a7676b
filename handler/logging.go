package main

import (
	"context"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/example/entra-tasks/handler/internal/plain"
	"github.com/example/entra-tasks/handler/trace"
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
//
// Every line logged with a request's context carries that request's trace id as "traceId"
// (handler/trace: the id of the traceparent the host forwarded, or a new one), the last
// attribute of the line, so that all of a request's lines (its access line, its storage calls,
// any warning) are found by the one id App Insights calls operation_Id.
//
// Nothing here samples: every line is written. Application Insights' sampling is the host's
// (host.json), and WARN and ERROR lines go to stderr, which the host logs as Warning and Error.
//
// The lines are slog.JSONHandler's, byte for byte, with "traceId" added. jsonLines writes the common ones (the
// access line of every request) itself, and hands every other record to slog.JSONHandler.

// levelRouter is a slog.Handler that sends records below slog.LevelWarn to one handler and
// the others to another.
type levelRouter struct {
	low, high slog.Handler
}

// newLogger returns a JSON logger writing Info and Debug records to stdout and Warn and
// Error records to stderr, one line each.
func newLogger(stdout, stderr io.Writer) *slog.Logger {
	return slog.New(levelRouter{low: newJSONLines(stdout), high: newJSONLines(stderr)})
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

// jsonLines writes what slog.NewJSONHandler(w, nil) writes, byte for byte, without its
// generic machinery for the records that need none of it: attributes of the kinds string,
// integer, float, bool and duration, with keys and strings of printable ASCII that JSON
// takes as they are, and no groups. That is every access log line (api's logged). Per line it
// saves slog's handler state and, for the duration in ms, a json.Encoder (slog formats
// floats through encoding/json). Any other record, and every logger derived through With or
// WithGroup, goes to slog.JSONHandler on the same writer and lock; TestJSONLinesAsSlog holds
// the two to the same bytes.
type jsonLines struct {
	out *lockedWriter
	std slog.Handler // slog.NewJSONHandler on out
}

// lockedWriter is the writer both handlers share: one Write per line, under one lock, with the
// buffer jsonLines formats into (a line is formatted under the lock, so one buffer serves).
type lockedWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func newJSONLines(w io.Writer) *jsonLines {
	out := &lockedWriter{w: w, buf: make([]byte, 0, 512)}
	return &jsonLines{out: out, std: slog.NewJSONHandler(out, nil)}
}

func (h *jsonLines) Enabled(ctx context.Context, level slog.Level) bool {
	return h.std.Enabled(ctx, level)
}

func (h *jsonLines) WithAttrs(attrs []slog.Attr) slog.Handler {
	return traced{h.std.WithAttrs(attrs)}
}

func (h *jsonLines) WithGroup(name string) slog.Handler { return traced{h.std.WithGroup(name)} }

func (h *jsonLines) Handle(ctx context.Context, r slog.Record) error {
	id := trace.FromContext(ctx)
	out := h.out
	out.mu.Lock()
	line, ok := appendPlainRecord(out.buf[:0], r, id)
	if !ok {
		out.buf = line[:0]
		out.mu.Unlock()
		return h.std.Handle(ctx, withTraceID(r, id))
	}
	_, err := out.w.Write(line)
	if cap(line) <= 64<<10 {
		out.buf = line[:0] // keep a grown buffer for the next line, unless a rare huge one
	}
	out.mu.Unlock()
	return err
}

// traced is a handler made by With or WithGroup: slog.JSONHandler's, with the trace id added
// as jsonLines adds it (inside the group, after WithGroup).
type traced struct{ slog.Handler }

func (t traced) Handle(ctx context.Context, r slog.Record) error {
	return t.Handler.Handle(ctx, withTraceID(r, trace.FromContext(ctx)))
}

func (t traced) WithAttrs(attrs []slog.Attr) slog.Handler { return traced{t.Handler.WithAttrs(attrs)} }

func (t traced) WithGroup(name string) slog.Handler { return traced{t.Handler.WithGroup(name)} }

// withTraceID is r with the attribute "traceId" last, unless id is "".
func withTraceID(r slog.Record, id trace.ID) slog.Record {
	if id == "" {
		return r
	}
	r = r.Clone() // AddAttrs on a copy would share the caller's attributes
	r.AddAttrs(slog.String("traceId", string(id)))
	return r
}

// appendPlainRecord appends r as slog.JSONHandler (no options, no groups, no attributes
// from With) writes it, with id last as "traceId" unless it is "", and reports false, with
// nothing to use, when r holds anything it does not write exactly as slog does.
func appendPlainRecord(b []byte, r slog.Record, id trace.ID) ([]byte, bool) {
	b = append(b, '{')
	if !r.Time.IsZero() {
		t := r.Time.Round(0) // slog strips the monotonic reading
		if y := t.Year(); y < 0 || y >= 10000 {
			return b, false // slog writes an error value instead
		}
		b = append(b, `"time":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `",`...)
	}
	level := r.Level.String()
	if !plain.SlogJSON(level) || !plain.SlogJSON(r.Message) {
		return b, false
	}
	b = append(b, `"level":"`...)
	b = append(b, level...)
	b = append(b, `","msg":"`...)
	b = append(b, r.Message...)
	b = append(b, '"')
	ok := true
	r.Attrs(func(a slog.Attr) bool {
		b, ok = appendPlainAttr(b, a)
		return ok
	})
	if !ok {
		return b, false
	}
	if id != "" {
		if !plain.SlogJSON(string(id)) {
			return b, false
		}
		b = append(b, `,"traceId":"`...)
		b = append(b, id...)
		b = append(b, '"')
	}
	return append(b, "}\n"...), true
}

func appendPlainAttr(b []byte, a slog.Attr) ([]byte, bool) {
	if a.Key == "" || !plain.SlogJSON(a.Key) {
		return b, false // an empty key may be an attribute slog leaves out
	}
	b = append(b, `,"`...)
	b = append(b, a.Key...)
	b = append(b, `":`...)
	v := a.Value
	switch v.Kind() {
	case slog.KindString:
		s := v.String()
		if !plain.SlogJSON(s) {
			return b, false
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	case slog.KindInt64:
		b = strconv.AppendInt(b, v.Int64(), 10)
	case slog.KindUint64:
		b = strconv.AppendUint(b, v.Uint64(), 10)
	case slog.KindBool:
		b = strconv.AppendBool(b, v.Bool())
	case slog.KindDuration:
		b = strconv.AppendInt(b, int64(v.Duration()), 10)
	case slog.KindFloat64:
		// encoding/json's form, which slog uses: %f-like in this range, exponents outside it,
		// and an error for NaN and infinities.
		f := v.Float64()
		if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) || math.IsNaN(f) || math.IsInf(f, 0) {
			return b, false
		}
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
	default:
		return b, false // groups, times, any values and LogValuers: slog's own rules
	}
	return b, true
}
