package inbox

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox"
	"refuge/storage"
)

// fixtureNote is the note every reaction fixture reacts to; each test puts its own note's id
// in its place.
const fixtureNote = "https://refuge.example/users/erin/notes/01HZX"

// payload reads a captured payload from federation's testdata with the reacted-to note
// replaced by noteURI.
func payload(t *testing.T, name, noteURI string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "federation", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.ReplaceAll(string(data), fixtureNote, noteURI))
}

// remoteAt stores a remote actor whose id is uri, whatever its server's paths look like
// (honk's are /u/name).
func (r *rig) remoteAt(uri string) *storage.Actor {
	r.t.Helper()
	if a, err := r.db.GetActorByURI(r.ctx, uri); err == nil {
		return a
	}
	_, pub := testKey()
	host := storage.HostOf(uri)
	a := &storage.Actor{URI: uri, Type: federation.TypePerson, Username: uri[strings.LastIndex(uri, "/")+1:], Host: host,
		Inbox: uri + "/inbox", SharedInbox: "https://" + host + "/inbox", FollowersURI: uri + "/followers",
		KeyID: uri + "#main-key", PublicKeyPEM: pub, FetchedAt: time.Now()}
	if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.PutRemoteActor(r.ctx, a) }); err != nil {
		r.t.Fatal(err)
	}
	return a
}

// deliverRaw decodes body as a delivery is decoded and hands it to its type's handler, its
// actor as the verified signer; it fails t unless the result is want with an error of kind
// wantKind, and, when nothing was stored, unless every table is as it was.
func (r *rig) deliverRaw(t *testing.T, body []byte, want Result, wantKind storage.Kind) {
	t.Helper()
	act, err := federation.DecodeActivity(body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	signer := r.remoteAt(act.Actor)
	h, ok := handlers[act.Type]
	if !ok {
		t.Fatalf("no handler for %s", act.Type)
	}
	before := r.counts()
	res, err := h(r.in, r.ctx, signer, act)
	if res != want || kindOf(err) != wantKind {
		t.Fatalf("%s: %q, %v; want %q, kind %q", act.Type, res, err, want, wantKind)
	}
	if res != Stored {
		r.unchanged(t, before)
	}
}

// groups shows a note's reactions as "emoji count" (" image" for a custom one, " me" when
// viewer is among them), in order.
func (r *rig) groups(n *storage.Note, viewer int64) []string {
	r.t.Helper()
	all, err := r.db.ReactionGroups(r.ctx, viewer, []int64{n.ID})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, g := range all[n.ID] {
		s := fmt.Sprintf("%s %d", g.Emoji, g.Count)
		if g.ImageURL != "" {
			s += " " + g.ImageURL
		}
		if g.Me {
			s += " me"
		}
		out = append(out, s)
	}
	return out
}

// reactionNotices lists a's reaction notifications as "emoji by-actor-uri [picture]".
func (r *rig) reactionNotices(a *storage.Actor) []string {
	r.t.Helper()
	ns, err := r.db.ListNotifications(r.ctx, a.ID, storage.Page{Kinds: []storage.NotificationKind{storage.NotificationReaction}})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, strings.TrimSpace(n.Emoji+" "+n.Actor.URI+" "+n.EmojiURL))
	}
	return out
}

