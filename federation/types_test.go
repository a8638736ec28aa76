package federation

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig/peer"
	"refuge/storage"
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// eq reports a mismatch of one field.
func eq[T any](t *testing.T, field string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", field, got, want)
	}
}

func TestDecodeActors(t *testing.T) {
	tests := []struct {
		file  string
		check func(t *testing.T, a *Actor)
	}{
		{"mastodon_actor.json", func(t *testing.T, a *Actor) {
			eq(t, "ID", a.ID, "https://mastodon.example/users/alice")
			eq(t, "Type", a.Type, "Person")
			eq(t, "PreferredUsername", a.PreferredUsername, "alice")
			eq(t, "Name", a.Name, "Alice :blobcat:")
			eq(t, "URL", a.URL, "https://mastodon.example/@alice")
			eq(t, "Inbox", a.Inbox, "https://mastodon.example/users/alice/inbox")
			eq(t, "Outbox", a.Outbox, "https://mastodon.example/users/alice/outbox")
			eq(t, "Followers", a.Followers, "https://mastodon.example/users/alice/followers")
			eq(t, "Following", a.Following, "https://mastodon.example/users/alice/following")
			eq(t, "Featured", a.Featured, "https://mastodon.example/users/alice/collections/featured")
			eq(t, "SharedInbox", a.SharedInbox, "https://mastodon.example/inbox")
			eq(t, "PublicKey.ID", a.PublicKey.ID, "https://mastodon.example/users/alice#main-key")
			eq(t, "PublicKey.Owner", a.PublicKey.Owner, a.ID)
			eq(t, "Manual", a.ManuallyApprovesFollowers, false)
			eq(t, "Discoverable", a.Discoverable, true)
			eq(t, "Indexable", a.Indexable, true)
			eq(t, "Published", a.Published, date("2022-11-05T00:00:00Z"))
			eq(t, "Icon", a.Icon, "https://files.mastodon.example/accounts/avatars/000/000/001/original/a.png")
			eq(t, "Image", a.Image, "https://files.mastodon.example/accounts/headers/000/000/001/original/h.jpg")
			eq(t, "AlsoKnownAs", a.AlsoKnownAs, []string{"https://old.example/users/alice"})
			eq(t, "MessageSignatures", a.MessageSignatures, false)
			eq(t, "Ed25519Key", a.Ed25519Key, PublicKey{})
			if len(a.Fields) != 2 || a.Fields[0].Name != "Website" || !strings.Contains(a.Fields[0].Value, `class="invisible"`) ||
				a.Fields[1] != (Field{"Pronouns", "she/her"}) {
				t.Errorf("Fields = %#v", a.Fields)
			}
			if !strings.HasPrefix(a.Summary, "<p>Writes about <a href=") {
				t.Errorf("Summary = %q", a.Summary)
			}
		}},
		{"gotosocial_actor.json", func(t *testing.T, a *Actor) {
			eq(t, "ID", a.ID, "https://gts.example/users/bob")
			eq(t, "PublicKey.ID", a.PublicKey.ID, "https://gts.example/users/bob/main-key")
			eq(t, "Manual", a.ManuallyApprovesFollowers, true)
			eq(t, "Discoverable", a.Discoverable, false)
			eq(t, "SharedInbox", a.SharedInbox, "")
			// Escapes decoded exactly once (go-ap would turn \n into a newline).
			eq(t, "Name", a.Name, `Bob \o/ "the builder"`)
			eq(t, "Summary", a.Summary, `<p>C:\new folder</p>`)
			eq(t, "Published", a.Published, date("2023-06-01T12:30:45Z"))
		}},
		{"misskey_actor.json", func(t *testing.T, a *Actor) {
			eq(t, "ID", a.ID, "https://misskey.example/users/9abcdefghi")
			eq(t, "PreferredUsername", a.PreferredUsername, "carol")
			eq(t, "SharedInbox", a.SharedInbox, "https://misskey.example/inbox")
			eq(t, "Icon", a.Icon, "https://misskey.example/files/webpublic-avatar")
			eq(t, "Image", a.Image, "")
			eq(t, "Fields", a.Fields, []Field{{"Home", "https://carol.example"}})
			eq(t, "Featured", a.Featured, "https://misskey.example/users/9abcdefghi/collections/featured")
			eq(t, "Discoverable", a.Discoverable, true)
		}},
		{"mitra_actor.json", func(t *testing.T, a *Actor) {
			eq(t, "ID", a.ID, "https://mitra.example/users/erin")
			eq(t, "PublicKey.ID", a.PublicKey.ID, "https://mitra.example/users/erin#main-key")
			eq(t, "MessageSignatures", a.MessageSignatures, true)
			eq(t, "Ed25519Key.ID", a.Ed25519Key.ID, "https://mitra.example/users/erin#ed25519-key")
			key, err := ParsePublicKey(a.Ed25519Key.PEM)
			seed := make([]byte, ed25519.SeedSize)
			for i := range seed {
				seed[i] = byte(i + 1) // the fixture's key was made from this seed
			}
			if want := ed25519.NewKeyFromSeed(seed).Public(); err != nil || !want.(ed25519.PublicKey).Equal(key) {
				t.Errorf("Ed25519 key %v (%v), want %v", key, err, want)
			}
		}},
		{"pleroma_actor.json", func(t *testing.T, a *Actor) {
			eq(t, "ID", a.ID, "https://pleroma.example/users/dave")
			eq(t, "SharedInbox", a.SharedInbox, "https://pleroma.example/inbox")
			eq(t, "Icon", a.Icon, "https://pleroma.example/media/avatar.png")
			eq(t, "Fields", len(a.Fields), 0)
			eq(t, "AlsoKnownAs", len(a.AlsoKnownAs), 0)
			if !strings.HasPrefix(a.PublicKey.PEM, "-----BEGIN RSA PUBLIC KEY-----") {
				t.Errorf("PEM = %q", a.PublicKey.PEM)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := DecodeActor(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePublicKey(a.PublicKey.PEM); err != nil {
				t.Errorf("public key: %v", err)
			}
			tt.check(t, a)
		})
	}
}

// TestGeneratorImplements: an actor's server takes RFC 9421 signatures only when its
// generator lists them, as FEP-844e writes it or in the forms seen beside it; anything else,
// malformed or hostile, says no.
func TestGeneratorImplements(t *testing.T) {
	for _, row := range []struct {
		generator string
		want      bool
	}{
		{`{"type":"Application","implements":[{"href":"` + RFC9421 + `","name":"RFC-9421"}]}`, true},
		{`{"type":"Application","implements":{"href":"` + RFC9421 + `"}}`, true},
		{`{"id":"https://x.example/actor","implements":[{"id":"` + RFC9421 + `"}]}`, true},
		{`[{"type":"Application"},{"implements":[{"href":"` + RFC9421 + `"}]}]`, true},
		{`{"type":"Application","implements":[{"href":"` + RFC9421 + `#name-eddsa-using-curve-edwards25"}]}`, false},
		{`{"type":"Application","implements":["` + RFC9421 + `"]}`, false},
		{`{"type":"Application","name":"Mastodon"}`, false},
		{`"https://x.example/app"`, false},
		{`null`, false},
		{``, false},
		{`{"implements":[` + strings.Repeat(`{"href":"x"},`, 40) + `{"href":"` + RFC9421 + `"}]}`, false}, // over the cap
	} {
		doc := `{"id":"https://x.example/users/a","type":"Person"`
		if row.generator != "" {
			doc += `,"generator":` + row.generator
		}
		a, err := DecodeActor([]byte(doc + "}"))
		if err != nil {
			t.Fatalf("%s: %v", row.generator, err)
		}
		if a.MessageSignatures != row.want {
			t.Errorf("%s: MessageSignatures = %v, want %v", row.generator, a.MessageSignatures, row.want)
		}
	}
}

// TestEncodeActorGenerator: a local actor says its server takes RFC 9421 signatures in the
// form it reads.
func TestEncodeActorGenerator(t *testing.T) {
	for _, advertise := range []bool{true, false} {
		body, err := EncodeActor(&Actor{ID: "https://refuge.example/users/a", Type: TypePerson, MessageSignatures: advertise})
		if err != nil {
			t.Fatal(err)
		}
		a, err := DecodeActor(body)
		if err != nil {
			t.Fatal(err)
		}
		if a.MessageSignatures != advertise || strings.Contains(string(body), "generator") != advertise {
			t.Errorf("advertise %v: %s", advertise, body)
		}
	}
}

// TestEd25519Multikeys: an actor's Ed25519 key is read from its assertionMethod only when it
// is a Multikey of its own holding a well-formed key; anything else gives none.
func TestEd25519Multikeys(t *testing.T) {
	const actor = "https://mitra.example/users/erin"
	good := "z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7"
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(i + 1) // good's key, encoded by a tool of its own
	}
	if got := peer.Ed25519Multibase(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)); got != good {
		t.Fatalf("the test peer writes %s for the key, want %s", got, good)
	}
	key := func(typ, controller, multibase string) string {
		return `{"id":"` + actor + `#k","type":"` + typ + `","controller":"` + controller + `","publicKeyMultibase":"` + multibase + `"}`
	}
	for _, row := range []struct {
		name, methods string
		want          bool
	}{
		{"one", key("Multikey", actor, good), true},
		{"in a list, after another kind", `[{"type":"JsonWebKey2020"},` + key("Multikey", actor, good) + `]`, true},
		{"another controller", key("Multikey", "https://other.example/users/x", good), false},
		{"not a Multikey", key("Ed25519VerificationKey2020", actor, good), false},
		{"not base58btc", key("Multikey", actor, "u"+good[1:]), false},
		{"not base58", key("Multikey", actor, "z0OIl"), false},
		{"an RSA multicodec", key("Multikey", actor, "z"+strings.Repeat("2", 40)), false},
		{"too long", key("Multikey", actor, "z"+strings.Repeat("z", 200)), false},
		{"empty", key("Multikey", actor, ""), false},
		{"a link", `"` + actor + `#k"`, false},
	} {
		got := ed25519KeyOf(json.RawMessage(row.methods), actor)
		if (got.PEM != "") != row.want {
			t.Errorf("%s: %+v", row.name, got)
		}
	}
}

