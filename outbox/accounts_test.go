package outbox

import (
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/storage"
)

func TestCreateAccount(t *testing.T) {
	r := newRig(t)
	rows := []struct {
		name, username, password string
		wantKind                 storage.Kind
	}{
		{"a good name and password", "alice", "long enough", ""},
		{"the same name in other case", "ALICE", "long enough", storage.Conflict},
		{"an empty name", "", "long enough", storage.Invalid},
		{"a name with a dash", "a-b", "long enough", storage.Invalid},
		{"a name with a space", "a b", "long enough", storage.Invalid},
		{"a name over 30 characters", strings.Repeat("a", 31), "long enough", storage.Invalid},
		{"a path in the name", "../admin", "long enough", storage.Invalid},
		{"a password under 8 characters", "bob", "1234567", storage.Invalid},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var a *storage.Actor
			if !r.try(t, row.wantKind, func() (err error) {
				a, err = r.s.CreateAccount(r.ctx, row.username, row.password, false)
				return err
			}) {
				return
			}
			stored, err := r.db.GetLocalActor(r.ctx, row.username)
			if err != nil || stored.ID != a.ID || !stored.Local || stored.Type != federation.TypePerson ||
				stored.URI != testBase+"/users/"+row.username || stored.Inbox != stored.URI+"/inbox" ||
				stored.SharedInbox != testBase+"/inbox" || stored.KeyID != stored.URI+"#main-key" {
				t.Fatalf("stored %+v, %v", stored, err)
			}
			// The secrets live apart: the actor, as encoded for anyone, carries none of them.
			doc, _ := json.Marshal(stored)
			if strings.Contains(string(doc), "PRIVATE KEY") || strings.Contains(string(doc), "argon2") {
				t.Errorf("a secret on the actor: %s", doc)
			}
			c, err := r.db.GetCredentials(r.ctx, a.ID)
			if err != nil || !CheckPassword(c.PasswordHash, row.password) {
				t.Fatalf("credentials %v: the password does not check", err)
			}
			key, err := federation.ParsePrivateKey(c.PrivateKeyPEM)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := federation.ParsePublicKey(stored.PublicKeyPEM)
			if err != nil || !key.PublicKey.Equal(pub.(*rsa.PublicKey)) {
				t.Errorf("the published key (%v) is not the private key's", err)
			}
		})
	}
}

func TestInstanceActor(t *testing.T) {
	r := newRig(t)
	a, err := r.s.InstanceActor(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.URI != testBase+"/actor" || a.Type != federation.TypeApplication || a.Username != testDomain || !a.Locked || a.Discoverable {
		t.Errorf("instance actor %+v", a)
	}
	if c, err := r.db.GetCredentials(r.ctx, a.ID); err != nil || c.PrivateKeyPEM == "" || c.PasswordHash != "" {
		t.Errorf("credentials %+v, %v: want a key and no password", c, err)
	}
	before := r.counts()
	again, err := r.s.InstanceActor(r.ctx)
	if err != nil || again.ID != a.ID {
		t.Errorf("second call: %+v, %v; want the same actor", again, err)
	}
	r.unchanged(t, before)
}

func TestAuthenticate(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	gone := r.account("gone", false)
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(r.ctx, gone.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.InstanceActor(r.ctx); err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name, username, password string
		want                     *storage.Actor
	}{
		{"the right password", "alice", "password of alice", alice},
		{"the name in other case", "Alice", "password of alice", alice},
		{"a wrong password", "alice", "password of bob", nil},
		{"an empty password", "alice", "", nil},
		{"an unknown name", "bob", "password of alice", nil},
		{"a deleted account", "gone", "password of gone", nil},
		{"the instance actor, which has no password", testDomain, "", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			got, err := r.s.Authenticate(r.ctx, row.username, row.password)
			if err != nil || uriOf(got) != uriOf(row.want) {
				t.Errorf("authenticate: %q, %v; want %q", uriOf(got), err, uriOf(row.want))
			}
		})
	}
}

// uriOf is a's id, "" for nil.
func uriOf(a *storage.Actor) string {
	if a == nil {
		return ""
	}
	return a.URI
}

func TestTokens(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	token := func(kind storage.TokenKind) string {
		secret, err := r.s.NewToken(r.ctx, alice, kind)
		if err != nil {
			t.Fatal(err)
		}
		return secret
	}
	api, web1, web2, web3 := token(storage.TokenAPI), token(storage.TokenSession), token(storage.TokenSession), token(storage.TokenSession)
	valid := func(secret string) *storage.Token {
		tok, err := r.db.GetToken(r.ctx, storage.HashToken(secret), time.Now())
		if err != nil && storage.KindOf(err) != storage.NotFound {
			t.Fatal(err)
		}
		return tok
	}
	if tok := valid(api); tok == nil || tok.ActorID != alice.ID || tok.Kind != storage.TokenAPI || !tok.Expires.IsZero() {
		t.Errorf("API token %+v: want alice's, never expiring", tok)
	}
	tok := valid(web1)
	if tok == nil || tok.Kind != storage.TokenSession || tok.CSRF == "" || time.Until(tok.Expires) < 29*24*time.Hour {
		t.Errorf("session %+v: want a CSRF token and a month to live", tok)
	}
	if tok != nil && valid(web2).CSRF == tok.CSRF {
		t.Error("two sessions share a CSRF token")
	}
	rows := []struct {
		name  string
		hash  string
		alive map[string]bool
	}{
		{"ending one session", storage.HashToken(web1), map[string]bool{api: true, web1: false, web2: true, web3: true}},
		{"ending every session keeps the API token", "", map[string]bool{api: true, web1: false, web2: false, web3: false}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if err := r.s.EndSessions(r.ctx, alice, row.hash); err != nil {
				t.Fatal(err)
			}
			for secret, alive := range row.alive {
				if (valid(secret) != nil) != alive {
					t.Errorf("token %.6s…: alive %v, want %v", secret, !alive, alive)
				}
			}
		})
	}
}

func TestMarkNotificationsRead(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	for _, name := range []string{"bob", "carol", "dave"} {
		if _, err := r.s.Follow(r.ctx, r.account(name, false), alice.URI); err != nil {
			t.Fatal(err)
		}
	}
	ns, err := r.db.ListNotifications(r.ctx, alice.ID, storage.Page{})
	if err != nil || len(ns) != 3 {
		t.Fatalf("notifications %v, %v", ns, err)
	}
	if err := r.s.MarkNotificationsRead(r.ctx, alice, ns[1].ID); err != nil { // the two oldest
		t.Fatal(err)
	}
	if n, err := r.db.CountUnreadNotifications(r.ctx, alice.ID); err != nil || n != 1 {
		t.Errorf("%d unread (%v), want 1", n, err)
	}
}
