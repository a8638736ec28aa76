package outbox

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/storage"
	"refuge/storage/sqldb"
)

// The instance under test; nothing is served there, the tests call the Service.
const (
	testBase   = "http://local.test"
	testDomain = "local.test"
)

// rig is a Service on a real SQLite file, with a remote cache that can reach no server:
// remote actors are stored by the tests, fresh, so that the cache answers from storage.
type rig struct {
	t   *testing.T
	ctx context.Context
	db  *sqldb.DB
	s   *Service
	due time.Time // later than anything queued: see inboxes
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := fixture.Open(t)
	remote := fixture.Remote(db, testDomain)
	s := &Service{DB: db, Base: testBase, Domain: testDomain, Remote: remote, Log: remote.Log}
	return &rig{t: t, ctx: context.Background(), db: db, s: s, due: time.Now().Add(24 * time.Hour)}
}

// account creates a local account; a locked one asks before accepting followers.
func (r *rig) account(name string, locked bool) *storage.Actor {
	r.t.Helper()
	a, err := r.s.CreateAccount(r.ctx, name, "password of "+name, false)
	if err != nil {
		r.t.Fatal(err)
	}
	if locked {
		if a, err = r.s.UpdateProfile(r.ctx, a, ProfileInput{Locked: true}); err != nil {
			r.t.Fatal(err)
		}
	}
	return a
}

// remote stores a remote actor of host, fetched just now; with shared, its server has a
// shared inbox.
func (r *rig) remote(host, name string, shared bool) *storage.Actor {
	r.t.Helper()
	uri := "https://" + host + "/users/" + name
	a := &storage.Actor{URI: uri, Type: federation.TypePerson, Username: name, Host: host, Inbox: uri + "/inbox",
		FollowersURI: uri + "/followers", KeyID: uri + "#main-key", FetchedAt: time.Now()}
	if shared {
		a.SharedInbox = "https://" + host + "/inbox"
	}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(r.ctx, a) }); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// follow stores a follow of followee by follower, accepted or pending, as if agreed earlier.
func (r *rig) follow(follower, followee *storage.Actor, accepted bool) {
	r.t.Helper()
	fixture.Follow(r.t, r.db, follower, followee, accepted)
}

