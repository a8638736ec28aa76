package inbox

import (
	"strings"
	"testing"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/storage"
)

// quoting is a remote note of author quoting uri, as Mastodon 4.5 writes one (the stamp,
// when given, in quoteAuthorization); legacy writes it as Misskey does instead.
func quoting(author *storage.Actor, id, uri, stamp string, legacy bool) *federation.Note {
	to, cc := public(author)
	n := noteDoc(author, id, "<p>so true</p>", to, cc)
	n.Quote, n.QuoteAuthorization, n.QuoteLegacy = uri, stamp, legacy
	return n
}

// quoteRequest is author's QuoteRequest to quote uri with its note quote.
func (r *rig) quoteRequest(t *testing.T, author *storage.Actor, uri string, quote *federation.Note) *federation.Activity {
	t.Helper()
	act := r.act(author, federation.TypeQuoteRequest)
	body, err := federation.EncodeNote(quote)
	if err != nil {
		t.Fatal(err)
	}
	act.Instrument = federation.Object{ID: quote.ID, Raw: body}
	return act
}

func TestQuoteRequests(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	carol := r.remote(remoteBase, "carol")
	r.follow(carol, alice, true)
	post := func(policy, visibility string) *storage.Note {
		t.Helper()
		n, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "quotable?", QuotePolicy: policy, Visibility: visibility})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	anyone, followers, nobody, unlisted := post("public", ""), post("followers", ""), post("nobody", ""), post("", "unlisted")
	private := post("public", "followers") // a followers-only post is nobody's to quote

	rows := []struct {
		name     string
		by       *storage.Actor
		quoted   *storage.Note
		accepted bool
		wantKind storage.Kind
	}{
		{"anyone may quote a post open to anyone", bob, anyone, true, ""},
		{"an unlisted post is open to anyone by default", bob, unlisted, true, ""},
		{"a follower may quote a post open to followers", carol, followers, true, ""},
		{"someone else may not", bob, followers, false, ""},
		{"nobody may quote a post closed to quotes", carol, nobody, false, ""},
		{"a followers-only post is refused to its followers too", carol, private, false, ""},
		{"a post one may not read is not there", bob, private, false, storage.NotFound},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			quote := quoting(row.by, "q"+string(rune('a'+i)), row.quoted.URI, "", false)
			act := r.quoteRequest(t, row.by, row.quoted.URI, quote)
			before := r.queued()
			if !r.deliver(t, row.by, act, row.quoted.URI, storedUnless(row.wantKind), row.wantKind) {
				return
			}
			added := strings.Join(r.queued(), "\n")
			for _, q := range before {
				added = strings.Replace(added, q, "", 1)
			}
			want := "Reject " + remoteBase + "/inbox"
			if row.accepted {
				want = "Accept " + remoteBase + "/inbox"
			}
			if strings.TrimSpace(added) != want {
				t.Errorf("queued %q, want %q", strings.TrimSpace(added), want)
			}
			n := r.note(t, row.quoted.URI)
			stamp, err := r.svc.QuoteStamp(r.ctx, n, int64(r.approvals(t)))
			if row.accepted && (err != nil || stamp.InteractingObject != quote.ID || stamp.InteractionTarget != n.URI || stamp.AttributedTo != alice.URI) {
				t.Errorf("stamp %+v, %v", stamp, err)
			}
		})
	}

	t.Run("the quote post must be the asker's", func(t *testing.T) {
		quote := quoting(carol, "forged", anyone.URI, "", false)
		act := r.quoteRequest(t, bob, anyone.URI, quote)
		r.deliver(t, bob, act, anyone.URI, "", storage.Forbidden)
	})
}

// approvals counts the quote approvals stored.
func (r *rig) approvals(t *testing.T) int {
	t.Helper()
	return r.counts()["quote_approvals"]
}

