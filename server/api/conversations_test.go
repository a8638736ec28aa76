package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

var conversationShape = map[string]string{"id": "string", "unread": "bool", "accounts": "array", "last_status": "object|null"}

// postForm posts a status of the form's params through the API and returns its id.
func postForm(t *testing.T, w *world, token string, form url.Values) string {
	t.Helper()
	status, v := send(t, w.in, request{method: "POST", path: "/api/v1/statuses", token: token, body: form})
	if status != 200 {
		t.Fatalf("post %v: %d %v", form, status, v)
	}
	return idOf(v)
}

// conversationsOf lists token's conversations at path, failing on anything but 200.
func conversationsOf(t *testing.T, w *world, token, path string) []any {
	t.Helper()
	status, v, _ := get(t, w.in, path, token)
	list, ok := v.([]any)
	if status != 200 || !ok {
		t.Fatalf("GET %s: %d %v", path, status, v)
	}
	return list
}

// summary is a conversation as "unread|last status id|acct,acct" (accts sorted).
func summary(c any) string {
	m, _ := c.(map[string]any)
	var accts []string
	list, _ := m["accounts"].([]any)
	for _, a := range list {
		accts = append(accts, field(a, "acct"))
	}
	slices.Sort(accts)
	unread := "read"
	if m["unread"] == true {
		unread = "unread"
	}
	return unread + "|" + idOf(m["last_status"]) + "|" + strings.Join(accts, ",")
}

func summaries(list []any) []string {
	var out []string
	for _, c := range list {
		out = append(out, summary(c))
	}
	return out
}

