package httpx

import (
	"net/http"
	"slices"
	"strings"

	"refuge/storage"
)

// Scopes are Mastodon's OAuth scopes: the top ones and the granular ones under read and
// write. An app asks for some of them; a token carries the ones granted.
var Scopes = []string{
	"read", "write", "follow", "push", "profile",
	"read:accounts", "read:blocks", "read:bookmarks", "read:favourites", "read:filters", "read:follows",
	"read:lists", "read:mutes", "read:notifications", "read:search", "read:statuses",
	"write:accounts", "write:blocks", "write:bookmarks", "write:conversations", "write:favourites",
	"write:filters", "write:follows", "write:lists", "write:media", "write:mutes", "write:notifications",
	"write:reports", "write:statuses",
	"admin:read", "admin:write", "admin:read:accounts", "admin:write:accounts", "admin:read:reports", "admin:write:reports",
}

// followCovers is what the old follow scope still grants, as on Mastodon.
var followCovers = []string{"read:blocks", "write:blocks", "read:follows", "write:follows", "read:mutes", "write:mutes"}

// Allows reports whether the space-separated scopes granted include required: by name, or
// through a top scope (read covers read:statuses, admin:read admin:read:accounts; read
// covers no admin scope), follow (the relationships) or, for
// profile, read and read:accounts. "" grants every scope: web sessions and the tokens of
// `refuge token` predate scopes and may do anything their account may. A required "" is
// any valid token.
func Allows(granted, required string) bool {
	if granted == "" || required == "" {
		return true
	}
	for _, g := range strings.Fields(granted) {
		switch {
		case g == required,
			(g == "read" || g == "write" || g == "admin:read" || g == "admin:write") && strings.HasPrefix(required, g+":"),
			g == "follow" && slices.Contains(followCovers, required),
			required == "profile" && (g == "read" || g == "read:accounts"):
			return true
		}
	}
	return false
}

// AllowsAll reports whether granted allows every scope of the space-separated list.
func AllowsAll(granted, required string) bool {
	for _, s := range strings.Fields(required) {
		if !Allows(granted, s) {
			return false
		}
	}
	return true
}

// ParseScopes reads a space-separated list of scopes (OAuth's scope parameter; Mastodon
// also takes "+" between them, as some apps send it unescaped), refuses unknown ones and
// returns the list without repeats; def when the list is empty.
func ParseScopes(s, def string) (string, error) {
	var out []string
	for _, sc := range strings.Fields(strings.ReplaceAll(s, "+", " ")) {
		if !slices.Contains(Scopes, sc) {
			return "", storage.Errorf(storage.Invalid, "unknown scope %q", sc)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return def, nil
	}
	return strings.Join(out, " "), nil
}

// Mastodon's answers to a request without the right token, which its apps recognise.
var (
	ErrTokenInvalid = storage.Errorf(storage.Unauthorized, "The access token is invalid")
	ErrOutOfScope   = storage.Errorf(storage.Forbidden, "This action is outside the authorized scopes")
	ErrNeedsUser    = storage.Errorf(storage.Forbidden, "This method requires an authenticated user")
	// ErrLoginDisabled answers a token of a suspended account: it stays valid (lifting the
	// suspension brings it back) but is good for nothing meanwhile.
	ErrLoginDisabled = storage.Errorf(storage.Forbidden, "Your login is currently disabled")
	// ErrLoginPending answers a token of an account waiting for an admin's approval, such as
	// the one POST /api/v1/accounts gave it: good once the account is approved.
	ErrLoginPending = storage.Errorf(storage.Forbidden, "Your login is currently pending approval")
	// ErrLoginUnconfirmed answers a token of an account whose e-mail address is not confirmed
	// yet while the instance sends mail, as Mastodon's: such an account may only ask for a
	// new confirmation link (Bearer hands it over with this error for that).
	ErrLoginUnconfirmed = storage.Errorf(storage.Forbidden, "Your login is missing a confirmed e-mail address")
)

// Require returns the bearer token of the request, and its account (nil for an app's own
// token), when the token is valid and allows scope: ErrTokenInvalid when it is missing or
// invalid, ErrOutOfScope when it does not allow scope.
func (a *Auth) Require(r *http.Request, scope string) (*storage.Token, *storage.Actor, error) {
	t, actor, err := a.bearerToken(r)
	if err != nil {
		return nil, nil, err
	}
	if t == nil {
		return nil, nil, ErrTokenInvalid
	}
	if !Allows(t.Scopes, scope) {
		return nil, nil, ErrOutOfScope
	}
	return t, actor, nil
}
