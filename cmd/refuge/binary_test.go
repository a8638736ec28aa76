package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"refuge/internal/testrig"
)

// getJSON fetches url with an Accept header and decodes the answer, checking status and type.
func getJSON(t *testing.T, url, accept, wantType string, v any) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: status %d: %s", url, resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
		t.Fatalf("GET %s: Content-Type %q, want %s", url, ct, wantType)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

// TestBinaryWalk starts the built binary and walks it as a remote server would: WebFinger →
// actor → outbox → first page → a note. Then SIGTERM must stop it cleanly.
func TestBinaryWalk(t *testing.T) {
	bin := testrig.Binary(t)
	addr := testrig.FreeAddr(t)
	data := t.TempDir()
	cmd, printed := testrig.Serve(t, "--listen", addr, "--domain", addr, "--data", data)
	var password string
	if m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(printed); m != nil {
		password = m[1]
	}
	if len(password) < 12 {
		t.Fatalf("first start printed no usable admin password (got %q)", password)
	}
	base := "http://" + addr

	tok, err := exec.Command(bin, "token", "root", "--data", data, "--domain", addr).Output()
	if err != nil {
		t.Fatalf("refuge token: %v", err)
	}
	token := strings.TrimSpace(string(tok))
	req, _ := http.NewRequest("POST", base+"/users/root/outbox", strings.NewReader(
		`{"@context":"https://www.w3.org/ns/activitystreams","type":"Create","object":{"type":"Note","content":"first post #hello","to":["https://www.w3.org/ns/activitystreams#Public"]}}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Location") == "" {
		t.Fatalf("post: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}

	var jrd struct {
		Subject string
		Aliases []string
		Links   []struct{ Rel, Type, Href, Template string }
	}
	getJSON(t, base+"/.well-known/webfinger?resource=acct:root@"+addr, "application/jrd+json", "application/jrd+json", &jrd)
	var self string
	for _, l := range jrd.Links {
		if l.Rel == "self" && l.Type == "application/activity+json" {
			self = l.Href
		}
	}
	if jrd.Subject != "acct:root@"+addr || self != base+"/users/root" || len(jrd.Aliases) != 2 {
		t.Fatalf("webfinger: %+v", jrd)
	}

	var actor map[string]any
	getJSON(t, self, `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, "application/activity+json", &actor)
	if actor["id"] != self || actor["type"] != "Person" || actor["preferredUsername"] != "root" || actor["inbox"] == nil {
		t.Fatalf("actor: %v", actor)
	}
	key, _ := actor["publicKey"].(map[string]any)
	if key["owner"] != self || !strings.Contains(key["publicKeyPem"].(string), "BEGIN PUBLIC KEY") {
		t.Fatalf("actor key: %v", key)
	}
	if ctx, _ := json.Marshal(actor["@context"]); !strings.Contains(string(ctx), "https://www.w3.org/ns/activitystreams") ||
		!strings.Contains(string(ctx), "https://w3id.org/security/v1") {
		t.Fatalf("actor @context: %s", ctx)
	}

	var outbox struct {
		Type       string
		TotalItems int
		First      string
	}
	getJSON(t, actor["outbox"].(string), "application/activity+json", "application/activity+json", &outbox)
	if outbox.Type != "OrderedCollection" || outbox.TotalItems != 1 || outbox.First == "" {
		t.Fatalf("outbox: %+v", outbox)
	}
	var page struct {
		Type         string
		PartOf       string
		OrderedItems []struct {
			Type   string
			Object struct{ ID, Type, Content string }
		}
	}
	getJSON(t, outbox.First, "application/activity+json", "application/activity+json", &page)
	if page.Type != "OrderedCollectionPage" || len(page.OrderedItems) != 1 || page.OrderedItems[0].Type != "Create" {
		t.Fatalf("outbox page: %+v", page)
	}
	var note struct{ ID, Type, Content, AttributedTo string }
	getJSON(t, page.OrderedItems[0].Object.ID, "application/activity+json", "application/activity+json", &note)
	if note.ID != page.OrderedItems[0].Object.ID || note.Type != "Note" || note.AttributedTo != self ||
		!strings.Contains(note.Content, "first post") || !strings.Contains(note.Content, `class="mention hashtag"`) {
		t.Fatalf("note: %+v", note)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited badly after SIGTERM: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after SIGTERM")
	}
}
