// Package inbox owns receiving: it verifies a delivery's signature, recognises a repeat,
// stores what the activity means and answers, with one small function per activity type. It
// may use outbox to answer (Accept of a Follow) but outbox never calls it.
package inbox

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"refuge/federation"
	"refuge/outbox"
	"refuge/storage"
)

// Inbox receives activities for the local accounts of one instance.
type Inbox struct {
	DB     storage.DB
	Outbox *outbox.Service
	Remote *federation.Remote
	Log    *slog.Logger
	Now    func() time.Time

	signers signerCache
}

// signerCache keeps, by key id, the actors whose signatures were checked lately with their
// keys parsed: every delivery and signed fetch needs its signer, and reading its row and
// parsing its PEM cost more than the RSA check itself. An entry is trusted for signerTTL:
// a key that fails is fetched again as before (keys rotate), an actor this process updates
// or deletes is forgotten at once, and one that another process deleted is seen within the
// TTL.
type signerCache struct {
	mu      sync.Mutex
	entries map[string]*knownSigner
}

type knownSigner struct {
	actor *storage.Actor
	key   crypto.PublicKey
	at    time.Time
}

const (
	signerTTL     = time.Minute
	signerEntries = 10_000 // then it starts over
)

func (c *signerCache) get(keyID string, now time.Time) *knownSigner {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.entries[keyID]
	if k == nil || now.Sub(k.at) >= signerTTL {
		return nil
	}
	return k
}

func (c *signerCache) put(keyID string, k *knownSigner) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil || len(c.entries) >= signerEntries {
		c.entries = map[string]*knownSigner{}
	}
	c.entries[keyID] = k
}

// forget drops what is kept of the actor with uri, under any key id.
func (c *signerCache) forget(uri string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, k := range c.entries {
		if k.actor.URI == uri {
			delete(c.entries, id)
		}
	}
}

func (in *Inbox) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// Result says what became of a delivery that was not refused.
type Result string

// The results of Receive.
const (
	Stored    Result = "stored"    // new, and stored
	Duplicate Result = "duplicate" // seen before: nothing done
	Ignored   Result = "ignored"   // of no concern to anyone here, or of a type we do not handle
)

// Receive handles one POST to an inbox: the request (for its signature) and the raw body
// (already capped by the caller). recipient is the personal inbox's owner, or nil for the
// shared inbox. An error says why the delivery was refused, with a storage error kind.
func (in *Inbox) Receive(ctx context.Context, r *http.Request, body []byte, recipient *storage.Actor) (Result, error) {
	act, err := federation.DecodeActivity(body)
	if err != nil {
		return "", err
	}
	keyID, _ := federation.SignatureKeyID(r) // an unsigned request is refused by verify
	keyDoc, _, _ := strings.Cut(keyID, "#")
	actors := []string{act.Actor, keyDoc}
	if keyDoc == act.Actor {
		actors = actors[:1] // Mastodon's keys live in the actor's document: one to check, not two
	}
	if in.signers.get(keyID, in.now()) == nil {
		// The key may have to be fetched: nothing is, for a blocked actor or host.
		if _, blocked, err := in.DB.CheckDelivery(ctx, "", actors); err != nil {
			return "", err
		} else if blocked {
			return "", storage.Errorf(storage.Forbidden, "blocked")
		}
	}
	signer, err := in.verify(ctx, r, body, storage.HostOf(act.Actor))
	if err != nil {
		if act.Type == federation.TypeDelete && act.Object.ID == act.Actor && isGone(err) {
			return Ignored, nil // an account we cannot fetch any more says it is gone: so be it
		}
		return "", err
	}
	if act.Actor != signer.URI {
		return "", storage.Errorf(storage.Unauthorized, "the activity's actor %s is not the signer %s", act.Actor, signer.URI)
	}
	if storage.HostOf(act.ID) != signer.Host {
		return "", storage.Errorf(storage.Forbidden, "activity id %s is not on the actor's host", act.ID)
	}
	// Only now, for a sender that proved who it is, whether the activity is known: the
	// blocks are checked again in the same read, since a kept signer skipped the check above.
	seen, blocked, err := in.DB.CheckDelivery(ctx, act.ID, actors)
	if err != nil {
		return "", err
	}
	if blocked {
		return "", storage.Errorf(storage.Forbidden, "blocked")
	}
	if seen {
		return Duplicate, nil
	}
	handle, ok := handlers[act.Type]
	if !ok {
		in.Log.Info("inbox: activity type not handled", "type", act.Type, "id", act.ID, "actor", act.Actor)
		return Ignored, nil
	}
	res, err := handle(in, ctx, signer, act)
	if errors.Is(err, errDuplicate) {
		return Duplicate, nil
	}
	return res, err
}

// errDuplicate is returned by a handler whose activity id was stored by a delivery that
// raced it; Receive reports it as a duplicate.
var errDuplicate = errors.New("duplicate activity")

// isGone reports whether err was caused by the signer's account being gone or not found,
// however the verification wrapped it.
func isGone(err error) bool {
	for err != nil {
		var e *storage.Error
		if !errors.As(err, &e) {
			return false
		}
		if e.Kind == storage.Gone || e.Kind == storage.NotFound {
			return true
		}
		err = e.Err
	}
	return false
}

// Signer returns the actor that signed a GET request, or nil when it carries no signature;
// an error says why a signature it carries names nobody (its caller decides what a read
// with such a signature may see: httpx.Auth).
func (in *Inbox) Signer(ctx context.Context, r *http.Request) (*storage.Actor, error) {
	if r.Header.Get("Signature") == "" && !strings.HasPrefix(r.Header.Get("Authorization"), "Signature ") {
		return nil, nil
	}
	return in.verify(ctx, r, nil, "")
}

