package host

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/example/entra-tasks/handler/trace"
)

// forwardedTraceparent is the traceparent the host sends the handler for a request that came
// with the traceparent values incoming: the host's own activity for the request. ASP.NET Core
// starts that activity as a child of a valid incoming traceparent (same trace id, its own span
// id) or, without one, as the root of a new trace. With enableProxyingHttpRequest (our
// host.json) the host forwards through YARP over a SocketsHttpHandler
// (azure-functions-host src/WebJobs.Script.Grpc/Server/DefaultHttpProxyService.cs,
// StartForwarding -> IHttpForwarder.SendAsync), and .NET's HTTP client injects the current
// activity's context as traceparent in place of any the client sent (System.Net.Http's
// DiagnosticsHandler with DistributedContextPropagator.Current, W3C by default:
// learn.microsoft.com/dotnet/core/diagnostics/distributed-tracing-concepts). So the handler
// sees the caller's trace id with the host's span id. Azure/azure-functions-host#9576 asked
// for the same propagation in the older forwarding mode.
func forwardedTraceparent(incoming []string) string {
	flags := "00"
	traceID := ""
	if len(incoming) == 1 {
		if id, ok := trace.Parse(incoming[0]); ok {
			traceID, flags = string(id), incoming[0][53:55]
		}
	}
	if traceID == "" {
		traceID = string(trace.New())
	}
	return "00-" + traceID + "-" + newSpanID() + "-" + flags
}

// newSpanID is a random 8-byte span id, never all zero (W3C Trace Context level 1, parent-id).
func newSpanID() string {
	var b [8]byte
	for b == [8]byte{} {
		rand.Read(b[:])
	}
	return hex.EncodeToString(b[:])
}

// setTraceparent gives out the traceparent the host would send for in.
func setTraceparent(out, in http.Header) {
	out.Set(trace.Header, forwardedTraceparent(in.Values(trace.Header)))
}
