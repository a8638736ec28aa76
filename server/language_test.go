package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/storage"
)

// TestPostLanguageDetected posts on a real instance without naming a language, through the
// client API, the compose form and the client-to-server outbox: each status gets the
// language its text is written in, a reply its parent's, a post too short to tell none (null
// in the API), a chosen language stays, an edit of a detected language detects again; a
// follower's instance stores what the Note it was sent says.
func TestPostLanguageDetected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in, c, _ := aliceSignedIn(t)
	peer := testrig.Start(t)
	tok, _ := in.Account("ann", false)
	bobTok, _ := peer.Account("bob", false)
	peer.FollowRemote("bob", bobTok, in, "ann")

	// post sends a status through the API and returns it as the API answers it.
	post := func(form url.Values) map[string]any {
		t.Helper()
		st, body := apiForm(t, in, "POST", "/api/v1/statuses", tok, form)
		if st != http.StatusOK {
			t.Fatalf("post %v: %d %s", form, st, body)
		}
		var status map[string]any
		if err := json.Unmarshal([]byte(body), &status); err != nil {
			t.Fatal(err)
		}
		if _, ok := status["language"]; !ok {
			t.Fatalf("a status without a language field: %s", body)
		}
		return status
	}
	english := post(url.Values{"status": {"Just finished my first sourdough loaf and honestly it came out better than expected"}})
	japanese := post(url.Values{"status": {"今日は久しぶりに晴れたので、近所の公園を散歩してきました"}})
	for _, tc := range []struct {
		name   string
		status map[string]any
		want   any // nil: null
	}{
		{"English, detected", english, "en"},
		{"Japanese, detected", japanese, "ja"},
		{"Chinese, detected", post(url.Values{"status": {"有没有人知道周末哪里可以买到新鲜的草莓？我想做蛋糕"}}), "zh"},
		{"Korean, detected", post(url.Values{"status": {"주말에 친구들이랑 한강에서 자전거를 탔어요"}}), "ko"},
		{"Spanish, detected", post(url.Values{"status": {"¿Alguien sabe dónde puedo comprar semillas de tomate en el centro?"}}), "es"},
		{"too short to tell", post(url.Values{"status": {"lol"}}), nil},
		{"chosen", post(url.Values{"status": {"Reading about the history of the printing press tonight"}, "language": {"fr"}}), "fr"},
		{"a reply inherits", post(url.Values{"status": {"Thank you all for the warm welcome, I moved here last week"},
			"in_reply_to_id": {japanese["id"].(string)}}), "ja"},
		{"a reply's chosen language wins", post(url.Values{"status": {"Thank you, see you at the park"},
			"in_reply_to_id": {japanese["id"].(string)}, "language": {"en"}}), "en"},
	} {
		if got := tc.status["language"]; got != tc.want {
			t.Errorf("%s: language %v, want %v", tc.name, got, tc.want)
		}
	}

	// An edit that names no language of a post whose language was detected detects again.
	st, body := apiForm(t, in, "PUT", "/api/v1/statuses/"+english["id"].(string), tok,
		url.Values{"status": {"Hoy por fin terminé de pintar la cocina y estoy agotada pero feliz"}})
	if st != http.StatusOK {
		t.Fatalf("edit: %d %s", st, body)
	}
	var edited map[string]any
	if err := json.Unmarshal([]byte(body), &edited); err != nil || edited["language"] != "es" {
		t.Errorf("edited into %v (%v), want es", edited["language"], err)
	}

	// The compose form, its language left empty as it now comes.
	resp, page := c.Post("/web/notes", url.Values{"csrf": {c.CSRF("/compose")}, "visibility": {"public"},
		"content": {"오늘 처음으로 김치찌개를 만들어 봤는데 생각보다 맛있었어요"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("compose: %d\n%s", resp.StatusCode, page)
	}
	if n, err := in.App.DB().GetNoteByURI(ctx, in.Base+resp.Header.Get("Location")); err != nil || n.Language != "ko" {
		t.Errorf("the compose form's post: %v; want ko", languageOf(n, err))
	}

	// The client-to-server outbox, and the follower's instance, which is sent the Note with
	// its language as contentMap's key.
	uri := in.PostNote("ann", tok, map[string]any{"content": "Mi abuela hace las mejores empanadas del mundo y no acepto discusión",
		"to": "https://www.w3.org/ns/activitystreams#Public"})
	if n, err := in.App.DB().GetNoteByURI(ctx, uri); err != nil || n.Language != "es" {
		t.Errorf("the C2S post: %v; want es", languageOf(n, err))
	}
	testrig.Eventually(t, testrig.FederationWait, "ann's Spanish post on bob's instance", func() bool {
		n, err := peer.App.DB().GetNoteByURI(ctx, uri)
		return err == nil && n.Language == "es"
	})
}

// languageOf says what language a stored note has, or why there is none.
func languageOf(n *storage.Note, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("in %q", n.Language)
}
