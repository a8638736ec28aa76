package uris

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

const base = "https://refuge.example"

// TestRoutesMatchBuilders: what each builder writes is matched by the route registered for
// it, and by no other, with the route's variables read back as they went in.
func TestRoutesMatchBuilders(t *testing.T) {
	l := New(base)
	routes := []string{WebFingerRoute, HostMetaRoute, NodeInfoIndexRoute, NodeInfoRoute, InstanceActorRoute,
		InstanceInboxRoute, InstanceOutboxRoute, SharedInboxRoute, ActorRoute, InboxRoute, OutboxRoute,
		FollowersRoute, FollowingRoute, FeaturedRoute, NoteRoute, NoteActivityRoute, RepliesRoute, ActivityRoute,
		UndoRoute, AuthorizeRoute, ProfileRoute, ProfileFeedRoute, TagRoute, TagFeedRoute, StoredNoteRoute, StoredMediaRoute, MediaRoute, EmojiRoute}
	r := mux.NewRouter()
	for _, p := range routes {
		r.Handle(p, http.NotFoundHandler()).Name(p)
	}
	note := l.Note("alice", "01abc")
	follow := l.Activity("alice", Follows, "01def")
	tests := []struct {
		url   string
		route string
		vars  map[string]string
	}{
		{strings.TrimSuffix(l.WebFingerTemplate(), "?resource={uri}"), WebFingerRoute, nil},
		{l.NodeInfo("2.0"), NodeInfoRoute, map[string]string{"version": "2.0"}},
		{l.NodeInfo("2.1"), NodeInfoRoute, map[string]string{"version": "2.1"}},
		{l.InstanceActor(), InstanceActorRoute, nil},
		{l.InstanceInbox(), InstanceInboxRoute, nil},
		{l.InstanceOutbox(), InstanceOutboxRoute, nil},
		{l.SharedInbox(), SharedInboxRoute, nil},
		{l.Actor("alice"), ActorRoute, map[string]string{"name": "alice"}},
		{l.Inbox("alice"), InboxRoute, map[string]string{"name": "alice"}},
		{l.Outbox("alice"), OutboxRoute, map[string]string{"name": "alice"}},
		{l.Followers("alice"), FollowersRoute, map[string]string{"name": "alice"}},
		{l.Following("alice"), FollowingRoute, map[string]string{"name": "alice"}},
		{l.Featured("alice"), FeaturedRoute, map[string]string{"name": "alice"}},
		{note, NoteRoute, map[string]string{"name": "alice", "id": "01abc"}},
		{NoteActivity(note), NoteActivityRoute, map[string]string{"name": "alice", "id": "01abc"}},
		{Replies(note), RepliesRoute, map[string]string{"name": "alice", "id": "01abc"}},
		{follow, ActivityRoute, map[string]string{"name": "alice", "kind": "follows", "id": "01def"}},
		{l.Activity("alice", Likes, "1"), ActivityRoute, map[string]string{"kind": "likes", "id": "1"}},
		{l.Activity("alice", Boosts, "1"), ActivityRoute, map[string]string{"kind": "boosts"}},
		{l.Activity("alice", Accepts, "1"), ActivityRoute, map[string]string{"kind": "accept"}},
		{l.Activity("alice", Rejects, "1"), ActivityRoute, map[string]string{"kind": "reject"}},
		{Undo(follow), UndoRoute, map[string]string{"name": "alice", "kind": "follows", "id": "01def"}},
		{Undo(l.Activity("alice", Likes, "1")), UndoRoute, map[string]string{"kind": "likes"}},
		{Undo(l.Activity("alice", Boosts, "1")), UndoRoute, map[string]string{"kind": "boosts"}},
		{strings.TrimSuffix(l.AuthorizeTemplate(), "?uri={uri}"), AuthorizeRoute, nil},
		{l.Profile("alice_2"), ProfileRoute, map[string]string{"name": "alice_2"}},
		{Feed(l.Profile("alice"), "rss"), ProfileFeedRoute, map[string]string{"name": "alice", "format": "rss"}},
		{Feed(l.Profile("alice"), "atom"), ProfileFeedRoute, map[string]string{"format": "atom"}},
		{l.Tag("cooking"), TagRoute, map[string]string{"tag": "cooking"}},
		{l.Tag("日本語"), TagRoute, map[string]string{"tag": "日本語"}},
		{l.Tag(url.PathEscape("日本語")), TagRoute, map[string]string{"tag": "日本語"}}, // as a note links it
		{Feed(l.Tag("cooking"), "atom"), TagFeedRoute, map[string]string{"tag": "cooking", "format": "atom"}},
		{l.Emoji("blobcat"), EmojiRoute, map[string]string{"shortcode": "blobcat"}},
		{base + StoredNote(42), StoredNoteRoute, map[string]string{"id": "42"}},
		{base + StoredMedia(42, 3), StoredMediaRoute, map[string]string{"id": "42", "n": "3"}},
		{l.Media("abcdefghijklmnopqrstuvwxyz.png"), MediaRoute, map[string]string{"file": "abcdefghijklmnopqrstuvwxyz.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			var m mux.RouteMatch
			if !r.Match(httptest.NewRequest(http.MethodGet, tt.url, nil), &m) || m.Route == nil {
				t.Fatalf("no route matches %s", tt.url)
			}
			if got := m.Route.GetName(); got != tt.route {
				t.Fatalf("%s matches %s, want %s", tt.url, got, tt.route)
			}
			for k, v := range tt.vars {
				if m.Vars[k] != v {
					t.Errorf("%s = %q, want %q", k, m.Vars[k], v)
				}
			}
		})
	}
	// Ids that no route serves: an Accept or Reject is never undone.
	for _, u := range []string{Undo(l.Activity("alice", Accepts, "1")), l.Actor("alice") + "/shares/1"} {
		var m mux.RouteMatch
		if r.Match(httptest.NewRequest(http.MethodGet, u, nil), &m) && m.Route != nil {
			t.Errorf("%s matches %s", u, m.Route.GetName())
		}
	}
}

