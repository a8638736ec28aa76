package storage

import (
	"context"
	"time"
)

// App is a client registered for OAuth: a phone or web app of the Mastodon API. Its secret
// is kept only as a hash, as tokens are.
type App struct {
	ID           int64
	ClientID     string // public, random, unique
	SecretHash   string // HashToken of the client secret
	Name         string
	Website      string
	RedirectURIs []string // where an authorization may send its code, exactly as registered
	Scopes       string   // space-separated; what the app may ever ask for
	Created      time.Time
}

// AuthCode is the code of an approved authorization, waiting to be exchanged for a token by
// the app it was issued to. Only its hash is kept; an exchange deletes it.
type AuthCode struct {
	Hash        string
	AppID       int64
	ActorID     int64
	RedirectURI string // the exchange must name the same one
	Scopes      string // space-separated, as granted
	Challenge   string // PKCE code challenge, or ""
	Method      string // "S256" or "plain" when Challenge is set
	Created     time.Time
	Expires     time.Time
}

// AppReader finds apps and authorization codes.
type AppReader interface {
	// GetAppByClientID returns the app with this client id; NotFound when there is none.
	GetAppByClientID(ctx context.Context, clientID string) (*App, error)
	// GetAppByID returns the app with this row id; NotFound when there is none.
	GetAppByID(ctx context.Context, id int64) (*App, error)
	// ListAuthorizedApps returns the apps holding tokens of the account, newest first.
	ListAuthorizedApps(ctx context.Context, actorID int64) ([]*App, error)
	// GetAuthCode returns the code whose secret hashes to hash; NotFound when there is none
	// or it expired before now.
	GetAuthCode(ctx context.Context, hash string, now time.Time) (*AuthCode, error)
}

// AppWriter stores apps and authorization codes.
type AppWriter interface {
	// PutApp stores a new app and sets its ID; Conflict when its client id is taken.
	PutApp(ctx context.Context, a *App) error
	// PutAuthCode stores a code, and removes the codes that expired before c.Created.
	PutAuthCode(ctx context.Context, c *AuthCode) error
	// DeleteAuthCode removes a code; NotFound when it is not there (used already).
	DeleteAuthCode(ctx context.Context, hash string) error
	// DeleteAppTokens removes the app's tokens: the one whose hash is hash, or with hash ""
	// every token the app holds for the account actorID.
	DeleteAppTokens(ctx context.Context, appID, actorID int64, hash string) error
}
