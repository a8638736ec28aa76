package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"refuge/federation"
	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/server"
	"refuge/storage"
)

// Communities across instances: a group on A, members on B and C.

// newGroup makes the group name on in, owned by the local account owner.
func newGroup(t *testing.T, in *testrig.Instance, name, owner string, closed bool) *storage.Actor {
	t.Helper()
	g, err := in.App.Outbox().CreateGroup(context.Background(), outbox.GroupInput{Name: name, DisplayName: "The " + name,
		About: "All about " + name, Owner: in.LocalActor(owner), Closed: closed})
	if err != nil {
		t.Fatalf("create group %s: %v", name, err)
	}
	return g
}

// groupBoosts lists the notes the group with id groupURI boosted into name's home feed.
func groupBoosts(in *testrig.Instance, name, token, groupURI string) []string {
	var out []string
	for _, e := range in.HomeFeed(name, token) {
		var obj struct{ ID string }
		json.Unmarshal(e.Object, &obj)
		if e.Type == "Announce" && e.Actor == groupURI {
			out = append(out, obj.ID)
		}
	}
	return out
}

// announced reports whether group on in announced the note uri.
func announced(in *testrig.Instance, group *storage.Actor, uri string) bool {
	n := in.Note(uri)
	if n == nil {
		return false
	}
	_, err := in.App.DB().GetGroupPost(context.Background(), group.ID, n.ID)
	return err == nil
}

// postTo publishes a public note of name on in addressed to group (in cc, as Mastodon
// addresses a mention), replying to inReplyTo when not "".
func postTo(in *testrig.Instance, name, token, group, content, inReplyTo string) string {
	note := map[string]any{"content": content, "to": []string{federation.PublicCollection},
		"cc": []string{group}, "tag": []map[string]string{{"type": "Mention", "href": group}}}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	return in.PostNote(name, token, note)
}