// remoteNote stores a public note of a remote author, as if it had arrived earlier.
func (r *rig) remoteNote(author *storage.Actor, id string) *storage.Note {
	r.t.Helper()
	n := &storage.Note{URI: author.URI + "/statuses/" + id, ActorID: author.ID, Content: "<p>" + id + "</p>",
		Visibility: storage.Public, To: []string{federation.PublicCollection}, Cc: []string{author.FollowersURI},
		Published: time.Now()}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// post publishes a note of author, failing the test when it cannot.
func (r *rig) post(author *storage.Actor, in NoteInput) *storage.Note {
	r.t.Helper()
	n, _, err := r.s.PostNote(r.ctx, author, in)
	if err != nil {
		r.t.Fatalf("post %+v: %v", in, err)
	}
	return n
}

// activity returns the stored activity with id uri.
func (r *rig) activity(uri string) *storage.Activity {
	r.t.Helper()
	a, err := r.db.GetActivityByURI(r.ctx, uri)
	if err != nil {
		r.t.Fatalf("activity %s: %v", uri, err)
	}
	return a
}

// inboxes lists, sorted, the inboxes the activity with id uri is queued for.
func (r *rig) inboxes(uri string) []string {
	r.t.Helper()
	r.activity(uri) // it must exist
	return r.queued(func(a *storage.Activity) bool { return a.URI == uri })
}

// queued lists, sorted, the inboxes queued for the activities match picks. Claiming with a
// lease of nothing at a fixed time later than every due time leaves everything claimable.
func (r *rig) queued(match func(a *storage.Activity) bool) []string {
	r.t.Helper()
	ds, err := r.db.ClaimDeliveries(r.ctx, r.due, 0, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	out := []string{}
	for _, d := range ds {
		a, err := r.db.GetActivityByID(r.ctx, d.ActivityID)
		if err != nil {
			r.t.Fatal(err)
		}
		if match(a) {
			out = append(out, d.Inbox)
		}
	}
	slices.Sort(out)
	return out
}

// deliverAll settles every queued delivery, as if each had been sent.
func (r *rig) deliverAll() {
	r.t.Helper()
	ds, err := r.db.ClaimDeliveries(r.ctx, r.due, 0, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, d := range ds {
		if err := r.db.FinishDeliveries(r.ctx, d.ID); err != nil {
			r.t.Fatal(err)
		}
	}
}

// inFeed reports whether note n is in a's home feed, boosted by booster (nil: as posted).
func (r *rig) inFeed(a *storage.Actor, n *storage.Note, booster *storage.Actor) bool {
	r.t.Helper()
	items, err := r.db.ListFeed(r.ctx, a.ID, storage.Page{Limit: 100})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, it := range items {
		if it.Note.ID == n.ID && (it.Booster == nil) == (booster == nil) && (booster == nil || it.Booster.ID == booster.ID) {
			return true
		}
	}
	return false
}

// notified counts a's notifications of the kind by actor by, about note n (nil: any or none).
func (r *rig) notified(a *storage.Actor, kind storage.NotificationKind, by *storage.Actor, n *storage.Note) int {
	r.t.Helper()
	ns, err := r.db.ListNotifications(r.ctx, a.ID, storage.Page{Limit: 100})
	if err != nil {
		r.t.Fatal(err)
	}
	c := 0
	for _, x := range ns {
		if x.Type == kind && x.Actor.ID == by.ID && (n == nil || x.Note != nil && x.Note.ID == n.ID) {
			c++
		}
	}
	return c
}

// counts is how many rows every table holds.
func (r *rig) counts() map[string]int { return fixture.Counts(r.t, r.db) }

// unchanged fails t when any table's row count differs from before.
func (r *rig) unchanged(t *testing.T, before map[string]int) { fixture.Unchanged(t, r.db, before) }

// try runs action and fails t unless its error is of kind wantKind ("" for none). It
// reports whether the action went through; one that did not must leave every table as it was.
func (r *rig) try(t *testing.T, wantKind storage.Kind, action func() error) bool {
	t.Helper()
	before := r.counts()
	err := action()
	if kindOf(err) != wantKind {
		t.Fatalf("got %v, want kind %q", err, wantKind)
	}
	if err != nil {
		r.unchanged(t, before)
	}
	return err == nil
}

// kindOf is err's kind, "" for no error.
func kindOf(err error) storage.Kind {
	if err == nil {
		return ""
	}
	return storage.KindOf(err)
}

func TestPostNote(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	bob := r.account("bob", false)     // follows alice
	carol := r.account("carol", false) // mentioned
	dora := r.account("dora", false)   // asked to follow, not accepted
	r.follow(bob, alice, true)
	r.follow(dora, alice, false)
	for _, f := range []*storage.Actor{
		r.remote("remote.test", "r1", true), r.remote("remote.test", "r2", true), // one server, one shared inbox
		r.remote("other.test", "r3", false), // no shared inbox: its own
	} {
		r.follow(f, alice, true)
	}
	r.follow(r.remote("pending.test", "rp", true), alice, false)
	men := r.remote("third.test", "men", true)
	parent := r.remoteNote(men, "parent")
	followers := []string{"https://other.test/users/r3/inbox", "https://remote.test/inbox"}
	mentioned := "https://third.test/inbox"
	rows := []struct {
		name       string
		in         NoteInput
		to, cc     []string
		inboxes    []string
		feeds      []*storage.Actor // local accounts whose feed gets it, besides the author's
		noticeOf   *storage.Actor   // who is notified of a mention
		visibility storage.Visibility
	}{
		{"public: to everyone, cc followers; one delivery per server", NoteInput{Content: "hello"},
			[]string{federation.PublicCollection}, []string{alice.FollowersURI}, followers, []*storage.Actor{bob}, nil, storage.Public},
		{"unlisted: to followers, cc everyone and the mentioned", NoteInput{Content: "hi @carol and @men@third.test", Visibility: "unlisted"},
			[]string{alice.FollowersURI}, []string{federation.PublicCollection, carol.URI, men.URI},
			append(slices.Clone(followers), mentioned), []*storage.Actor{bob, carol}, carol, storage.Unlisted},
		{"followers: to followers, cc the mentioned", NoteInput{Content: "only you, @men@third.test", Visibility: "followers"},
			[]string{alice.FollowersURI}, []string{men.URI}, append(slices.Clone(followers), mentioned), []*storage.Actor{bob}, nil, storage.Followers},
		{"direct: only to the mentioned", NoteInput{Content: "@carol @men@third.test secret", Visibility: "direct"},
			[]string{carol.URI, men.URI}, []string{}, []string{mentioned}, []*storage.Actor{carol}, carol, storage.Direct},
		{"a reply goes to the author replied to as well", NoteInput{Content: "agreed", InReplyTo: parent.URI},
			[]string{federation.PublicCollection}, []string{alice.FollowersURI, men.URI}, append(slices.Clone(followers), mentioned),
			[]*storage.Actor{bob}, nil, storage.Public},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n, act, err := r.s.PostNote(r.ctx, alice, row.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil || !got.Local || got.Visibility != row.visibility || !slices.Equal(got.To, row.to) ||
				!slices.Equal(got.Cc, row.cc) || got.InReplyToURI != row.in.InReplyTo {
				t.Fatalf("stored %s note to %v cc %v (%v); want %s to %v cc %v", got.Visibility, got.To, got.Cc, err,
					row.visibility, row.to, row.cc)
			}
			stored := r.activity(n.URI + "/activity")
			doc, err := federation.DecodeActivity([]byte(stored.JSON))
			if err != nil || stored.ID != act.ID || stored.Type != federation.TypeCreate || stored.NoteID != n.ID ||
				doc.Object.ID != n.URI || doc.Actor != alice.URI {
				t.Errorf("Create stored %+v (%v)", stored, err)
			}
			if got := r.inboxes(act.URI); !slices.Equal(got, row.inboxes) {
				t.Errorf("queued for %v, want %v", got, row.inboxes)
			}
			for _, a := range []*storage.Actor{alice, bob, carol, dora} {
				want := a == alice || slices.Contains(row.feeds, a)
				if r.inFeed(a, n, nil) != want {
					t.Errorf("in %s's feed: %v, want %v", a.Username, !want, want)
				}
			}
			if row.noticeOf != nil && r.notified(row.noticeOf, storage.NotificationMention, alice, n) != 1 {
				t.Errorf("%s not notified", row.noticeOf.Username)
			}
		})
	}
}

func TestPostNoteRefusesBadInput(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	bob := r.account("bob", false) // alice does not follow him
	hidden := r.post(bob, NoteInput{Content: "for my followers", Visibility: "followers"})
	long := make([]rune, MaxNoteChars+1)
	for i := range long {
		long[i] = 'x'
	}
	rows := []struct {
		name string
		in   NoteInput
	}{
		{"an unknown visibility", NoteInput{Content: "x", Visibility: "secret"}},
		{"no content", NoteInput{Content: " \n "}},
		{"content over the limit", NoteInput{Content: string(long)}},
		{"a summary over the limit", NoteInput{Content: "x", Summary: string(long[:MaxSummaryChars+1])}},
		{"a language that is no language tag", NoteInput{Content: "x", Language: "english!"}},
		{"a contentMap key that is no language tag", NoteInput{ContentMap: map[string]string{"en us": "x"}}},
		{"inReplyTo that is no URL", NoteInput{Content: "x", InReplyTo: "note 5"}},
		{"a reply to a note that does not exist", NoteInput{Content: "x", InReplyTo: alice.URI + "/statuses/none"}},
		{"a reply to a note the author may not see", NoteInput{Content: "x", InReplyTo: hidden.URI}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r.try(t, storage.Invalid, func() error { _, _, err := r.s.PostNote(r.ctx, alice, row.in); return err })
		})
	}
}

func TestFollow(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	open := r.account("open", false)
	shut := r.account("shut", true)
	gone := r.account("gone", false)
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(r.ctx, gone.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	instance, err := r.s.InstanceActor(r.ctx)
	if err != nil {
		t.Fatal(err)
	}
	rem := r.remote("remote.test", "rem", true)
	rows := []struct {
		name     string
		target   string
		wantKind storage.Kind
		accepted bool
		notice   storage.NotificationKind // of a local target
		sent     []string                 // inboxes the Follow is queued for
	}{
		{"an unlocked local account accepts at once", open.URI, "", true, storage.NotificationFollow, nil},
		{"a locked local account is asked", shut.URI, "", false, storage.NotificationFollowRequest, nil},
		{"a remote account is sent a Follow, to its own inbox", rem.URI, "", false, "", []string{rem.Inbox}},
		{"not yourself", alice.URI, storage.Invalid, false, "", nil},
		{"not the instance actor", instance.URI, storage.Invalid, false, "", nil},
		{"no such local account", testBase + "/users/nobody", storage.NotFound, false, "", nil},
		{"a deleted account", gone.URI, storage.Gone, false, "", nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var f *storage.Follow
			if !r.try(t, row.wantKind, func() (err error) { f, err = r.s.Follow(r.ctx, alice, row.target); return err }) {
				return
			}
			target, _ := r.db.GetActorByURI(r.ctx, row.target)
			stored, err := r.db.GetFollow(r.ctx, alice.ID, target.ID)
			if err != nil || stored.Accepted != row.accepted || stored.URI != f.URI {
				t.Errorf("follow stored %+v (%v), want accepted %v", stored, err, row.accepted)
			}
			if row.notice != "" && r.notified(target, row.notice, alice, nil) != 1 {
				t.Errorf("%s not notified with %s", target.Username, row.notice)
			}
			if row.sent == nil {
				if _, err := r.db.GetActivityByURI(r.ctx, f.URI); storage.KindOf(err) != storage.NotFound {
					t.Errorf("a Follow was stored for a local account: %v", err)
				}
			} else if got := r.inboxes(f.URI); !slices.Equal(got, row.sent) {
				t.Errorf("Follow queued for %v, want %v", got, row.sent)
			}
		})
	}

	// Asking again is answered as Mastodon answers it: the follow or the request stands,
	// with its id, and nobody is notified twice. A remote request still pending is sent
	// again, with that id, for a server that lost it (Mastodon and Refuge take a repeated
	// Follow as a no-op); one that was accepted is sent nothing.
	accepting := r.remote("remote.test", "accepting", true)
	if _, err := r.s.Follow(r.ctx, alice, accepting.URI); err != nil {
		t.Fatal(err)
	}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		f, err := tx.GetFollow(r.ctx, alice.ID, accepting.ID)
		if err != nil {
			return err
		}
		return tx.AcceptFollow(r.ctx, f.ID)
	}); err != nil {
		t.Fatal(err)
	}
	again := []struct {
		name     string
		target   *storage.Actor
		accepted bool
		notice   storage.NotificationKind // of a local target, once only
		sent     []string                 // inboxes the Follow is queued for again
	}{
		{"asking a remote account again: the request stands and is sent again, same id", rem, false, "", []string{rem.Inbox}},
		{"following a remote account again after it accepted: nothing sent", accepting, true, "", nil},
		{"following an unlocked local account again: not notified twice", open, true, storage.NotificationFollow, nil},
		{"asking a locked local account again: the request stands, not notified twice", shut, false, storage.NotificationFollowRequest, nil},
	}
	for _, row := range again {
		t.Run(row.name, func(t *testing.T) {
			first, err := r.db.GetFollow(r.ctx, alice.ID, row.target.ID)
			if err != nil {
				t.Fatal(err)
			}
			r.deliverAll() // the first Follow went out
			before := r.counts()
			f, err := r.s.Follow(r.ctx, alice, row.target.URI)
			if err != nil || f.URI != first.URI {
				t.Fatalf("repeated Follow: %+v, %v; want no error and the id %s", f, err, first.URI)
			}
			stored, err := r.db.GetFollow(r.ctx, alice.ID, row.target.ID)
			if err != nil || stored.URI != first.URI || stored.Accepted != row.accepted {
				t.Errorf("follow stored %+v (%v), want %s accepted %v", stored, err, first.URI, row.accepted)
			}
			if row.notice != "" && r.notified(row.target, row.notice, alice, nil) != 1 {
				t.Errorf("%s notified %d times with %s, want once", row.target.Username,
					r.notified(row.target, row.notice, alice, nil), row.notice)
			}
			if row.sent == nil {
				r.unchanged(t, before)
				return
			}
			if got := r.inboxes(f.URI); !slices.Equal(got, row.sent) {
				t.Errorf("Follow queued again for %v, want %v", got, row.sent)
			}
			if after := r.counts(); after["deliveries"] != before["deliveries"]+len(row.sent) || after["activities"] != before["activities"] {
				t.Errorf("rows before %v, after %v; want only the deliveries added", before, after)
			}
		})
	}
}

