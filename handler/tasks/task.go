// Package tasks holds the domain of the API: what a task is, the rules its fields obey, and
// the Store interface that persistence implements. It depends on nothing but the standard
// library, so its rules can be read and tested on their own.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxTitleLength is counted in characters (Unicode code points), not bytes.
const MaxTitleLength = 200

// Task is one user's to-do item. ETag is the store's concurrency token, passed through
// unchanged so that a client can make its next write conditional on what it last saw.
type Task struct {
	ID        string
	Title     string
	Completed bool
	CreatedAt time.Time
	UpdatedAt time.Time
	ETag      string
}

// Patch changes some fields of a task; nil fields stay as they are.
type Patch struct {
	Title     *string
	Completed *bool
}

// Page is one page of a user's tasks, oldest first. Next is empty on the last page; a page
// may be short (even empty) and still have a Next, as Table Storage pages are.
type Page struct {
	Items []Task
	Next  string
}

// Limits of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Store persists tasks. Every method is scoped to owner, the caller's verified object id:
// an id that belongs to someone else is indistinguishable from one that does not exist.
type Store interface {
	// Create stores a new task with the given id and title, created and updated at now.
	Create(ctx context.Context, owner string, t Task) (Task, error)
	Get(ctx context.Context, owner, id string) (Task, error)
	// List returns up to limit tasks after the cursor a previous page returned ("" = first).
	List(ctx context.Context, owner string, limit int, cursor string) (Page, error)
	// Update applies p at time now. With ifMatch non-empty, it fails with
	// ErrPreconditionFailed unless the stored ETag is exactly ifMatch.
	Update(ctx context.Context, owner, id string, p Patch, ifMatch string, now time.Time) (Task, error)
	// Delete removes the task, under the same ifMatch rule as Update.
	Delete(ctx context.Context, owner, id, ifMatch string) error
}

// Errors a Store returns, wrapped; the HTTP layer maps each to a status in one place.
var (
	ErrNotFound           = errors.New("task not found")
	ErrPreconditionFailed = errors.New("task has changed since the given ETag")
	ErrInvalidCursor      = errors.New("invalid page cursor")
	ErrUnavailable        = errors.New("task storage is unavailable")
)

// ValidationError is a rule a client broke; Message is safe to show to the user.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// NormalizeTitle trims surrounding white space and checks the rules a title obeys: not empty,
// at most MaxTitleLength characters, valid UTF-8, no control characters (they break rendering
// and logs, and no keyboard types them).
func NormalizeTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", &ValidationError{"title", "must not be empty"}
	case !utf8.ValidString(s):
		return "", &ValidationError{"title", "must be valid UTF-8"}
	case utf8.RuneCountInString(s) > MaxTitleLength:
		return "", &ValidationError{"title", fmt.Sprintf("must be at most %d characters", MaxTitleLength)}
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", &ValidationError{"title", "must not contain control characters"}
	}
	return s, nil
}

// CheckPageSize validates a requested page size; 0 means the default.
func CheckPageSize(n int) (int, error) {
	if n == 0 {
		return DefaultPageSize, nil
	}
	if n < 1 || n > MaxPageSize {
		return 0, &ValidationError{"limit", fmt.Sprintf("must be between 1 and %d", MaxPageSize)}
	}
	return n, nil
}