// TestGroupAcrossInstances: bob on B and carol on C join a group on A by following it; each
// one's post to the group is announced by it to the other, and to a member on A; carol's
// reply threads under bob's post on B; bob's reply to alice's post, which names no group,
// continues the group's thread and is announced too. A group on Refuge is sent FEP-1b12's
// Announce of each Create, and keeps the replies it brings for their threads without
// pushing them into home feeds, as Lemmy does. A post of dave on C, who is no member, is not
// announced, nor is a followers-only one of a member.
func TestGroupAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t)
	a.Account("owner", false)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	carolTok, _ := c.Account("carol", false)
	daveTok, _ := c.Account("dave", false)
	group := newGroup(t, a, "cats", "owner", false)

	b.FollowRemote("bob", bobTok, a, "cats")
	c.FollowRemote("carol", carolTok, a, "cats")
	a.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": group.URI})
	if n := a.TotalItems("/users/cats/followers"); n != 3 {
		t.Fatalf("the group has %d members, want 3", n)
	}

	bobs := postTo(b, "bob", bobTok, group.URI, "hello cats", "")
	testrig.Eventually(t, testrig.FederationWait, "bob's post announced to carol on C", func() bool {
		return len(groupBoosts(c, "carol", carolTok, group.URI)) == 1
	})
	if got := groupBoosts(c, "carol", carolTok, group.URI); got[0] != bobs {
		t.Fatalf("carol got the group's boost of %v, want bob's post %s", got, bobs)
	}
	testrig.Eventually(t, testrig.FederationWait, "bob's post announced to alice on A", func() bool {
		got := groupBoosts(a, "alice", aliceTok, group.URI)
		return len(got) == 1 && got[0] == bobs
	})

	// carol answers bob's post, mentioning the group as Mastodon's reply box does.
	reply := postTo(c, "carol", carolTok, group.URI, "hello bob", bobs)
	testrig.Eventually(t, testrig.FederationWait, "carol's reply announced", func() bool { return announced(a, group, reply) })
	testrig.Eventually(t, testrig.FederationWait, "carol's reply on B", func() bool { return b.Note(reply) != nil })
	if n := b.Note(reply); n.InReplyToURI != bobs {
		t.Errorf("carol's reply on B answers %q, want bob's post", n.InReplyToURI)
	}

	// alice posts from A, where the group is.
	alices := postTo(a, "alice", aliceTok, group.URI, "hello from the group's own server", "")
	testrig.Eventually(t, testrig.FederationWait, "alice's post announced to bob and carol", func() bool {
		return len(groupBoosts(b, "bob", bobTok, group.URI)) == 2 && len(groupBoosts(c, "carol", carolTok, group.URI)) == 2
	})
	if got := groupBoosts(b, "bob", bobTok, group.URI); got[0] != alices {
		t.Errorf("bob's newest boost by the group is %s, want alice's post %s", got[0], alices)
	}

	// bob answers alice without naming the group: his reply reaches A as a reply to alice,
	// and continues the group's thread there.
	bobsReply := b.PostNote("bob", bobTok, map[string]any{"content": "hello alice", "inReplyTo": alices})
	testrig.Eventually(t, testrig.FederationWait, "bob's reply to alice announced, and on C", func() bool {
		n := c.Note(bobsReply)
		return announced(a, group, bobsReply) && n != nil && n.InReplyToURI == alices
	})

	// Not announced: a non-member's post, and a member's followers-only one.
	daves := postTo(c, "dave", daveTok, group.URI, "let me in", "")
	private := b.PostNote("bob", bobTok, map[string]any{"content": "for my followers",
		"to": []string{b.Base + "/users/bob/followers"}, "cc": []string{group.URI},
		"tag": []map[string]string{{"type": "Mention", "href": group.URI}}})
	testrig.Eventually(t, testrig.FederationWait, "B's and C's queues empty", func() bool { return b.QueueEmpty() && c.QueueEmpty() })
	testrig.Eventually(t, testrig.FederationWait, "A's queue empty", a.QueueEmpty)
	for _, uri := range []string{daves, private} {
		if announced(a, group, uri) {
			t.Errorf("the group announced %s", uri)
		}
	}
	if got := groupBoosts(a, "alice", aliceTok, group.URI); len(got) != 4 {
		t.Errorf("alice has %d boosts by the group, want 4 (bob's two, carol's and her own post)", len(got))
	}
}

// fakeServer is a peer whose NodeInfo says it runs software, with one actor, name, whose
// inbox keeps what it is sent.
type fakeServer struct {
	*peer.Peer
	mu  sync.Mutex
	got []map[string]any
}

