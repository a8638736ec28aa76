package inbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/fixture"
	"refuge/outbox"
	"refuge/storage"
	"refuge/storage/sqldb"
)

// The instance under test. Nothing is served there: the tests call the inbox directly.
const (
	testBase   = "http://local.test"
	testDomain = "local.test"
	remoteBase = "https://remote.test" // never connected to: its actors are stored, and no name resolves
)

// testKey is the one key pair every remote actor of these tests publishes; making one costs
// tens of milliseconds, and which actor signed is told by the keyId, not the key.
var testKey = sync.OnceValues(func() (priv, pub string) {
	priv, pub, err := federation.GenerateKey()
	if err != nil {
		panic(err)
	}
	return priv, pub
})

// rig is one instance's inbox on a real SQLite file, with the outbox it answers through
// and the remote cache it fetches through.
type rig struct {
	t   *testing.T
	ctx context.Context
	db  *sqldb.DB
	svc *outbox.Service
	in  *Inbox
	seq int
	due time.Time // later than anything queued: see queued
}

func newRig(t *testing.T) *rig {
	t.Helper()
	return newRigOn(t, fixture.Open(t))
}

// newRigOn is newRig on a database the test opened.
func newRigOn(t *testing.T, db *sqldb.DB) *rig {
	t.Helper()
	remote := fixture.Remote(db, testDomain)
	svc := &outbox.Service{DB: db, Base: testBase, Domain: testDomain, Remote: remote, Log: remote.Log}
	return &rig{t: t, ctx: context.Background(), db: db, svc: svc, in: &Inbox{DB: db, Outbox: svc, Remote: remote, Log: remote.Log},
		due: time.Now().Add(24 * time.Hour)}
}

// local creates a local account, locked or not, through the outbox.
func (r *rig) local(name string, locked bool) *storage.Actor {
	r.t.Helper()
	a, err := r.svc.CreateAccount(r.ctx, name, "password of "+name, false)
	if err != nil {
		r.t.Fatal(err)
	}
	if locked {
		if a, err = r.svc.UpdateProfile(r.ctx, a, outbox.ProfileInput{Locked: true}); err != nil {
			r.t.Fatal(err)
		}
	}
	return a
}

// remote stores a remote actor under base (scheme://host), fetched just now, so that the
// remote cache answers from storage.
func (r *rig) remote(base, name string) *storage.Actor {
	r.t.Helper()
	_, pub := testKey()
	uri := base + "/users/" + name
	a := &storage.Actor{URI: uri, Type: federation.TypePerson, Username: name, Host: storage.HostOf(base),
		Inbox: uri + "/inbox", SharedInbox: base + "/inbox", FollowersURI: uri + "/followers",
		KeyID: uri + "#main-key", PublicKeyPEM: pub, FetchedAt: time.Now()}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(r.ctx, a) }); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// follow stores a follow of followee by follower, accepted or pending, as if agreed earlier.
func (r *rig) follow(follower, followee *storage.Actor, accepted bool) *storage.Follow {
	r.t.Helper()
	return fixture.Follow(r.t, r.db, follower, followee, accepted)
}

// act starts an activity of by, with a fresh id on its host.
func (r *rig) act(by *storage.Actor, typ string) *federation.Activity {
	r.seq++
	return &federation.Activity{ID: fmt.Sprintf("%s/activities/%d", by.URI, r.seq), Type: typ, Actor: by.URI}
}

// handle encodes act with object (an id, or a *federation.Note, *Activity or *Actor to
// embed), decodes it as a delivery is decoded, and hands it to the handler for its type
// with signer as the verified signer: signature checks are Receive's, tested apart.
func (r *rig) handle(signer *storage.Actor, act *federation.Activity, object any) (Result, error) {
	r.t.Helper()
	body, err := federation.EncodeActivity(act, object)
	if err != nil {
		r.t.Fatal(err)
	}
	decoded, err := federation.DecodeActivity(body)
	if err != nil {
		r.t.Fatalf("decode %s: %v", body, err)
	}
	h, ok := handlers[decoded.Type]
	if !ok {
		r.t.Fatalf("no handler for %s", decoded.Type)
	}
	return h(r.in, r.ctx, signer, decoded)
}

// deliver hands act with object to its handler, as handle does, and fails t unless the
// result is want and the error of kind wantKind ("" for none). It reports whether the
// activity was stored; one that was not must leave every table as it was.
func (r *rig) deliver(t *testing.T, signer *storage.Actor, act *federation.Activity, object any, want Result, wantKind storage.Kind) bool {
	t.Helper()
	before := r.counts()
	res, err := r.handle(signer, act, object)
	if res != want || kindOf(err) != wantKind {
		t.Fatalf("%s: %q, %v; want %q, kind %q", act.Type, res, err, want, wantKind)
	}
	if res != Stored {
		r.unchanged(t, before)
	}
	return res == Stored
}