// verify checks the request's signature and returns the actor whose key made it; actorHost,
// when set, is where the key must live. Unknown keys are fetched; a key that fails is
// refetched once, because keys rotate.
func (in *Inbox) verify(ctx context.Context, r *http.Request, body []byte, actorHost string) (*storage.Actor, error) {
	keyID, err := federation.SignatureKeyID(r)
	if err != nil {
		return nil, err
	}
	if actorHost != "" && storage.HostOf(keyID) != actorHost {
		return nil, storage.Errorf(storage.Unauthorized, "key %s is not on the actor's host", keyID)
	}
	if k := in.signers.get(keyID, in.now()); k != nil && federation.VerifyRequest(r, body, k.key, in.now()) == nil {
		in.heard(ctx, r, keyID)
		return k.actor, nil
	}
	signer, err := in.Remote.ActorByKeyID(ctx, keyID, false)
	if err != nil {
		return nil, keyError(keyID, err)
	}
	if !signer.DeletedAt.IsZero() {
		// Not refetched: a deleted account stays deleted even if its old server still
		// serves the document (or serves it again).
		return nil, storage.Errorf(storage.Unauthorized, "actor %s was deleted", signer.URI)
	}
	if err = in.check(r, body, keyID, signer); err == nil {
		in.heard(ctx, r, keyID)
		return signer, nil
	}
	if storage.KindOf(err) != storage.Unauthorized || signer.Local {
		return nil, err
	}
	fresh, ferr := in.Remote.ActorByKeyID(ctx, keyID, true)
	if ferr != nil {
		return nil, err // the first reason says more than a failed refetch
	}
	if err := in.check(r, body, keyID, fresh); err != nil {
		return nil, err
	}
	in.heard(ctx, r, keyID)
	return fresh, nil
}

// heard notes a request verified with an RFC 9421 signature: its server is signed for in
// kind from now on.
func (in *Inbox) heard(ctx context.Context, r *http.Request, keyID string) {
	if federation.HasMessageSignature(r.Header) {
		in.Remote.HeardMessageSignature(ctx, keyID)
	}
}

// check verifies the request's signature with signer's key, and keeps the signer for the
// next requests when it holds.
func (in *Inbox) check(r *http.Request, body []byte, keyID string, signer *storage.Actor) error {
	if !signer.DeletedAt.IsZero() {
		return storage.Errorf(storage.Unauthorized, "actor %s was deleted", signer.URI)
	}
	var pub crypto.PublicKey
	pub, err := federation.ParsePublicKey(federation.KeyOf(signer, keyID))
	if err != nil {
		return storage.Wrap(storage.Unauthorized, err, "signer's key is unreadable")
	}
	if err := federation.VerifyRequest(r, body, pub, in.now()); err != nil {
		return err
	}
	in.signers.put(keyID, &knownSigner{actor: signer, key: pub, at: in.now()})
	return nil
}

// ForgetSigner drops what is kept of the actor with uri, after it was updated or deleted.
func (in *Inbox) ForgetSigner(uri string) { in.signers.forget(uri) }

// keyError says why the signer's key could not be had. A gone account is an Unauthorized
// signature, not a 410: answering 410 to a delivery would tell the sender our inbox is gone.
func keyError(keyID string, err error) error {
	switch storage.KindOf(err) {
	case storage.Unauthorized:
		return err
	case storage.Gone:
		return storage.Wrap(storage.Unauthorized, err, "the signer's account is gone")
	case storage.Transient:
		return storage.Wrap(storage.Transient, err, "could not fetch key "+keyID+" now; try again later")
	case storage.Internal:
		// Our own failure, not the signer's: answered so that the sender tries again.
		return storage.Wrap(storage.Transient, err, "could not check key "+keyID+" now; try again later")
	}
	return storage.Wrap(storage.Unauthorized, err, fmt.Sprintf("could not get key %s: %s", keyID, storage.Message(err)))
}

type handler func(in *Inbox, ctx context.Context, signer *storage.Actor, act *federation.Activity) (Result, error)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		federation.TypeFollow:     (*Inbox).follow,
		federation.TypeMove:       (*Inbox).move,
		federation.TypeAccept:     (*Inbox).accept,
		federation.TypeReject:     (*Inbox).reject,
		federation.TypeUndo:       (*Inbox).undo,
		federation.TypeCreate:     (*Inbox).create,
		federation.TypeUpdate:     (*Inbox).update,
		federation.TypeDelete:     (*Inbox).delete,
		federation.TypeLike:       (*Inbox).like,
		federation.TypeAnnounce:   (*Inbox).announce,
		federation.TypeEmojiReact: (*Inbox).emojiReact,
		federation.TypeBlock:      (*Inbox).block,
		federation.TypeFlag:       (*Inbox).flag,

		federation.TypeQuoteRequest: (*Inbox).quoteRequest,
	}
}

// record stores the activity's id inside tx so that a second delivery is a no-op; it returns
// errDuplicate when a concurrent delivery got there first.
func (in *Inbox) record(ctx context.Context, tx storage.Tx, signer *storage.Actor, act *federation.Activity, noteID int64) error {
	added, err := tx.PutActivity(ctx, &storage.Activity{URI: act.ID, ActorID: signer.ID, Type: act.Type,
		ObjectURI: act.Object.ID, NoteID: noteID, Published: in.now()})
	if err != nil {
		return err
	}
	if !added {
		return errDuplicate
	}
	return nil
}