// TestEmojiReactionFixtures takes each server's reaction as it sends it, and its Undo where
// it sends one (honk never takes a reaction back; GoToSocial and Mastodon only like).
func TestEmojiReactionFixtures(t *testing.T) {
	r := newRig(t)
	erin := r.local("erin", false)
	rows := []struct {
		name, file string
		groups     []string // of the note afterwards
		likes      int
		notices    []string // erin's reaction notifications about it
		undo       string   // the Undo's fixture, after which the note has no reaction and no like
	}{
		{"Pleroma: a Unicode EmojiReact", "pleroma_emojireact.json",
			[]string{"🔥 1"}, 0, []string{"🔥 https://pleroma.example/users/dave"}, "pleroma_undo_emojireact.json"},
		{"Akkoma: a custom emoji with its Emoji tag", "akkoma_emojireact_custom.json",
			[]string{":blobcat: 1 https://akkoma.example/emoji/custom/blobcat.png"}, 0,
			[]string{":blobcat: https://akkoma.example/users/frank https://akkoma.example/emoji/custom/blobcat.png"}, ""},
		{"Misskey: a Like with another server's custom emoji", "misskey_like.json",
			[]string{":blobcat@mastodon.example: 1 https://files.mastodon.example/custom_emojis/blobcat.png"}, 0,
			[]string{":blobcat@mastodon.example: https://misskey.example/users/9abcdefghi https://files.mastodon.example/custom_emojis/blobcat.png"},
			"misskey_undo_like.json"},
		{"Misskey: a Like with a Unicode emoji and skin tone", "misskey_like_unicode.json",
			[]string{"👍🏽 1"}, 0, []string{"👍🏽 https://misskey.example/users/9abcdefghi"}, ""},
		{"Misskey: a heart is a like", "misskey_like_heart.json", nil, 1, nil, ""},
		{"honk: an EmojiReact", "honk_emojireact.json",
			[]string{"🦆 1"}, 0, []string{"🦆 https://honk.example/u/ted"}, ""},
		{"Mastodon: a Like is a like", "mastodon_like.json", nil, 1, nil, ""},
		{"GoToSocial: a Like is a like", "gotosocial_like.json", nil, 1, nil, ""},
	}
	for i, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			n, _, err := r.svc.PostNote(r.ctx, erin, outbox.NoteInput{Content: fmt.Sprintf("react to me %d", i), Visibility: "public"})
			if err != nil {
				t.Fatal(err)
			}
			r.deliverRaw(t, payload(t, row.file, n.URI), Stored, "")
			if got := r.groups(n, 0); !slices.Equal(got, row.groups) {
				t.Errorf("reactions %q, want %q", got, row.groups)
			}
			stored, err := r.db.GetNoteByURI(r.ctx, n.URI)
			if err != nil || stored.Likes != row.likes {
				t.Errorf("likes %d, %v; want %d", stored.Likes, err, row.likes)
			}
			var notices []string
			for _, s := range r.reactionNotices(erin) {
				if slices.Contains(row.notices, s) {
					notices = append(notices, s)
				}
			}
			if len(notices) != len(row.notices) {
				t.Errorf("reaction notifications %q, want %q among them", r.reactionNotices(erin), row.notices)
			}
			if row.undo == "" {
				return
			}
			r.deliverRaw(t, payload(t, row.undo, n.URI), Stored, "")
			if got := r.groups(n, 0); len(got) != 0 {
				t.Errorf("after the Undo: reactions %q, want none", got)
			}
		})
	}
}

