package api

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/example/entra-tasks/handler/tasks"
)

// Every header, query parameter and media type parameter a route reads is parsed here, so
// that a malformed value becomes its 4xx before anything reaches storage.

// parseIfMatch reads If-Match (RFC 9110 §13.1.1): "*" or a list of entity tags, possibly
// over several header lines. Tags are compared as the store issued them, weak prefix
// included: Table Storage's ETags are all weak (W/"datetime'...'"), and this API hands them
// out as they are, so strong comparison would never match anything it issued.
func parseIfMatch(r *http.Request) (tasks.IfMatch, error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil, nil
	}
	field := strings.Join(values, ",")
	if strings.Trim(field, " \t") == "*" {
		return nil, nil // any current version: an existing task always has one
	}
	tags, ok := entityTags(field)
	if !ok {
		return nil, badRequest(`If-Match must be * or a list of entity tags such as "etag" or W/"etag", as this API returns them`)
	}
	return tags, nil
}

// entityTags splits a list of entity tags (RFC 9110 §8.8.3 and §5.6.1: empty list elements
// and optional white space around commas are allowed). ok is false for anything else,
// including an empty list.
func entityTags(field string) (tags tasks.IfMatch, ok bool) {
	const maxTags = 32
	rest := field
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			return tags, len(tags) > 0
		}
		n := entityTagLength(rest)
		if n == 0 || len(tags) == maxTags {
			return nil, false
		}
		tags = append(tags, rest[:n])
		rest = strings.TrimLeft(rest[n:], " \t")
		if rest != "" && rest[0] != ',' {
			return nil, false
		}
	}
}

// entityTagLength is the length of the entity-tag at the start of s, or 0 if there is none:
// [ "W/" ] DQUOTE *etagc DQUOTE, where etagc is %x21 / %x23-7E / obs-text.
func entityTagLength(s string) int {
	i := 0
	if strings.HasPrefix(s, "W/") {
		i = 2
	}
	if i >= len(s) || s[i] != '"' {
		return 0
	}
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1
		case c == 0x21, c >= 0x23 && c != 0x7f:
		default:
			return 0
		}
	}
	return 0
}

// checkJSONMediaType requires exactly one Content-Type, application/json, whose charset (RFC
// 8259 §8.1: JSON text exchanged between systems is UTF-8) is utf-8 if it is given at all.
// Other parameters have no meaning for application/json and are ignored.
func checkJSONMediaType(r *http.Request) error {
	values := r.Header.Values("Content-Type")
	if len(values) != 1 {
		return errNotJSON
	}
	mediaType, params, err := mime.ParseMediaType(values[0])
	if err != nil || mediaType != "application/json" {
		return errNotJSON
	}
	if charset, ok := params["charset"]; ok && !strings.EqualFold(charset, "utf-8") {
		return errNotJSON
	}
	return nil
}

// listQuery is the query of GET /api/tasks (and, without q and done, of an admin's list).
type listQuery struct {
	limit  int    // 0: the default
	next   string // "": the first page
	done   *bool  // nil: every task
	search string // "": no search
}

// parseListQuery reads limit and next (and, with filters, q and done) strictly: a malformed
// query string, a parameter given twice, a limit that is not plain digits, a done that is not
// true or false, or an empty q is a 400, not a silently different page. Parameters the route
// does not know are ignored, as HTTP caches and tools add their own.
func parseListQuery(raw string, filters bool) (listQuery, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return listQuery{}, badRequest("the query string is malformed")
	}
	names := []string{"limit", "next"}
	if filters {
		names = append(names, "q", "done")
	}
	for _, name := range names {
		if len(q[name]) > 1 {
			return listQuery{}, badRequest(name + ": give it at most once")
		}
	}
	var lq listQuery
	if q.Has("limit") {
		v := q.Get("limit")
		n, err := strconv.Atoi(v)
		if err != nil || v == "" || len(v) > 4 || strings.Trim(v, "0123456789") != "" {
			return listQuery{}, &tasks.ValidationError{Field: "limit", Message: "must be a whole number"}
		}
		if n == 0 {
			n = -1 // an explicit 0 is out of range, not "the default"
		}
		lq.limit = n
	}
	if q.Has("next") && q.Get("next") == "" {
		return listQuery{}, tasks.ErrInvalidCursor
	}
	lq.next = q.Get("next")
	if !filters {
		return lq, nil
	}
	if q.Has("done") {
		switch q.Get("done") {
		case "true":
			lq.done = new(true)
		case "false":
			lq.done = new(false)
		default:
			return listQuery{}, &tasks.ValidationError{Field: "done", Message: "must be true or false (false hides done tasks)"}
		}
	}
	if q.Has("q") {
		if lq.search, err = tasks.NormalizeSearch(q.Get("q")); err != nil {
			return listQuery{}, err
		}
	}
	return lq, nil
}

// maxIdempotencyKey bounds an Idempotency-Key: a UUID is 36 characters; 255 leaves room for
// any key scheme a client has.
const maxIdempotencyKey = 255

// parseIdempotencyKey reads Idempotency-Key ("" when absent). The draft
// (draft-ietf-httpapi-idempotency-key-header-06) makes it an RFC 8941 sf-string, a quoted
// string such as "8e03978e-40d5-43e8-bc93-6894a57f9324"; many clients send the key bare, as
// Stripe documented it first, so a bare key of visible ASCII is taken too. Either way the key
// is compared byte for byte, so "k" and k are one key.
func parseIdempotencyKey(r *http.Request) (string, error) {
	values := r.Header.Values("Idempotency-Key")
	if len(values) == 0 {
		return "", nil
	}
	const rule = `Idempotency-Key must be one key of 1 to 255 visible ASCII characters, quoted ("...") or bare, such as a UUID`
	if len(values) > 1 {
		return "", badRequest(rule)
	}
	raw := strings.Trim(values[0], " \t")
	key, ok := raw, true
	if strings.HasPrefix(raw, `"`) {
		key, ok = sfString(raw)
	} else {
		for i := 0; i < len(raw) && ok; i++ {
			ok = raw[i] > 0x20 && raw[i] < 0x7f && raw[i] != '"' && raw[i] != '\\'
		}
	}
	if !ok || key == "" || len(key) > maxIdempotencyKey || strings.Trim(key, " ") == "" {
		return "", badRequest(rule)
	}
	return key, nil
}

// sfString decodes an RFC 8941 §3.3.3 String: DQUOTE *( unescaped / "\" ( DQUOTE / "\" ) )
// DQUOTE, where unescaped is printable ASCII (0x20-0x7E) other than DQUOTE and "\".
func sfString(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s)-1 && (s[i+1] == '"' || s[i+1] == '\\'):
			i++
			b.WriteByte(s[i])
		case c < 0x20 || c > 0x7e || c == '"' || c == '\\':
			return "", false
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}