// TestConversationsAPI: direct statuses make conversations for their author (read) and
// their recipients (unread), one per thread; GET /api/v1/conversations pages them by their
// last statuses with a Link header; POST .../read and DELETE want write:conversations and
// answer 404 for another account's conversation; a removed conversation comes back with
// the next status, deleting the last status moves it back or drops the conversation, and
// one whose only participant is blocked is not listed.
func TestConversationsAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	direct := func(text string, more ...string) url.Values {
		v := url.Values{"status": {text}, "visibility": {"direct"}}
		if len(more) == 2 {
			v.Set(more[0], more[1])
		}
		return v
	}
	first := postForm(t, w, w.aliceTok, direct("@bob a secret"))
	answer := postForm(t, w, w.bobTok, direct("@alice got it", "in_reply_to_id", first))
	group := postForm(t, w, w.aliceTok, direct("@bob @carol all three of us"))
	lone := postForm(t, w, w.carolTok, direct("@bob just you"))
	postForm(t, w, w.aliceTok, url.Values{"status": {"@bob not direct"}, "visibility": {"public"}})

	bobs := conversationsOf(t, w, w.bobTok, "/api/v1/conversations")
	for _, c := range bobs {
		shape(t, "Conversation", c, conversationShape)
		shape(t, "Conversation.last_status", c.(map[string]any)["last_status"], statusShape)
	}
	want := []string{"unread|" + lone + "|carol", "unread|" + group + "|alice,carol", "read|" + answer + "|alice"}
	if got := summaries(bobs); !slices.Equal(got, want) {
		t.Fatalf("bob's conversations:\n%v\nwant\n%v", got, want)
	}
	alices := conversationsOf(t, w, w.aliceTok, "/api/v1/conversations")
	if got, want := summaries(alices), []string{"read|" + group + "|bob,carol", "unread|" + answer + "|bob"}; !slices.Equal(got, want) {
		t.Fatalf("alice's conversations:\n%v\nwant\n%v", got, want)
	}
	lonely, groupConv, thread := idOf(bobs[0]), idOf(bobs[1]), idOf(bobs[2])
	alicesThread := idOf(alices[1])

	// Paging: two, then the next page by the Link header, then prev from there.
	status, v, h := get(t, w.in, "/api/v1/conversations?limit=2", w.bobTok)
	if list, _ := v.([]any); status != 200 || len(list) != 2 || idOf(list[1]) != groupConv {
		t.Fatalf("limit=2: %d %v", status, v)
	}
	next := linkOf(h, "next")
	if !strings.Contains(next, "max_id="+group) || !strings.Contains(linkOf(h, "prev"), "min_id="+lone) {
		t.Fatalf("Link: %q", h.Get("Link"))
	}
	u, _ := url.Parse(next)
	rest := conversationsOf(t, w, w.bobTok, u.RequestURI())
	if len(rest) != 1 || idOf(rest[0]) != thread {
		t.Fatalf("next page: %v", rest)
	}
	if newer := conversationsOf(t, w, w.bobTok, "/api/v1/conversations?min_id="+answer); len(newer) != 2 || idOf(newer[1]) != groupConv {
		t.Fatalf("min_id page: %v", summaries(newer))
	}
	if since := conversationsOf(t, w, w.bobTok, "/api/v1/conversations?since_id="+group); len(since) != 1 || idOf(since[0]) != lonely {
		t.Fatalf("since_id page: %v", summaries(since))
	}

	req := func(method, path, token string) request { return request{method: method, path: path, token: token} }
	read := func(id string) string { return "/api/v1/conversations/" + id + "/read" }
	isRead := func(id string) func(v any) bool {
		return func(v any) bool { return idOf(v) == id && v.(map[string]any)["unread"] == false }
	}
	empty := func(v any) bool { m, ok := v.(map[string]any); return ok && len(m) == 0 }
	runWrites(t, w.in, []writeCase{
		{"list, no token", req("GET", "/api/v1/conversations", ""), 401, nil},
		{"list with write:conversations", req("GET", "/api/v1/conversations", w.oauthToken(t, "bob", "write:conversations")), 403, nil},
		{"list, limit zero", req("GET", "/api/v1/conversations?limit=0", w.bobTok), 422, nil},
		{"list, max_id not an id", req("GET", "/api/v1/conversations?max_id=x", w.bobTok), 422, nil},
		{"read, no token", req("POST", read(groupConv), ""), 401, nil},
		{"read with read:statuses", req("POST", read(groupConv), w.oauthToken(t, "bob", "read:statuses")), 403, nil},
		{"read alice's conversation", req("POST", read(alicesThread), w.bobTok), 404, nil},
		{"read an unknown one", req("POST", read("999999"), w.bobTok), 404, nil},
		{"read a bad id", req("POST", read("nope"), w.bobTok), 404, nil},
		{"read", req("POST", read(groupConv), w.oauthToken(t, "bob", "write:conversations")), 200, isRead(groupConv)},
		{"read again", req("POST", read(groupConv), w.bobTok), 200, isRead(groupConv)},
		{"remove, no token", req("DELETE", "/api/v1/conversations/"+thread, ""), 401, nil},
		{"remove with read", req("DELETE", "/api/v1/conversations/"+thread, w.oauthToken(t, "bob", "read")), 403, nil},
		{"remove alice's conversation", req("DELETE", "/api/v1/conversations/"+alicesThread, w.bobTok), 404, nil},
		{"remove an unknown one", req("DELETE", "/api/v1/conversations/999999", w.bobTok), 404, nil},
		{"remove", req("DELETE", "/api/v1/conversations/"+thread, w.bobTok), 200, empty},
		{"remove again", req("DELETE", "/api/v1/conversations/"+thread, w.bobTok), 404, nil},
	})
	want = []string{"unread|" + lone + "|carol", "read|" + group + "|alice,carol"}
	if got := summaries(conversationsOf(t, w, w.bobTok, "/api/v1/conversations")); !slices.Equal(got, want) {
		t.Fatalf("after read and remove:\n%v\nwant\n%v", got, want)
	}
	if got := summaries(conversationsOf(t, w, w.aliceTok, "/api/v1/conversations")); len(got) != 2 {
		t.Fatalf("bob's removal changed alice's list: %v", got)
	}

	// The removed thread comes back, unread, with the new status alone.
	again := postForm(t, w, w.aliceTok, direct("@bob one more thing", "in_reply_to_id", answer))
	bobs = conversationsOf(t, w, w.bobTok, "/api/v1/conversations")
	if got := summary(bobs[0]); got != "unread|"+again+"|alice" || idOf(bobs[0]) == thread {
		t.Fatalf("the removed thread after a new status: %v (was %s)", summaries(bobs), thread)
	}

	// Deleting a conversation's last status moves it back; deleting its only one drops it.
	alices = conversationsOf(t, w, w.aliceTok, "/api/v1/conversations")
	if got := summary(alices[0]); got != "read|"+again+"|bob" {
		t.Fatalf("alice's thread after her reply: %v", summaries(alices))
	}
	for _, id := range []string{again, lone} {
		token := w.aliceTok
		if id == lone {
			token = w.carolTok
		}
		if status, v := send(t, w.in, req("DELETE", "/api/v1/statuses/"+id, token)); status != 200 {
			t.Fatalf("delete status %s: %d %v", id, status, v)
		}
	}
	want = []string{"read|" + group + "|bob,carol", "read|" + answer + "|bob"}
	if got := summaries(conversationsOf(t, w, w.aliceTok, "/api/v1/conversations")); !slices.Equal(got, want) {
		t.Fatalf("alice's after deleting her thread's last status:\n%v\nwant\n%v", got, want)
	}
	want = []string{"read|" + group + "|alice,carol"}
	if got := summaries(conversationsOf(t, w, w.bobTok, "/api/v1/conversations")); !slices.Equal(got, want) {
		t.Fatalf("bob's after the deletes:\n%v\nwant\n%v", got, want)
	}

	// A conversation with carol alone is not listed once bob blocks her; one with alice
	// too still is.
	postForm(t, w, w.carolTok, direct("@bob again"))
	if got := len(conversationsOf(t, w, w.bobTok, "/api/v1/conversations")); got != 2 {
		t.Fatalf("bob has %d conversations, want 2", got)
	}
	if status, v := send(t, w.in, req("POST", "/api/v1/accounts/"+accountID(t, w.in, "carol")+"/block", w.bobTok)); status != 200 {
		t.Fatalf("block: %d %v", status, v)
	}
	if got := summaries(conversationsOf(t, w, w.bobTok, "/api/v1/conversations")); !slices.Equal(got, want) {
		t.Fatalf("bob's after blocking carol:\n%v\nwant\n%v", got, want)
	}
}

