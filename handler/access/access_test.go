package access_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/example/entra-tasks/handler/access"
)

func TestPermissionsAreTheUnionOfRoles(t *testing.T) {
	for _, c := range []struct {
		kind        access.Kind
		roles       []string
		names, perm []string
	}{
		{access.User, nil, []string{}, []string{"tasks.read", "tasks.write"}}, // no role: treated as Editor
		{access.User, []string{"Owner", "admin"}, []string{}, []string{"tasks.read", "tasks.write"}},
		{access.User, []string{"Viewer"}, []string{"Viewer"}, []string{"tasks.read"}},
		{access.User, []string{"Editor"}, []string{"Editor"}, []string{"tasks.read", "tasks.write"}},
		{access.User, []string{"Admin"}, []string{"Admin"}, []string{"tasks.read", "tasks.write", "users.read", "admin"}},
		{access.User, []string{"Viewer", "Editor"}, []string{"Editor", "Viewer"}, []string{"tasks.read", "tasks.write"}},
		{access.User, []string{"Viewer", "Admin"}, []string{"Admin", "Viewer"}, []string{"tasks.read", "tasks.write", "users.read", "admin"}},
		{access.User, []string{"Viewer", "Unknown"}, []string{"Viewer"}, []string{"tasks.read"}},
		// A user never gains an application permission from a role of the same name: the
		// application roles are not recognised, and the user acts as one with no role.
		{access.User, []string{"Tasks.ReadWrite.All"}, []string{}, []string{"tasks.read", "tasks.write"}},
		{access.User, []string{"Viewer", "Tasks.Read.All"}, []string{"Viewer"}, []string{"tasks.read"}},
		// An app has only what it was granted: nothing by default, and no user role counts.
		{access.App, nil, []string{}, []string{}},
		{access.App, []string{"Admin", "Editor"}, []string{}, []string{}},
		{access.App, []string{"Tasks.Read.All"}, []string{"Tasks.Read.All"}, []string{"users.read"}},
		{access.App, []string{"Tasks.ReadWrite.All"}, []string{"Tasks.ReadWrite.All"}, []string{"users.read", "users.write"}},
		{access.App, []string{"Admin", "Tasks.Read.All", "tasks.readwrite.all"}, []string{"Tasks.Read.All"}, []string{"users.read"}},
	} {
		rs := access.ParseRoles(c.kind, c.roles)
		if rs.Kind() != c.kind {
			t.Errorf("%v %v: kind %v", c.kind, c.roles, rs.Kind())
		}
		if got := rs.Names(); !slices.Equal(got, c.names) {
			t.Errorf("%v %v: roles %v, want %v", c.kind, c.roles, got, c.names)
		}
		if got := rs.Permissions().Names(); !slices.Equal(got, c.perm) {
			t.Errorf("%v %v: permissions %v, want %v", c.kind, c.roles, got, c.perm)
		}
	}
}

func TestCheckNamesTheLeastRoleNeeded(t *testing.T) {
	viewer := access.ParseRoles(access.User, []string{"Viewer"})
	editor := access.ParseRoles(access.User, []string{"Editor"})
	admin := access.ParseRoles(access.User, []string{"Admin"})
	reader := access.ParseRoles(access.App, []string{"Tasks.Read.All"})
	writer := access.ParseRoles(access.App, []string{"Tasks.ReadWrite.All"})
	for _, c := range []struct {
		name string
		rs   access.Roles
		need access.Permission
		want access.Role
	}{
		{"viewer writing", viewer, access.TasksWrite, access.Editor},
		{"editor erasing", editor, access.UsersErase, access.Admin},
		{"editor reading the audit log", editor, access.AuditRead, access.Admin},
		{"editor listing users", editor, access.UsersRead, access.Admin},
		// No user role writes another user's tasks: the 403 names the application permission.
		{"admin writing a user's tasks", admin, access.UsersWrite, access.TasksReadWriteAll},
		{"reader app writing", reader, access.UsersWrite, access.TasksReadWriteAll},
		// No application permission erases or reads the audit log: the 403 names Admin.
		{"writer app erasing", writer, access.UsersErase, access.Admin},
		{"reader app erasing", reader, access.UsersErase, access.Admin},
		{"viewer erasing", viewer, access.UsersErase, access.Admin},
		{"writer app reading the audit log", writer, access.AuditRead, access.Admin},
	} {
		var missing *access.MissingRoleError
		err := c.rs.Check(c.need)
		if !errors.As(err, &missing) || missing.Role != c.want || missing.Caller != c.rs.Kind() {
			t.Errorf("%s: %v, want %v missing", c.name, err, c.want)
		}
	}
	for _, ok := range []struct {
		rs   access.Roles
		need access.Permission
	}{
		{viewer, access.TasksRead}, {viewer, access.None}, {editor, access.TasksWrite}, {0, access.TasksWrite},
		{admin, access.UsersRead}, {admin, access.UsersErase}, {admin, access.AuditRead}, {reader, access.UsersRead}, {writer, access.UsersWrite}, {reader, access.None},
	} {
		if err := ok.rs.Check(ok.need); err != nil {
			t.Errorf("%v needing %v: %v", ok.rs.Names(), ok.need.Names(), err)
		}
	}
}

// An app asking for its own tasks is told it has none, whatever it was granted.
func TestAppsHaveNoTasksOfTheirOwn(t *testing.T) {
	for _, rs := range []access.Roles{
		access.ParseRoles(access.App, []string{"Tasks.ReadWrite.All"}),
		access.ParseRoles(access.App, []string{"Tasks.Read.All"}),
	} {
		for _, need := range []access.Permission{access.TasksRead, access.TasksWrite} {
			var none *access.NoOwnTasksError
			if err := rs.Check(need); !errors.As(err, &none) {
				t.Errorf("%v needing %v: %v, want NoOwnTasksError", rs.Names(), need.Names(), err)
			}
		}
	}
}

// However a set was built, a user's never grants an application permission and an app's never a
// user role: Permissions counts each role for its own kind of caller only.
func TestPermissionsCountEachRoleForItsKindOnly(t *testing.T) {
	userWithAppRoles := access.Roles(access.TasksReadWriteAll) | access.Roles(access.Viewer)
	if got := userWithAppRoles.Permissions().Names(); !slices.Equal(got, []string{"tasks.read"}) {
		t.Errorf("a user's set holding Tasks.ReadWrite.All grants %v, want only the Viewer's", got)
	}
	app := access.ParseRoles(access.App, []string{"Tasks.Read.All"}) | access.Roles(access.Admin)
	if got := app.Permissions().Names(); !slices.Equal(got, []string{"users.read"}) {
		t.Errorf("an app's set holding Admin grants %v, want only users.read", got)
	}
}

// "admin" in /api/me stands for the erase and the audit log together: a set holding only one of
// them does not claim the admin API.
func TestAdminIsListedOnlyWithBothOfItsPermissions(t *testing.T) {
	for _, c := range []struct {
		p    access.Permission
		want []string
	}{
		{access.UsersErase, []string{}},
		{access.AuditRead, []string{}},
		{access.UsersErase | access.AuditRead, []string{"admin"}},
		{access.UsersRead | access.UsersErase | access.AuditRead, []string{"users.read", "admin"}},
	} {
		if got := c.p.Names(); !slices.Equal(got, c.want) {
			t.Errorf("%b: %v, want %v", c.p, got, c.want)
		}
	}
}
