package storage

import (
	"errors"
	"fmt"
)

// Kind says what went wrong in terms a caller can act on. The HTTP layer maps each kind to
// one status code in one table; storage itself knows nothing of HTTP.
type Kind string

// The kinds of error. Every package returns these through *Error so that the reason given to
// a client is chosen where the error is made, not guessed where it is served.
const (
	Invalid      Kind = "invalid"      // the input is malformed or breaks a rule
	Unauthorized Kind = "unauthorized" // no or bad credentials, bad signature
	Forbidden    Kind = "forbidden"    // credentials fine, but not allowed
	NotFound     Kind = "not_found"    // no such thing
	Gone         Kind = "gone"         // it existed and was deleted
	Conflict     Kind = "conflict"     // clashes with what is stored (taken name, duplicate)
	TooLarge     Kind = "too_large"    // body or document over a limit
	TooMany      Kind = "too_many"     // rate limited
	Transient    Kind = "transient"    // a peer or resource failed for now; retry later
	Internal     Kind = "internal"     // our fault
)

// Error carries a kind, a message safe to show to whoever sent the request, and the internal
// cause for logs.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error of the given kind with a formatted public message.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Wrap makes an *Error of the given kind whose public message is msg and whose cause is err.
func Wrap(kind Kind, err error, msg string) *Error {
	return &Error{Kind: kind, Msg: msg, Err: err}
}

// KindOf reports the kind of the first *Error in err's chain, or Internal when there is none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Message reports the public message of the first *Error in err's chain, or a generic one, so
// that internal causes never leak to clients.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return "internal error"
}

// ErrNotFound is returned (wrapped) by lookups that find no row.
var ErrNotFound = &Error{Kind: NotFound, Msg: "not found"}