// TestEmojiReactionRules: several emoji by one actor, and what is refused.
func TestEmojiReactionRules(t *testing.T) {
	r := newRig(t)
	erin := r.local("erin", false)
	post := func(visibility storage.Visibility) *storage.Note {
		n, _, err := r.svc.PostNote(r.ctx, erin, outbox.NoteInput{Content: "react", Visibility: string(visibility)})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	public, hidden := post(storage.Public), post(storage.Followers)
	dave := r.remote("https://pleroma.example", "dave")
	mallory := r.remote("https://pleroma.example", "mallory")
	react := func(by *storage.Actor, typ, note, content string, tags ...federation.Tag) *federation.Activity {
		act := r.act(by, typ)
		act.Object, act.Content, act.Tags = federation.Object{ID: note}, content, tags
		return act
	}

	t.Run("one actor may react with several emoji, each once", func(t *testing.T) {
		for _, e := range []string{"🔥", "🎉", "🔥"} {
			r.deliver(t, dave, react(dave, federation.TypeEmojiReact, public.URI, e), public.URI, Stored, "")
		}
		want := []string{"🔥 1", "🎉 1"}
		if got := r.groups(public, 0); !slices.Equal(got, want) {
			t.Errorf("reactions %q, want %q", got, want)
		}
		r.deliver(t, mallory, react(mallory, federation.TypeEmojiReact, public.URI, "🔥"), public.URI, Stored, "")
		want = []string{"🔥 2 me", "🎉 1 me"}
		if got := r.groups(public, dave.ID); !slices.Equal(got, want) {
			t.Errorf("as dave sees them: %q, want %q", got, want)
		}
	})

	long := strings.Repeat("🔥", 5000)
	hostile := []struct {
		name     string
		by       *storage.Actor
		act      *federation.Activity
		want     Result
		wantKind storage.Kind
	}{
		{"a note the reactor may not see", dave, react(dave, federation.TypeEmojiReact, hidden.URI, "🔥"), "", storage.Forbidden},
		{"a note not stored here", dave, react(dave, federation.TypeEmojiReact, "https://pleroma.example/objects/1", "🔥"), Ignored, ""},
		{"an absurdly long EmojiReact", dave, react(dave, federation.TypeEmojiReact, public.URI, long), "", storage.Invalid},
		{"an absurdly long Misskey reaction", dave, react(dave, federation.TypeLike, public.URI, long), "", storage.Invalid},
		{"an EmojiReact of text", dave, react(dave, federation.TypeEmojiReact, public.URI, "hello"), "", storage.Invalid},
		{"an EmojiReact of two emoji", dave, react(dave, federation.TypeEmojiReact, public.URI, "🔥🔥"), "", storage.Invalid},
		{"an EmojiReact without its emoji", dave, react(dave, federation.TypeEmojiReact, public.URI, ""), "", storage.Invalid},
		{"a custom emoji without its tag", dave, react(dave, federation.TypeEmojiReact, public.URI, ":blobcat:"), "", storage.Invalid},
		{"a custom emoji whose picture is not http(s)", dave, react(dave, federation.TypeEmojiReact, public.URI, ":blobcat:",
			federation.Tag{Type: federation.TypeEmoji, Name: ":blobcat:", Href: "file:///etc/passwd"}), "", storage.Invalid},
	}
	for _, row := range hostile {
		t.Run("refused: "+row.name, func(t *testing.T) {
			r.deliver(t, row.by, row.act, row.act.Object.ID, row.want, row.wantKind)
		})
	}

	t.Run("a Like whose content is no emoji is a plain like", func(t *testing.T) {
		r.deliver(t, dave, react(dave, federation.TypeLike, public.URI, "like"), public.URI, Stored, "")
		if n, _ := r.db.GetNoteByURI(r.ctx, public.URI); n.Likes != 1 {
			t.Errorf("%d likes, want 1", n.Likes)
		}
	})

	t.Run("only its author may undo a reaction", func(t *testing.T) {
		x, err := r.db.GetEmojiReaction(r.ctx, dave.ID, public.ID, "🎉")
		if err != nil {
			t.Fatal(err)
		}
		undo := r.act(mallory, federation.TypeUndo)
		r.deliver(t, mallory, undo, x.URI, "", storage.Forbidden)
		// Embedded, under its own id, or under an id never stored: still only dave's own.
		forged := react(dave, federation.TypeEmojiReact, public.URI, "🎉")
		forged.ID = "https://pleroma.example/activities/forged"
		r.deliver(t, mallory, r.act(mallory, federation.TypeUndo), forged, Ignored, "")
		if got := r.groups(public, 0); !slices.Contains(got, "🎉 1") {
			t.Errorf("reactions %q after others' Undos, want 🎉 still", got)
		}
		r.deliver(t, dave, r.act(dave, federation.TypeUndo), forged, Stored, "")
		if got := r.groups(public, 0); slices.Contains(got, "🎉 1") {
			t.Errorf("reactions %q after dave's Undo of the embedded reaction, want no 🎉", got)
		}
	})

	t.Run("deleting the note or the actor takes their reactions", func(t *testing.T) {
		if err := r.svc.DeleteNote(r.ctx, erin, public.URI); err != nil {
			t.Fatal(err)
		}
		if got := r.groups(public, 0); len(got) != 0 {
			t.Errorf("reactions %q of a deleted note", got)
		}
		other := post(storage.Public)
		r.deliver(t, mallory, react(mallory, federation.TypeEmojiReact, other.URI, "🌊"), other.URI, Stored, "")
		if err := r.db.Update(r.ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(r.ctx, mallory.ID, time.Now()) }); err != nil {
			t.Fatal(err)
		}
		if got := r.groups(other, 0); len(got) != 0 {
			t.Errorf("reactions %q of a deleted actor", got)
		}
	})
}

