package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestWebEmojiReactions: bob reacts to alice's post from its page, without a script, and
// takes it back; the form needs the session's CSRF token; a reaction that is not one emoji
// is refused with the reason; alice's notifications page says who reacted with what.
func TestWebEmojiReactions(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	aliceTok, _ := in.Account("alice", false)
	in.Account("bob", false)
	uri := in.PostNote("alice", aliceTok, map[string]any{"content": "react to me"})
	page := strings.TrimPrefix(uri, in.Base)
	bob := testrig.NewWebClient(t, in)
	bob.SignIn("bob", "password-bob")
	_, body := bob.Get(page)
	m := regexp.MustCompile(`action="(/web/notes/\d+)/like"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no like form on %s:\n%s", page, body)
	}
	base := m[1]
	reacted := `<input type="hidden" name="emoji" value="🔥"><button class="reaction on" type="submit" title="Take back your reaction"><span class="emoji">🔥</span> <span class="count">1</span>`

	// Without the session's token: refused, nothing stored.
	before := in.RowCounts()["emoji_reactions"]
	if resp, _ := bob.Post(base+"/react", url.Values{"emoji": {"🔥"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without CSRF: %d, want 403", resp.StatusCode)
	}
	for _, bad := range []string{"nice", "🔥🔥", strings.Repeat("🔥", 100), ""} {
		status, answer := bob.PostFrom(page, base+"/react", url.Values{"emoji": {bad}})
		if status != http.StatusBadRequest || !strings.Contains(answer, "emoji") {
			t.Errorf("react with %q: %d, want 400 saying why", bad, status)
		}
	}
	if after := in.RowCounts()["emoji_reactions"]; after != before {
		t.Fatalf("refused reactions stored: %d rows, was %d", after, before)
	}

	if status, _ := bob.PostFrom(page, base+"/react", url.Values{"emoji": {"🔥"}}); status != http.StatusSeeOther {
		t.Fatalf("react: %d, want 303 back to the page", status)
	}
	if _, body = bob.Get(page); !strings.Contains(body, reacted) || !strings.Contains(body, `action="`+base+`/unreact"`) {
		t.Errorf("after reacting, the page lacks bob's 🔥 with its count and the form to take it back")
	}

	alice := testrig.NewWebClient(t, in)
	alice.SignIn("alice", "password-alice")
	if _, body = alice.Get("/notifications"); !strings.Contains(body, "reacted with 🔥 to your post") {
		t.Errorf("alice's notifications do not say bob reacted with 🔥")
	}
	// To alice the group is another's: a button adds hers.
	if _, body = alice.Get(page); !strings.Contains(body, `title="React with 🔥 too"><span class="emoji">🔥</span> <span class="count">1</span>`) {
		t.Errorf("alice's view of the post lacks bob's 🔥 to add hers to")
	}

	if status, _ := bob.PostFrom(page, base+"/unreact", url.Values{"emoji": {"🔥"}}); status != http.StatusSeeOther {
		t.Fatalf("unreact: %d", status)
	}
	if _, body = bob.Get(page); strings.Contains(body, `<span class="emoji">🔥</span>`) {
		t.Errorf("the reaction is still shown after bob took it back")
	}
}
