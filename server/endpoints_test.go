package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/server/httpx"
)

// TestEndpoints walks the instance's public endpoints through real HTTP, good and bad input.
func TestEndpoints(t *testing.T) {
	in := testrig.Start(t)
	aliceTok, alice := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)
	host := in.Cfg.Domain
	rows := []struct {
		name, method, path, token, accept string
		body                              any
		status                            int
		wantType, wantBody                string
	}{
		{"webfinger acct", "GET", "/.well-known/webfinger?resource=acct:alice@" + host, "", "", nil, 200, "application/jrd+json", `"href":"` + alice + `"`},
		{"webfinger any case", "GET", "/.well-known/webfinger?resource=acct:ALICE@" + host, "", "", nil, 200, "application/jrd+json", `"subject":"acct:alice@`},
		{"webfinger actor url", "GET", "/.well-known/webfinger?resource=" + alice, "", "", nil, 200, "application/jrd+json", "ostatus.org/schema/1.0/subscribe"},
		{"webfinger unknown", "GET", "/.well-known/webfinger?resource=acct:nobody@" + host, "", "", nil, 404, "application/json", "not found"},
		{"webfinger other host", "GET", "/.well-known/webfinger?resource=acct:alice@elsewhere.test", "", "", nil, 404, "application/json", "not an account of this instance"},
		{"webfinger no resource", "GET", "/.well-known/webfinger", "", "", nil, 400, "application/json", "resource is required"},
		{"webfinger malformed", "GET", "/.well-known/webfinger?resource=acct:@@", "", "", nil, 400, "application/json", "not acct:user@host"},
		{"webfinger junk", "GET", "/.well-known/webfinger?resource=%3Cscript%3E", "", "", nil, 400, "application/json", "not acct:user@host"},
		{"host-meta", "GET", "/.well-known/host-meta", "", "", nil, 200, "application/xrd+xml", `template="` + in.Base + `/.well-known/webfinger?resource={uri}"`},
		{"nodeinfo index", "GET", "/.well-known/nodeinfo", "", "", nil, 200, "application/json", in.Base + "/nodeinfo/2.1"},
		{"nodeinfo 2.0", "GET", "/nodeinfo/2.0", "", "", nil, 200, "application/json", `"users":{"activeHalfyear":3,"activeMonth":3,"total":3}`},
		{"nodeinfo 2.1", "GET", "/nodeinfo/2.1", "", "", nil, 200, "application/json", `"protocols":["activitypub"]`},
		{"actor as activity+json", "GET", "/users/alice", "", httpx.ActivityJSON, nil, 200, httpx.ActivityJSON, `"preferredUsername":"alice"`},
		{"actor as ld+json", "GET", "/users/alice", "", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, nil, 200, httpx.ActivityJSON, `"sharedInbox":"` + in.Base + `/inbox"`},
		{"actor as html", "GET", "/users/alice", "", "text/html", nil, 200, "text/html", "@alice"},
		{"unknown actor", "GET", "/users/nobody", "", httpx.ActivityJSON, nil, 404, "application/json", "not found"},
		{"instance actor", "GET", "/actor", "", httpx.ActivityJSON, nil, 200, httpx.ActivityJSON, `"type":"Application"`},
		{"followers", "GET", "/users/alice/followers", "", httpx.ActivityJSON, nil, 200, httpx.ActivityJSON, `"totalItems":0`},
		{"following", "GET", "/users/alice/following", "", httpx.ActivityJSON, nil, 200, httpx.ActivityJSON, `"totalItems":0`},
		{"featured", "GET", "/users/alice/collections/featured", "", httpx.ActivityJSON, nil, 200, httpx.ActivityJSON, `"type":"OrderedCollection"`},
		{"outbox bad page", "GET", "/users/alice/outbox?max_id=x", "", httpx.ActivityJSON, nil, 400, "application/json", "max_id"},
		{"post without token", "POST", "/users/alice/outbox", "", "", map[string]any{"type": "Note", "content": "x"}, 401, "application/json", "bearer token is required"},
		{"post with bad token", "POST", "/users/alice/outbox", "nope", "", map[string]any{"type": "Note", "content": "x"}, 401, "application/json", "The access token is invalid"},
		{"post to someone else's outbox", "POST", "/users/alice/outbox", bobTok, "", map[string]any{"type": "Note", "content": "x"}, 403, "application/json", "not your outbox"},
		{"post malformed JSON", "POST", "/users/alice/outbox", aliceTok, "", `{"type":`, 400, "application/json", "not JSON"},
		{"post unknown type", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Dance"}, 400, "application/json", `unsupported activity type \"Dance\"`},
		{"post without type", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"content": "x"}, 400, "application/json", "type is missing"},
		{"post empty note", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Note", "content": "  "}, 400, "application/json", "content is empty"},
		{"post too long", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Note", "content": strings.Repeat("x", 5001)}, 400, "application/json", "longer than 5000"},
		{"post bad language", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Note", "contentMap": map[string]string{"not a tag!": "x"}}, 400, "application/json", "not a language tag"},
		{"post reply to unknown", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Note", "content": "x", "inReplyTo": in.Base + "/users/alice/statuses/nope"}, 400, "application/json", "unknown note"},
		{"post Create without Note", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Create", "object": "https://x.test/1"}, 400, "application/json", "Create must carry a Note"},
		{"post as another actor", "POST", "/users/alice/outbox", aliceTok, "", map[string]any{"type": "Like", "actor": "https://x.test/u", "object": "https://x.test/1"}, 403, "application/json", "actor must be the outbox's owner"},
		{"post array", "POST", "/users/alice/outbox", aliceTok, "", `[{"type":"Note"}]`, 400, "application/json", "JSON object"},
		{"inbox unsigned", "POST", "/users/alice/inbox", "", "", map[string]any{"id": "https://x.test/a", "type": "Follow", "actor": "https://x.test/u", "object": alice}, 401, "application/json", "not signed"},
		{"inbox of nobody", "POST", "/users/nobody/inbox", "", "", map[string]any{"type": "Follow"}, 404, "application/json", "not found"},
		{"home feed needs token", "GET", "/users/alice/inbox", "", httpx.ActivityJSON, nil, 401, "application/json", "bearer token"},
		{"someone else's home feed", "GET", "/users/alice/inbox", bobTok, httpx.ActivityJSON, nil, 403, "application/json", "not your inbox"},
		{"unknown path", "GET", "/nothing/here", "", httpx.ActivityJSON, nil, 404, "application/json", "page not found"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			req := newRequest(t, in, row.method, row.path, row.token, row.body)
			if row.accept != "" {
				req.Header.Set("Accept", row.accept)
			} else {
				req.Header.Del("Accept")
			}
			status, body, header := send(t, req)
			if status != row.status {
				t.Fatalf("status %d, want %d: %s", status, row.status, body)
			}
			if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, row.wantType) {
				t.Errorf("Content-Type %q, want %s", ct, row.wantType)
			}
			if !strings.Contains(string(body), row.wantBody) {
				t.Errorf("body does not contain %q:\n%s", row.wantBody, body)
			}
		})
	}
	// Not one of the refused posts may have left anything behind.
	if n := in.RowCounts()["notes"]; n != 0 {
		t.Fatalf("refused posts stored %d notes", n)
	}
}

// TestOutboxVisibility posts one note of each visibility and checks who sees what.
func TestOutboxVisibility(t *testing.T) {
	in := testrig.Start(t)
	tok, _ := in.Account("alice", false)
	followers := in.Base + "/users/alice/followers"
	public := "https://www.w3.org/ns/activitystreams#Public"
	notes := map[string]map[string]any{
		"public":    {"type": "Note", "content": "public note", "to": []string{public}},
		"unlisted":  {"type": "Note", "content": "unlisted note", "to": []string{followers}, "cc": []string{public}},
		"followers": {"type": "Note", "content": "followers note", "to": []string{followers}},
		"direct":    {"type": "Note", "content": "direct note", "to": []string{in.Base + "/users/admin"}},
	}
	ids := map[string]string{}
	for name, n := range notes {
		status, body, h := in.Do("POST", "/users/alice/outbox", tok, n)
		if status != 201 {
			t.Fatalf("post %s: %d %s", name, status, body)
		}
		ids[name] = strings.TrimSuffix(h.Get("Location"), "/activity")
	}
	anon := outboxItems(t, in, "")
	owner := outboxItems(t, in, tok)
	for name := range notes {
		wantAnon := name == "public" || name == "unlisted"
		if strings.Contains(anon, name+" note") != wantAnon {
			t.Errorf("anonymous outbox shows %s: %v, want %v", name, !wantAnon, wantAnon)
		}
		if !strings.Contains(owner, name+" note") {
			t.Errorf("owner's outbox lacks the %s note", name)
		}
		status, _, _ := in.Do("GET", ids[name], "", nil)
		if (status == 200) != wantAnon {
			t.Errorf("anonymous GET of %s note: %d", name, status)
		}
	}
	// A deleted note answers 410 with a Tombstone, and leaves the outbox.
	status, body, _ := in.Do("POST", "/users/alice/outbox", tok, map[string]any{"type": "Delete", "object": ids["public"]})
	if status != 201 {
		t.Fatalf("delete: %d %s", status, body)
	}
	status, body, _ = in.Do("GET", ids["public"], "", nil)
	var tomb struct{ ID, Type string }
	json.Unmarshal(body, &tomb)
	if status != http.StatusGone || tomb.Type != "Tombstone" || tomb.ID != ids["public"] {
		t.Fatalf("deleted note: %d %s", status, body)
	}
	if strings.Contains(outboxItems(t, in, ""), "public note") {
		t.Fatal("deleted note still in the outbox")
	}
	status, _, _ = in.Do("POST", "/users/alice/outbox", tok, map[string]any{"type": "Delete", "object": ids["public"]})
	if status != http.StatusGone {
		t.Fatalf("second delete: %d", status)
	}
}

func outboxItems(t *testing.T, in *testrig.Instance, token string) string {
	t.Helper()
	status, body, _ := in.Do("GET", "/users/alice/outbox?page=true", token, nil)
	if status != 200 {
		t.Fatalf("outbox: %d %s", status, body)
	}
	return string(body)
}

func newRequest(t *testing.T, in *testrig.Instance, method, path, token string, body any) *http.Request {
	t.Helper()
	var payload string
	switch b := body.(type) {
	case nil:
	case string:
		payload = b
	default:
		j, _ := json.Marshal(b)
		payload = string(j)
	}
	req, err := http.NewRequest(method, in.Base+path, strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", httpx.ActivityJSON)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

func send(t *testing.T, req *http.Request) (int, []byte, http.Header) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf strings.Builder
	if _, err := io.Copy(&buf, io.LimitReader(resp.Body, 4<<20)); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, []byte(buf.String()), resp.Header
}
