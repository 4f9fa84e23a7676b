// Package tasks holds the domain of the API: what a task is, the rules its fields obey, and
// the Store interface that persistence implements. It depends on nothing but the standard
// library, so its rules can be read and tested on their own.
package tasks

import (
	"context"
	"errors"
	"fmt"
	"slices"
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

// Page is one page of a user's tasks in id order, which is newest first (see IDGenerator).
// Next is empty on the last page; a page may be short (even empty) and still have a Next, as
// Table Storage pages are, and as a search's pages are when it ran out of its budget.
type Page struct {
	Items []Task
	Next  string
}

// DefaultMaxTasksPerUser bounds what one user can make the store hold (and an erase delete).
const DefaultMaxTasksPerUser = 10_000

// Limits of List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Store persists tasks. Every method is scoped to owner, the caller's verified object id:
// an id that belongs to someone else is indistinguishable from one that does not exist.
//
// Writes keep the owner's bookkeeping (the task count the admin API shows, and who last wrote)
// in the same atomic step as the task itself, so a write costs the same whatever the owner's
// task count, and the count is exact after any mix of concurrent writes.
type Store interface {
	// Create stores a new task (its id, title and times set by the caller). With a key, a
	// repeat of the same create returns the first one's task instead (Created.Replayed).
	Create(ctx context.Context, owner string, n NewTask) (Created, error)
	Get(ctx context.Context, owner, id string) (Task, error)
	// List returns up to q.Limit of the tasks q selects, after the cursor a previous page of
	// the same query returned ("" = first). A cursor of another query is ErrInvalidCursor.
	List(ctx context.Context, owner string, q ListQuery) (Page, error)
	// Update applies p at w.At. It fails with ErrPreconditionFailed unless ifMatch allows
	// the stored ETag.
	Update(ctx context.Context, owner, id string, p Patch, ifMatch IfMatch, w Write) (Task, error)
	// Delete removes the task, under the same ifMatch rule as Update.
	Delete(ctx context.Context, owner, id string, ifMatch IfMatch, w Write) error
}

// ListQuery is one page of a list: its size, where it starts, and which tasks it selects.
type ListQuery struct {
	Limit  int
	Cursor string // "": the first page
	// Done selects tasks by state: nil all of them, false the open ones only (hide done),
	// true the done ones only.
	Done *bool
	// Search, when not "", selects tasks whose title contains it, ignoring case (as
	// NormalizeSearch left it).
	Search string
}

// Matches reports whether t is one of the tasks q selects.
func (q ListQuery) Matches(t Task) bool {
	if q.Done != nil && t.Completed != *q.Done {
		return false
	}
	return q.Search == "" || strings.Contains(foldCase(t.Title), foldCase(q.Search))
}

// foldCase maps s to one case for comparing: simple Unicode case folding as strings.EqualFold
// does it (rune by rune, so "Straße" does not match "STRASSE"), written as lower case.
func foldCase(s string) string { return strings.ToLower(strings.ToUpper(s)) }

// MaxSearchLength bounds a search text, in characters; a title holds at most MaxTitleLength.
const MaxSearchLength = MaxTitleLength

// NormalizeSearch trims a search text and checks it: valid UTF-8, 1..MaxSearchLength
// characters, no control characters (no title holds one, so such a search can only be a
// mistake).
func NormalizeSearch(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", &ValidationError{"q", "must be valid UTF-8"}
	case s == "":
		return "", &ValidationError{"q", "must not be empty or only spaces (leave q out to list every task)"}
	case utf8.RuneCountInString(s) > MaxSearchLength:
		return "", &ValidationError{"q", fmt.Sprintf("must be at most %d characters", MaxSearchLength)}
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", &ValidationError{"q", "must not contain control characters"}
	}
	return s, nil
}

// Write says who writes and when, for the owner's bookkeeping (the admin API's name, email
// and last activity; display only).
type Write struct {
	At time.Time
	By Profile
}

// NewTask is a create: the task, who creates it, the most tasks the owner may keep (0: no
// limit), and the client's Idempotency-Key ("" for none).
type NewTask struct {
	Task  Task
	By    Profile
	Limit int
	Key   string
}

