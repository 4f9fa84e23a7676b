package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"
)

// sameAsSlog writes r through jsonLines and through slog.JSONHandler and fails unless the
// bytes are the same.
func sameAsSlog(t *testing.T, r slog.Record) {
	t.Helper()
	var ours, std bytes.Buffer
	if err := newJSONLines(&ours).Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	if err := slog.NewJSONHandler(&std, nil).Handle(context.Background(), r.Clone()); err != nil {
		t.Fatal(err)
	}
	if ours.String() != std.String() {
		t.Errorf("jsonLines wrote\n%q\nslog.JSONHandler\n%q", ours.String(), std.String())
	}
}

func record(t time.Time, level slog.Level, msg string, attrs ...slog.Attr) slog.Record {
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(attrs...)
	return r
}

// The access line, as api's logged writes it, and every other record a logger may get come
// out of jsonLines exactly as slog.JSONHandler writes them: a line is the same for a reader of
// the host's log whichever of the two wrote it.
func TestJSONLinesAsSlog(t *testing.T) {
	now := time.Now()
	access := []slog.Attr{
		slog.String("method", "GET"), slog.String("path", "/api/me"), slog.Int("status", 200),
		slog.Float64("ms", 0.123), slog.String("invocationId", "5f0c6c1e-7a4b-4d7e-9a53-0b1c2d3e4f50"),
		slog.String("user", "00000000-0000-4000-8000-00000000e001"),
	}
	sameAsSlog(t, record(now, slog.LevelInfo, "request", access...))
	sameAsSlog(t, record(now, slog.LevelError, "request", append(access, slog.String("error", "list: task storage is unavailable"))...))
	sameAsSlog(t, record(now, slog.LevelInfo, "request", slog.String("reason", "client closed request"), slog.String("cause", "context canceled")))
	sameAsSlog(t, record(time.Time{}, slog.LevelInfo, "no time"))
	sameAsSlog(t, record(now, slog.LevelWarn+1, "odd level"))
	sameAsSlog(t, record(now, slog.LevelDebug-3, "odd level"))
	sameAsSlog(t, record(time.Date(12000, 1, 1, 0, 0, 0, 0, time.UTC), slog.LevelInfo, "year out of range"))
	sameAsSlog(t, record(now.In(time.FixedZone("x", 5*3600+1800)), slog.LevelInfo, "zone"))

	strs := []string{"", "plain", `quote"d`, `back\slash`, "tab\there", "nl\n", "\x00\x1f\x7f", "<html>&amp;",
		"é", "\u2028\u2029", "bad \xff utf-8", "/api/tasks/%2F..", strings.Repeat("long ", 20000)}
	for _, s := range strs {
		sameAsSlog(t, record(now, slog.LevelInfo, s))
		sameAsSlog(t, record(now, slog.LevelInfo, "m", slog.String("path", s)))
		sameAsSlog(t, record(now, slog.LevelInfo, "m", slog.Int(s, 1)))
	}
	floats := []float64{0, math.Copysign(0, -1), 0.001, 1.5, 12.345, 1234567.891, 1e-6, 9.99e-7, 1e20, 1e21, -3.25,
		math.MaxFloat64, math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, f := range floats {
		sameAsSlog(t, record(now, slog.LevelInfo, "m", slog.Float64("ms", f)))
	}
	sameAsSlog(t, record(now, slog.LevelInfo, "m",
		slog.Int64("i", math.MinInt64), slog.Uint64("u", math.MaxUint64), slog.Bool("b", true), slog.Bool("f", false),
		slog.Duration("d", 1500*time.Millisecond), slog.Time("t", now), slog.Any("err", errors.New("boom")),
		slog.Any("nil", nil), slog.Any("list", []string{"a", "b"}), slog.Group("g", slog.Int("x", 1)),
		slog.Group("empty"), slog.Attr{}, slog.String("", "no key"), slog.Any("v", valuer{})))
}

// A logger derived with With or WithGroup still writes slog's lines, to the same stream.
func TestJSONLinesDerivedLoggers(t *testing.T) {
	var ours, std bytes.Buffer
	for _, h := range []slog.Handler{newJSONLines(&ours), slog.NewJSONHandler(&std, nil)} {
		log := slog.New(h).With("invocationId", "abc").WithGroup("req")
		log.Info("served", "status", 200)
		slog.New(h).Info("plain", "n", 1)
	}
	strip := func(s string) string { // the two loggers ran at different times
		var out []string
		for _, line := range strings.Split(s, "\n") {
			if i := strings.Index(line, `"level"`); i >= 0 {
				line = line[i:]
			}
			out = append(out, line)
		}
		return strings.Join(out, "\n")
	}
	if strip(ours.String()) != strip(std.String()) {
		t.Errorf("jsonLines wrote\n%s\nslog.JSONHandler\n%s", ours.String(), std.String())
	}
}

type valuer struct{}

func (valuer) LogValue() slog.Value { return slog.IntValue(7) }

// FuzzJSONLinesAsSlog holds jsonLines to slog.JSONHandler's bytes on arbitrary messages, keys,
// strings and numbers.
func FuzzJSONLinesAsSlog(f *testing.F) {
	f.Add("request", "path", "/api/me", int64(200), 0.123, uint8(0))
	f.Add("m\n", "k\"", "\xff", int64(-1), 1e21, uint8(3))
	f.Fuzz(func(t *testing.T, msg, key, value string, n int64, x float64, level uint8) {
		r := record(time.Unix(n%(1<<33), n%1e9), slog.Level(int(level)-8), msg,
			slog.String(key, value), slog.Int64("n", n), slog.Float64("x", x), slog.String("v", value))
		sameAsSlog(t, r)
	})
}
