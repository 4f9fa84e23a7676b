package access_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/example/entra-tasks/handler/access"
)

func TestPermissionsAreTheUnionOfRoles(t *testing.T) {
	for _, c := range []struct {
		roles       []string
		names, perm []string
	}{
		{nil, []string{}, []string{"tasks.read", "tasks.write"}}, // no role: treated as Editor
		{[]string{"Owner", "admin"}, []string{}, []string{"tasks.read", "tasks.write"}},
		{[]string{"Viewer"}, []string{"Viewer"}, []string{"tasks.read"}},
		{[]string{"Editor"}, []string{"Editor"}, []string{"tasks.read", "tasks.write"}},
		{[]string{"Admin"}, []string{"Admin"}, []string{"tasks.read", "tasks.write", "admin"}},
		{[]string{"Viewer", "Editor"}, []string{"Editor", "Viewer"}, []string{"tasks.read", "tasks.write"}},
		{[]string{"Viewer", "Admin"}, []string{"Admin", "Viewer"}, []string{"tasks.read", "tasks.write", "admin"}},
		{[]string{"Viewer", "Unknown"}, []string{"Viewer"}, []string{"tasks.read"}},
	} {
		rs := access.ParseRoles(c.roles)
		if got := rs.Names(); !slices.Equal(got, c.names) {
			t.Errorf("%v: roles %v, want %v", c.roles, got, c.names)
		}
		if got := rs.Permissions().Names(); !slices.Equal(got, c.perm) {
			t.Errorf("%v: permissions %v, want %v", c.roles, got, c.perm)
		}
	}
}

func TestCheckNamesTheLeastRoleNeeded(t *testing.T) {
	viewer := access.ParseRoles([]string{"Viewer"})
	editor := access.ParseRoles([]string{"Editor"})
	var missing *access.MissingRoleError
	if err := viewer.Check(access.TasksWrite); !errors.As(err, &missing) || missing.Role != access.Editor {
		t.Errorf("viewer writing: %v, want Editor missing", err)
	}
	if err := editor.Check(access.AdminRead); !errors.As(err, &missing) || missing.Role != access.Admin {
		t.Errorf("editor on admin: %v, want Admin missing", err)
	}
	for _, ok := range []struct {
		rs   access.Roles
		need access.Permission
	}{{viewer, access.TasksRead}, {viewer, access.None}, {editor, access.TasksWrite}, {0, access.TasksWrite}} {
		if err := ok.rs.Check(ok.need); err != nil {
			t.Errorf("%v needing %v: %v", ok.rs.Names(), ok.need.Names(), err)
		}
	}
}