// TestStreamingConversation: the direct stream tells each account taking part of a
// direct status with a conversation event, the Conversation entity as the list shows it:
// unread for its recipient, read for its author; a public status makes none. Marking it
// read sends it again.
func TestStreamingConversation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bob := mustStream(t, w.in, w.bobTok, url.Values{"stream": {"direct"}})
	alice := mustStream(t, w.in, w.aliceTok, url.Values{"stream": {"direct"}})

	postForm(t, w, w.aliceTok, url.Values{"status": {"@bob public, no conversation"}})
	id := postForm(t, w, w.aliceTok, url.Values{"status": {"@bob psst"}, "visibility": {"direct"}})
	for _, c := range []struct {
		who    string
		events chan streamEvent
		want   string
	}{{"bob", bob.events, "unread|" + id + "|alice"}, {"alice", alice.events, "read|" + id + "|bob"}} {
		e := next(t, c.events, c.who+"'s conversation event", func(e streamEvent) bool { return e.Event == "conversation" })
		shape(t, "Conversation", e.Entity, conversationShape)
		if got := summary(e.Entity); got != c.want || strings.Join(e.Stream, ",") != "direct" {
			t.Errorf("%s's conversation event: %s on %v, want %s", c.who, got, e.Stream, c.want)
		}
	}
	// Marked read, the conversation is sent again, read.
	list := conversationsOf(t, w, w.bobTok, "/api/v1/conversations")
	if status, v := send(t, w.in, request{method: "POST", path: "/api/v1/conversations/" + idOf(list[0]) + "/read", token: w.bobTok}); status != 200 {
		t.Fatalf("read: %d %v", status, v)
	}
	e := next(t, bob.events, "the conversation marked read", func(e streamEvent) bool { return e.Event == "conversation" })
	if got := summary(e.Entity); got != "read|"+id+"|alice" {
		t.Errorf("after marking it read: %s", got)
	}
}
