package apitest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// testListQuery: GET /api/tasks is newest first; done=false hides done tasks, q searches
// titles ignoring case, each across pages; a cursor works only with the q and done it came
// with; bad parameters are a 400 problem that says what is wrong.
func (e *Env) testListQuery(t *testing.T) {
	tok := e.Token(t, "cccccccc-0000-4000-8000-0000000000d1")
	var made []Task
	for i := range 9 {
		title := fmt.Sprintf("chore %d", i)
		if i%3 == 0 {
			title = fmt.Sprintf("Call Müller %d", i)
		}
		made = append(made, e.create(t, tok, title))
	}
	for _, i := range []int{1, 3, 4} {
		r := e.Do(t, Request{Method: "PATCH", Path: "/api/tasks/" + made[i].ID, Token: tok, Body: map[string]any{"completed": true}})
		expectStatus(t, r, 200)
	}
	titlesOf := func(ts []Task) []string {
		out := []string{}
		for _, t := range ts {
			out = append(out, t.Title)
		}
		return out
	}
	cases := []struct{ query, want string }{
		{"limit=2", "chore 8|chore 7|Call Müller 6|chore 5|chore 4|Call Müller 3|chore 2|chore 1|Call Müller 0"},
		{"limit=2&done=false", "chore 8|chore 7|Call Müller 6|chore 5|chore 2|Call Müller 0"},
		{"limit=2&done=true", "chore 4|Call Müller 3|chore 1"},
		{"limit=1&q=" + url.QueryEscape(" müLLER "), "Call Müller 6|Call Müller 3|Call Müller 0"},
		{"limit=1&q=MÜLLER&done=false", "Call Müller 6|Call Müller 0"},
		{"q=nobody", ""},
	}
	for _, c := range cases {
		got := strings.Join(titlesOf(allPages[Task](e, t, tok, "/api/tasks?"+c.query)), "|")
		if got != c.want {
			t.Errorf("GET /api/tasks?%s listed %q, want %q", c.query, got, c.want)
		}
	}

	// A cursor from one query, sent with other parameters, is a 400 that says why.
	first := func(query string) string {
		r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?" + query, Token: tok})
		expectStatus(t, r, 200)
		var p Page
		r.JSON(t, &p)
		if p.Next == "" {
			t.Fatalf("GET /api/tasks?%s: no next", query)
		}
		return url.QueryEscape(p.Next)
	}
	plain, search := first("limit=1"), first("limit=1&q=chore")
	for _, query := range []string{
		"limit=1&q=chore&next=" + plain, "limit=1&done=false&next=" + plain, "limit=1&next=" + search,
		"limit=1&q=chores&next=" + search, "limit=1&q=chore&done=false&next=" + search,
	} {
		r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?" + query, Token: tok})
		expectProblem(t, r, 400)
		if !strings.Contains(string(r.Body), "next: ") {
			t.Errorf("GET /api/tasks?%s: %s does not name next", query, r.Body)
		}
	}
	if r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?limit=1&q=chore&next=" + search, Token: tok}); r.Status != 200 {
		t.Errorf("a search's cursor with its own query: status %d", r.Status)
	}

	for _, c := range []struct{ query, says string }{
		{"done=maybe", "done: must be true or false"},
		{"done=", "done: must be true or false"},
		{"done=FALSE", "done: must be true or false"},
		{"done=false&done=true", "done: give it at most once"},
		{"q=", "q: must not be empty"},
		{"q=%20%20", "q: must not be empty"},
		{"q=a&q=b", "q: give it at most once"},
		{"q=a%01b", "q: must not contain control characters"},
		{"q=%FF", "q: must be valid UTF-8"},
		{"q=" + strings.Repeat("x", 201), "q: must be at most 200 characters"},
	} {
		r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?" + c.query, Token: tok})
		expectProblem(t, r, 400)
		if !strings.Contains(string(r.Body), c.says) {
			t.Errorf("GET /api/tasks?%s: %s, want a detail saying %q", c.query, r.Body, c.says)
		}
	}
	if r := e.Do(t, Request{Method: "GET", Path: "/api/tasks?q=" + strings.Repeat("é", 200), Token: tok}); r.Status != 200 {
		t.Errorf("a search of 200 characters: status %d", r.Status)
	}
}