// storedUnless is the result of an activity that is stored unless refused with an error of
// kind ("" for none).
func storedUnless(kind storage.Kind) Result {
	if kind != "" {
		return ""
	}
	return Stored
}

// noteDoc is a note of author as its server would send it.
func noteDoc(author *storage.Actor, id, content string, to, cc []string) *federation.Note {
	return &federation.Note{ID: author.URI + "/statuses/" + id, Type: federation.TypeNote, AttributedTo: author.URI,
		Content: content, To: to, Cc: cc, Published: time.Now()}
}

// kindOf is err's kind, "" for no error.
func kindOf(err error) storage.Kind {
	if err == nil {
		return ""
	}
	return storage.KindOf(err)
}

// counts is how many rows every table holds.
func (r *rig) counts() map[string]int { return fixture.Counts(r.t, r.db) }

// unchanged fails t when any table's row count differs from before.
func (r *rig) unchanged(t *testing.T, before map[string]int) { fixture.Unchanged(t, r.db, before) }

// queued lists the deliveries waiting, as "Type inbox", sorted. Claiming with a lease of
// nothing at a fixed time later than every due time leaves them all claimable again.
func (r *rig) queued() []string {
	r.t.Helper()
	ds, err := r.db.ClaimDeliveries(r.ctx, r.due, 0, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, d := range ds {
		act, err := r.db.GetActivityByID(r.ctx, d.ActivityID)
		if err != nil {
			r.t.Fatal(err)
		}
		out = append(out, act.Type+" "+d.Inbox)
	}
	slices.Sort(out)
	return out
}

// stored stores a remote note as if it had arrived earlier.
func (r *rig) stored(author *storage.Actor, doc *federation.Note) *storage.Note {
	r.t.Helper()
	n := federation.NoteFromDoc(doc, author, testDomain)
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.CreateNote(r.ctx, n) }); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// notices lists a's notifications, newest first, as "kind by-actor-uri", followed by
// " note-uri" when one is about a note.
func (r *rig) notices(a *storage.Actor) []string {
	r.t.Helper()
	ns, err := r.db.ListNotifications(r.ctx, a.ID, storage.Page{})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		s := string(n.Type) + " " + n.Actor.URI
		if n.Note != nil {
			s += " " + n.Note.URI
		}
		out = append(out, s)
	}
	return out
}

// feed lists the notes in a's home feed, newest first, as "note-uri" or "note-uri boosted-by".
func (r *rig) feed(a *storage.Actor) []string {
	r.t.Helper()
	items, err := r.db.ListFeed(r.ctx, a.ID, storage.Page{})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, it := range items {
		s := it.Note.URI
		if it.Booster != nil {
			s += " " + it.Booster.URI
		}
		out = append(out, s)
	}
	return out
}

// origin is a remote server on 127.0.0.1 that serves the ActivityStreams documents a test
// puts in it, by path; anything else is 404.
type origin struct {
	URL  string // http://127.0.0.1:port
	mu   sync.Mutex
	docs map[string][]byte
}

func (r *rig) origin() *origin {
	r.t.Helper()
	o := &origin{docs: map[string][]byte{}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		r.t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		o.mu.Lock()
		doc, ok := o.docs[req.URL.Path]
		o.mu.Unlock()
		if !ok {
			http.NotFound(w, req)
			return
		}
		w.Header().Set("Content-Type", "application/activity+json")
		w.Write(doc)
	}))
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	r.t.Cleanup(srv.Close)
	o.URL = srv.URL
	return o
}

// serve puts doc (JSON) at the path of its id.
func (o *origin) serve(id string, doc []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.docs[id[len(o.URL):]] = doc
}

