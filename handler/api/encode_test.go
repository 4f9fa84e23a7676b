package api

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"

	"github.com/example/entra-tasks/handler/access"
	"github.com/example/entra-tasks/handler/auth"
)

// principal sets every string field of a Principal to str and every list to list, through
// reflection, so that a field added to Principal (and to meOf) is filled too.
func principal(t testing.TB, str string, list []string, roles access.Roles) *auth.Principal {
	t.Helper()
	p := &auth.Principal{Roles: roles}
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(str)
		case reflect.Slice:
			f.Set(reflect.ValueOf(list))
		case reflect.Uint8: // Roles
		default:
			t.Fatalf("Principal.%s is a %s: teach this test about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	return p
}

// sameAsWriteJSON fails unless writeMe answers exactly what writeJSON answers for meOf(p):
// status, headers and body.
func sameAsWriteJSON(t *testing.T, p *auth.Principal) {
	t.Helper()
	want, got := httptest.NewRecorder(), httptest.NewRecorder()
	writeJSON(want, 200, meOf(p))
	var s Server
	s.writeMe(got, p)
	s.writeMe(httptest.NewRecorder(), p) // from a pooled buffer this time
	got2 := httptest.NewRecorder()
	s.writeMe(got2, p)
	if got2.Body.String() != got.Body.String() {
		t.Errorf("writeMe from a reused buffer: %s, first %s", got2.Body, got.Body)
	}
	if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) || got.Body.String() != want.Body.String() {
		t.Errorf("writeMe: %d %v %s\nwriteJSON: %d %v %s", got.Code, got.Header(), got.Body, want.Code, want.Header(), want.Body)
	}
	if b, ok := appendMe(nil, p); ok {
		if j, _ := json.Marshal(meOf(p)); string(b) != string(j) {
			t.Errorf("appendMe = %s, json.Marshal %s", b, j)
		}
	}
}

// The body of GET /api/me is json.Marshal's, byte for byte, whichever way it is written: plain
// and escaped strings, nil, empty and full lists, every set of roles, for users and apps (every
// value of the byte, the kind's bit among them).
func TestMeBodyAsEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", "00000000-0000-4000-8000-00000000e001", "Ada Lovelace", "a@b.example",
		`quote"d`, `back\slash`, "<b>&amp;", "tab\t", "\x00\x1f\x7f", "é", "\u2028", "bad \xff"}
	lists := [][]string{nil, {}, {"access_as_user"}, {"a", "b", "c", "d", "e"}, {"tasks.read", "x<y"}}
	for r := range 256 {
		roles := access.Roles(r)
		for _, s := range strs {
			for _, l := range lists {
				sameAsWriteJSON(t, principal(t, s, l, roles))
			}
		}
	}
	sameAsWriteJSON(t, &auth.Principal{ObjectID: "id", Name: "José", Scopes: []string{"a"}, Roles: access.Roles(access.Admin)})
	sameAsWriteJSON(t, &auth.Principal{ObjectID: "id", AppID: "app", Roles: access.ParseRoles(access.App, []string{"Tasks.Read.All"})})
}

// An app's /api/me says what it is: kind app, its app id, no name, email or scopes ([], not
// null), its application permissions and what they grant.
func TestMeOfAnApp(t *testing.T) {
	p := &auth.Principal{ObjectID: "5b5b5b5b-0000-4000-8000-0000000000b1", AppID: "5a5a5a5a-0000-4000-8000-0000000000a1",
		TenantID: "t", Roles: access.ParseRoles(access.App, []string{"Tasks.ReadWrite.All"})}
	rec := httptest.NewRecorder()
	new(Server).writeMe(rec, p)
	want := `{"id":"5b5b5b5b-0000-4000-8000-0000000000b1","kind":"app","appId":"5a5a5a5a-0000-4000-8000-0000000000a1",` +
		`"name":"","email":"","tenantId":"t","scopes":[],"roles":["Tasks.ReadWrite.All"],"permissions":["users.read","users.write"]}`
	if got := rec.Body.String(); got != want {
		t.Errorf("GET /api/me for an app:\n got %s\nwant %s", got, want)
	}
}

func FuzzMeBodyAsEncodingJSON(f *testing.F) {
	f.Add("Ada", "access_as_user", "x", uint8(1))
	f.Add("<\xff>", "", "\"", uint8(7))
	f.Fuzz(func(t *testing.T, name, scope, other string, roles uint8) {
		p := principal(t, name, []string{scope, other}, access.Roles(roles))
		p.ObjectID = scope
		sameAsWriteJSON(t, p)
	})
}

var benchPrincipal = &auth.Principal{ObjectID: "00000000-0000-4000-8000-00000000e001", Name: "Bench User",
	Username: "bench@example.com", TenantID: "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d", Scopes: []string{"access_as_user"}}

// BenchmarkMeBody is the body of GET /api/me as writeMe makes it; BenchmarkMeBodyEncodingJSON
// is what writeJSON did before it: meOf and json.Marshal.
func BenchmarkMeBody(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := appendMe(nil, benchPrincipal); !ok {
			b.Fatal("not plain")
		}
	}
}

func BenchmarkMeBodyEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(meOf(benchPrincipal)); err != nil {
			b.Fatal(err)
		}
	}
}
