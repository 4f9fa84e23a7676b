package main

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
	"github.com/example/entra-tasks/handler/tasks"
	"github.com/example/entra-tasks/testkit/inprocess"
)

// TestSlowClientsAreCutOff runs the production server construction (newHTTPServer) with
// shortened limits and attacks it slowloris-style: hundreds of connections trickling their
// headers, and requests trickling their bodies. Each must be cut off by the server's own
// timeouts, well-behaved clients must be served promptly throughout, and the goroutines the
// attack held must be released.
func TestSlowClientsAreCutOff(t *testing.T) {
	limits := serverLimits{readHeader: 500 * time.Millisecond, read: time.Second, write: 2 * time.Second, idle: time.Second,
		body: 500 * time.Millisecond, maxHeaderBytes: 32 << 10}
	const slowConns = 300

	app := inprocess.New(t, "slowclients", func(c *api.Config) { c.BodyTimeout = limits.body })
	store, oid := app.Store, entra.UserA
	quiet := slog.New(slog.NewJSONHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := newHTTPServer(app.Handler, quiet, limits)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	token := app.Token(t, oid)
	baseline := runtime.NumGoroutine()

	// The attack: slowConns connections sending a header line every 100 ms, forever, and a
	// few POSTs whose bodies arrive a byte at a time.
	stop := make(chan struct{})
	type outcome struct {
		kind   string
		cutOff time.Duration // how long the server let it live
		answer string        // first line the server sent, if any
	}
	outcomes := make(chan outcome, slowConns+10)
	var wg sync.WaitGroup
	trickle := func(kind, preamble string, drip string) {
		defer wg.Done()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			outcomes <- outcome{kind: kind + " (dial failed: " + err.Error() + ")"}
			return
		}
		defer c.Close()
		start := time.Now()
		go func() { // the dripping writer; it stops when the server closes the connection
			if _, err := io.WriteString(c, preamble); err != nil {
				return
			}
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := io.WriteString(c, drip); err != nil {
					return
				}
			}
		}()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		line, _ := bufio.NewReader(c).ReadString('\n')
		outcomes <- outcome{kind: kind, cutOff: time.Since(start), answer: strings.TrimSpace(line)}
	}
	for i := range slowConns {
		wg.Add(1)
		go trickle("headers", fmt.Sprintf("GET /api/me HTTP/1.1\r\nHost: %s\r\n", addr), fmt.Sprintf("X-Slow-%d: x\r\n", i))
	}
	body := `{"title":"` + strings.Repeat("s", 200) + `"}`
	for range 5 {
		wg.Add(1)
		go trickle("body", fmt.Sprintf("POST /api/tasks HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", addr, token, len(body)), "x")
	}

	// Meanwhile, well-behaved clients are served promptly.
	good := &http.Client{Timeout: 5 * time.Second}
	var slowestGood time.Duration
	for range 20 {
		time.Sleep(50 * time.Millisecond)
		req, _ := http.NewRequest("GET", "http://"+addr+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := good.Do(req)
		if err != nil {
			t.Fatalf("a normal request failed during the attack: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("a normal request got %d during the attack", resp.StatusCode)
		}
		slowestGood = max(slowestGood, time.Since(start))
	}

	wg.Wait()
	close(stop)
	close(outcomes)
	counts := map[string]int{}
	var longest time.Duration
	for o := range outcomes {
		counts[o.kind]++
		longest = max(longest, o.cutOff)
		switch o.kind {
		case "headers":
			if o.cutOff > limits.readHeader+2*time.Second {
				t.Errorf("a slow header connection lived %v (ReadHeaderTimeout %v)", o.cutOff, limits.readHeader)
			}
			if o.answer != "" && !strings.HasPrefix(o.answer, "HTTP/1.1 408") && !strings.HasPrefix(o.answer, "HTTP/1.1 400") {
				t.Errorf("a slow header connection was answered %q", o.answer)
			}
		case "body":
			if o.cutOff > limits.read+2*time.Second {
				t.Errorf("a slow body lived %v (ReadTimeout %v)", o.cutOff, limits.read)
			}
			// The API's body limit (limits.body) ends it first, with its 408 problem.
			if o.answer != "HTTP/1.1 408 Request Timeout" {
				t.Errorf("a body that never arrived was answered %q, want 408", o.answer)
			}
		default:
			t.Error(o.kind)
		}
	}
	if counts["headers"] != slowConns || counts["body"] != 5 {
		t.Errorf("outcomes %v", counts)
	}
	if slowestGood > time.Second {
		t.Errorf("a normal request took %v during the attack", slowestGood)
	}
	// The goroutines the attack held are released once its connections are cut.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > baseline+20 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline+20 {
		t.Errorf("%d goroutines after the attack, %d before", n, baseline)
	}
	// Nothing was stored by a body that never completed.
	page, err := store.List(t.Context(), oid, tasks.ListQuery{Limit: 10})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("tasks after the attack: %+v %v", page.Items, err)
	}
	t.Logf("SUMMARY slow-clients: operations=%d faults=%d failures=0 slowest-normal=%v longest-slow-connection=%v",
		slowConns+5+20, slowConns+5, slowestGood.Round(time.Millisecond), longest.Round(time.Millisecond))
}

// TestProductionLimits pins what docs/security.md promises about slow clients.
func TestProductionLimits(t *testing.T) {
	l := productionLimits()
	if l.readHeader != 10*time.Second || l.read != 30*time.Second || l.write != 30*time.Second || l.body != 10*time.Second || l.body >= l.read || l.maxHeaderBytes != 32<<10 {
		t.Errorf("production limits changed: %+v; update docs/security.md", l)
	}
}
