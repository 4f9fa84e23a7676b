package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fillMe sets every field of a meJSON from values, through reflection, so that a field added
// to meJSON is filled too, and shows up in json.Marshal's output whether or not appendMeJSON
// knows it.
func fillMe(t *testing.T, str string, list []string) meJSON {
	t.Helper()
	var m meJSON
	v := reflect.ValueOf(&m).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString(str)
		case reflect.Slice:
			f.Set(reflect.ValueOf(list))
		default:
			t.Fatalf("meJSON.%s is a %s: teach appendMeJSON and this test about it", v.Type().Field(i).Name, f.Kind())
		}
	}
	return m
}

func sameAsEncodingJSON(t *testing.T, m meJSON) {
	t.Helper()
	want, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := marshalJSON(m)
	if err != nil || string(got) != string(want) {
		t.Errorf("marshalJSON = %s, %v\njson.Marshal  %s", got, err, want)
	}
}

// The body of GET /api/me is json.Marshal's, byte for byte, whichever way it is written.
func TestMeBodyAsEncodingJSON(t *testing.T) {
	strs := []string{"", "plain", "00000000-0000-4000-8000-00000000e001", "Ada Lovelace", "a@b.example",
		`quote"d`, `back\slash`, "<b>&amp;", "tab\t", "\x00\x1f\x7f", "é", "\u2028", "bad \xff"}
	lists := [][]string{nil, {}, {"access_as_user"}, {"Admin", "Editor", "Viewer"}, {"tasks.read", "x<y"}}
	for _, s := range strs {
		for _, l := range lists {
			sameAsEncodingJSON(t, fillMe(t, s, l))
		}
	}
	sameAsEncodingJSON(t, meJSON{ID: "id", Name: "José", Email: "e", TenantID: "t", Scopes: []string{"a", "b"}, Roles: []string{}, Permissions: nil})
}

func FuzzMeBodyAsEncodingJSON(f *testing.F) {
	f.Add("Ada", "access_as_user", "Admin")
	f.Add("<\xff>", "", "\"")
	f.Fuzz(func(t *testing.T, name, scope, role string) {
		m := fillMe(t, name, []string{scope, role})
		m.ID = scope
		sameAsEncodingJSON(t, m)
	})
}

var benchMe = meJSON{ID: "00000000-0000-4000-8000-00000000e001", Name: "Bench User", Email: "bench@example.com",
	TenantID: "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d", Scopes: []string{"access_as_user"}, Roles: []string{},
	Permissions: []string{"tasks.read", "tasks.write"}}

// BenchmarkMeBody is the body of GET /api/me as writeJSON makes it; BenchmarkMeBodyEncodingJSON
// is json.Marshal of the same value, for comparison.
func BenchmarkMeBody(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marshalJSON(benchMe); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMeBodyEncodingJSON(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(benchMe); err != nil {
			b.Fatal(err)
		}
	}
}
