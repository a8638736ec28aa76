package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"refuge/federation"
	"refuge/internal/testrig"
)

// TestPrivateNotesOnEverySurface: a followers-only and a direct reply are refused the same
// way on every surface that can show a note — its JSON document and its Create, its HTML
// page at its id and at /notes/ID, the thread of the note it answers, the replies
// collection, the profile page and the outbox, the RSS and Atom feeds, the tag page and
// its feeds, the local and federated timelines — to an anonymous reader and to a signed-in
// stranger alike, exactly as a note that does not exist; while the follower and the
// mentioned account do see them where a non-public note is shown at all. All of it goes
// through reader's one rule.
func TestPrivateNotesOnEverySurface(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, alice := in.Account("alice", false)
	bobTok, _ := in.Account("bob", false)     // follows alice
	carolTok, _ := in.Account("carol", false) // a stranger
	daveTok, _ := in.Account("dave", false)   // mentioned in the direct reply
	in.C2S("bob", bobTok, map[string]any{"type": "Follow", "object": alice})

	parent := in.PostNote("alice", aliceTok, map[string]any{"content": "an open question #hidden", "to": federation.PublicCollection})
	followers := in.PostNote("alice", aliceTok, map[string]any{"content": "SECRET-FOLLOWERS #hidden",
		"to": alice + "/followers", "inReplyTo": parent})
	direct := in.PostNote("alice", aliceTok, map[string]any{"content": "@dave@" + in.Cfg.Domain + " SECRET-DIRECT #hidden",
		"to": in.Base + "/users/dave", "inReplyTo": parent})
	missing := in.Base + "/users/alice/statuses/nosuchnote"

	web := map[string]*testrig.WebClient{"anonymous": testrig.NewWebClient(t, in)}
	for _, name := range []string{"bob", "carol", "dave"} {
		web[name] = testrig.NewWebClient(t, in)
		web[name].SignIn(name, "password-"+name)
	}
	tokens := map[string]string{"anonymous": "", "bob": bobTok, "carol": carolTok, "dave": daveTok}

	// The answer to a note that does not exist: what every refusal must look like.
	missingJSON, missingBody := getAS(t, in, missing, "")
	missingHTML, _ := web["anonymous"].Get(missing)
	if missingJSON != http.StatusNotFound || missingHTML.StatusCode != http.StatusNotFound {
		t.Fatalf("a missing note: %d (JSON) / %d (HTML), want 404", missingJSON, missingHTML.StatusCode)
	}

	notes := []struct {
		name, uri, secret string
		sees              map[string]bool // who may read it, besides alice
	}{
		{"followers-only", followers, "SECRET-FOLLOWERS", map[string]bool{"bob": true}},
		{"direct", direct, "SECRET-DIRECT", map[string]bool{"dave": true}},
	}
	for _, n := range notes {
		row := "/notes/" + strconv.FormatInt(in.Note(n.uri).ID, 10)
		for _, who := range []string{"anonymous", "carol", "bob", "dave"} {
			allowed := n.sees[who]
			t.Run(n.name+"/"+who, func(t *testing.T) {
				// The note's own addresses: refused exactly as a missing note, or shown.
				for _, doc := range []string{n.uri, n.uri + "/activity"} {
					status, body := getAS(t, in, doc, tokens[who])
					switch {
					case allowed && status != http.StatusOK:
						t.Errorf("JSON %s: %d, want 200", doc, status)
					case !allowed && (status != missingJSON || body != missingBody):
						t.Errorf("JSON %s: %d %s, want what a missing note gets: %d %s", doc, status, body, missingJSON, missingBody)
					}
				}
				for _, page := range []string{n.uri, row} {
					resp, body := web[who].Get(page)
					if allowed && page == row {
						// A local note's row page sends the reader to the note's own page.
						if want := strings.TrimPrefix(n.uri, in.Base); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != want {
							t.Errorf("page %s: %d to %q, want 302 to %s", page, resp.StatusCode, resp.Header.Get("Location"), want)
						}
						continue
					}
					switch {
					case allowed && (resp.StatusCode != http.StatusOK || !strings.Contains(body, n.secret)):
						t.Errorf("page %s: %d, want 200 with the note", page, resp.StatusCode)
					case !allowed && (resp.StatusCode != missingHTML.StatusCode || strings.Contains(body, n.secret)):
						t.Errorf("page %s: %d, want %d without the note", page, resp.StatusCode, missingHTML.StatusCode)
					}
				}
				// Where the note would be listed: in the thread and the replies collection
				// only for those who may read it; on public surfaces never.
				_, thread := web[who].Get(parent)
				if got := strings.Contains(thread, n.secret); got != allowed {
					t.Errorf("thread of the parent shows the note: %v, want %v", got, allowed)
				}
				_, replies := getAS(t, in, parent+"/replies", tokens[who])
				if got := strings.Contains(replies, n.uri); got != allowed {
					t.Errorf("replies collection lists the note: %v, want %v", got, allowed)
				}
				public := []string{"/@alice.rss", "/@alice.atom", "/tags/hidden", "/tags/hidden.rss", "/tags/hidden.atom", "/public/local", "/public"}
				if who == "anonymous" || who == "carol" {
					public = append(public, "/@alice")
				}
				for _, path := range public {
					if _, body := web[who].Get(path); strings.Contains(body, n.secret) {
						t.Errorf("%s shows the note", path)
					}
				}
				if who == "anonymous" || who == "carol" {
					if _, body := getAS(t, in, "/users/alice/outbox?page=true", tokens[who]); strings.Contains(body, n.secret) {
						t.Errorf("the outbox shows the note")
					}
				}
			})
		}
	}
}

// getAS reads an ActivityStreams document, with a bearer token when one is given.
func getAS(t *testing.T, in *testrig.Instance, path, token string) (int, string) {
	t.Helper()
	status, body, _ := in.Do(http.MethodGet, path, token, nil)
	return status, string(body)
}
