package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/storage"
)

// TestReplyPolicyAcrossInstances: alice on A lets only her followers (and those she
// mentions) reply. Her post says so to B, in its canReply and in both APIs; carol, who
// follows her, and dave, whom she mentions, reply from B and are let in, each reply
// approved with an Accept that B records; bob, who does neither, is refused by B before
// anything is sent, and erin on A by A; a server that ignores the policy has its reply
// dropped and is sent a Reject of it.
func TestReplyPolicyAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	erinTok, _ := a.Account("erin", false)
	bobTok, _ := b.Account("bob", false)
	carolTok, _ := b.Account("carol", false)
	daveTok, _ := b.Account("dave", false)
	b.FollowRemote("carol", carolTok, a, "alice")

	type policyRule struct {
		Automatic []string `json:"automatic_approval"`
		Manual    []string `json:"manual_approval"`
	}
	type status struct {
		ID                string `json:"id"`
		URI               string `json:"uri"`
		InteractionPolicy struct {
			CanReply policyRule `json:"can_reply"`
		} `json:"interaction_policy"`
	}
	post := func(in *testrig.Instance, token string, form url.Values) (int, status, string) {
		t.Helper()
		code, body := apiForm(t, in, "POST", "/api/v1/statuses", token, form)
		var s status
		if code == http.StatusOK {
			if err := json.Unmarshal([]byte(body), &s); err != nil {
				t.Fatal(err)
			}
		}
		return code, s, body
	}
	code, limited, body := post(a, aliceTok, url.Values{"status": {"Followers only, please, and @dave@" + b.Cfg.Domain},
		"interaction_policy[can_reply][automatic_approval][]": {"followers"}})
	if code != http.StatusOK {
		t.Fatalf("post with a reply policy: %d %s", code, body)
	}
	if got := strings.Join(limited.InteractionPolicy.CanReply.Automatic, " "); got != "author followers mentioned" {
		t.Errorf("A's API: can_reply %q", got)
	}
	testrig.Eventually(t, testrig.FederationWait, "alice's post on B", func() bool { return b.Note(limited.URI) != nil })
	if got := b.Note(limited.URI).ReplyPolicy; got != storage.QuoteFollowers {
		t.Errorf("B read the policy as %q", got)
	}
	onB := apiStatusID(t, b, limited.URI)
	code, body = apiForm(t, b, "GET", "/api/v1/statuses/"+onB, bobTok, nil)
	if code != http.StatusOK || !strings.Contains(body, `"can_reply":{"automatic_approval":["author","followers","mentioned"]`) {
		t.Errorf("B's API: %d %s", code, body)
	}

	// Refused where the reply is written, with the reason.
	if code, _, body := post(b, bobTok, url.Values{"status": {"I reply anyway"}, "in_reply_to_id": {onB}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "does not let you reply") {
		t.Errorf("bob's reply: %d %s", code, body)
	}
	if code, _, body := post(a, erinTok, url.Values{"status": {"Me too"}, "in_reply_to_id": {apiStatusID(t, a, limited.URI)}}); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "does not let you reply") {
		t.Errorf("erin's reply: %d %s", code, body)
	}

	// Let in, and approved.
	var replies []string
	for _, who := range []struct{ name, token string }{{"carol", carolTok}, {"dave", daveTok}} {
		code, reply, body := post(b, who.token, url.Values{"status": {"Happy to, " + who.name}, "in_reply_to_id": {onB}})
		if code != http.StatusOK {
			t.Fatalf("%s's reply: %d %s", who.name, code, body)
		}
		replies = append(replies, reply.URI)
	}
	for _, uri := range replies {
		testrig.Eventually(t, testrig.FederationWait, "A keeps "+uri+" and B records its approval", func() bool {
			n := b.Note(uri)
			return a.Note(uri) != nil && n.Reply != nil && n.Reply.State == storage.QuoteAccepted && n.Reply.ApprovedBy != ""
		})
	}

	// A server that ignores the policy: its reply is dropped, and it is told.
	p := peer.New(t, "127.0.0.1:0", "")
	k, _ := peer.Keys()
	mallory := p.Actor("mallory", k)
	var mu sync.Mutex
	var got []map[string]any
	p.Inbox(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var act map[string]any
		json.Unmarshal(raw, &act)
		mu.Lock()
		got = append(got, act)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	})
	note := mallory.Note("<p>I do not care for policies</p>", "https://www.w3.org/ns/activitystreams#Public")
	note["inReplyTo"] = limited.URI
	before := a.RowCounts()["notes"]
	for range 2 { // a second delivery is no second Reject
		act := mallory.Activity("Create", note, "to", []string{"https://www.w3.org/ns/activitystreams#Public"})
		act["id"] = note["id"].(string) + "/activity"
		mallory.Deliver(t, a.Base+"/inbox", act)
	}
	testrig.Eventually(t, testrig.FederationWait, "mallory is sent a Reject", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	testrig.Eventually(t, testrig.FederationWait, "A's queue is empty", a.QueueEmpty)
	mu.Lock()
	if len(got) != 1 || got[0]["type"] != "Reject" || got[0]["object"] != note["id"] || !strings.HasPrefix(got[0]["actor"].(string), a.Base) {
		t.Errorf("mallory got %v", got)
	}
	mu.Unlock()
	if n := a.RowCounts()["notes"]; n != before {
		t.Errorf("A kept mallory's reply: %d notes, %d before", n, before)
	}
}

