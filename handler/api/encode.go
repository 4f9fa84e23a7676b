package api

import (
	"net/http"
	"slices"

	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/internal/plain"
)

// meOf is the body of GET /api/me for the caller p. An app has no scopes: [] rather than null.
func meOf(p *auth.Principal) meJSON {
	scopes := p.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return meJSON{
		ID: p.ObjectID, Kind: p.Kind().String(), AppID: p.AppID, Name: p.Name, Email: p.Username, TenantID: p.TenantID,
		Scopes: scopes, Roles: p.Roles.Names(), Permissions: p.Roles.Permissions().Names(),
	}
}

// writeMe answers GET /api/me for p exactly as writeJSON(w, http.StatusOK, meOf(p)) does. The
// commonest answer is written straight from the principal when every string in it is one that
// encoding/json copies as it is: json.Marshal walked meJSON by reflection on every request,
// and building meJSON took three allocations of its own. Anything else goes to writeJSON.
// TestMeBodyAsEncodingJSON holds the two to the same bytes.
//
// The body is built in a buffer from s.bodies and returned there once written: a
// ResponseWriter does not keep what it is given (net/http copies it to the connection's
// buffer), and the commonest answer then allocates nothing of its own.
func (s *Server) writeMe(w http.ResponseWriter, p *auth.Principal) {
	buf, _ := s.bodies.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	body, ok := appendMe((*buf)[:0], p)
	if !ok {
		writeJSON(w, http.StatusOK, meOf(p))
	} else {
		writeJSONBody(w, http.StatusOK, body)
	}
	if cap(body) <= 4<<10 {
		*buf = body[:0]
		s.bodies.Put(buf)
	}
}

// appendMe appends json.Marshal(meOf(p)) to b, or reports false when a string needs escaping.
func appendMe(b []byte, p *auth.Principal) ([]byte, bool) {
	var roleBuf, permBuf [5]string
	strs := [...]string{p.ObjectID, p.Kind().String(), p.AppID, p.Name, p.Username, p.TenantID}
	lists := [...][]string{p.Scopes, p.Roles.AppendNames(roleBuf[:0]), p.Roles.Permissions().AppendNames(permBuf[:0])}
	n := len(`{"id":"","kind":"","appId":"","name":"","email":"","tenantId":"","scopes":,"roles":,"permissions":}`)
	for _, s := range strs {
		if !plain.EncodingJSON(s) {
			return nil, false
		}
		n += len(s)
	}
	for _, l := range lists {
		n += len("[]")
		for _, s := range l {
			if !plain.EncodingJSON(s) {
				return nil, false
			}
			n += len(s) + len(`"",`)
		}
	}
	b = slices.Grow(b, n)
	for i, key := range [...]string{`{"id":"`, `","kind":"`, `","appId":"`, `","name":"`, `","email":"`, `","tenantId":"`} {
		b = append(b, key...)
		b = append(b, strs[i]...)
	}
	for i, key := range [...]string{`","scopes":`, `,"roles":`, `,"permissions":`} {
		b = append(b, key...)
		l := lists[i] // a nil Scopes (an app's) is [], as meOf has it
		b = append(b, '[')
		for j, s := range l {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, '"')
			b = append(b, s...)
			b = append(b, '"')
		}
		b = append(b, ']')
	}
	return append(b, '}'), true
}