func TestDecodeActivities(t *testing.T) {
	const alice = "https://mastodon.example/users/alice"
	tests := []struct {
		file  string
		check func(t *testing.T, a *Activity)
	}{
		{"mastodon_create_note.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Create")
			eq(t, "Actor", a.Actor, alice)
			eq(t, "To", a.To, []string{PublicCollection})
			eq(t, "Cc", a.Cc, []string{alice + "/followers", "https://gts.example/users/bob"})
			eq(t, "Published", a.Published, date("2024-08-20T10:15:30Z"))
			eq(t, "Object.Type", a.Object.Type, "Note")
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "ID", n.ID, alice+"/statuses/113000000000000001")
			eq(t, "AttributedTo", n.AttributedTo, alice)
			eq(t, "InReplyTo", n.InReplyTo, "https://gts.example/users/bob/statuses/01J5ZZZZZZZZZZZZZZZZZZZZZZ")
			eq(t, "URL", n.URL, "https://mastodon.example/@alice/113000000000000001")
			eq(t, "Conversation", n.Conversation, "tag:mastodon.example,2024-08-20:objectId=987654:objectType=Conversation")
			eq(t, "Replies", n.Replies, alice+"/statuses/113000000000000001/replies")
			eq(t, "Summary", n.Summary, "")
			eq(t, "ContentMap[en]", n.ContentMap["en"], n.Content)
			eq(t, "Tags", n.Tags, []Tag{
				{Type: "Mention", Name: "@bob@gts.example", Href: "https://gts.example/users/bob"},
				{Type: "Hashtag", Name: "#birds", Href: "https://mastodon.example/tags/birds"},
				{Type: "Emoji", Name: ":blobcat:", Href: "https://files.mastodon.example/custom_emojis/blobcat.png"},
			})
			eq(t, "Attachments", n.Attachments, []Attachment{{Type: "Document", MediaType: "image/jpeg",
				URL:  "https://files.mastodon.example/media_attachments/files/113/000/000/original/robin.jpg",
				Name: "A robin on a branch", Blurhash: "UBL_:rOpGG-;~qRjWBt7xuWBWBWB%MWBRjay", Width: 1600, Height: 1200}})
			if !strings.Contains(n.Content, `class="u-url mention"`) {
				t.Errorf("Content = %q", n.Content)
			}
		}},
		{"mastodon_flag.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Flag")
			eq(t, "Actor", a.Actor, "https://mastodon.example/actor")
			eq(t, "Content", a.Content, "Spam from this account")
			eq(t, "Objects", a.Objects, []string{"https://refuge.example/users/erin",
				"https://refuge.example/users/erin/notes/01HZX", "https://refuge.example/users/erin/notes/01HZY"})
			eq(t, "Object", a.Object, Object{ID: "https://refuge.example/users/erin"})
		}},
		{"mastodon_move.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Move")
			eq(t, "Actor", a.Actor, alice)
			eq(t, "Object", a.Object, Object{ID: alice})
			eq(t, "Target", a.Target, "https://refuge.example/users/alice")
		}},
		{"gotosocial_move.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Move")
			eq(t, "Object", a.Object, Object{ID: "https://gts.example/users/bob"})
			eq(t, "Target", a.Target, "https://refuge.example/users/bob")
		}},
		{"mastodon_follow.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Follow")
			eq(t, "Object", a.Object, Object{ID: "https://refuge.example/users/erin"})
			if _, err := a.Object.Note(); storage.KindOf(err) != storage.Invalid {
				t.Errorf("Note of a link: %v", err)
			}
		}},
		{"mastodon_undo_follow.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Undo")
			eq(t, "Object.ID", a.Object.ID, "https://mastodon.example/4b7e5a3c-2f1d-4c8e-9a6b-0d1e2f3a4b5c")
			f, err := a.Object.Activity()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Follow.Type", f.Type, "Follow")
			eq(t, "Follow.Actor", f.Actor, alice)
			eq(t, "Follow.Object", f.Object.ID, "https://refuge.example/users/erin")
		}},
		{"mastodon_announce.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Announce")
			eq(t, "Object", a.Object, Object{ID: "https://refuge.example/users/erin/notes/01HZX"})
			eq(t, "Cc", len(a.Cc), 2)
		}},
		{"mastodon_like.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Like")
			eq(t, "Object.ID", a.Object.ID, "https://refuge.example/users/erin/notes/01HZX")
		}},
		{"mastodon_delete_note.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Delete")
			eq(t, "Object.Type", a.Object.Type, "Tombstone")
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Tombstone", n.Type, "Tombstone")
			eq(t, "Tombstone.ID", n.ID, alice+"/statuses/113000000000000001")
		}},
		{"mastodon_delete_actor.json", func(t *testing.T, a *Activity) {
			eq(t, "Object", a.Object, Object{ID: "https://mastodon.example/users/gone"})
			eq(t, "Actor", a.Actor, a.Object.ID)
		}},
		{"mastodon_update_actor.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Update")
			p, err := a.Object.Actor()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Name", p.Name, "Alice (away)")
			eq(t, "Manual", p.ManuallyApprovesFollowers, true)
		}},
		{"gotosocial_create_note.json", func(t *testing.T, a *Activity) {
			eq(t, "To", a.To, []string{PublicCollection}) // a lone string, not an array
			eq(t, "Cc", a.Cc, []string{"https://gts.example/users/bob/followers"})
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Content", n.Content, `<p>hello from gts, path C:\new and a "quote"</p>`)
			eq(t, "Sensitive", n.Sensitive, true)
			eq(t, "Summary", n.Summary, "cw: birds")
			eq(t, "Published", n.Published, date("2024-08-22T09:00:00.123456Z"))
			eq(t, "Tags", len(n.Tags), 0)
		}},
		{"gotosocial_create_note_image.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			// GoToSocial sends the description only in summary; the other image has none.
			eq(t, "Attachments", n.Attachments, []Attachment{
				{Type: "Image", MediaType: "image/jpeg", URL: "https://gts.example/fileserver/01J7/attachment/original/01J7A.jpeg",
					Name: "Three sparrows on a fence", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj"},
				{Type: "Image", MediaType: "image/jpeg", URL: "https://gts.example/fileserver/01J7/attachment/original/01J7B.jpeg"}})
		}},
		{"honk_create_note_image.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			// honk sends the file's name in name and the description in summary.
			eq(t, "Attachments", n.Attachments, []Attachment{{Type: "Document", MediaType: "image/png",
				URL: "https://honk.example/d/9nQ2k.png", Name: "A grey cat asleep on a keyboard"}})
		}},
		{"mastodon_create_question.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Type", n.Type, "Question")
			eq(t, "Poll", n.Poll, &Poll{Options: []PollOption{{"Tea", 3}, {"Coffee", 5}},
				EndTime: date("2026-12-01T10:00:00Z"), Voters: 8})
		}},
		{"mastodon_update_question_closed.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Poll", n.Poll, &Poll{Options: []PollOption{{"Tea", 4}, {"Coffee", 6}},
				EndTime: date("2026-12-01T10:00:00Z"), Closed: true, Voters: 10})
		}},
		{"misskey_create_question.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			// anyOf: several choices; Misskey does not say how many voted.
			eq(t, "Poll", n.Poll, &Poll{Multiple: true, Options: []PollOption{{"Apple", 2}, {"Pear", 1}, {"Plum", 0}},
				EndTime: date("2026-12-07T12:00:00Z")})
		}},
		{"pleroma_create_question.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			// Pleroma writes when an open poll will close in closed, without endTime: its end.
			eq(t, "Poll", n.Poll, &Poll{Options: []PollOption{{"vim", 7}, {"emacs", 4}},
				EndTime: date("2026-12-03T09:00:00Z"), Closed: true})
		}},
		{"mastodon_create_quote.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Quote", n.Quote, "https://refuge.example/users/erin/statuses/01Q")
			eq(t, "QuoteLegacy", n.QuoteLegacy, false)
			eq(t, "QuoteAuthorization", n.QuoteAuthorization, "https://refuge.example/users/erin/statuses/01Q/quotes/7")
			eq(t, "CanQuote", n.CanQuote, &SubPolicy{Automatic: []string{"https://mastodon.example/users/alice/followers"}})
			eq(t, "policy", QuotePolicyOf(n.CanQuote, "https://mastodon.example/users/alice/followers"), storage.QuoteFollowers)
		}},
		{"misskey_create_quote.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Quote", n.Quote, "https://refuge.example/users/erin/statuses/01Q")
			eq(t, "QuoteLegacy", n.QuoteLegacy, true) // no approval in Misskey's forms
			eq(t, "CanQuote", n.CanQuote, (*SubPolicy)(nil))
		}},
		{"mastodon_quote_request.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "QuoteRequest")
			eq(t, "Object.ID", a.Object.ID, "https://refuge.example/users/erin/statuses/01Q")
			eq(t, "Instrument.ID", a.Instrument.ID, "https://mastodon.example/users/alice/statuses/115000000000000001")
			n, err := a.Instrument.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "instrument's quote", n.Quote, a.Object.ID)
		}},
		{"mastodon_accept_quote_request.json", func(t *testing.T, a *Activity) {
			eq(t, "Object.Type", a.Object.Type, "QuoteRequest")
			eq(t, "Object.ID", a.Object.ID, "https://refuge.example/users/erin/statuses/01R#quote-request")
			eq(t, "Result", a.Result, "https://mastodon.example/users/alice/quote_authorizations/88")
		}},
		{"gotosocial_create_note_policy.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "CanReply", n.CanReply, &SubPolicy{Automatic: []string{"https://gts.example/users/bob"}, Manual: []string{PublicCollection}})
			eq(t, "reply policy", QuotePolicyOf(n.CanReply, "https://gts.example/users/bob/followers"), storage.QuoteManual)
			eq(t, "CanLike", n.CanLike, &SubPolicy{Automatic: []string{PublicCollection}})
			eq(t, "CanAnnounce", n.CanAnnounce, &SubPolicy{Automatic: []string{PublicCollection}})
		}},
		{"gotosocial_accept_reply.json", func(t *testing.T, a *Activity) {
			eq(t, "Object", a.Object, Object{ID: "https://refuge.example/users/erin/statuses/01REPLY"})
		}},
		{"gotosocial_accept_reply_request.json", func(t *testing.T, a *Activity) {
			inner, err := a.Object.Activity()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "instrument", inner.Instrument.ID, "https://refuge.example/users/erin/statuses/01REPLY")
			eq(t, "Result", a.Result, "https://gts.example/users/bob/authorizations/01JAUTH")
		}},
		{"mastodon_create_vote.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Name", n.Name, "Yes")
			eq(t, "InReplyTo", n.InReplyTo, "https://refuge.example/users/erin/statuses/01POLL")
			eq(t, "Poll", n.Poll, (*Poll)(nil))
		}},
		{"gotosocial_accept.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Accept")
			eq(t, "Object.Type", a.Object.Type, "Follow")
			eq(t, "Object.ID", a.Object.ID, "https://refuge.example/users/erin/follows/7")
		}},
		{"misskey_create_note.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Tags", n.Tags, []Tag{{Type: "Hashtag", Name: "#cats", Href: "https://misskey.example/tags/cats"}})
			eq(t, "Attachments", n.Attachments, []Attachment{{Type: "Document", MediaType: "image/webp", URL: "https://misskey.example/files/webpublic-cat"}})
			eq(t, "InReplyTo", n.InReplyTo, "")
			eq(t, "Published", n.Published, date("2024-08-23T01:02:03.456Z"))
		}},
		{"misskey_like.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "Like")
			eq(t, "Object.ID", a.Object.ID, "https://refuge.example/users/erin/notes/01HZX")
			eq(t, "MisskeyReaction", a.MisskeyReaction, ":blobcat@mastodon.example:")
			eq(t, "Content", a.Content, ":blobcat@mastodon.example:")
			eq(t, "Tags", a.Tags, []Tag{{Type: "Emoji", Name: ":blobcat@mastodon.example:", Href: "https://files.mastodon.example/custom_emojis/blobcat.png"}})
		}},
		{"akkoma_emojireact_custom.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "EmojiReact")
			eq(t, "Content", a.Content, ":blobcat:")
			eq(t, "Tags", a.Tags, []Tag{{Type: "Emoji", Name: ":blobcat:", Href: "https://akkoma.example/emoji/custom/blobcat.png"}})
		}},
		{"honk_emojireact.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "EmojiReact")
			eq(t, "Content", a.Content, "🦆")
			eq(t, "To", a.To, []string{"https://refuge.example/users/erin"})
		}},
		{"misskey_undo_like.json", func(t *testing.T, a *Activity) {
			eq(t, "Object.Type", a.Object.Type, "Like")
			eq(t, "Object.ID", a.Object.ID, "https://misskey.example/likes/9reactionid")
		}},
		{"pleroma_create_note.json", func(t *testing.T, a *Activity) {
			n, err := a.Object.Note()
			if err != nil {
				t.Fatal(err)
			}
			eq(t, "Attachments", n.Attachments, []Attachment{{Type: "Document", MediaType: "video/mp4", URL: "https://pleroma.example/media/clip.mp4"}})
			eq(t, "Tags", n.Tags, []Tag{{Type: "Mention", Name: "@alice@mastodon.example", Href: "https://mastodon.example/users/alice"}})
			eq(t, "Sensitive", n.Sensitive, false)
			eq(t, "Conversation", n.Conversation, "https://pleroma.example/contexts/2f0c7a9e-1111-4c8b-9d0e-aaaaaaaaaaaa")
		}},
		{"pleroma_emojireact.json", func(t *testing.T, a *Activity) {
			eq(t, "Type", a.Type, "EmojiReact") // unknown to go-ap; decodes anyway
			eq(t, "Actor", a.Actor, "https://pleroma.example/users/dave")
			eq(t, "To", a.To, []string{"https://refuge.example/users/erin", PublicCollection})
			eq(t, "Content", a.Content, "🔥")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := readFixture(t, tt.file)
			a, err := DecodeActivity(data)
			if err != nil {
				t.Fatal(err)
			}
			if a.ID == "" || string(a.Raw) != string(data) || a.Context == nil {
				t.Errorf("ID %q, Raw kept %v, Context %v", a.ID, string(a.Raw) == string(data), a.Context)
			}
			tt.check(t, a)
		})
	}
}

