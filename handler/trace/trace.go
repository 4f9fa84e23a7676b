// Package trace reads the W3C Trace Context the Functions host forwards with each request and
// carries its trace id, the id Application Insights calls operation_Id, on the request's
// context, so that every log line of the request and every problem body can name it.
//
// Only the trace id is kept: the handler records no spans of its own, its lines are traces
// (logs) of the host's request telemetry, and App Insights joins them by operation_Id.
package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// ID is a trace id: 32 lower-case hex digits, not all zero.
type ID string

// Header is the W3C Trace Context request header (www.w3.org/TR/trace-context-1/#traceparent-header).
const Header = "Traceparent"

// Parse returns the trace id of a traceparent header value, and false when the value is not a
// valid one. The rules are Trace Context level 1's (www.w3.org/TR/trace-context-1/
// #traceparent-header-field-values): version-traceid-parentid-flags, each lower-case hex of
// 2, 32, 16 and 2 digits; version ff is invalid; an all-zero trace id or parent id is invalid.
// A version other than 00 may append fields after a dash ("a future version ... MUST be
// parsed as version 00 if longer"); version 00 must be exactly 55 characters.
func Parse(header string) (ID, bool) {
	if len(header) < 55 {
		return "", false
	}
	version, traceID, parentID, flags := header[0:2], header[3:35], header[36:52], header[53:55]
	if header[2] != '-' || header[35] != '-' || header[52] != '-' {
		return "", false
	}
	if !lowerHex(version) || version == "ff" || !lowerHex(traceID) || !lowerHex(parentID) || !lowerHex(flags) {
		return "", false
	}
	if allZero(traceID) || allZero(parentID) {
		return "", false
	}
	switch {
	case len(header) == 55:
	case version == "00":
		return "", false // version 00 has exactly four fields
	case header[55] != '-':
		return "", false
	}
	return ID(traceID), true
}

// New returns a random trace id, for a request that came without a valid traceparent.
func New() ID {
	var b [16]byte
	for {
		rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
		if b != [16]byte{} {
			return ID(hex.EncodeToString(b[:]))
		}
	}
}

// FromHeader is the trace id a request carries in header (its traceparent), or a new one.
func FromHeader(header string) ID {
	if id, ok := Parse(header); ok {
		return id
	}
	return New()
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// ContextKey is the context key a request's ID is kept under. It is exported so that a
// context type of its own (api's requestContext) can answer it without a chain of lookups;
// everyone else uses NewContext and FromContext.
type ContextKey struct{}

// NewContext returns ctx carrying id.
func NewContext(ctx context.Context, id ID) context.Context {
	return context.WithValue(ctx, ContextKey{}, id)
}

// FromContext is the trace id ctx carries, "" when none.
func FromContext(ctx context.Context) ID {
	id, _ := ctx.Value(ContextKey{}).(ID)
	return id
}
