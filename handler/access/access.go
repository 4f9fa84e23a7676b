// Package access decides what a caller may do from the app roles in their token: the roles
// Admin, Editor and Viewer (the `roles` claim of an Entra access token, defined on the API's
// app registration) and the permissions they grant. It knows nothing of HTTP or storage.
package access

// Role is one recognised app role.
type Role uint8

const (
	Admin Role = 1 << iota
	Editor
	Viewer
)

// roleNames is the order in which roles are listed: Admin, Editor, Viewer.
var roleNames = [...]struct {
	role Role
	name string
}{{Admin, "Admin"}, {Editor, "Editor"}, {Viewer, "Viewer"}}

// String is the role's value in the token and in the app registration.
func (r Role) String() string {
	for _, n := range roleNames {
		if n.role == r {
			return n.name
		}
	}
	return ""
}

// Roles is a set of recognised roles. The zero value is "no recognised role".
type Roles uint8

// ParseRoles keeps the values it recognises, compared case-sensitively as Entra issues them;
// any other value (a role this API does not define, a misspelling) grants nothing.
func ParseRoles(values []string) Roles {
	var rs Roles
	for _, v := range values {
		for _, n := range roleNames {
			if v == n.name {
				rs |= Roles(n.role)
			}
		}
	}
	return rs
}

// Has reports whether r is in the set.
func (rs Roles) Has(r Role) bool { return rs&Roles(r) != 0 }

// Names lists the roles in the set, in the order Admin, Editor, Viewer; empty, not nil, when
// there are none, so that it encodes as [].
func (rs Roles) Names() []string { return rs.AppendNames(make([]string, 0, len(roleNames))) }

// AppendNames appends Names to dst.
func (rs Roles) AppendNames(dst []string) []string {
	for _, n := range roleNames {
		if rs.Has(n.role) {
			dst = append(dst, n.name)
		}
	}
	return dst
}

// Permission is one thing a caller may do.
type Permission uint8

const (
	TasksRead  Permission = 1 << iota // read one's own tasks
	TasksWrite                        // create, change and delete one's own tasks
	AdminRead                         // the admin API: other users' tasks, erase, audit
	// None is the permission of routes that only need a valid token.
	None Permission = 0
)

var permissionNames = [...]struct {
	perm Permission
	name string
}{{TasksRead, "tasks.read"}, {TasksWrite, "tasks.write"}, {AdminRead, "admin"}}

// grants is what each role allows; a caller's permissions are the union over their roles.
func (r Role) grants() Permission {
	switch r {
	case Admin:
		return TasksRead | TasksWrite | AdminRead
	case Editor:
		return TasksRead | TasksWrite
	case Viewer:
		return TasksRead
	}
	return None
}

// Permissions is the union of what the roles grant. A caller with no recognised role is
// treated as an Editor, so that a tenant where nobody has been assigned a role keeps working;
// a deployment that wants only assigned users sets appRoleAssignmentRequired on the API's
// service principal, and then Entra issues no token to anyone without a role.
func (rs Roles) Permissions() Permission {
	if rs == 0 {
		return Editor.grants()
	}
	var p Permission
	for _, n := range roleNames {
		if rs.Has(n.role) {
			p |= n.role.grants()
		}
	}
	return p
}

// Allows reports whether the roles grant every permission in need.
func (rs Roles) Allows(need Permission) bool { return rs.Permissions()&need == need }

// Names lists the permissions in the set, in the order tasks.read, tasks.write, admin.
func (p Permission) Names() []string { return p.AppendNames(make([]string, 0, len(permissionNames))) }

// AppendNames appends Names to dst.
func (p Permission) AppendNames(dst []string) []string {
	for _, n := range permissionNames {
		if p&n.perm != 0 {
			dst = append(dst, n.name)
		}
	}
	return dst
}

// RoleFor is the least role that grants need: what a 403 tells the caller to ask for.
func RoleFor(need Permission) Role {
	for _, r := range []Role{Viewer, Editor, Admin} {
		if r.grants()&need == need {
			return r
		}
	}
	return Admin
}

// MissingRoleError means the caller's roles do not grant what the route needs. The API
// answers 403 naming Role; it is not an RFC 6750 insufficient_scope (the token's scope is fine).
type MissingRoleError struct {
	Role Role
}

func (e *MissingRoleError) Error() string {
	return "access: the caller's roles do not include " + e.Role.String()
}

// Check returns a *MissingRoleError unless the roles grant need.
func (rs Roles) Check(need Permission) error {
	if rs.Allows(need) {
		return nil
	}
	return &MissingRoleError{Role: RoleFor(need)}
}
