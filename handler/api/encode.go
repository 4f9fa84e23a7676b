package api

import (
	"encoding/json"

	"github.com/example/entra-tasks/handler/internal/plain"
)

// marshalJSON is json.Marshal(v), byte for byte. The body of GET /api/me, the commonest
// answer, is written directly when every string in it is one that encoding/json copies as it
// is (appendMeJSON): json.Marshal reflects over the struct on every call, which cost that
// request about as much as its token check when answered from the cache.
func marshalJSON(v any) ([]byte, error) {
	if m, ok := v.(meJSON); ok {
		if b, ok := appendMeJSON(&m); ok {
			return b, nil
		}
	}
	return json.Marshal(v)
}

// appendMeJSON returns m as json.Marshal encodes it, or false when a string needs escaping
// (then json.Marshal's own rules apply). TestMeBodyAsEncodingJSON fills every field of meJSON
// through reflection, so a field added there and not here fails it.
func appendMeJSON(m *meJSON) ([]byte, bool) {
	strs := [...]string{m.ID, m.Name, m.Email, m.TenantID}
	lists := [...][]string{m.Scopes, m.Roles, m.Permissions}
	n := len(`{"id":"","name":"","email":"","tenantId":"","scopes":,"roles":,"permissions":}`)
	for _, s := range strs {
		if !plain.EncodingJSON(s) {
			return nil, false
		}
		n += len(s)
	}
	for _, l := range lists {
		n += len("null")
		for _, s := range l {
			if !plain.EncodingJSON(s) {
				return nil, false
			}
			n += len(s) + len(`"",`)
		}
	}
	b := make([]byte, 0, n)
	for i, key := range [...]string{`{"id":"`, `","name":"`, `","email":"`, `","tenantId":"`} {
		b = append(b, key...)
		b = append(b, strs[i]...)
	}
	for i, key := range [...]string{`","scopes":`, `,"roles":`, `,"permissions":`} {
		b = append(b, key...)
		l := lists[i]
		if l == nil {
			b = append(b, "null"...)
			continue
		}
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
