// Package access decides what a caller may do from the app roles in their token and the kind of
// caller they are. A signed-in user (a delegated token) holds the user roles Admin, Editor and
// Viewer; an app calling as itself (an app-only token: a daemon, a managed identity) holds the
// application permissions Tasks.Read.All and Tasks.ReadWrite.All. Both arrive in the same `roles`
// claim of an Entra access token, defined on the API's app registration, so each kind of caller
// is read for its own roles only: a user who holds a role named like an application permission
// gains nothing from it, and neither does an app from a user role. It knows nothing of HTTP or
// storage.
package access

// Kind is the kind of caller a token speaks for.
type Kind uint8

const (
	// User is a signed-in user, through a delegated token (scp).
	User Kind = iota
	// App is an application calling as itself, through an app-only token (roles, no scp).
	App
)

// String is the kind as the API names it: "user" or "app".
func (k Kind) String() string {
	if k == App {
		return "app"
	}
	return "user"
}

// Role is one recognised app role.
type Role uint8

const (
	Admin Role = 1 << iota
	Editor
	Viewer
	// TasksReadAll is the application permission Tasks.Read.All: read any user's tasks.
	TasksReadAll
	// TasksReadWriteAll is the application permission Tasks.ReadWrite.All: also create, change
	// and delete any given user's tasks.
	TasksReadWriteAll
)

// appCaller marks a Roles set read from an app-only token. It is no role: Names never lists it.
const appCaller Roles = 1 << 7

// roleNames is the order in which roles are listed, with the kind of caller each is for.
var roleNames = [...]struct {
	role Role
	name string
	kind Kind
}{
	{Admin, "Admin", User}, {Editor, "Editor", User}, {Viewer, "Viewer", User},
	{TasksReadAll, "Tasks.Read.All", App}, {TasksReadWriteAll, "Tasks.ReadWrite.All", App},
}

// String is the role's value in the token and in the app registration.
func (r Role) String() string {
	for _, n := range roleNames {
		if n.role == r {
			return n.name
		}
	}
	return ""
}

// Application reports whether r is an application permission (a role only apps hold).
func (r Role) Application() bool { return r.kind() == App }

func (r Role) kind() Kind {
	for _, n := range roleNames {
		if n.role == r {
			return n.kind
		}
	}
	return User
}

// Roles is a caller's set of recognised roles, and whether the caller is an app. The zero value
// is a user with no recognised role.
type Roles uint8

// ParseRoles keeps the values it recognises for kind, compared case-sensitively as Entra issues
// them; any other value (a role this API does not define, a misspelling, a role of the other
// kind of caller) grants nothing.
func ParseRoles(kind Kind, values []string) Roles {
	var rs Roles
	if kind == App {
		rs = appCaller
	}
	for _, v := range values {
		for _, n := range roleNames {
			if v == n.name && n.kind == kind {
				rs |= Roles(n.role)
			}
		}
	}
	return rs
}

// Kind is the kind of caller the roles were read for.
func (rs Roles) Kind() Kind {
	if rs&appCaller != 0 {
		return App
	}
	return User
}

// Has reports whether r is in the set.
func (rs Roles) Has(r Role) bool { return rs&Roles(r) != 0 }

// Empty reports whether the set holds no recognised role.
func (rs Roles) Empty() bool { return rs&^appCaller == 0 }

// Names lists the roles in the set, in the order Admin, Editor, Viewer, Tasks.Read.All,
// Tasks.ReadWrite.All; empty, not nil, when there are none, so that it encodes as [].
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
	UsersRead                         // list the users who have tasks, read any user's tasks
	UsersWrite                        // create, change and delete any given user's tasks
	UsersErase                        // erase all of a user's tasks at once (irreversible; step-up)
	AuditRead                         // read the audit log
	// None is the permission of routes that only need a valid token.
	None Permission = 0
)

// ownTasks are the permissions on the caller's own tasks, which only a user has.
const ownTasks = TasksRead | TasksWrite

