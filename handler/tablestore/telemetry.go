package tablestore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Telemetry returns a per-call policy that writes one log line per Table Storage call: its
// operation (as the store names it: "get task", "read account", ...), the HTTP status (0 when
// no answer came), the duration in ms with the SDK's retries inside it, and an outcome an
// alert can count. Being per call (outside the SDK's retry policy), it sees every call the
// store makes and what the store got back, once.
//
// A line never holds a key, a filter, a title or anything else a user wrote: only the
// operation's name, which is a constant of this package. Lines are logged with the call's
// context, so the logger's handler adds the request's trace id (handler/logging.go).
//
// Place it first among the per-call policies, so that it measures everything below it.
func Telemetry(logger *slog.Logger) policy.Policy { return telemetry{log: logger} }

type telemetry struct{ log *slog.Logger }

// Outcomes of a storage call, as the "outcome" field names them.
const (
	OutcomeOK        = "ok"
	OutcomeNotFound  = "notfound"
	OutcomeConflict  = "conflict"
	OutcomeThrottled = "throttled"
	OutcomeTimeout   = "timeout"
	OutcomeError     = "error"
)

type opKey struct{}

// named returns ctx naming the storage operation its calls make, for their telemetry.
func named(ctx context.Context, op string) context.Context {
	return context.WithValue(ctx, opKey{}, op)
}

func (t telemetry) Do(req *policy.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := req.Next()
	ms := float64(time.Since(start).Microseconds()) / 1000
	ctx := req.Raw().Context()
	op, _ := ctx.Value(opKey{}).(string)
	if op == "" {
		op = "unnamed call"
	}
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	outcome := outcomeOf(resp, err)
	level := slog.LevelInfo
	switch outcome {
	case OutcomeThrottled, OutcomeTimeout:
		level = slog.LevelWarn
	case OutcomeError:
		level = slog.LevelError
	}
	t.log.LogAttrs(ctx, level, "storage",
		slog.String("op", op), slog.Int("status", status), slog.Float64("ms", ms), slog.String("outcome", outcome))
	return resp, err
}

// outcomeOf names the result of a call. Throttling is what Azure Storage answers when an
// account or partition is over its scalability targets: 503 Server Busy, 500 Operation Timed
// Out, or 429 (learn.microsoft.com/troubleshoot/azure/azure-storage/blobs/alerts/
// troubleshoot-storage-availability, "ServerBusy"/"ServerTimeout"; learn.microsoft.com/azure/
// storage/tables/storage-performance-checklist, "Throttling").
func outcomeOf(resp *http.Response, err error) string {
	if resp == nil {
		var netErr net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
			return OutcomeTimeout
		}
		return OutcomeError
	}
	switch s := resp.StatusCode; {
	case s < 300:
		return OutcomeOK
	case s == http.StatusNotFound:
		return OutcomeNotFound
	case s == http.StatusConflict || s == http.StatusPreconditionFailed:
		return OutcomeConflict
	case s == http.StatusServiceUnavailable || s == http.StatusTooManyRequests:
		return OutcomeThrottled
	case s == http.StatusInternalServerError && operationTimedOut(resp):
		return OutcomeThrottled
	case s == http.StatusRequestTimeout:
		return OutcomeTimeout
	}
	return OutcomeError
}

// operationTimedOut reports whether a 500 is Operation Timed Out (the service's own
// throttling), by the x-ms-error-code header or the error body, which it puts back for the
// SDK to read. 500s are rare: reading the body costs nothing on the common path.
func operationTimedOut(resp *http.Response) bool {
	const code = "OperationTimedOut"
	if resp.Header.Get("x-ms-error-code") == code {
		return true
	}
	if resp.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return err == nil && bytes.Contains(body, []byte(code))
}