func TestUnfollow(t *testing.T) {
	r := newRig(t)
	alice := r.account("alice", false)
	open := r.account("open", false)
	stranger := r.account("stranger", false)
	rem := r.remote("remote.test", "rem", true)
	if _, err := r.s.Follow(r.ctx, alice, open.URI); err != nil {
		t.Fatal(err)
	}
	followed, err := r.s.Follow(r.ctx, alice, rem.URI)
	if err != nil {
		t.Fatal(err)
	}
	seen := r.post(open, NoteInput{Content: "for my followers", Visibility: "followers"})
	if !r.inFeed(alice, seen, nil) {
		t.Fatal("the followed account's note is not in the feed")
	}
	rows := []struct {
		name     string
		target   string
		wantKind storage.Kind
		undo     []string // inboxes the Undo is queued for
	}{
		{"a local account: the follow and its notes in the feed go", open.URI, "", nil},
		{"a remote account is sent an Undo", rem.URI, "", []string{rem.Inbox}},
		{"an account not followed", stranger.URI, storage.NotFound, nil},
		{"an account never seen", "https://nowhere.test/users/x", storage.NotFound, nil},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if !r.try(t, row.wantKind, func() error { return r.s.Unfollow(r.ctx, alice, row.target) }) {
				return
			}
			target, _ := r.db.GetActorByURI(r.ctx, row.target)
			if _, err := r.db.GetFollow(r.ctx, alice.ID, target.ID); storage.KindOf(err) != storage.NotFound {
				t.Errorf("follow still there: %v", err)
			}
			if row.undo != nil {
				if got := r.inboxes(followed.URI + "/undo"); !slices.Equal(got, row.undo) {
					t.Errorf("Undo queued for %v, want %v", got, row.undo)
				}
			}
		})
	}
	if r.inFeed(alice, seen, nil) {
		t.Error("the unfollowed account's note is still in the feed")
	}
}

