package outbox

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"refuge/storage"
)

// OOB is the redirect URI of apps that cannot receive a redirect: the code is shown to be
// copied instead.
const OOB = "urn:ietf:wg:oauth:2.0:oob"

// CodeLifetime is how long an authorization code may wait for its exchange.
const CodeLifetime = 10 * time.Minute

// AppInput is an app's registration. Scopes are already checked (httpx.ParseScopes).
type AppInput struct {
	Name, Website string
	RedirectURIs  []string
	Scopes        string
}

// RegisterApp stores a new OAuth app and returns it with its client secret, which is kept
// only hashed and shown this once.
func (s *Service) RegisterApp(ctx context.Context, in AppInput) (*storage.App, string, error) {
	name := strings.TrimSpace(in.Name)
	if name == "" || len([]rune(name)) > 100 {
		return nil, "", storage.Errorf(storage.Invalid, "client_name must be 1 to 100 characters")
	}
	website := strings.TrimSpace(in.Website)
	if website != "" {
		if u, err := url.Parse(website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, "", storage.Errorf(storage.Invalid, "website must be an http or https URL")
		}
	}
	if len(in.RedirectURIs) == 0 || len(in.RedirectURIs) > 10 {
		return nil, "", storage.Errorf(storage.Invalid, "redirect_uris must name 1 to 10 URIs")
	}
	for _, u := range in.RedirectURIs {
		if err := checkRedirect(u); err != nil {
			return nil, "", err
		}
	}
	secret := NewSecret(32)
	app := &storage.App{ClientID: NewSecret(24), SecretHash: storage.HashToken(secret), Name: name, Website: website,
		RedirectURIs: in.RedirectURIs, Scopes: in.Scopes, Created: s.now()}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutApp(ctx, app) }); err != nil {
		return nil, "", err
	}
	return app, secret, nil
}

// checkRedirect accepts where an app may receive its code: the out-of-band URN, https
// anywhere, http on loopback only (an app on the same machine, RFC 8252), and an app's own
// scheme (tusky://oauth), but none that a browser would run or read locally.
func checkRedirect(s string) error {
	bad := storage.Errorf(storage.Invalid, "redirect URI %q is not allowed: use https, http on 127.0.0.1 or localhost, "+
		"an app's own scheme, or %s", s, OOB)
	if s == OOB {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Fragment != "" || strings.ContainsAny(s, " \t\r\n#") || len(s) > 2000 {
		return bad
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return bad
		}
	case "http":
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return bad
		}
	case "javascript", "data", "file", "vbscript", "blob", "about", "ws", "wss", "ftp":
		return bad
	}
	return nil
}

// App is the app with this client id; with a secret, only when the secret is the app's.
// Unauthorized for an unknown client or a wrong secret, alike.
func (s *Service) App(ctx context.Context, clientID, secret string, checkSecret bool) (*storage.App, error) {
	app, err := s.DB.GetAppByClientID(ctx, clientID)
	if storage.KindOf(err) == storage.NotFound {
		return nil, storage.Errorf(storage.Unauthorized, "unknown client")
	}
	if err != nil {
		return nil, err
	}
	if checkSecret && subtle.ConstantTimeCompare([]byte(storage.HashToken(secret)), []byte(app.SecretHash)) != 1 {
		return nil, storage.Errorf(storage.Unauthorized, "wrong client secret")
	}
	return app, nil
}

// Grant is an approved authorization request, checked by the caller against the app:
// RedirectURI is one the app registered, Scopes within the app's.
type Grant struct {
	RedirectURI string
	Scopes      string
	Challenge   string // PKCE code_challenge, or ""
	Method      string // "S256" or "plain"
}