// TestLocalEmojiReaction: a local account's reaction to a remote post goes to its author's
// server as a Like with the emoji in content and _misskey_reaction (what Misskey and Pleroma
// read; Mastodon reads a like), and is taken back with an Undo of that Like.
func TestLocalEmojiReaction(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	dave := r.remote("https://pleroma.example", "dave")
	n := r.stored(dave, noteDoc(dave, "1", "react to me", []string{federation.PublicCollection}, nil))
	inbox := dave.SharedInbox

	for _, bad := range []string{"", "nice", "🔥🔥", ":blobcat:", strings.Repeat("🔥", 40)} {
		if err := r.svc.EmojiReact(r.ctx, alice, n.URI, bad); kindOf(err) != storage.Invalid {
			t.Errorf("react with %q: %v, want Invalid", bad, err)
		}
	}
	if err := r.svc.EmojiReact(r.ctx, alice, n.URI, " 🔥 "); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.EmojiReact(r.ctx, alice, n.URI, "🔥"); err != nil { // again: nothing more
		t.Fatal(err)
	}
	if got := r.groups(n, alice.ID); !slices.Equal(got, []string{"🔥 1 me"}) {
		t.Errorf("reactions %q, want alice's 🔥", got)
	}
	if got := r.queued(); !slices.Equal(got, []string{"Like " + inbox}) {
		t.Fatalf("queued %q, want one Like to %s", got, inbox)
	}
	x, err := r.db.GetEmojiReaction(r.ctx, alice.ID, n.ID, "🔥")
	if err != nil {
		t.Fatal(err)
	}
	like, err := r.db.GetActivityByURI(r.ctx, x.URI)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type":"Like"`, `"object":"` + n.URI + `"`, `"content":"🔥"`, `"_misskey_reaction":"🔥"`,
		`"_misskey_reaction":"misskey:_misskey_reaction"`} {
		if !strings.Contains(like.JSON, want) {
			t.Errorf("the Like %s lacks %s", like.JSON, want)
		}
	}

	// A heart is a like, as every peer reads it: no reaction row.
	if err := r.svc.EmojiReact(r.ctx, alice, n.URI, "❤️"); err != nil {
		t.Fatal(err)
	}
	if stored, _ := r.db.GetNoteByURI(r.ctx, n.URI); stored.Likes != 1 || len(r.groups(n, 0)) != 1 {
		t.Errorf("after a heart: %d likes, reactions %q; want 1 like and the 🔥 alone", stored.Likes, r.groups(n, 0))
	}

	if err := r.svc.EmojiUnreact(r.ctx, alice, n.URI, "🔥"); err != nil {
		t.Fatal(err)
	}
	if got := r.groups(n, 0); len(got) != 0 {
		t.Errorf("reactions %q after taking it back", got)
	}
	undo, err := r.db.GetActivityByURI(r.ctx, uris.Undo(x.URI))
	if err != nil {
		t.Fatalf("the Undo: %v", err)
	}
	for _, want := range []string{`"type":"Undo"`, `"id":"` + x.URI + `"`, `"content":"🔥"`} {
		if !strings.Contains(undo.JSON, want) {
			t.Errorf("the Undo %s lacks %s", undo.JSON, want)
		}
	}
	if err := r.svc.EmojiUnreact(r.ctx, alice, n.URI, "🔥"); kindOf(err) != storage.NotFound {
		t.Errorf("taking back what is not there: %v, want NotFound", err)
	}
}