// TestReceive goes through the front door with a real signature by a stored remote actor:
// the handlers are only reached past the checks, and a repeat is recognised by its id. The
// duplicate check cannot be reached without a signature: verify runs before it.
func TestReceive(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	blocked := r.remote("https://blocked.test", "troll")
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error {
		return tx.PutBlock(r.ctx, storage.Block{Target: "blocked.test", Created: time.Now()})
	}); err != nil {
		t.Fatal(err)
	}
	privPEM, _ := testKey()
	key, err := federation.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	follow := r.act(bob, federation.TypeFollow)
	rows := []struct {
		name     string
		signer   *storage.Actor // nil: unsigned
		act      *federation.Activity
		object   string
		want     Result
		wantKind storage.Kind // "" when accepted
		stores   bool
	}{
		{"a new activity is stored", bob, follow, alice.URI, Stored, "", true},
		{"the same id again is a duplicate", bob, follow, alice.URI, Duplicate, "", false},
		{"a type nobody handles is ignored", bob, r.act(bob, "Arrive"), alice.URI, Ignored, "", false},
		{"an unsigned delivery is refused", nil, r.act(bob, federation.TypeFollow), alice.URI, "", storage.Unauthorized, false},
		{"an actor other than the signer is refused", bob, &federation.Activity{ID: remoteBase + "/users/carol/follow/1",
			Type: federation.TypeFollow, Actor: remoteBase + "/users/carol"}, alice.URI, "", storage.Unauthorized, false},
		{"an id on another host is refused", bob, &federation.Activity{ID: "https://elsewhere.test/follow/1",
			Type: federation.TypeFollow, Actor: bob.URI}, alice.URI, "", storage.Forbidden, false},
		{"a blocked host is refused", blocked, r.act(blocked, federation.TypeFollow), alice.URI, "", storage.Forbidden, false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			body, err := federation.EncodeActivity(row.act, row.object)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest(http.MethodPost, testBase+"/inbox", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			if row.signer != nil {
				if err := federation.SignRequest(req, body, federation.Signer{KeyID: row.signer.KeyID, Key: key}, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			before := r.counts()
			got, err := r.in.Receive(r.ctx, req, body, nil)
			if got != row.want || kindOf(err) != row.wantKind {
				t.Fatalf("Receive = %q, %v; want %q, kind %q", got, err, row.want, row.wantKind)
			}
			if row.stores {
				if _, err := r.db.GetActivityByURI(r.ctx, row.act.ID); err != nil {
					t.Errorf("activity not recorded: %v", err)
				}
				return
			}
			r.unchanged(t, before)
		})
	}
}

// TestReceiveSeesBlocksOfAnotherProcess: a signer kept from an earlier delivery is no way
// around a block set since, by this process or by another on the same database (the admin
// command beside the server, a second server on PostgreSQL), and a lifted block lets the
// next delivery in, both from the very next delivery; a refused one stores nothing.
func TestReceiveSeesBlocksOfAnotherProcess(t *testing.T) {
	db, second := fixture.OpenTwice(t)
	r := newRigOn(t, db)
	admin := second()
	alice := r.local("alice", false)
	bob := r.remote(remoteBase, "bob")
	r.follow(alice, bob, true)
	privPEM, _ := testKey()
	key, err := federation.ParsePrivateKey(privPEM)
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
		name     string
		by       *sqldb.DB // who changes the blocks before the delivery; nil: nobody
		block    string    // a target to block
		lift     string    // a target to lift the block of
		wantKind storage.Kind
	}{
		{"a first delivery keeps its signer", nil, "", "", ""},
		{"another process blocks the host", admin, "remote.test", "", storage.Forbidden},
		{"it lifts the block", admin, "", "remote.test", ""},
		{"this process blocks the actor", r.db, bob.URI, "", storage.Forbidden},
		{"another process lifts it", admin, "", bob.URI, ""},
		{"a block of another host changes nothing", admin, "other.test", "", ""},
	}
	for _, row := range rows {
		if row.by != nil {
			err := row.by.Update(r.ctx, func(tx storage.Tx) error {
				if row.block != "" {
					return tx.PutBlock(r.ctx, storage.Block{Target: row.block, Created: time.Now()})
				}
				return tx.DeleteBlock(r.ctx, row.lift)
			})
			if err != nil {
				t.Fatalf("%s: %v", row.name, err)
			}
		}
		act := r.act(bob, federation.TypeCreate)
		note := &federation.Note{ID: act.ID + "/note", Type: federation.TypeNote, AttributedTo: bob.URI,
			Content: "hello", To: []string{federation.PublicCollection}, Published: time.Now()}
		body, err := federation.EncodeActivity(act, note)
		if err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, testBase+"/inbox", bytes.NewReader(body))
		if err := federation.SignRequest(req, body, federation.Signer{KeyID: bob.KeyID, Key: key}, time.Now()); err != nil {
			t.Fatal(err)
		}
		before := r.counts()
		got, err := r.in.Receive(r.ctx, req, body, nil)
		if kindOf(err) != row.wantKind || (row.wantKind == "" && got != Stored) {
			t.Fatalf("%s: Receive = %q, %v; want kind %q", row.name, got, err, row.wantKind)
		}
		if row.wantKind != "" {
			r.unchanged(t, before)
		}
	}
}
