package server_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/server"
	"refuge/storage"
)

// TestHostileMoves: Moves that must not move anyone. alice (local) follows old on peer p.
// A Move that moves someone else, one whose target does not name old as an alias, one
// whose target does not exist, does not answer or lives on a blocked server are refused and
// change nothing; alice still follows old. Then a proper Move moves her to new; old's
// server sending another Move at once (to another account that names old too) is refused
// by the rate limit, and alice stays with new.
func TestHostileMoves(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) { c.FetchTimeout = time.Second })
	aliceTok, alice := in.Account("alice", false)
	k1, k2 := peer.Keys()
	p, s := peer.New(t, "127.0.0.1:0", ""), peer.New(t, "127.0.0.1:0", "")
	old, eve, stranger := p.Actor("old", k1), p.Actor("eve", k2), p.Actor("stranger", k2)
	aliasOf := func(a *peer.Actor, of string) {
		doc := a.Doc()
		doc["alsoKnownAs"] = []string{of}
		a.Peer.Doc("/users/"+a.Name, doc)
	}
	newAcc, second, blockedNew := p.Actor("new", k2), p.Actor("second", k2), s.Actor("new", k2)
	aliasOf(newAcc, old.URI)
	aliasOf(second, old.URI)
	aliasOf(blockedNew, old.URI)
	silent := "http://" + testrig.StartSilentListener(t) + "/users/new"
	if code, out := in.Admin("block", "add", s.Host); code != 0 {
		t.Fatalf("refuge block add: %d %s", code, out)
	}

	follow := in.C2S("alice", aliceTok, map[string]any{"type": "Follow", "object": old.URI})
	old.Deliver(t, in.Base+"/inbox", old.Activity("Accept", follow))
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)
	stillFollowsOld := func(t *testing.T, _ peer.Answer) {
		t.Helper()
		if found, ok := follows(in, alice, old.URI); !found || !ok {
			t.Errorf("alice no longer follows old")
		}
		if a := in.ActorByURI(old.URI); a.MovedTo != "" {
			t.Errorf("old recorded as moved to %s", a.MovedTo)
		}
	}
	move := func(by *peer.Actor, object, target string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			return by.Post(t, in.Base+"/inbox", by.Activity("Move", object, "target", target), peer.Sig{})
		}
	}
	runHostile(t, in, []hostileCase{
		{name: "Move of another account", send: move(eve, old.URI, newAcc.URI),
			status: http.StatusForbidden, reason: "own actor", delta: map[string]int{"actors": 1}, check: stillFollowsOld},
		{name: "Move without a target", send: move(old, old.URI, ""),
			status: http.StatusBadRequest, reason: "no target", check: stillFollowsOld},
		{name: "Move to an account that does not name the old one", send: move(old, old.URI, stranger.URI),
			status: http.StatusForbidden, reason: "alsoKnownAs", delta: map[string]int{"actors": 1}, check: stillFollowsOld},
		{name: "Move to an account that does not exist", send: move(old, old.URI, p.Base+"/users/nobody"),
			status: http.StatusNotFound, reason: "could not be fetched", check: stillFollowsOld},
		{name: "Move to a server that does not answer", send: move(old, old.URI, silent),
			status: http.StatusServiceUnavailable, reason: "could not be fetched", check: stillFollowsOld},
		{name: "Move to an account on a blocked server", send: move(old, old.URI, blockedNew.URI),
			status: http.StatusForbidden, reason: "blocked", check: stillFollowsOld},
		{name: "Move to itself", send: move(old, old.URI, old.URI),
			status: http.StatusBadRequest, reason: "own actor", check: stillFollowsOld},
	})

	// bea mutes old and cy blocks it: the move carries both over to new.
	svc := in.App.Outbox()
	in.Account("bea", false)
	in.Account("cy", false)
	if _, err := svc.Mute(context.Background(), in.LocalActor("bea"), old.URI, true, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Block(context.Background(), in.LocalActor("cy"), old.URI); err != nil {
		t.Fatal(err)
	}

	// alice has old in a list: new takes its place there.
	title := "friends"
	list, err := svc.CreateList(context.Background(), in.LocalActor("alice"), outbox.ListEdit{Title: &title})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AddToList(context.Background(), in.LocalActor("alice"), list.ID, []int64{in.ActorByURI(old.URI).ID}); err != nil {
		t.Fatal(err)
	}

	// The real one moves alice to new.
	old.Deliver(t, in.Base+"/inbox", old.Activity("Move", old.URI, "target", newAcc.URI))
	if found, _ := follows(in, alice, newAcc.URI); !found {
		t.Fatalf("alice does not follow new after the Move")
	}
	if found, _ := follows(in, alice, old.URI); found {
		t.Errorf("alice still follows old after the Move")
	}
	if a := in.ActorByURI(old.URI); a.MovedTo != newAcc.URI {
		t.Errorf("old moved to %q, want %s", a.MovedTo, newAcc.URI)
	}
	// alice's Follow went to new's inbox.
	newHere := in.ActorByURI(newAcc.URI)
	if _, err := in.App.DB().GetMute(context.Background(), in.LocalActor("bea").ID, newHere.ID, time.Now()); err != nil {
		t.Errorf("bea's mute of old not carried over to new: %v", err)
	}
	if _, err := in.App.DB().GetAccountBlock(context.Background(), in.LocalActor("cy").ID, newHere.ID); err != nil {
		t.Errorf("cy's block of old not carried over to new: %v", err)
	}
	if members, _, err := in.App.DB().ListListMembers(context.Background(), list.ID, storage.Page{}); err != nil ||
		!slices.ContainsFunc(members, func(a *storage.Actor) bool { return a.URI == newAcc.URI }) {
		t.Errorf("alice's list after the move: %v, %v; want new in it", members, err)
	}
	// old's page here says where it went.
	web := testrig.NewWebClient(t, in)
	web.SignIn("alice", "password-alice")
	if _, page := web.Get("/@old@" + p.Host); !strings.Contains(page, "has moved to") || !strings.Contains(page, "new@"+p.Host) {
		t.Errorf("old's page here does not say it moved to new")
	}
	testrig.Eventually(t, testrig.FederationWait, "the Follow delivered to new", func() bool {
		return p.Hits("/users/new/inbox") > 0
	})
	testrig.Eventually(t, testrig.FederationWait, "the delivery queue empty", in.QueueEmpty)

	runHostile(t, in, []hostileCase{
		{name: "a second Move of the same account at once", send: move(old, old.URI, second.URI),
			status: http.StatusTooManyRequests, reason: "moved less than", delta: map[string]int{"actors": 1},
			check: func(t *testing.T, _ peer.Answer) {
				if found, _ := follows(in, alice, second.URI); found {
					t.Errorf("alice follows second")
				}
				if found, _ := follows(in, alice, newAcc.URI); !found {
					t.Errorf("alice no longer follows new")
				}
			}},
	})
}
