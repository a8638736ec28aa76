package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/server"
	"refuge/storage"
)

// The program and posting part of the hostile suite: what a person types is kept (the
// profile's source text), one serve per data folder, the URL scheme fixed with the domain,
// and a post's mentions resolved within a bounded time.

// TestHostileProfileSource: saving the profile form as it is shown changes nothing — the
// form shows what was typed (links in full, not their shortened text), an unchanged save
// stores and federates nothing, and the actor keeps its links (Mastodon's link
// verification reads them). A C2S Update of the Person keeps them too.
func TestHostileProfileSource(t *testing.T) {
	t.Parallel()
	r := newHostileRig(t)
	in := r.in
	s := webSignIn(t, in, "alice")
	longLink := "https://garden.example/a/very/long/path/to/plot-14/and-beyond?season=2025"
	site := "https://garden.example/plot-14"
	bio := "Notes from the garden: " + longLink + " #tomatoes\n\nSecond paragraph & more."
	first := formPost(t, in, "/web/profile", s.cookie, "", url.Values{"csrf": {s.csrf}, "display_name": {"Alice"},
		"summary": {bio}, "field_name": {"Site", "Plot", "", ""}, "field_value": {site, "number 14", "", ""}})
	if first.Status != http.StatusSeeOther {
		t.Fatalf("first save: %v", first)
	}
	testrig.Eventually(t, testrig.FederationWait, "the profile's Update delivered", in.QueueEmpty)
	saved := actorDocument(t, in, r.alice)
	if !bytes.Contains(saved, []byte(`<a href=\"`+longLink)) || !bytes.Contains(saved, []byte(`<a href=\"`+site+`\"`)) {
		t.Fatalf("the first save lost a link: %s", saved)
	}

	resave := func(t *testing.T) peer.Answer {
		page := getPage(t, in, "/edit_profile", s.cookie)
		return formPost(t, in, "/web/profile", s.cookie, "", formValues(t, page.Body, "/web/profile"))
	}
	unchanged := func(t *testing.T, _ peer.Answer) {
		if now := actorDocument(t, in, r.alice); !bytes.Equal(now, saved) {
			t.Errorf("the actor document changed:\nbefore %s\nafter  %s", saved, now)
		}
	}
	doraToken, dora := in.Account("dora", false)
	c2sUpdate := func(edit func(doc map[string]any)) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			var doc map[string]any
			if err := json.Unmarshal(actorDocument(t, in, dora), &doc); err != nil {
				t.Fatal(err)
			}
			edit(doc)
			body := mustJSON(t, map[string]any{"@context": "https://www.w3.org/ns/activitystreams", "type": "Update", "object": doc})
			req, _ := http.NewRequest(http.MethodPost, in.Base+"/users/dora/outbox", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			req.Header.Set("Authorization", "Bearer "+doraToken)
			return peer.Send(t, req)
		}
	}
	doraHas := func(wants ...string) func(t *testing.T, _ peer.Answer) {
		return func(t *testing.T, _ peer.Answer) {
			doc := actorDocument(t, in, dora)
			for _, want := range wants {
				if !bytes.Contains(doc, []byte(want)) {
					t.Errorf("the actor document lacks %s:\n%s", want, doc)
				}
			}
		}
	}
	doraLink := "https://dora.example/a/long/address/that/gets/shortened/when/shown"
	// erin's profile was saved before the typed text was kept: HTML only.
	_, erinURI := in.Account("erin", false)
	legacy := in.LocalActor("erin")
	ctx := context.Background()
	legacy.Summary, _ = outbox.Format(ctx, "Old bio: "+longLink, in.Base, in.Cfg.Domain, nil)
	siteHTML, _ := outbox.Format(ctx, site, in.Base, in.Cfg.Domain, nil)
	legacy.Fields = []storage.Field{{Name: "Site", Value: strings.TrimSuffix(strings.TrimPrefix(siteHTML, "<p>"), "</p>")}}
	if err := in.App.DB().Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, legacy) }); err != nil {
		t.Fatal(err)
	}
	erin := webSignIn(t, in, "erin")
	erinSaved := actorDocument(t, in, erinURI)
	rows := []hostileCase{
		{name: "the edit form shows the bio and field values as typed, links in full", status: 200,
			send: func(t *testing.T) peer.Answer { return getPage(t, in, "/edit_profile", s.cookie) },
			check: func(t *testing.T, got peer.Answer) {
				form := formValues(t, got.Body, "/web/profile")
				if form.Get("summary") != bio {
					t.Errorf("bio in the form %q, typed %q", form.Get("summary"), bio)
				}
				if v := form["field_value"]; len(v) < 2 || v[0] != site || v[1] != "number 14" {
					t.Errorf("field values in the form %q", v)
				}
			}},
		{name: "profile form saved unchanged: no Update stored or queued, actor document byte-identical",
			send: resave, status: http.StatusSeeOther, check: unchanged},
		{name: "profile form saved unchanged a second time: still nothing changes",
			send: resave, status: http.StatusSeeOther, check: unchanged},
		{name: "a bio link survives unchanged saves", send: resave, status: http.StatusSeeOther,
			check: func(t *testing.T, _ peer.Answer) {
				var doc struct{ Summary string }
				json.Unmarshal(actorDocument(t, in, r.alice), &doc)
				if !strings.Contains(doc.Summary, `<a href="`+longLink+`"`) || !strings.Contains(doc.Summary, `class="mention hashtag"`) {
					t.Errorf("summary lost its links: %s", doc.Summary)
				}
			}},
		{name: "a field value with a URL keeps its link after unchanged saves", send: resave, status: http.StatusSeeOther,
			check: func(t *testing.T, _ peer.Answer) {
				var doc struct {
					Attachment []struct{ Name, Value string }
				}
				json.Unmarshal(actorDocument(t, in, r.alice), &doc)
				if len(doc.Attachment) != 2 || !strings.Contains(doc.Attachment[0].Value, `<a href="`+site+`"`) {
					t.Errorf("fields: %+v", doc.Attachment)
				}
			}},
		{name: "a profile saved before the typed text was kept: the form shows its links in full", status: 200,
			send: func(t *testing.T) peer.Answer { return getPage(t, in, "/edit_profile", erin.cookie) },
			check: func(t *testing.T, got peer.Answer) {
				form := formValues(t, got.Body, "/web/profile")
				if form.Get("summary") != "Old bio: "+longLink || form.Get("field_value") != site {
					t.Errorf("the form shows %q and %q", form.Get("summary"), form.Get("field_value"))
				}
			}},
		{name: "a profile saved before the typed text was kept, saved unchanged: nothing changes",
			send: func(t *testing.T) peer.Answer {
				page := getPage(t, in, "/edit_profile", erin.cookie)
				return formPost(t, in, "/web/profile", erin.cookie, "", formValues(t, page.Body, "/web/profile"))
			}, status: http.StatusSeeOther, check: func(t *testing.T, _ peer.Answer) {
				if now := actorDocument(t, in, erinURI); !bytes.Equal(now, erinSaved) {
					t.Errorf("the actor document changed:\nbefore %s\nafter  %s", erinSaved, now)
				}
			}},
		{name: "C2S Update of the Person with a source: the source is kept and rendered with its links",
			send: c2sUpdate(func(doc map[string]any) {
				doc["summary"] = "<p>whatever the client rendered</p>"
				doc["source"] = map[string]any{"content": "Me: " + doraLink + " #gardening", "mediaType": "text/plain"}
			}), status: http.StatusOK, delta: map[string]int{"activities": 1},
			check: doraHas(`<a href=\"`+doraLink+`\"`, `class=\"mention hashtag\"`)},
		{name: "C2S Update of the Person as served, name changed: the bio keeps its links",
			send: c2sUpdate(func(doc map[string]any) { doc["name"] = "Dora D." }), status: http.StatusOK,
			delta: map[string]int{"activities": 1}, check: doraHas(`"name":"Dora D."`, `<a href=\"`+doraLink+`\"`)},
		{name: "C2S Update of the Person exactly as served: nothing stored or sent",
			send: c2sUpdate(func(map[string]any) {}), status: http.StatusOK, check: doraHas(`<a href=\"` + doraLink + `\"`)},
	}
	runHostile(t, in, rows)
}