// permissionNames are the names the API lists (GET /api/me). "admin" stands for UsersErase and
// AuditRead together: the admin API as the SPA shows it, which only the Admin role grants, and
// a name clients already read; it is listed only when both are held.
var permissionNames = [...]struct {
	perm Permission
	name string
}{{TasksRead, "tasks.read"}, {TasksWrite, "tasks.write"}, {UsersRead, "users.read"}, {UsersWrite, "users.write"}, {UsersErase | AuditRead, "admin"}}

// grants is what each role allows; a caller's permissions are the union over their roles.
func (r Role) grants() Permission {
	switch r {
	case Admin:
		return TasksRead | TasksWrite | UsersRead | UsersErase | AuditRead
	case Editor:
		return TasksRead | TasksWrite
	case Viewer:
		return TasksRead
	case TasksReadAll:
		return UsersRead
	case TasksReadWriteAll:
		// Not UsersErase: an app cannot satisfy the erase's step-up (an authentication context
		// is a user's sign-in), and deleting a user's tasks one by one is audited per task.
		return UsersRead | UsersWrite
	}
	return None
}

// Permissions is the union of what the roles grant, each role counting only for its kind of
// caller. A user with no recognised role is treated as an Editor, so that a tenant where nobody
// has been assigned a role keeps working; a deployment that wants only assigned users sets
// appRoleAssignmentRequired on the API's service principal, and then Entra issues no token to
// anyone without a role. An app gets nothing by default: it has only the application
// permissions an administrator granted it.
func (rs Roles) Permissions() Permission {
	kind := rs.Kind()
	if kind == User && rs.Empty() {
		return Editor.grants()
	}
	var p Permission
	for _, n := range roleNames {
		if n.kind == kind && rs.Has(n.role) {
			p |= n.role.grants()
		}
	}
	return p
}

// Allows reports whether the roles grant every permission in need.
func (rs Roles) Allows(need Permission) bool { return rs.Permissions()&need == need }

// Names lists the permissions in the set, in the order tasks.read, tasks.write, users.read,
// users.write, admin.
func (p Permission) Names() []string { return p.AppendNames(make([]string, 0, len(permissionNames))) }

// AppendNames appends Names to dst.
func (p Permission) AppendNames(dst []string) []string {
	for _, n := range permissionNames {
		if p&n.perm == n.perm {
			dst = append(dst, n.name)
		}
	}
	return dst
}

// RoleFor is the least role that grants need, what a 403 tells a caller of kind to ask for:
// one of that kind's own roles when one grants it, else the other kind's (a user asking for a
// write to another user's tasks is told it takes the application permission Tasks.ReadWrite.All).
func RoleFor(kind Kind, need Permission) Role {
	order := [...]Role{Viewer, Editor, Admin, TasksReadAll, TasksReadWriteAll}
	for _, own := range [...]bool{true, false} {
		for _, r := range order {
			if (r.kind() == kind) == own && r.grants()&need == need {
				return r
			}
		}
	}
	return Admin
}

// MissingRoleError means the caller's roles do not grant what the route needs. The API
// answers 403 naming Role; it is not an RFC 6750 insufficient_scope (the token's scope is fine).
type MissingRoleError struct {
	Role   Role
	Caller Kind // who asked: a role of the other kind is one they can never be granted
}

func (e *MissingRoleError) Error() string {
	return "access: the caller's roles do not include " + e.Role.String()
}

// NoOwnTasksError means an app asked for "its own" tasks (/api/tasks): an app has none, it
// reads and writes a given user's tasks under /api/users/{userId}/tasks.
type NoOwnTasksError struct{}

func (*NoOwnTasksError) Error() string { return "access: an app has no tasks of its own" }

// Check returns a *NoOwnTasksError for an app on a route about the caller's own tasks, and a
// *MissingRoleError when the roles do not grant need.
func (rs Roles) Check(need Permission) error {
	if rs.Kind() == App && need&ownTasks != 0 {
		return &NoOwnTasksError{}
	}
	if rs.Allows(need) {
		return nil
	}
	return &MissingRoleError{Role: RoleFor(rs.Kind(), need), Caller: rs.Kind()}
}