func newFakeServer(t *testing.T, software string, names ...string) (*fakeServer, []*peer.Actor) {
	p := peer.New(t, "127.0.0.1:0", "")
	f := &fakeServer{Peer: p}
	p.Route("/.well-known/nodeinfo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"links":[{"rel":"http://nodeinfo.diaspora.software/ns/schema/2.0","href":"%s/nodeinfo/2.0"}]}`, p.Base)
	})
	p.Route("/nodeinfo/2.0", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"version":"2.0","software":{"name":%q,"version":"1.0"},"protocols":["activitypub"]}`, software)
	})
	p.Inbox(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&m)
		f.mu.Lock()
		f.got = append(f.got, m)
		f.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	k, _ := peer.Keys()
	var actors []*peer.Actor
	for _, name := range names {
		actors = append(actors, p.Actor(name, k))
	}
	return f, actors
}

// announces returns the Announces by actor the server got, with their objects.
func (f *fakeServer) announces(actor string) []any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []any
	for _, m := range f.got {
		if m["type"] == "Announce" && m["actor"] == actor {
			out = append(out, m["object"])
		}
	}
	return out
}

// join has a follow the group, and returns the group's server's answer.
func join(t *testing.T, a *peer.Actor, group *storage.Actor) peer.Answer {
	t.Helper()
	return a.Post(t, group.Inbox, a.Activity("Follow", group.URI), peer.Sig{})
}

// TestGroupSpeaksEachServersDialect: a group sends a member on a Lemmy server FEP-1b12's
// Announce of the Create that brought a post, and one on a Mastodon server an Announce of
// the post itself. A server the group banned cannot join from a new account, and its
// member's posts are not announced; a member who posts more than the hourly limit is not
// announced past it.
func TestGroupSpeaksEachServersDialect(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t, func(c *server.Config) { c.GroupLimits = outbox.GroupLimits{PerMemberHour: 2} })
	a.Account("owner", false)
	group := newGroup(t, a, "cats", "owner", false)
	lemmy, ls := newFakeServer(t, "lemmy", "lem")
	masto, ms := newFakeServer(t, "mastodon", "mas")
	spam, ss := newFakeServer(t, "mastodon", "spammer", "spammer2")
	lem, mas, spammer, spammer2 := ls[0], ms[0], ss[0], ss[1]
	for _, m := range []*peer.Actor{lem, mas, spammer} {
		if got := join(t, m, group); got.Status != http.StatusAccepted {
			t.Fatalf("%s joins: %v", m.URI, got)
		}
	}
	ctx := context.Background()
	err := a.App.DB().Update(ctx, func(tx storage.Tx) error {
		_, err := tx.PutGroupBan(ctx, &storage.GroupBan{GroupID: group.ID, Host: spam.Host, Reason: "spam"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := join(t, spammer2, group); got.Status != http.StatusForbidden {
		t.Errorf("a new account of a banned server joins: %v, want 403", got)
	}

	post := func(m *peer.Actor, content string) string {
		note := m.Note(content, federation.PublicCollection, group.URI)
		note["audience"] = group.URI
		m.Deliver(t, group.Inbox, m.Activity("Create", note, "to", []string{federation.PublicCollection, group.URI}))
		return note["id"].(string)
	}
	lems := post(lem, "a post from Lemmy")
	testrig.Eventually(t, testrig.FederationWait, "the announces of lem's post", func() bool {
		return len(lemmy.announces(group.URI)) == 1 && len(masto.announces(group.URI)) == 1
	})
	if inner, _ := lemmy.announces(group.URI)[0].(map[string]any); inner["type"] != "Create" || inner["actor"] != lem.URI ||
		inner["object"].(map[string]any)["id"] != lems {
		t.Errorf("Lemmy got an Announce of %v, want the Create of lem's post", inner)
	}
	if obj := masto.announces(group.URI)[0]; obj != lems {
		t.Errorf("Mastodon got an Announce of %v, want lem's post %s", obj, lems)
	}

	// lem's edit goes on to the Lemmy server as an announced Update.
	edited := lem.Note("a post from Lemmy, edited", federation.PublicCollection, group.URI)
	edited["id"], edited["updated"] = lems, time.Now().UTC().Format(time.RFC3339)
	lem.Deliver(t, group.Inbox, lem.Activity("Update", edited, "to", []string{federation.PublicCollection, group.URI}))
	testrig.Eventually(t, testrig.FederationWait, "the announce of lem's edit", func() bool { return len(lemmy.announces(group.URI)) == 2 })
	if inner, _ := lemmy.announces(group.URI)[1].(map[string]any); inner["type"] != "Update" || inner["actor"] != lem.URI {
		t.Errorf("Lemmy got an Announce of %v, want lem's Update", inner)
	}

	// The banned server's member, and one post past the limit, are not announced.
	spams, spams2 := post(spammer, "buy now"), post(spammer2, "buy now, from a new account")
	mass := []string{post(mas, "one"), post(mas, "two"), post(mas, "three")}
	testrig.Eventually(t, testrig.FederationWait, "A's queue empty", a.QueueEmpty)
	for _, c := range []struct {
		uri  string
		want bool
	}{{spams, false}, {spams2, false}, {mass[0], true}, {mass[1], true}, {mass[2], false}} {
		if got := announced(a, group, c.uri); got != c.want {
			t.Errorf("%s announced: %v, want %v", c.uri, got, c.want)
		}
	}
	if n := len(masto.announces(group.URI)); n != 3 {
		t.Errorf("the Mastodon server got %d announces, want 3 (lem's, and two of mas's)", n)
	}
}