// actorDocument is the actor document at uri, as a remote server reads it.
func actorDocument(t *testing.T, in *testrig.Instance, uri string) []byte {
	t.Helper()
	status, body, _ := in.Do(http.MethodGet, uri, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", uri, status, body)
	}
	return body
}

// formValues reads the form with the given action from a page as a browser submits it:
// text and hidden inputs, checked checkboxes, and textareas (whose first newline the
// parser drops, as a browser does).
func formValues(t *testing.T, page []byte, action string) url.Values {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	attr := func(n *html.Node, key string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		return "", false
	}
	var form *html.Node
	var find func(n *html.Node)
	find = func(n *html.Node) {
		if v, _ := attr(n, "action"); n.Type == html.ElementNode && n.Data == "form" && v == action && form == nil {
			form = n
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			find(c)
		}
	}
	find(doc)
	if form == nil {
		t.Fatalf("no form to %s in:\n%s", action, page)
	}
	values := url.Values{}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		name, named := attr(n, "name")
		switch {
		case n.Type != html.ElementNode || !named:
		case n.Data == "textarea":
			var text strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				text.WriteString(c.Data)
			}
			values.Add(name, strings.ReplaceAll(text.String(), "\r\n", "\n"))
		case n.Data == "input":
			typ, _ := attr(n, "type")
			value, _ := attr(n, "value")
			_, checked := attr(n, "checked")
			switch typ {
			case "file", "submit":
			case "checkbox", "radio":
				if checked {
					values.Add(name, value)
				}
			default:
				values.Add(name, value)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	return values
}

// TestHostileMentionResolution: the mentions of a local post are resolved a bounded number
// at a time, within one deadline, each account once; hosts that never answer cost the
// author at most that deadline, and what is not resolved stays plain text.
func TestHostileMentionResolution(t *testing.T) {
	t.Parallel()
	k1, _ := peer.Keys()
	dialer := peer.NewDialer(t)
	loopback := []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	dns := peer.Resolver{}
	named := func(name string) *peer.Peer {
		p := peer.New(t, "127.0.0.1:0", name)
		dns[name] = loopback
		return p
	}
	// Four hosts that never answer WebFinger or host-meta.
	var stalled []*peer.Peer
	for _, name := range []string{"a.t", "b.t", "c.t", "d.t"} {
		p := named(name)
		p.Route("/.well-known/webfinger", stall(p))
		p.Route("/.well-known/host-meta", stall(p))
		stalled = append(stalled, p)
	}
	// A host that answers WebFinger for its accounts (and not for "ghost"), and one that
	// takes half a second to. Deliveries to both wait, so that the queue keeps its rows
	// while the rows below count them.
	m, slow := named("m.t"), named("slow.t")
	m.Route("/.well-known/webfinger", webfinger(m, 0))
	slow.Route("/.well-known/webfinger", webfinger(slow, 500*time.Millisecond))
	m.Inbox(stall(m))
	slow.Inbox(stall(slow))
	for i := range 60 {
		m.Actor(fmt.Sprintf("p%02d", i), k1)
	}
	m.Actor("gina", k1)
	for i := range 16 {
		slow.Actor(fmt.Sprintf("s%02d", i), k1)
	}

	in := testrig.Start(t, func(c *server.Config) { c.DNS = dns; c.Dial = dialer.Dial })
	token, _ := in.Account("alice", false)
	post := func(text string) func(t *testing.T) peer.Answer {
		return func(t *testing.T) peer.Answer {
			body := mustJSON(t, map[string]any{"type": "Note", "content": text, "to": []string{"https://www.w3.org/ns/activitystreams#Public"}})
			req, _ := http.NewRequest(http.MethodPost, in.Base+"/users/alice/outbox", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/activity+json")
			req.Header.Set("Authorization", "Bearer "+token)
			return peer.Send(t, req)
		}
	}
	mentions := func(n int, format string, hosts ...*peer.Peer) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format+" ", i, hosts[i%len(hosts)].Host)
		}
		return b.String()
	}
	// note reads the posted note and counts its mention links and Mention tags.
	note := func(t *testing.T, got peer.Answer) (content string, links, tags int) {
		t.Helper()
		n := in.Note(strings.TrimSuffix(got.Header.Get("Location"), "/activity"))
		if n == nil {
			t.Fatalf("the note is not stored")
		}
		for _, tag := range n.Tags {
			if tag.Type == "Mention" {
				tags++
			}
		}
		return n.Content, strings.Count(n.Content, `class="u-url mention"`), tags
	}
	webfingers := func(p *peer.Peer) int { return p.Hits("/.well-known/webfinger") }
	posted := map[string]int{"notes": 1, "activities": 1, "feed": 1}
	with := func(extra map[string]int) map[string]int {
		out := map[string]int{}
		for k, v := range posted {
			out[k] = v
		}
		for k, v := range extra {
			out[k] += v
		}
		return out
	}
	ghostBefore, ginaBefore := 0, 0
	rows := []hostileCase{
		{name: "260 mentions on four hosts that never answer WebFinger: answered within the deadline, as plain text",
			send: post(mentions(260, "@u%03d@%s", stalled...)), status: http.StatusCreated, delta: posted,
			within: 14 * time.Second, check: func(t *testing.T, got peer.Answer) {
				content, links, tags := note(t, got)
				if links != 0 || tags != 0 || !strings.Contains(content, "@u000@a.t:") || !strings.Contains(content, "@u259@d.t:") {
					t.Errorf("%d links, %d tags: %.300s", links, tags, content)
				}
			}},
		{name: "one unknown account mentioned 30 times is looked up once",
			send: func(t *testing.T) peer.Answer {
				ghostBefore = webfingers(m)
				return post(strings.Repeat("@ghost@"+m.Host+" ", 30))(t)
			}, status: http.StatusCreated, delta: posted, check: func(t *testing.T, got peer.Answer) {
				if n := webfingers(m) - ghostBefore; n != 1 {
					t.Errorf("WebFinger asked %d times", n)
				}
			}},
		{name: "one account mentioned 30 times is looked up once, tagged once, linked each time",
			send: func(t *testing.T) peer.Answer {
				ginaBefore = webfingers(m)
				return post(strings.Repeat("@gina@"+m.Host+" ", 30))(t)
			}, status: http.StatusCreated, delta: with(map[string]int{"actors": 1, "deliveries": 1, "note_tags": 1}),
			check: func(t *testing.T, got peer.Answer) {
				_, links, tags := note(t, got)
				if n := webfingers(m) - ginaBefore; n != 1 || links != 30 || tags != 1 {
					t.Errorf("WebFinger asked %d times; %d links, %d tags", n, links, tags)
				}
			}},
		{name: "60 distinct mentions: the first 50 are resolved and linked, the rest stay text",
			send: post(mentions(60, "@p%02d@%s", m)), status: http.StatusCreated,
			delta: with(map[string]int{"actors": 50, "deliveries": 50, "note_tags": 50}), check: func(t *testing.T, got peer.Answer) {
				content, links, tags := note(t, got)
				if links != 50 || tags != 50 || !strings.Contains(content, "@p59@m.t:") {
					t.Errorf("%d links, %d tags", links, tags)
				}
			}},
		{name: "16 mentions on a host that answers in half a second are resolved concurrently",
			send: post(mentions(16, "@s%02d@%s", slow)), status: http.StatusCreated, within: 5 * time.Second,
			delta: with(map[string]int{"actors": 16, "deliveries": 16, "note_tags": 16}), check: func(t *testing.T, got peer.Answer) {
				if _, links, tags := note(t, got); links != 16 || tags != 16 {
					t.Errorf("%d links, %d tags", links, tags)
				}
			}},
	}
	runHostile(t, in, rows)
}