func TestDecodeNoteContentMap(t *testing.T) {
	n, err := DecodeNote(readFixture(t, "contentmap_only_note.json"))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Type", n.Type, "Article")
	eq(t, "Content", n.Content, "<p>hallo</p>") // no "en": the sorted-first language, de
	eq(t, "ContentMap", n.ContentMap, map[string]string{"fr": "<p>bonjour</p>", "de": "<p>hallo</p>"})
	eq(t, "AttributedTo", n.AttributedTo, "https://bridge.example/users/fay")
	eq(t, "URL", n.URL, "https://bridge.example/@fay/1") // the text/html link
	eq(t, "To", n.To, []string{PublicCollection})
	eq(t, "Published", n.Published, date("2024-08-25T10:00:00Z"))
	eq(t, "Tags", n.Tags, []Tag{{Type: "Hashtag", Name: "#solo", Href: "https://bridge.example/tags/solo"}})
}

// TestTextFidelity: strings that look like JSON or hold escapes come through unchanged.
func TestTextFidelity(t *testing.T) {
	for _, content := range []string{`{"en":"x"}`, `"quoted"`, `123`, `a\nb`, `tab\there`, "real\nnewline", `back\\slash`, "émoji 🐦"} {
		doc, _ := json.Marshal(map[string]any{"id": "https://e.example/n", "type": "Note", "content": content, "summary": content})
		n, err := DecodeNote(doc)
		if err != nil {
			t.Fatal(err)
		}
		if n.Content != content || n.Summary != content {
			t.Errorf("content %q came back %q / %q", content, n.Content, n.Summary)
		}
	}
}

