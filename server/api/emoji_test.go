package api_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/testimage"
)

// TestEmojisInPicker: a status's custom emoji are in the picker when they are the instance's
// own (GET /api/v1/custom_emojis lists them), as Mastodon's are, and not when they are
// another server's: bob's :blobcat: in his post on B, and the same post in alice's home on A.
func TestEmojisInPicker(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	picture := bytes.NewReader(testimage.PNG(t, testimage.Halves(32, 32)))
	if _, err := x.b.App.Outbox().AddCustomEmoji(context.Background(), x.b.Cfg.Data, "blobcat", picture); err != nil {
		t.Fatal(err)
	}
	status, posted := send(t, x.b, request{method: "POST", path: "/api/v1/statuses", token: x.bobTok,
		body: url.Values{"status": {"hello :blobcat:"}}})
	if status != 200 {
		t.Fatalf("post: %d %v", status, posted)
	}
	var onA any
	testrig.Eventually(t, testrig.FederationWait, "bob's post in alice's home", func() bool {
		_, v, _ := get(t, x.a, "/api/v1/timelines/home", x.aliceTok)
		for _, s := range statusesIn(v) {
			if field(s, "uri") == field(posted, "uri") {
				onA = s
			}
		}
		return onA != nil
	})
	for _, c := range []struct {
		where  string
		status any
		picker bool
	}{{"on B, bob's own instance", posted, true}, {"on A", onA, false}} {
		emojis, _ := c.status.(map[string]any)["emojis"].([]any)
		if len(emojis) != 1 || field(emojis[0], "shortcode") != "blobcat" || emojis[0].(map[string]any)["visible_in_picker"] != c.picker {
			t.Errorf("%s: emojis %v, want blobcat with visible_in_picker %v", c.where, emojis, c.picker)
		}
	}
}