// stall is a handler that never answers; it returns when the request or the peer ends.
func stall(p *peer.Peer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-p.Done:
		}
	}
}

// webfinger answers WebFinger for any account of p but "ghost", after delay.
func webfinger(p *peer.Peer, delay time.Duration) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-p.Done:
			return
		}
		resource := r.URL.Query().Get("resource")
		name, _, _ := strings.Cut(strings.TrimPrefix(resource, "acct:"), "@")
		if name == "ghost" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{"subject": resource, "links": []any{
			map[string]any{"rel": "self", "type": "application/activity+json", "href": p.Base + "/users/" + name}}})
	}
}

// TestHostileOneServePerFolder: one serve per data folder. A second serve on the folder of
// a running one (another port, another path to the same folder, or in the same process)
// refuses to start and says why; admin commands keep working beside a running serve; once
// the first stops, a serve starts again.
func TestHostileOneServePerFolder(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	link := filepath.Join(t.TempDir(), "same-folder")
	if err := os.Symlink(data, link); err != nil {
		t.Fatal(err)
	}
	addr1, addr2 := testrig.FreeAddr(t), testrig.FreeAddr(t)
	first, _ := testrig.Serve(t, "--listen", addr1, "--domain", addr1, "--data", data)
	admin := func(args ...string) (int, string) {
		return testrig.Run(t, append(args, "--data", data, "--domain", addr1)...)
	}
	refused := func(t *testing.T, args ...string) {
		t.Helper()
		code, out := testrig.ServeRefused(t, args...)
		if code == 0 || !strings.Contains(out, "in use by another refuge serve") || !strings.Contains(out, "PostgreSQL") {
			t.Errorf("exit %d: %s", code, out)
		}
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"a second serve on the same folder and another port exits non-zero and says why", func(t *testing.T) {
			refused(t, "--listen", addr2, "--domain", addr1, "--data", data)
		}},
		{"a second serve through a symlink to the same folder is refused too", func(t *testing.T) {
			refused(t, "--listen", addr2, "--domain", addr1, "--data", link)
		}},
		{"a second instance in another process's folder, in process (server.New), is refused", func(t *testing.T) {
			app, err := server.New(context.Background(), server.Config{Listen: addr2, Domain: addr1, Data: data, HTTP: true, Admin: "root",
				Log: testrig.Logger(t)})
			if err == nil {
				app.Close()
			}
			if err == nil || !strings.Contains(err.Error(), "in use by another refuge serve") {
				t.Errorf("server.New: %v", err)
			}
		}},
		{"the first serve still answers", func(t *testing.T) {
			resp, err := http.Get("http://" + addr1 + "/.well-known/host-meta")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d", resp.StatusCode)
			}
		}},
		{"user add beside a running serve works", func(t *testing.T) {
			if code, out := admin("user", "add", "carol"); code != 0 || !strings.Contains(out, "created carol@") {
				t.Errorf("exit %d: %s", code, out)
			}
		}},
		{"token beside a running serve works", func(t *testing.T) {
			if code, out := admin("token", "carol"); code != 0 || len(strings.TrimSpace(out)) < 20 {
				t.Errorf("exit %d: %s", code, out)
			}
		}},
		{"block add beside a running serve works", func(t *testing.T) {
			if code, out := admin("block", "add", "spam.example"); code != 0 || !strings.Contains(out, "blocked spam.example") {
				t.Errorf("exit %d: %s", code, out)
			}
		}},
		{"after the first stops, a new serve on the folder starts", func(t *testing.T) {
			first.Process.Signal(syscall.SIGTERM)
			if err := first.Wait(); err != nil {
				t.Fatalf("the first serve: %v", err)
			}
			testrig.Serve(t, "--listen", addr2, "--domain", addr1, "--data", data)
		}},
	}
	for _, step := range steps {
		t.Run(step.name, step.run)
	}
}

