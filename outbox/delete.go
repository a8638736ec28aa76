package outbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"refuge/federation"
	"refuge/outbox/media"
	"refuge/storage"
)

// Deleting a local account is Mastodon's DeleteAccountService for a local account with its
// name reserved: the row stays, marked deleted, so that the name is never taken again and
// the actor's address answers 410 Gone; its posts are tombstoned, its uploads and their
// files removed, its profile emptied, its follows both ways ended, its sessions and tokens
// ended and its password forgotten. Every server that knows it is sent one Delete of the
// actor, signed with its key, which is kept (as Mastodon keeps it) so that the deliveries
// queued now are signed when they go.

// Deleted says what DeleteAccount did.
type Deleted struct {
	Account *storage.Actor
	Notes   int // posts tombstoned
	Files   int // uploaded media files removed (images and their thumbnails)
	Follows int // follows ended, both ways
	Inboxes int // inboxes sent the Delete (one per server in practice)
}

// String says what was done, as `refuge user delete` prints it.
func (d *Deleted) String() string {
	return fmt.Sprintf("%s (%s): %s tombstoned, %s removed, %s ended, sessions and tokens ended; "+
		"Delete queued for %s; the name stays taken", d.Account.Handle(), d.Account.URI,
		counted(d.Notes, "post"), counted(d.Files, "media file"), counted(d.Follows, "follow"), counted(d.Inboxes, "inbox"))
}

// counted says n things, in the singular for one.
func counted(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	if strings.HasSuffix(thing, "x") {
		return fmt.Sprintf("%d %ses", n, thing)
	}
	return fmt.Sprintf("%d %ss", n, thing)
}

// DeleteAccount deletes local account actor (see above): Gone when it was deleted already,
// Invalid for the instance actor.
func (s *Service) DeleteAccount(ctx context.Context, actor *storage.Actor) (*Deleted, error) {
	d := &Deleted{}
	var files []storage.Media
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		a, err := tx.GetActorByID(ctx, actor.ID)
		if err != nil {
			return err
		}
		switch {
		case !a.Local:
			return storage.Errorf(storage.Invalid, "%s is not an account of this instance", a.Handle())
		case a.Type == federation.TypeApplication:
			return storage.Errorf(storage.Invalid, "%s is the instance's own actor, not an account", a.Username)
		case !a.DeletedAt.IsZero():
			return storage.Errorf(storage.Gone, "account %s is already deleted", a.Username)
		}
		// Who is told, and what is counted, is read before the follows and notes go.
		inboxes, err := tx.KnownInboxes(ctx, a.ID)
		if err != nil {
			return err
		}
		followers, following, err := tx.CountFollows(ctx, a.ID)
		if err != nil {
			return err
		}
		notes, err := tx.CountActorNotes(ctx, a.ID, a.ID)
		if err != nil {
			return err
		}
		// The media rows first: tombstoning the notes would drop their attachments' rows
		// and leave their files unnamed.
		if files, err = tx.DeleteActorMedia(ctx, a.ID); err != nil {
			return err
		}
		// The profile is emptied and the account marked deleted, which ends its streaming
		// connections; MarkActorDeleted tombstones the rest and drops what the account had
		// queued, so the Delete is queued after it.
		now := s.now()
		a.Name, a.Summary, a.SummarySource, a.Fields, a.IconURL, a.ImageURL = "", "", "", nil, "", ""
		a.Locked, a.Discoverable, a.Indexable = false, false, false // as Mastodon's purge of the profile leaves them
		a.DeletedAt = now
		if err := tx.UpdateActor(ctx, a); err != nil {
			return err
		}
		if err := tx.MarkActorDeleted(ctx, a.ID, now); err != nil {
			return err
		}
		for _, kind := range []storage.TokenKind{storage.TokenSession, storage.TokenAPI, storage.TokenOAuth} {
			if err := tx.DeleteTokens(ctx, a.ID, kind, ""); err != nil {
				return err
			}
		}
		creds, err := tx.GetCredentials(ctx, a.ID)
		if err != nil {
			return err
		}
		creds.PasswordHash = "" // nobody signs in again; the key stays to sign the Delete
		// The address is free for a new account, as Mastodon's deleted user is gone, and
		// no mailed link opens anything any more.
		creds.Email, creds.EmailConfirmedAt = "", time.Time{}
		if err := tx.PutCredentials(ctx, creds); err != nil {
			return err
		}
		for _, purpose := range []storage.EmailPurpose{storage.EmailConfirm, storage.EmailReset} {
			if err := tx.DeleteEmailTokens(ctx, a.ID, purpose); err != nil {
				return err
			}
		}
		// Mastodon's id for the Delete of an actor: the actor's, with #delete.
		act := &federation.Activity{ID: a.URI + "#delete", Type: federation.TypeDelete,
			To: []string{federation.PublicCollection}, Published: now}
		if _, err := s.emit(ctx, tx, a, act, a.URI, 0, storage.Public, inboxes); err != nil {
			return err
		}
		*d = Deleted{Account: a, Notes: notes, Follows: followers + following, Inboxes: len(uniq(inboxes))}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete account %s: %w", actor.Username, err)
	}
	s.wake()
	if s.DataDir != "" {
		dir := media.Dir(s.DataDir)
		for _, m := range files {
			for _, name := range []string{m.Path, m.ThumbPath} {
				if name != "" && media.FileName.MatchString(name) {
					media.Remove(dir, name)
					d.Files++
				}
			}
		}
	}
	if s.Log != nil {
		s.Log.Info("account deleted", "account", actor.Username, "notes", d.Notes, "files", d.Files, "inboxes", d.Inboxes)
	}
	return d, nil
}