func TestQuotesReceived(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	r.follow(alice, bob, true)
	open, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "quote me", QuotePolicy: "public"})
	if err != nil {
		t.Fatal(err)
	}
	closed, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "do not", QuotePolicy: "nobody"})
	if err != nil {
		t.Fatal(err)
	}
	// bob asked to quote open, and was given the stamp of this approval.
	approved := quoting(bob, "approved", open.URI, "", false)
	r.deliver(t, bob, r.quoteRequest(t, bob, open.URI, approved), open.URI, Stored, "")
	stamp := uris.QuoteStamp(open.URI, 1)
	mine := r.stored(bob, noteDoc(bob, "mine", "<p>mine</p>", nil, nil))

	rows := []struct {
		name   string
		note   *federation.Note
		want   storage.QuoteState
		notify bool
	}{
		{"a quote with our stamp for it stands", quoting(bob, "approved", open.URI, stamp, false), storage.QuoteAccepted, true},
		{"our stamp of another quote does not", quoting(bob, "other", open.URI, stamp, false), storage.QuoteRejected, false},
		{"a quote without a stamp waits", quoting(bob, "unstamped", open.URI, "", false), storage.QuotePending, false},
		{"a stamp of another post does not", quoting(bob, "elsewhere", closed.URI, stamp, false), storage.QuoteRejected, false},
		{"an older form of a post open to quotes stands", quoting(bob, "legacy", open.URI, "", true), storage.QuoteAccepted, true},
		{"an older form of a post closed to them does not", quoting(bob, "legacy-closed", closed.URI, "", true), storage.QuoteRejected, false},
		{"its author quoting itself needs no stamp", quoting(bob, "self", mine.URI, "", false), storage.QuoteAccepted, false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			before := len(r.notices(alice))
			r.deliver(t, bob, r.act(bob, federation.TypeCreate), row.note, Stored, "")
			n := r.note(t, row.note.ID)
			if n.Quote == nil || n.Quote.State != row.want {
				t.Fatalf("quote stored %+v, want %s", n.Quote, row.want)
			}
			if got := len(r.notices(alice)) - before; got != map[bool]int{true: 1}[row.notify] {
				t.Errorf("alice got %d notifications: %v", got, r.notices(alice))
			}
		})
	}

	t.Run("an Update that overtook its Create stores the quote, and the Create finds it", func(t *testing.T) {
		early := quoting(bob, "early", open.URI, "", false)
		r.deliver(t, bob, r.quoteRequest(t, bob, open.URI, early), open.URI, Stored, "")
		stamped := *early
		stamped.QuoteAuthorization = uris.QuoteStamp(open.URI, int64(r.approvals(t)))
		r.deliver(t, bob, r.act(bob, federation.TypeUpdate), &stamped, Stored, "")
		r.deliver(t, bob, r.act(bob, federation.TypeCreate), early, Stored, "")
		if n := r.note(t, early.ID); n.Quote == nil || n.Quote.State != storage.QuoteAccepted {
			t.Errorf("the quote after its Update, then its Create: %+v", n.Quote)
		}
	})

	t.Run("a Delete of the stamp revokes the quote", func(t *testing.T) {
		del := r.act(bob, federation.TypeDelete)
		// Only the stamp's own server may delete it: ours are deleted here, not by bob.
		r.deliver(t, bob, del, stamp, Ignored, "")
		other := r.remote("https://stamps.test", "dora")
		q := quoting(bob, "stamped-elsewhere", "https://stamps.test/users/dora/statuses/1", "https://stamps.test/stamps/1", false)
		n := federation.NoteFromDoc(q, bob, testDomain)
		n.Quote.State, n.Quote.Authorization = storage.QuoteAccepted, "https://stamps.test/stamps/1"
		if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
			t.Fatal(err)
		}
		r.deliver(t, other, r.act(other, federation.TypeDelete), "https://stamps.test/stamps/1", Stored, "")
		if got := r.note(t, q.ID).Quote.State; got != storage.QuoteRevoked {
			t.Errorf("state after the stamp's Delete: %s", got)
		}
	})
}

func TestQuoteAnswers(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	carol := r.remote(remoteBase, "carol")
	r.follow(carol, alice, true)
	to, cc := public(bob)
	open := noteDoc(bob, "open", "<p>quote me</p>", to, cc)
	open.CanQuote = &federation.SubPolicy{Automatic: []string{federation.PublicCollection}}
	closed := noteDoc(bob, "closed", "<p>do not</p>", to, cc)
	closed.CanQuote = &federation.SubPolicy{Automatic: []string{bob.URI}}
	silent := noteDoc(bob, "silent", "<p>no policy</p>", to, cc)
	r.stored(bob, open)
	r.stored(bob, closed)
	r.stored(bob, silent)

	for _, c := range []struct {
		uri  string
		want storage.Kind
	}{{closed.ID, storage.Invalid}, {silent.ID, storage.Invalid}} {
		if _, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "quoting", Quote: c.uri}); storage.KindOf(err) != c.want {
			t.Errorf("quoting %s: %v, want %s", c.uri, err, c.want)
		}
	}
	quote, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "quoting", Quote: open.ID})
	if err != nil {
		t.Fatal(err)
	}
	if quote.Quote == nil || quote.Quote.State != storage.QuotePending || !strings.Contains(quote.Content, `class="quote-inline"`) {
		t.Fatalf("the new quote: %+v, %q", quote.Quote, quote.Content)
	}
	if got := count(r.queued(), "QuoteRequest "+bob.Inbox); got != 1 {
		t.Errorf("%d QuoteRequests queued to bob: %v", got, r.queued())
	}
	answer := func(by *storage.Actor, typ, result string) *federation.Activity {
		act := r.act(by, typ)
		act.Result = result
		return act
	}
	request := &federation.Activity{ID: uris.QuoteRequest(quote.URI), Type: federation.TypeQuoteRequest, Actor: alice.URI,
		Object: federation.Object{ID: open.ID}, Instrument: federation.Object{ID: quote.URI}}

	r.deliver(t, carol, answer(carol, federation.TypeAccept, remoteBase+"/stamps/1"), request, "", storage.Forbidden)
	r.deliver(t, bob, answer(bob, federation.TypeAccept, "https://elsewhere.test/stamps/1"), request, "", storage.Invalid)
	before := count(r.queued(), "Update "+remoteBase+"/inbox")
	r.deliver(t, bob, answer(bob, federation.TypeAccept, remoteBase+"/stamps/1"), request, Stored, "")
	n := r.note(t, quote.URI)
	if n.Quote.State != storage.QuoteAccepted || n.Quote.Authorization != remoteBase+"/stamps/1" {
		t.Errorf("after the Accept: %+v", n.Quote)
	}
	if got := count(r.queued(), "Update "+remoteBase+"/inbox") - before; got != 1 {
		t.Errorf("%d Updates queued for the stamp: %v", got, r.queued())
	}
	if doc := outbox.NoteDocument(n); doc.QuoteAuthorization != remoteBase+"/stamps/1" || doc.Quote != open.ID {
		t.Errorf("the quote post's document: quote %q, authorization %q", doc.Quote, doc.QuoteAuthorization)
	}

	t.Run("a Reject leaves the quote refused", func(t *testing.T) {
		other, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "again", Quote: open.ID})
		if err != nil {
			t.Fatal(err)
		}
		req := *request
		req.ID = uris.QuoteRequest(other.URI)
		r.deliver(t, bob, answer(bob, federation.TypeReject, ""), &req, Stored, "")
		if got := r.note(t, other.URI).Quote.State; got != storage.QuoteRejected {
			t.Errorf("after the Reject: %s", got)
		}
	})
}