func TestAnswerFollowRequest(t *testing.T) {
	r := newRig(t)
	shut := r.account("shut", true)
	bob := r.account("bob", false)
	carol := r.account("carol", false)
	rem := r.remote("remote.test", "rem", true)
	rej := r.remote("remote.test", "rej", true)
	stranger := r.remote("remote.test", "stranger", true)
	for _, a := range []*storage.Actor{bob, rem, rej} {
		r.follow(a, shut, false)
	}
	rows := []struct {
		name     string
		follower *storage.Actor
		accept   bool
		wantKind storage.Kind
		answer   string // type of the activity sent to the follower's own inbox; "" for none
	}{
		{"a local follower is accepted, nothing sent", bob, true, "", ""},
		{"a remote follower is accepted and sent an Accept", rem, true, "", federation.TypeAccept},
		{"a remote follower is refused and sent a Reject", rej, false, "", federation.TypeReject},
		{"no request to answer", stranger, true, storage.NotFound, ""},
		{"a follower never seen", &storage.Actor{URI: "https://nowhere.test/users/x"}, true, storage.NotFound, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var uri string
			if !r.try(t, row.wantKind, func() (err error) {
				uri, err = r.s.AnswerFollowRequest(r.ctx, shut, row.follower.URI, row.accept)
				return err
			}) {
				return
			}
			f, err := r.db.GetFollow(r.ctx, row.follower.ID, shut.ID)
			if row.accept != (err == nil) || (err == nil && !f.Accepted) {
				t.Errorf("follow afterwards %+v, %v; want accepted: %v", f, err, row.accept)
			}
			if row.answer == "" {
				if uri != "" {
					t.Errorf("answer %q sent to a local follower", uri)
				}
				return
			}
			if a := r.activity(uri); a.Type != row.answer {
				t.Errorf("sent a %s, want %s", a.Type, row.answer)
			}
			if got := r.inboxes(uri); !slices.Equal(got, []string{row.follower.Inbox}) {
				t.Errorf("answer queued for %v, want %s", got, row.follower.Inbox)
			}
		})
	}

	// As after an unfollow or an incoming Reject, what the removed follower was sent of
	// shut's goes from her feed: the rows themselves, not only what the feed shows.
	t.Run("a removed local follower loses shut's notes from her feed, rows and all", func(t *testing.T) {
		r.follow(carol, shut, true)
		private := r.post(shut, NoteInput{Content: "for followers", Visibility: "followers"})
		public := r.post(shut, NoteInput{Content: "for everyone"})
		before := r.counts()["feed"]
		if _, err := r.s.AnswerFollowRequest(r.ctx, shut, carol.URI, false); err != nil {
			t.Fatal(err)
		}
		if can, _ := r.db.CanSee(r.ctx, private.ID, carol.ID); can {
			t.Fatal("a removed follower still may read followers-only notes")
		}
		if r.inFeed(carol, private, nil) || r.inFeed(carol, public, nil) {
			t.Error("shut's notes are still in the removed follower's feed")
		}
		if after := r.counts()["feed"]; after != before-2 {
			t.Errorf("feed rows %d after, %d before; want the two of shut's notes gone", after, before)
		}
	})
}
