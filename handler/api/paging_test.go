package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/api"
)

// Every paged answer has one shape: "next" is a cursor while there is more, and absent (not
// null, not "") on the last page, for a user's own tasks, the users index, the audit log and
// an app reading a user's tasks alike. A client written for one list pages through them all.
func TestEveryListOmitsNextOnItsLastPage(t *testing.T) {
	e := newAdminEnv(t, "paging", func(*api.Config) {})
	const other = "e0e0e0e0-0000-4000-8000-0000000000ff"
	e.seed(t, stepUpVictim, 2)
	e.seed(t, other, 1)
	admin := e.token(t, entra.UserA, nil)
	reader, err := e.app.Key.Sign(entra.AppV2Claims(entra.TestTenant, entra.TestClient, entra.TestClient, entra.UserB,
		[]string{"Tasks.Read.All"}, time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	e.do(t, "GET", "/api/users/"+stepUpVictim+"/tasks", admin) // two audit records at least
	e.do(t, "GET", "/api/users/"+other+"/tasks", admin)
	for _, c := range []struct {
		name, path, token string
	}{
		{"own tasks", "/api/tasks", e.token(t, stepUpVictim, nil)},
		{"users index", "/api/users", admin},
		{"audit log", "/api/audit", admin},
		{"an app reading a user's tasks", "/api/users/" + stepUpVictim + "/tasks", reader},
	} {
		pages, next := 0, ""
		for {
			path := c.path + "?limit=1"
			if next != "" {
				path += "&next=" + url.QueryEscape(next)
			}
			a := e.do(t, "GET", path, c.token)
			if a.status != http.StatusOK {
				t.Fatalf("%s: GET %s: %d %s", c.name, path, a.status, a.body)
			}
			var page map[string]json.RawMessage
			if err := json.Unmarshal(a.body, &page); err != nil {
				t.Fatal(err)
			}
			pages++
			raw, has := page["next"]
			if !has {
				break
			}
			if err := json.Unmarshal(raw, &next); err != nil || next == "" {
				t.Fatalf("%s: page %d has \"next\": %s, want a cursor or no next at all", c.name, pages, raw)
			}
			if pages > 20 {
				t.Fatalf("%s: no last page after 20", c.name)
			}
		}
		if pages < 2 {
			t.Errorf("%s: one page of one item: the test saw no page with a next", c.name)
		}
	}
}