var testActor = &Actor{ID: "https://refuge.example/users/erin", Type: "Person", PreferredUsername: "erin",
	Name: "Erin", Summary: "<p>hi</p>", URL: "https://refuge.example/@erin",
	Inbox: "https://refuge.example/users/erin/inbox", Outbox: "https://refuge.example/users/erin/outbox",
	Followers: "https://refuge.example/users/erin/followers", Following: "https://refuge.example/users/erin/following",
	Featured: "https://refuge.example/users/erin/featured", SharedInbox: "https://refuge.example/inbox",
	PublicKey:                 PublicKey{ID: "https://refuge.example/users/erin#main-key", Owner: "https://refuge.example/users/erin", PEM: "-----BEGIN PUBLIC KEY-----\nX\n-----END PUBLIC KEY-----\n"},
	ManuallyApprovesFollowers: true, Discoverable: true, Indexable: false,
	Published: date("2024-01-02T03:04:05Z"), Icon: "https://refuge.example/media/a.png", Image: "https://refuge.example/media/h.png",
	Fields: []Field{{"Site", `<a href="https://erin.example">erin.example</a>`}}, AlsoKnownAs: []string{"https://old.example/users/erin"}}

func TestRoundTripActor(t *testing.T) {
	actor := testActor
	b, err := EncodeActor(actor)
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, b)
	got, err := DecodeActor(b)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "actor", got, actor)
	if !strings.Contains(string(b), `"value":"<a href=`) {
		t.Errorf("HTML escaped in output: %s", b)
	}
}