// TestParse: what a builder writes parses back to what went in; anything else does not.
func TestParse(t *testing.T) {
	l := New(base)
	for _, raw := range []string{l.Actor("alice"), l.Profile("alice")} {
		if name, ok := l.ParseActor(raw); !ok || name != "alice" {
			t.Errorf("ParseActor(%s) = %q, %v", raw, name, ok)
		}
	}
	if name, id, ok := l.ParseNote(l.Note("alice", "01abc")); !ok || name != "alice" || id != "01abc" {
		t.Errorf("ParseNote = %q, %q, %v", name, id, ok)
	}
	for _, kind := range []Kind{Follows, Likes, Boosts, Accepts, Rejects} {
		name, k, id, ok := l.ParseActivity(l.Activity("alice", kind, "01def"))
		if !ok || name != "alice" || k != kind || id != "01def" {
			t.Errorf("ParseActivity(%s) = %q, %q, %q, %v", kind, name, k, id, ok)
		}
	}
	if id, ok := ParseStoredNote(StoredNote(42)); !ok || id != 42 {
		t.Errorf("ParseStoredNote = %d, %v", id, ok)
	}
	if p := l.Path(l.Note("alice", "01abc") + "?page=true"); p != "/users/alice/statuses/01abc?page=true" {
		t.Errorf("Path = %q", p)
	}

	for _, raw := range []string{
		"https://other.example/users/alice", "http://refuge.example/users/alice", base + "/users/", base + "/@",
		base + "/users/alice/outbox", base + "/@alice/x", base + "/users/alice#main-key", base + "/@alice?x", base + "/actor",
	} {
		if name, ok := l.ParseActor(raw); ok {
			t.Errorf("ParseActor(%s) = %q", raw, name)
		}
	}
	for _, raw := range []string{base + "/users/alice/statuses/", base + "/users/alice/statuses/1/activity",
		base + "/@alice/statuses/1", "https://other.example/users/alice/statuses/1", base + "/users//statuses/1"} {
		if _, _, ok := l.ParseNote(raw); ok {
			t.Errorf("ParseNote(%s) accepted", raw)
		}
	}
	for _, raw := range []string{base + "/users/alice/shares/1", Undo(l.Activity("alice", Follows, "1")),
		base + "/users/alice/follows/", l.Note("alice", "1")} {
		if _, _, _, ok := l.ParseActivity(raw); ok {
			t.Errorf("ParseActivity(%s) accepted", raw)
		}
	}
	for _, p := range []string{"/notes/", "/notes/0", "/notes/-1", "/notes/1/x", "/notes/abc"} {
		if id, isPage := ParseStoredNote(p); id != 0 || !isPage {
			t.Errorf("ParseStoredNote(%s) = %d, %v, want 0, true", p, id, isPage)
		}
	}
	if id, isPage := ParseStoredNote("/note/1"); id != 0 || isPage {
		t.Errorf("ParseStoredNote(/note/1) = %d, %v, want 0, false", id, isPage)
	}
	for raw, want := range map[string]string{
		base + "/@alice?x=1#top":       "/@alice?x=1",
		base:                           "/",
		"https://other.example/@alice": "",
		base + "//evil.example":        "",
		"http://refuge.example/@alice": "",
		"/@alice":                      "",
		"%zz":                          "",
	} {
		if got := l.Path(raw); got != want {
			t.Errorf("Path(%q) = %q, want %q", raw, got, want)
		}
	}
	for s, ok := range map[string]bool{"/home": true, "/": true, "//evil.example": false, "/\\evil.example": false,
		"https://evil.example": false, "": false} {
		if LocalPath(s) != ok {
			t.Errorf("LocalPath(%q) = %v", s, !ok)
		}
	}
}