// TestHostileSchemeRecorded: the URL scheme is fixed with the domain by the first command
// of any kind, so that `user add` before the first serve cannot silently choose it; a
// later serve with the other scheme is refused with a message naming both, and the first
// serve creates the admin account whenever there is no admin yet.
func TestHostileSchemeRecorded(t *testing.T) {
	t.Parallel()
	data, data2 := t.TempDir(), t.TempDir()
	addr := testrig.FreeAddr(t)
	const domain = "social.test"
	cmd := func(args ...string) (int, string) { return testrig.Run(t, args...) }
	namesBoth := func(t *testing.T, code int, out, stored, given string) {
		t.Helper()
		if code == 0 || !strings.Contains(out, stored+"://"+domain) || !strings.Contains(out, given+"://"+domain) {
			t.Errorf("exit %d, want a refusal naming %s and %s: %s", code, stored, given, out)
		}
	}
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"user add before the first serve", func(t *testing.T) {
			if code, out := cmd("user", "add", "alice", "--data", data, "--domain", domain); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
		}},
		{"serve --http on that folder is refused, naming both schemes", func(t *testing.T) {
			code, out := testrig.ServeRefused(t, "--listen", addr, "--domain", domain, "--http", "--data", data)
			namesBoth(t, code, out, "https", "http")
		}},
		{"user list --http on that folder is refused the same way", func(t *testing.T) {
			code, out := cmd("user", "list", "--http", "--data", data, "--domain", domain)
			namesBoth(t, code, out, "https", "http")
		}},
		{"the first serve creates the admin account although a user exists", func(t *testing.T) {
			proc, printed := testrig.Serve(t, "--listen", addr, "--domain", domain, "--data", data)
			if !strings.Contains(printed, "created the admin account root@"+domain) {
				t.Errorf("serve printed: %s", printed)
			}
			proc.Process.Signal(syscall.SIGTERM)
			proc.Wait()
		}},
		{"the next serve creates no second admin", func(t *testing.T) {
			proc, printed := testrig.Serve(t, "--listen", addr, "--domain", domain, "--data", data)
			if strings.Contains(printed, "created the admin account") {
				t.Errorf("serve printed: %s", printed)
			}
			proc.Process.Signal(syscall.SIGTERM)
			proc.Wait()
		}},
		{"user add --http fixes http: a serve without --http is refused, naming both", func(t *testing.T) {
			if code, out := cmd("user", "add", "bob", "--http", "--data", data2, "--domain", domain); code != 0 {
				t.Fatalf("exit %d: %s", code, out)
			}
			code, out := testrig.ServeRefused(t, "--listen", addr, "--domain", domain, "--data", data2)
			namesBoth(t, code, out, "http", "https")
		}},
	}
	for _, step := range steps {
		t.Run(step.name, step.run)
	}
}