// TestRoundTripSuspendedActor: Mastodon's suspended flag is written only when true, named in
// our @context, and read back.
func TestRoundTripSuspendedActor(t *testing.T) {
	for _, suspended := range []bool{true, false} {
		actor := *testActor
		actor.Suspended = suspended
		b, err := EncodeActor(&actor)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"suspended":true`) != suspended || strings.Contains(string(b), `"suspended":false`) {
			t.Errorf("suspended %v written as %s", suspended, b)
		}
		if !strings.Contains(string(b), `"suspended":"toot:suspended"`) {
			t.Errorf("no suspended in the @context: %s", b)
		}
		got, err := DecodeActor(b)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "actor", got, &actor)
	}
}

func testNote() *Note {
	actor := testActor
	return &Note{ID: "https://refuge.example/users/erin/notes/1", Type: "Note", AttributedTo: actor.ID,
		Content: `<p>hi <a href="https://m.example/@a" class="u-url mention">@a</a> "x" \n</p>`, Summary: "cw",
		URL: "https://refuge.example/@erin/1", InReplyTo: "https://m.example/users/a/statuses/1",
		Conversation: "tag:refuge.example,2024:1", ContentMap: map[string]string{"en": "<p>hi</p>"}, Sensitive: true,
		Published: date("2024-01-02T03:04:05Z"), Updated: date("2024-01-03T03:04:05Z"),
		To: []string{PublicCollection}, Cc: []string{actor.Followers, "https://m.example/users/a"},
		Tags: []Tag{{Type: "Mention", Name: "@a@m.example", Href: "https://m.example/users/a"}, {Type: "Hashtag", Name: "#go", Href: "https://refuge.example/tags/go"},
			{Type: "Emoji", Name: ":blob:", Href: "https://refuge.example/emoji/blob.png"}},
		Attachments: []Attachment{{Type: "Image", MediaType: "image/png", URL: "https://refuge.example/media/1.png",
			Name: "alt", Blurhash: "LEHV6nWB2yk8pyo0adR*.7kCMdnj", Width: 640, Height: 480},
			{Type: "Document", MediaType: "video/mp4", URL: "https://refuge.example/media/2.mp4", Name: "a clip",
				Width: 1280, Height: 720, Duration: 88.654}},
		Replies: "https://refuge.example/users/erin/notes/1/replies"}
}

func TestRoundTripNote(t *testing.T) {
	note := testNote()
	b, err := EncodeNote(note)
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, b)
	gotNote, err := DecodeNote(b)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "note", gotNote, note)
	// The replies collection is written in, with an empty first page pointing on.
	var wire struct {
		Replies struct {
			ID, Type string
			First    struct {
				Type, Next, PartOf string
				OrderedItems       []string
			}
		}
	}
	if err := json.Unmarshal(b, &wire); err != nil || wire.Replies.ID != note.Replies || wire.Replies.Type != TypeOrderedCollection ||
		wire.Replies.First.Next != note.Replies+"?page=true" || wire.Replies.First.PartOf != note.Replies ||
		wire.Replies.First.OrderedItems == nil || len(wire.Replies.First.OrderedItems) != 0 {
		t.Errorf("replies as written: %+v (%v)", wire.Replies, err)
	}
}

// A poll goes out as Mastodon writes one (oneOf or anyOf, each option's votes in its
// replies' totalItems, votersCount, closed once it ended) and comes back the same.
func TestRoundTripQuestion(t *testing.T) {
	for _, p := range []*Poll{
		{Options: []PollOption{{"Tea", 1}, {"Coffee", 2}}, EndTime: date("2026-12-01T10:00:00Z"), Voters: 3},
		{Multiple: true, Options: []PollOption{{"A", 0}, {"B", 4}, {"C", 1}}, EndTime: date("2026-12-01T10:00:00Z"), Closed: true, Voters: 4},
	} {
		note := testNote()
		note.Type, note.Poll = TypeQuestion, p
		b, err := EncodeNote(note)
		if err != nil {
			t.Fatal(err)
		}
		checkContext(t, b)
		var wire map[string]json.RawMessage
		if err := json.Unmarshal(b, &wire); err != nil {
			t.Fatal(err)
		}
		want, other := "oneOf", "anyOf"
		if p.Multiple {
			want, other = other, want
		}
		if wire[want] == nil || wire[other] != nil || string(wire["votersCount"]) != fmt.Sprint(p.Voters) {
			t.Errorf("poll as written: %s", b)
		}
		if _, closed := wire["closed"]; closed != p.Closed {
			t.Errorf("closed written %v, want %v: %s", closed, p.Closed, b)
		}
		got, err := DecodeNote(b)
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "note", got, note)
	}
}

// The sub-policies of an interactionPolicy in GoToSocial's words before 0.19 (always,
// approvalRequired) read as today's.
func TestOlderPolicyWords(t *testing.T) {
	n, err := DecodeNote([]byte(`{"id": "https://gts.example/s/1", "type": "Note", "interactionPolicy": {"canReply": {"always": ["https://gts.example/users/bob", "https://gts.example/users/bob/followers"], "approvalRequired": "https://www.w3.org/ns/activitystreams#Public"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "CanReply", n.CanReply, &SubPolicy{Automatic: []string{"https://gts.example/users/bob", "https://gts.example/users/bob/followers"},
		Manual: []string{PublicCollection}})
	eq(t, "policy", QuotePolicyOf(n.CanReply, "https://gts.example/users/bob/followers"), storage.QuoteManual) // anyone may ask
	eq(t, "CanLike", n.CanLike, (*SubPolicy)(nil))                                                             // said nothing of likes
	n, err = DecodeNote([]byte(`{"id": "https://gts.example/s/2", "type": "Note", "interactionPolicy": {"canLike": {"always": "https://gts.example/users/bob/followers"}, "canAnnounce": {"always": ["https://gts.example/users/bob"], "approvalRequired": ["https://www.w3.org/ns/activitystreams#Public"]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "like policy", QuotePolicyOf(n.CanLike, "https://gts.example/users/bob/followers"), storage.QuoteFollowers)
	eq(t, "boost policy", QuotePolicyOf(n.CanAnnounce, "https://gts.example/users/bob/followers"), storage.QuoteManual)
}

func TestQuoteAuthorization(t *testing.T) {
	a, err := DecodeQuoteAuthorization(readFixture(t, "mastodon_quote_authorization.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := &QuoteAuthorization{ID: "https://mastodon.example/users/alice/quote_authorizations/88",
		AttributedTo: "https://mastodon.example/users/alice", InteractingObject: "https://refuge.example/users/erin/statuses/01R",
		InteractionTarget: "https://mastodon.example/users/alice/statuses/114000000000000009"}
	eq(t, "stamp", a, want)
	b, err := EncodeQuoteAuthorization(want)
	if err != nil {
		t.Fatal(err)
	}
	if back, err := DecodeQuoteAuthorization(b); err != nil || !reflect.DeepEqual(back, want) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	for _, bad := range []string{
		`{"id": "https://x.example/s/1", "type": "Note", "attributedTo": "https://x.example/u", "interactingObject": "https://y.example/n", "interactionTarget": "https://x.example/n"}`,
		`{"id": "https://x.example/s/1", "type": "QuoteAuthorization", "attributedTo": "https://x.example/u", "interactionTarget": "https://x.example/n"}`,
	} {
		if _, err := DecodeQuoteAuthorization([]byte(bad)); storage.KindOf(err) != storage.Invalid {
			t.Errorf("%s: %v, want Invalid", bad, err)
		}
	}
}

func TestRoundTripActivity(t *testing.T) {
	actor, note := testActor, testNote()
	create := &Activity{ID: note.ID + "/activity", Type: "Create", Actor: actor.ID, To: note.To, Cc: note.Cc, Published: note.Published}
	b, err := EncodeActivity(create, note)
	if err != nil {
		t.Fatal(err)
	}
	checkContext(t, b)
	var wire struct {
		Object map[string]any `json:"object"`
	}
	if err := json.Unmarshal(b, &wire); err != nil {
		t.Fatal(err)
	}
	if _, ok := wire.Object["@context"]; ok || wire.Object["type"] != "Note" {
		t.Errorf("embedded object: %v", wire.Object)
	}
	gotAct, err := DecodeActivity(b)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "create.To", gotAct.To, create.To)
	eq(t, "create.Published", gotAct.Published, create.Published)
	inner, err := gotAct.Object.Note()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "create.object", inner, note)

	// Undo of an embedded Follow; Accept by id; re-emitting a received activity's object.
	follow := &Activity{ID: "https://refuge.example/follows/1", Type: "Follow", Actor: actor.ID, Object: Object{ID: "https://m.example/users/a"}}
	b, err = EncodeActivity(&Activity{ID: follow.ID + "/undo", Type: "Undo", Actor: actor.ID}, follow)
	if err != nil {
		t.Fatal(err)
	}
	undo, err := DecodeActivity(b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := undo.Object.Activity()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "undo.follow", [3]string{f.ID, f.Actor, f.Object.ID}, [3]string{follow.ID, follow.Actor, follow.Object.ID})
	b, err = EncodeActivity(&Activity{ID: "https://refuge.example/accepts/1", Type: "Accept", Actor: actor.ID}, "https://m.example/follows/9")
	if err != nil || !strings.Contains(string(b), `"object":"https://m.example/follows/9"`) {
		t.Fatalf("accept: %s %v", b, err)
	}
	received, err := DecodeActivity(readFixture(t, "gotosocial_accept.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err = EncodeActivity(received, nil)
	if err != nil || strings.Count(string(b), "@context") != 1 || !strings.Contains(string(b), "follows/7") {
		t.Fatalf("re-encode: %s %v", b, err)
	}
	if _, err := EncodeActivity(create, 42); storage.KindOf(err) != storage.Internal {
		t.Fatalf("bad object type: %v", err)
	}
}

// checkContext checks the @context we emit: ActivityStreams first, security, Mastodon terms.
func checkContext(t *testing.T, b []byte) {
	t.Helper()
	var doc struct {
		Context []json.RawMessage `json:"@context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Context) != 3 {
		t.Fatalf("@context of %s: %v", b, err)
	}
	var terms map[string]any
	json.Unmarshal(doc.Context[2], &terms)
	if string(doc.Context[0]) != `"`+ActivityStreamsContext+`"` || string(doc.Context[1]) != `"`+SecurityContext+`"` ||
		terms["manuallyApprovesFollowers"] != "as:manuallyApprovesFollowers" || terms["toot"] != "http://joinmastodon.org/ns#" ||
		terms["PropertyValue"] != "schema:PropertyValue" || terms["conversation"] != "ostatus:conversation" {
		t.Fatalf("@context = %s", b)
	}
}

func TestHostileBodies(t *testing.T) {
	manyTags := `{"id":"https://e.example/n","type":"Note","tag":[` + strings.Repeat(`{},`, 99999) + `{}]}`
	someTags := `{"id":"https://e.example/n","type":"Note","tag":[` + strings.Repeat(`{"type":"Hashtag","name":"#a"},`, 1000) + `{}]}`
	manyTo := `{"id":"https://e.example/a","type":"Create","actor":"https://e.example/u","to":[` + strings.Repeat(`"a",`, 10000) + `"b"]}`
	hugeTo := `{"id":"https://e.example/a","type":"Create","actor":"https://e.example/u","to":[` + strings.Repeat(`"a",`, 200000) + `"b"]}`
	nested := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	nestedObj := `{"id":"x","type":"Note","a":` + strings.Repeat(`{"a":`, 40) + `1` + strings.Repeat("}", 40) + `}`
	embedded := `{"id":"https://e.example/a","type":"Create","actor":"https://e.example/u","object":{"id":"https://e.example/n","type":"Note","tag":[` + strings.Repeat(`{"type":"Mention"},`, 1500) + `{}]}}`
	tests := []struct {
		name, body, msg string
		kind            storage.Kind
	}{
		{"not json", `<html>hello</html>`, "not JSON", storage.Invalid},
		{"truncated", `{"id":"x","type":"Note"`, "not JSON", storage.Invalid},
		{"array", `[{"id":"x"}]`, "not a JSON object", storage.Invalid},
		{"string", `"x"`, "not a JSON object", storage.Invalid},
		{"empty", ``, "not JSON", storage.Invalid},
		{"deep nesting", nested, "nested deeper", storage.Invalid},
		{"deep objects", nestedObj, "nested deeper", storage.Invalid},
		{"invalid utf-8", "{\"id\":\"x\xff\xfe\",\"type\":\"Note\"}", "UTF-8", storage.Invalid},
		{"100000 tags", manyTags, "too many", storage.Invalid},
		{"1001 tags", someTags, "too many tags", storage.Invalid},
		{"10001 to", manyTo, "too many recipients", storage.Invalid},
		{"200001 to", hugeTo, "too many array elements", storage.Invalid},
		{"over 1 MiB", `{"id":"x","type":"Note","content":"` + strings.Repeat("a", 1<<20) + `"}`, "over", storage.TooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			var err error
			if strings.Contains(tt.body, `"actor"`) {
				_, err = DecodeActivity([]byte(tt.body))
			} else {
				_, err = DecodeNote([]byte(tt.body))
			}
			wantKind(t, err, tt.kind, tt.msg)
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("took %v", d)
			}
		})
	}
	// The embedded note's tags are checked when it is decoded.
	a, err := DecodeActivity([]byte(embedded))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Object.Note()
	wantKind(t, err, storage.Invalid, "too many tags")
}

func TestRequiredFields(t *testing.T) {
	tests := []struct{ body, msg string }{
		{`{"type":"Follow","actor":"https://e.example/u","object":"https://r.example/u"}`, "activity has no id"},
		{`{"id":"https://e.example/f","actor":"https://e.example/u"}`, "activity has no type"},
		{`{"id":"https://e.example/f","type":"Follow","object":"https://r.example/u"}`, "activity has no actor"},
		{`{"id":"https://e.example/f","type":"Follow","actor":{"type":"Person"}}`, "activity has no actor"},
		{`{"id":"https://e.example/f","type":"Follow","actor":"/relative"}`, "activity has no actor"},
	}
	for _, tt := range tests {
		_, err := DecodeActivity([]byte(tt.body))
		wantKind(t, err, storage.Invalid, tt.msg)
	}
	a, err := DecodeActivity([]byte(`{"id":"https://e.example/f","type":"Follow","actor":{"id":"https://e.example/u","type":"Person"},"to":"https://r.example/u"}`))
	if err != nil || a.Actor != "https://e.example/u" || len(a.To) != 1 {
		t.Fatalf("actor object: %+v %v", a, err)
	}
	// An actor object of a type go-ap does not know still gives its id.
	a, err = DecodeActivity([]byte(`{"id":"https://e.example/f","type":"Like","actor":{"id":"https://e.example/bot","type":"Bot"}}`))
	if err != nil || a.Actor != "https://e.example/bot" {
		t.Fatalf("actor of unknown type: %+v %v", a, err)
	}
	if _, err := DecodeActor([]byte(`{"type":"Person"}`)); storage.KindOf(err) != storage.Invalid {
		t.Fatalf("actor without id: %v", err)
	}
}

// TestOddShapes: fields of the wrong JSON type are ignored, never a panic or a refusal.
func TestOddShapes(t *testing.T) {
	odd := `{"id":"https://e.example/n","type":"Note","content":5,"summary":{"a":1},"to":[null,1,{},"https://x.example/u",[]],
	"cc":{"id":"https://x.example/f"},"tag":["x",1,null,{"type":7}],"attachment":"https://x.example/a.png","published":"yesterday",
	"attributedTo":[],"url":{"href":5},"sensitive":"yes","inReplyTo":{"id":5},"replies":[1],"icon":[],"contentMap":["a"]}`
	n, err := DecodeNote([]byte(odd))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "To", n.To, []string{"https://x.example/u"})
	eq(t, "Cc", n.Cc, []string{"https://x.example/f"})
	eq(t, "Content", n.Content, "")
	eq(t, "Published", n.Published, time.Time{})
	for _, doc := range []string{
		`{"id":"https://e.example/a","type":"Person","publicKey":"x","endpoints":[],"icon":{"url":[{"href":"https://i.example/a"}]}}`,
		`{"id":"https://e.example/a","type":"Person","publicKey":[{"id":"k","owner":"o","publicKeyPem":"PEM"}],"inbox":{"id":"https://e.example/i"}}`,
	} {
		a, err := DecodeActor([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", a)
	}
	a, _ := DecodeActor([]byte(`{"id":"https://e.example/a","type":"Person","publicKey":[{"id":"k","owner":"o","publicKeyPem":"PEM"}],"icon":{"url":[{"href":"https://i.example/a"}]}}`))
	eq(t, "PublicKey", a.PublicKey, PublicKey{"k", "o", "PEM"})
	eq(t, "Icon", a.Icon, "https://i.example/a")
}

// TestRoundTripFlag: a Flag as outbox sends it (the account and posts as a list, the
// comment as content) decodes back to the same, and one naming too many is refused.
func TestRoundTripFlag(t *testing.T) {
	objects := []string{"https://peer.example/users/bob", "https://peer.example/users/bob/statuses/1"}
	doc, err := EncodeActivity(&Activity{ID: "https://refuge.example/actor#flags/1", Type: TypeFlag,
		Actor: "https://refuge.example/actor", Content: "spam <b>here</b>"}, objects)
	if err != nil {
		t.Fatal(err)
	}
	a, err := DecodeActivity(doc)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "Objects", a.Objects, objects)
	eq(t, "Content", a.Content, "spam <b>here</b>")
	many := make([]string, maxFlagObjects+1)
	for i := range many {
		many[i] = objects[0]
	}
	doc, err = EncodeActivity(&Activity{ID: "https://refuge.example/actor#flags/2", Type: TypeFlag,
		Actor: "https://refuge.example/actor"}, many)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeActivity(doc); storage.KindOf(err) != storage.Invalid {
		t.Errorf("a Flag of %d objects: %v", len(many), err)
	}
}

// Of a note's and an actor's Emoji tags, only those that can be shown are kept: a plain
// shortcode with an http(s) picture, each once, at most MaxEmojis.
func TestEmojisKept(t *testing.T) {
	tags := []Tag{{Type: TypeEmoji, Name: ":ok:", Href: "https://x.example/ok.png"},
		{Type: TypeEmoji, Name: ":ok:", Href: "https://x.example/again.png"},
		{Type: TypeEmoji, Name: ":js:", Href: "javascript:alert(1)"},
		{Type: TypeEmoji, Name: `:a"b:`, Href: "https://x.example/q.png"},
		{Type: TypeEmoji, Name: "nocolons", Href: "https://x.example/n.png"},
		{Type: TypeHashtag, Name: "#x", Href: "https://x.example/tags/x"}}
	for i := range 100 {
		tags = append(tags, Tag{Type: TypeEmoji, Name: fmt.Sprintf(":e%d:", i), Href: "https://x.example/e.png"})
	}
	got := emojisOf(tags)
	if len(got) != MaxEmojis || got[0] != (storage.Tag{Type: storage.TagEmoji, Name: ":ok:", Href: "https://x.example/ok.png"}) ||
		got[1].Name != ":e0:" {
		t.Errorf("kept %d: %v", len(got), got[:2])
	}
}
