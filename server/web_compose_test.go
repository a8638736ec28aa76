package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
	"refuge/outbox"
	"refuge/storage"
)

// keptInput finds the ids of the uploads a re-shown compose form keeps.
var keptInput = regexp.MustCompile(`name="kept" value="([0-9]+)"`)

// TestWebCompose drives the compose form without script, over HTTP: the limit, a reply's
// language, files kept after a refused submit and attached by the next, someone else's
// upload refused, a fifth file refused, and the reminder of descriptions.
func TestWebCompose(t *testing.T) {
	in, c, alice := aliceSignedIn(t)
	ctx := context.Background()
	db := in.App.DB()
	picture := func(name string) testrig.Upload {
		return testrig.Upload{Field: "media", Name: name, ContentType: "image/png", Body: testimage.PNG(t, testimage.Halves(60, 40))}
	}
	form := func(fields ...string) url.Values {
		v := url.Values{"csrf": {c.CSRF("/compose")}, "language": {"en"}, "visibility": {"public"}}
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i] == "kept" || fields[i] == "drop" {
				v.Add(fields[i], fields[i+1])
			} else {
				v.Set(fields[i], fields[i+1])
			}
		}
		return v
	}
	notes := func() int {
		t.Helper()
		list, err := db.ListActorNotes(ctx, alice.ID, alice.ID, storage.Page{Limit: 40})
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	uploads := func() int {
		t.Helper()
		n, err := db.CountMedia(ctx, alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	posted := func(resp *http.Response, body string) *storage.Note {
		t.Helper()
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("post: %d\n%s", resp.StatusCode, body)
		}
		n, err := db.GetNoteByURI(ctx, in.Base+resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	kept := func(body string) []string {
		var ids []string
		for _, m := range keptInput.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		return ids
	}

	// The page says the limit, the one the API's instance configuration reports.
	if _, body := c.Get("/compose"); !strings.Contains(body, "Up to "+strconv.Itoa(outbox.MaxNoteChars)+" characters.") {
		t.Errorf("the compose page does not say the limit:\n%s", body)
	}
	t.Run("limit", func(t *testing.T) {
		before := notes()
		resp, body := c.Post("/web/notes", form("content", strings.Repeat("é", outbox.MaxNoteChars+1)))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "longer than "+strconv.Itoa(outbox.MaxNoteChars)+" characters") {
			t.Fatalf("too long: %d\n%s", resp.StatusCode, body)
		}
		if notes() != before {
			t.Error("a refused post was stored")
		}
		// Line breaks as a browser sends them (CRLF) count one character each, as the
		// page's counter counts them.
		text := strings.Repeat("ab\r\n", outbox.MaxNoteChars/3) + strings.Repeat("x", outbox.MaxNoteChars%3)
		posted(c.Post("/web/notes", form("content", text)))
	})

	t.Run("reply inherits the language", func(t *testing.T) {
		parent := posted(c.Post("/web/notes", form("content", "Guten Morgen", "language", "de")))
		_, body := c.Get("/compose?reply_to=" + strconv.FormatInt(parent.ID, 10))
		if !strings.Contains(body, `name="language" type="text" value="de"`) {
			t.Fatalf("the reply form's language is not the parent's:\n%s", body)
		}
		reply := posted(c.Post("/web/notes", form("content", "Auch so", "language", "de", "in_reply_to", strconv.FormatInt(parent.ID, 10))))
		if reply.Language != "de" || reply.InReplyToURI != parent.URI {
			t.Errorf("reply language %q, in reply to %q", reply.Language, reply.InReplyToURI)
		}
		// Refused, the form keeps the language typed, not the parent's.
		_, body = c.Post("/web/notes", form("content", strings.Repeat("x", outbox.MaxNoteChars+1), "language", "fr",
			"in_reply_to", strconv.FormatInt(parent.ID, 10)))
		if !strings.Contains(body, `value="fr"`) {
			t.Errorf("the refused reply lost its language")
		}
	})

	t.Run("files kept after a refused submit", func(t *testing.T) {
		before := uploads()
		resp, body := c.PostMultipart("/web/notes", form("content", strings.Repeat("x", outbox.MaxNoteChars+1), "alt_1", "first", "alt_2", "second"),
			picture("a.png"), picture("b.png"))
		ids := kept(body)
		if resp.StatusCode != http.StatusBadRequest || len(ids) != 2 || !strings.Contains(body, `value="first"`) {
			t.Fatalf("refused: %d, kept %v\n%s", resp.StatusCode, ids, body)
		}
		if uploads() != before+2 {
			t.Fatalf("%d uploads kept, want 2", uploads()-before)
		}
		for _, id := range ids {
			m, err := db.GetMedia(ctx, mustID(t, id))
			if err != nil || m.NoteID != 0 || m.ActorID != alice.ID {
				t.Fatalf("kept upload %s: %+v %v", id, m, err)
			}
		}
		// Sent again with a third file, the first dropped and a new description for the
		// second: the second and the third are attached, the first is gone.
		n := posted(c.PostMultipart("/web/notes", form("content", "three pictures, then two", "kept", ids[0], "kept", ids[1],
			"kept_alt_"+ids[0], "first", "drop", ids[0], "kept_alt_"+ids[1], "second, described again", "alt_1", "third"), picture("c.png")))
		if len(n.Media) != 2 || strconv.FormatInt(n.Media[0].ID, 10) != ids[1] || n.Media[0].Description != "second, described again" ||
			n.Media[1].Description != "third" {
			t.Fatalf("attached %+v", n.Media)
		}
		if _, err := db.GetMedia(ctx, mustID(t, ids[0])); storage.KindOf(err) != storage.NotFound {
			t.Errorf("the dropped upload: %v", err)
		}
		if uploads() != before+2 {
			t.Errorf("%d uploads, want the two attached", uploads()-before)
		}
		// An upload already posted is not pending: it cannot be attached again.
		resp, body = c.Post("/web/notes", form("content", "again", "kept", ids[1], "kept_alt_"+ids[1], "x"))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("an attached upload sent again: %d\n%s", resp.StatusCode, body)
		}
	})

	t.Run("someone else's upload refused", func(t *testing.T) {
		in.LocalAccount("mal", "mal's password")
		mal := testrig.NewWebClient(t, in)
		mal.SignIn("mal", "mal's password")
		_, body := mal.PostMultipart("/web/notes", url.Values{"csrf": {mal.CSRF("/compose")}, "content": {strings.Repeat("x", outbox.MaxNoteChars+1)}},
			picture("m.png"))
		ids := kept(body)
		if len(ids) != 1 {
			t.Fatalf("mal's upload not kept:\n%s", body)
		}
		before := notes()
		for _, fields := range [][]string{{"kept", ids[0]}, {"kept", ids[0], "drop", ids[0]}} {
			resp, _ := c.Post("/web/notes", form(append([]string{"content", "not mine"}, fields...)...))
			if resp.StatusCode != http.StatusNotFound {
				t.Errorf("alice sends mal's upload %v: %d", fields, resp.StatusCode)
			}
		}
		m, err := db.GetMedia(ctx, mustID(t, ids[0]))
		if err != nil || m.NoteID != 0 {
			t.Errorf("mal's upload after alice's tries: %+v %v", m, err)
		}
		if notes() != before {
			t.Error("alice posted with mal's upload")
		}
	})

	t.Run("fifth file refused", func(t *testing.T) {
		before := uploads()
		resp, body := c.PostMultipart("/web/notes", form("content", "five", "without_descriptions", "1"),
			picture("1.png"), picture("2.png"), picture("3.png"), picture("4.png"), picture("5.png"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at most 4 files, and this one had 5") {
			t.Fatalf("five files: %d\n%s", resp.StatusCode, body)
		}
		if uploads() != before {
			t.Errorf("%d uploads stored from a refused fifth file", uploads()-before)
		}
		// Two kept and three new make five too: the two stay kept, nothing new is stored.
		_, body = c.PostMultipart("/web/notes", form("content", strings.Repeat("x", outbox.MaxNoteChars+1)), picture("1.png"), picture("2.png"))
		ids := kept(body)
		resp, body = c.PostMultipart("/web/notes", form("content", "five", "kept", ids[0], "kept", ids[1], "without_descriptions", "1"),
			picture("3.png"), picture("4.png"), picture("5.png"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "at most 4 files") || len(kept(body)) != 2 {
			t.Fatalf("two kept and three new: %d\n%s", resp.StatusCode, body)
		}
		if uploads() != before+2 {
			t.Errorf("%d uploads, want the two kept", uploads()-before)
		}
	})

	t.Run("reminder of descriptions", func(t *testing.T) {
		before := notes()
		resp, body := c.PostMultipart("/web/notes", form("content", "a picture", "alt_1", ""), picture("r.png"))
		ids := kept(body)
		if resp.StatusCode != http.StatusOK || len(ids) != 1 || !strings.Contains(body, "Some files have no description") ||
			!strings.Contains(body, `name="without_descriptions" value="1"`) {
			t.Fatalf("no reminder: %d\n%s", resp.StatusCode, body)
		}
		if notes() != before {
			t.Fatal("posted before the reminder was answered")
		}
		// Posting again without describing reminds again; the second button posts.
		if resp, body := c.Post("/web/notes", form("content", "a picture", "kept", ids[0])); resp.StatusCode != http.StatusOK || len(kept(body)) != 1 {
			t.Fatalf("the same again: %d", resp.StatusCode)
		}
		n := posted(c.Post("/web/notes", form("content", "a picture", "kept", ids[0], "without_descriptions", "1")))
		if len(n.Media) != 1 || strconv.FormatInt(n.Media[0].ID, 10) != ids[0] || n.Media[0].Description != "" {
			t.Errorf("attached %+v", n.Media)
		}
		// A post that would be refused anyway says why first, not the reminder.
		resp, body = c.PostMultipart("/web/notes", form("content", strings.Repeat("x", outbox.MaxNoteChars+1)), picture("t.png"))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "longer than") || strings.Contains(body, "Some files have no description") {
			t.Errorf("too long and undescribed: %d\n%s", resp.StatusCode, body)
		}
		// Described on the reminder's form, it posts at once.
		_, body = c.PostMultipart("/web/notes", form("content", "another"), picture("s.png"))
		ids = kept(body)
		n = posted(c.Post("/web/notes", form("content", "another", "kept", ids[0], "kept_alt_"+ids[0], "Two halves")))
		if len(n.Media) != 1 || n.Media[0].Description != "Two halves" {
			t.Errorf("attached %+v", n.Media)
		}
	})

	t.Run("like answers JSON when asked", func(t *testing.T) {
		n := posted(c.Post("/web/notes", form("content", "like me")))
		path := "/web/notes/" + strconv.FormatInt(n.ID, 10)
		for _, tt := range []struct {
			action string
			want   map[string]any
		}{
			{"like", map[string]any{"liked": true, "likes": 1.0, "boosted": false, "boosts": 0.0}},
			{"boost", map[string]any{"liked": true, "likes": 1.0, "boosted": true, "boosts": 1.0}},
			{"unlike", map[string]any{"liked": false, "likes": 0.0, "boosted": true, "boosts": 1.0}},
			{"unboost", map[string]any{"liked": false, "likes": 0.0, "boosted": false, "boosts": 0.0}},
		} {
			resp, body := c.Post(path+"/"+tt.action, url.Values{"csrf": {c.CSRF("/compose")}}, "Accept", "application/json")
			var got map[string]any
			if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
				t.Fatalf("%s: %d %s", tt.action, resp.StatusCode, body)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: %s = %v, want %v", tt.action, k, got[k], v)
				}
			}
		}
		// Without the Accept, the same handler sends the browser back.
		if resp, _ := c.Post(path+"/like", url.Values{"csrf": {c.CSRF("/compose")}}); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("like from a form: %d", resp.StatusCode)
		}
		// Without the CSRF token, JSON or not, nothing.
		if resp, _ := c.Post(path+"/unlike", url.Values{}, "Accept", "application/json"); resp.StatusCode != http.StatusForbidden {
			t.Errorf("like without CSRF: %d", resp.StatusCode)
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