// Authorize issues a code for the app to act for actor, to be exchanged within
// CodeLifetime.
func (s *Service) Authorize(ctx context.Context, actor *storage.Actor, app *storage.App, g Grant) (string, error) {
	if !slices.Contains(app.RedirectURIs, g.RedirectURI) {
		return "", storage.Errorf(storage.Invalid, "redirect_uri is not one the app registered")
	}
	if g.Challenge != "" && g.Method != "S256" && g.Method != "plain" {
		return "", storage.Errorf(storage.Invalid, "code_challenge_method must be S256 or plain")
	}
	code := NewSecret(32)
	now := s.now()
	c := &storage.AuthCode{Hash: storage.HashToken(code), AppID: app.ID, ActorID: actor.ID, RedirectURI: g.RedirectURI,
		Scopes: g.Scopes, Challenge: g.Challenge, Method: g.Method, Created: now, Expires: now.Add(CodeLifetime)}
	if g.Challenge == "" {
		c.Method = ""
	}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutAuthCode(ctx, c) }); err != nil {
		return "", err
	}
	return code, nil
}

// ExchangeCode turns an authorization code into an access token for the app that was given
// it, sent back with the same redirect URI and, when the code was issued with a PKCE
// challenge, the verifier. Any attempt uses the code up, right or wrong, so that a code
// seen by someone else cannot be tried twice. Invalid when the code or its proof is wrong.
func (s *Service) ExchangeCode(ctx context.Context, app *storage.App, code, redirectURI, verifier string) (string, *storage.Token, error) {
	var secret string
	var tok *storage.Token
	var refused error
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		secret, tok, refused = "", nil, nil
		hash := storage.HashToken(code)
		c, err := tx.GetAuthCode(ctx, hash, s.now())
		if storage.KindOf(err) == storage.NotFound {
			refused = storage.Errorf(storage.Invalid, "the code is unknown, used already or expired")
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.DeleteAuthCode(ctx, hash); err != nil {
			return err
		}
		switch {
		case c.AppID != app.ID:
			refused = storage.Errorf(storage.Invalid, "the code was issued to another app")
		case c.RedirectURI != redirectURI:
			refused = storage.Errorf(storage.Invalid, "redirect_uri differs from the authorization's")
		case c.Challenge != "" && !pkceMatches(c.Challenge, c.Method, verifier):
			refused = storage.Errorf(storage.Invalid, "the code_verifier is missing or does not match the code_challenge")
		}
		if refused != nil {
			return nil // commit: the code is used up
		}
		secret, tok = NewSecret(32), &storage.Token{ActorID: c.ActorID, Kind: storage.TokenOAuth, Scopes: c.Scopes,
			AppID: app.ID, Created: s.now()}
		tok.Hash = storage.HashToken(secret)
		return tx.PutToken(ctx, tok)
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// pkceMatches checks a PKCE verifier against the challenge (RFC 7636).
func pkceMatches(challenge, method, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		verifier = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(verifier), []byte(challenge)) == 1
}

// AppToken issues the app a token of its own (client_credentials): it acts for no account.
func (s *Service) AppToken(ctx context.Context, app *storage.App, scopes string) (string, *storage.Token, error) {
	secret := NewSecret(32)
	tok := &storage.Token{Hash: storage.HashToken(secret), Kind: storage.TokenOAuth, Scopes: scopes, AppID: app.ID, Created: s.now()}
	if err := s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutToken(ctx, tok) }); err != nil {
		return "", nil, err
	}
	return secret, tok, nil
}

// RevokeToken ends one of the app's tokens; a token that is not the app's, or not there,
// is left alone without saying so (RFC 7009).
func (s *Service) RevokeToken(ctx context.Context, app *storage.App, secret string) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.DeleteAppTokens(ctx, app.ID, 0, storage.HashToken(secret))
	})
}

// RevokeApp ends every token the app holds for actor.
func (s *Service) RevokeApp(ctx context.Context, actor *storage.Actor, clientID string) error {
	app, err := s.App(ctx, clientID, "", false)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteAppTokens(ctx, app.ID, actor.ID, "") })
}