// Created is what a create stored, or, for a repeated Idempotency-Key, what the first create
// with that key stored (Replayed).
type Created struct {
	Task     Task
	Replayed bool
}

// IfMatch is a write's precondition: nil means none (no header, or "*", which any existing
// task meets); otherwise the stored ETag must equal one of the tags, byte for byte. ETags are
// the store's own and reach it only from the store: a client's tags are compared here, never
// passed on.
type IfMatch []string

// Allows reports whether a task stored with etag meets the precondition.
func (m IfMatch) Allows(etag string) bool { return m == nil || slices.Contains(m, etag) }

// Errors a Store returns, wrapped; the HTTP layer maps each to a status in one place.
var (
	ErrNotFound           = errors.New("task not found")
	ErrPreconditionFailed = errors.New("task has changed since the given ETag")
	ErrInvalidCursor      = errors.New("invalid page cursor")
	ErrUnavailable        = errors.New("task storage is unavailable")
	// ErrKeyReused: an Idempotency-Key already used for a create with another title.
	ErrKeyReused = errors.New("the Idempotency-Key was already used for a different request")
	// ErrKeyTaskGone: the task an Idempotency-Key created was deleted while its repeat was
	// being answered; no second task is made for the key.
	ErrKeyTaskGone = errors.New("the task created with this Idempotency-Key has been deleted")
)

// LimitError is a create refused because the owner already keeps Limit tasks.
type LimitError struct{ Limit int }

func (e *LimitError) Error() string {
	return fmt.Sprintf("you already have %d tasks, the most one user may keep; delete some to add more", e.Limit)
}

// ValidationError is a rule a client broke; Message is safe to show to the user.
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Message }

// NormalizeTitle trims surrounding white space and checks the rules a title obeys: valid
// UTF-8, at most MaxTitleLength characters, at least one visible character, no control
// characters (they break rendering and logs, and no keyboard types them), no U+FFFD (the mark
// of text already damaged on the way) and no bidi embedding, override or isolate controls (U+202A-202E, U+2066-2069: they reorder how the
// rest of a line is displayed, the "Trojan Source" trick). Zero-width joiners and other format
// characters stay allowed inside a title: emoji sequences, Persian and Indic scripts need them.
func NormalizeTitle(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case !utf8.ValidString(s):
		return "", &ValidationError{"title", "must be valid UTF-8"}
	case s == "":
		return "", &ValidationError{"title", "must not be empty"}
	case utf8.RuneCountInString(s) > MaxTitleLength:
		return "", &ValidationError{"title", fmt.Sprintf("must be at most %d characters", MaxTitleLength)}
	// The messages are shown to the user as they are: plain words, no code points (the rules with
	// their code points are in the OpenAPI document and NormalizeTitle's comment).
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return "", &ValidationError{"title", "must be one line of text: no line breaks, tabs or other invisible control characters"}
	case strings.IndexFunc(s, isBidiControl) >= 0:
		return "", &ValidationError{"title", "must not contain invisible characters that reverse or reorder how the text is shown"}
	case strings.ContainsRune(s, utf8.RuneError):
		// JSON decoding turns a lone surrogate escape ("\ud800") into U+FFFD without a word; the
		// text the client meant is already lost, so say so instead of storing the damage.
		return "", &ValidationError{"title", "was damaged on the way (it holds the � replacement character): type it again"}
	case strings.IndexFunc(s, isVisible) < 0:
		return "", &ValidationError{"title", "must contain at least one visible character"}
	}
	return s, nil
}

func isBidiControl(r rune) bool {
	return '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069'
}

// isVisible reports whether r draws something: a letter, digit, punctuation mark or symbol
// (emoji are symbols) that Unicode does not list as default-ignorable. Default-ignorable code
// points (UAX #44: format characters, variation selectors, fillers such as U+3164 HANGUL
// FILLER, which is a letter that draws nothing) and U+2800 BRAILLE PATTERN BLANK (a symbol
// that draws nothing) do not count; nor do combining marks on their own.
func isVisible(r rune) bool {
	return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) &&
		!unicode.In(r, unicode.Cf, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector) &&
		r != '\u2800'
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