// TestReplyPolicyPages: the compose form asks who can reply; the post made with it keeps
// the choice, says it on its page, and refuses a reply from someone it does not let in
// with the reason; a choice the form does not offer is refused with the form as typed,
// and nothing is posted.
func TestReplyPolicyPages(t *testing.T) {
	t.Parallel()
	in, c, _ := aliceSignedIn(t)
	in.LocalAccount("bob", "bob password")
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "bob password")

	_, page := c.Get("/compose")
	if !strings.Contains(page, `name="reply_policy"`) || !strings.Contains(page, `<option value="nobody"`) {
		t.Fatalf("the compose form does not ask who can reply")
	}
	before := in.RowCounts()["notes"]
	resp, body := c.PostMultipart("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {"just for those I name"},
		"visibility": {"public"}, "reply_policy": {"everyone-but-bob"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "reply policy must be") || !strings.Contains(body, "just for those I name") {
		t.Errorf("an unknown reply policy: %d", resp.StatusCode)
	}
	if n := in.RowCounts()["notes"]; n != before {
		t.Errorf("a refused post stored %d notes", n-before)
	}
	resp, _ = c.PostMultipart("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "content": {"just for those I name"},
		"visibility": {"public"}, "reply_policy": {"nobody"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("compose: %d", resp.StatusCode)
	}
	postPath := strings.SplitN(resp.Header.Get("Location"), "#", 2)[0]
	n := in.Note(in.Base + postPath)
	if n == nil || n.ReplyPolicy != storage.QuoteNobody {
		t.Fatalf("the post: %+v", n)
	}
	code, doc, _ := in.Do("GET", n.URI, "", nil)
	var note struct {
		InteractionPolicy struct {
			CanReply struct {
				AutomaticApproval []string `json:"automaticApproval"`
			} `json:"canReply"`
		} `json:"interactionPolicy"`
	}
	if err := json.Unmarshal(doc, &note); code != http.StatusOK || err != nil ||
		strings.Join(note.InteractionPolicy.CanReply.AutomaticApproval, " ") != in.LocalActor("alice").URI {
		t.Errorf("the post's canReply: %d %s", code, doc)
	}
	_, page = bob.Get(postPath)
	if !strings.Contains(page, "Only people mentioned can reply.") {
		t.Errorf("the post's page does not say who can reply")
	}
	resp, body = bob.PostMultipart("/web/notes", url.Values{"csrf": {bob.CSRF("/compose")}, "content": {"hi anyway"},
		"visibility": {"public"}, "in_reply_to": {strconv.FormatInt(n.ID, 10)}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "does not let you reply") {
		t.Errorf("bob's reply from the page: %d %s", resp.StatusCode, body)
	}
}
