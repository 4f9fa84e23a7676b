package reliability

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/example/entra-tasks/testkit/apitest"
)

// TestSIGTERMUnderLoad stops the handler with SIGTERM, as a container runtime does (Ctrl-C
// under func start sends SIGINT, handled the same way), while users are writing and while
// one request is half sent. The half-sent request must still be answered 201; new
// connections must be refused at once, not left hanging; the process must exit 0; no answer
// may be a 5xx; and after a restart every acknowledged create is there.
//
// The Functions host itself never sends SIGTERM: it kills the handler (TestSIGKILLUnderLoad
// below). This drain is a courtesy where a runner offers one, not something any write
// depends on.
func TestSIGTERMUnderLoad(t *testing.T) {
	e := newEnv(t)
	base := e.handler.URL()
	addr := "127.0.0.1:" + strconv.Itoa(e.handler.Port)
	tl := newTally()
	owner := userOID(200)
	token := e.token(t, owner)

	// A request in flight: headers and half the body are on the wire before SIGTERM.
	body := `{"title":"in flight at SIGTERM"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/tasks HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, token, len(body), body[:10])

	// Load: writers creating tasks until the server stops answering.
	var terminated atomic.Bool
	var mu sync.Mutex
	acked := map[string]string{} // id -> title
	unacked := map[string]bool{} // titles of creates that got no answer
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c := newClient()
			for i := 0; ; i++ {
				title := fmt.Sprintf("w%d #%d", w, i)
				a := call(c, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: token, Body: map[string]any{"title": title}})
				tl.op(a)
				mu.Lock()
				switch {
				case a.err == nil && a.Status == 201:
					var got wireTask
					if a.decode(&got) != nil || got.Title != title {
						tl.fail("create answered %v", a)
					}
					acked[got.ID] = title
				case a.err != nil && terminated.Load():
					unacked[title] = true // refused or cut at shutdown: allowed, but no 5xx
				default:
					unacked[title] = true
					tl.fail("create before shutdown: %v", a)
				}
				mu.Unlock()
				if a.err != nil && terminated.Load() {
					return
				}
			}
		})
	}
	time.Sleep(time.Second)

	terminated.Store(true)
	tl.fault()
	stopped := make(chan error, 1)
	sigAt := time.Now()
	go func() { stopped <- e.handler.Stop() }() // SIGTERM, then wait for the exit

	// New connections are refused promptly while the in-flight request is still open.
	refusedAfter, refused := time.Duration(0), false
	for time.Since(sigAt) < 5*time.Second {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			refused, refusedAfter = errors.Is(err, syscall.ECONNREFUSED), time.Since(sigAt)
			if !refused {
				tl.fail("new connection after SIGTERM failed uncleanly: %v", err)
			}
			break
		}
		c.Close()
		time.Sleep(10 * time.Millisecond)
	}
	if !refused {
		tl.fail("new connections still accepted 5 s after SIGTERM")
	}
	select {
	case err := <-stopped:
		tl.fail("the handler exited (%v) before its in-flight request was finished", err)
	default:
	}

	// Finish the in-flight request: it must be served, not dropped.
	time.Sleep(200 * time.Millisecond)
	fmt.Fprint(conn, body[10:])
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var inFlight wireTask
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tl.fail("in-flight request dropped at shutdown: %v", err)
	} else {
		raw, _ := io.ReadAll(resp.Body)
		a := answer{Response: apitest.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}}
		tl.op(a)
		if a.Status != 201 || a.decode(&inFlight) != nil {
			tl.fail("in-flight request answered %v", a)
		}
	}

	select {
	case err := <-stopped:
		if err != nil {
			tl.fail("handler exit after SIGTERM: %v\n%s", err, e.handler.Output())
		}
	case <-time.After(25 * time.Second):
		tl.fail("handler still running 25 s after SIGTERM")
	}
	wg.Wait()

	// Nothing acknowledged is lost; nothing unacknowledged appears in part.
	e.handler.Start()
	got, err := listAll(e.http, e.handler.URL(), token, 200)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]wireTask{}
	for _, task := range got {
		listed[task.ID] = task
		if _, ok := acked[task.ID]; !ok && task.ID != inFlight.ID && (!unacked[task.Title] || task.Completed) {
			tl.fail("a task nobody was told about: %+v", task)
		}
	}
	for id, title := range acked {
		if task, ok := listed[id]; !ok || task.Title != title {
			tl.fail("acknowledged create %s %q lost (%+v)", id, title, task)
		}
	}
	if _, ok := listed[inFlight.ID]; inFlight.ID != "" && !ok {
		tl.fail("the in-flight create was answered 201 but is not stored")
	}
	if n := tl.fivexx(); n > 0 {
		tl.fail("%d answers were 5xx", n)
	}
	tl.report(t, "sigterm", fmt.Sprintf("acknowledged=%d refused-or-cut=%d refused-after=%v", len(acked), len(unacked), refusedAfter.Round(time.Millisecond)))
}

// TestSIGKILLUnderLoad stops the handler the way the Functions host does: SIGKILL, no drain
// (azure-functions-host src/WebJobs.Script/Workers/ProcessManagement/WorkerProcess.cs,
// Dispose). Users create, complete and delete tasks until the kill. Every write that was
// acknowledged must be stored after a restart, because the handler acknowledges a write only
// after Table Storage has answered it; a write cut by the kill may or may not have happened,
// but only the one that was in flight. No answer before the kill may be a 5xx.
func TestSIGKILLUnderLoad(t *testing.T) {
	e := newEnv(t)
	base := e.handler.URL()
	tl := newTally()
	token := e.token(t, userOID(201))

	type record struct {
		title           string
		acked, inFlight string // last acknowledged step and the step that got no answer
	}
	var mu sync.Mutex
	records := map[string]*record{} // by task id
	var killed atomic.Bool
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c := newClient()
			// step sends one request; it reports whether the writer should go on.
			step := func(a answer, want int, r *record, name string) bool {
				tl.op(a)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case a.err == nil && a.Status == want:
					r.acked = name
					return true
				case a.err != nil && killed.Load():
					r.inFlight = name
				default:
					tl.fail("%s before the kill: %v", name, a)
				}
				return false
			}
			for i := 0; ; i++ {
				r := &record{title: fmt.Sprintf("w%d #%d", w, i)}
				a := call(c, base, apitest.Request{Method: "POST", Path: "/api/tasks", Token: token, Body: map[string]any{"title": r.title}})
				var created wireTask
				if a.err == nil && a.Status == 201 && (a.decode(&created) != nil || created.Title != r.title) {
					tl.fail("create answered %v", a)
				}
				if !step(a, 201, r, "create") {
					if a.err != nil {
						mu.Lock()
						records["unacknowledged "+r.title] = r
						mu.Unlock()
					}
					return
				}
				mu.Lock()
				records[created.ID] = r
				mu.Unlock()
				if !step(call(c, base, apitest.Request{Method: "PATCH", Path: "/api/tasks/" + created.ID, Token: token, Body: map[string]any{"completed": true}}), 200, r, "complete") {
					return
				}
				if i%2 == 0 && !step(call(c, base, apitest.Request{Method: "DELETE", Path: "/api/tasks/" + created.ID, Token: token}), 204, r, "delete") {
					return
				}
			}
		})
	}
	time.Sleep(time.Second)
	killed.Store(true)
	tl.fault()
	e.handler.Kill()
	wg.Wait()

	e.handler.Start()
	got, err := listAll(e.http, e.handler.URL(), token, 200)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]wireTask{}
	for _, task := range got {
		stored[task.ID] = task
		if r, ok := records[task.ID]; !ok {
			if _, cut := records["unacknowledged "+task.Title]; !cut {
				tl.fail("a task nobody was told about: %+v", task)
			}
		} else if task.Title != r.title {
			tl.fail("task %s has title %q, was created as %q", task.ID, task.Title, r.title)
		}
	}
	acknowledged := 0
	for id, r := range records {
		if strings.HasPrefix(id, "unacknowledged ") {
			continue
		}
		acknowledged++
		task, ok := stored[id]
		switch {
		case r.acked == "delete" && ok:
			tl.fail("acknowledged delete of %s undone: %+v", id, task)
		case r.acked != "delete" && !ok && r.inFlight != "delete":
			tl.fail("acknowledged %s of %s %q lost", r.acked, id, r.title)
		case r.acked == "complete" && ok && !task.Completed:
			tl.fail("acknowledged completion of %s lost: %+v", id, task)
		}
	}
	if n := tl.fivexx(); n > 0 {
		tl.fail("%d answers were 5xx", n)
	}
	tl.report(t, "sigkill", fmt.Sprintf("tasks=%d stored-after-kill=%d", acknowledged, len(got)))
}
