package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"refuge/internal/testrig"
)

// TestFollowedTagAcrossInstances: alice on A follows #gardening from the tag's page. A
// hears from bob on B only because carol on A follows him (an instance shows what it
// receives, as Mastodon: were nobody on A following bob, his posts would not come to A at
// all); alice does not follow bob. Bob's public post with #Gardening comes to alice's home,
// in the API and on the web; his post without the tag and his followers-only one with it do
// not. Local posts with the tag come too, once when alice follows their author as well.
// After she unfollows (from the settings page), new ones do not; following again, a
// blocked author's post does not, another's does.
func TestFollowedTagAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	carolTok, _ := a.Account("carol", false)
	erinTok, _ := a.Account("erin", false)   // alice follows her
	frankTok, _ := a.Account("frank", false) // alice does not
	bobTok, _ := b.Account("bob", false)
	a.FollowRemote("carol", carolTok, b, "bob")
	a.FollowRemote("alice", aliceTok, a, "erin")

	home := func(token string) map[string]int {
		t.Helper()
		status, body, _ := a.Do("GET", "/api/v1/timelines/home?limit=40", token, nil)
		var list []struct {
			URI string `json:"uri"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &list) != nil {
			t.Fatalf("home timeline: %d %s", status, body)
		}
		out := map[string]int{}
		for _, s := range list {
			out[s.URI]++
		}
		return out
	}
	// received waits for bob's post uri to reach A: carol, who follows him, has it home.
	received := func(uri string) {
		t.Helper()
		testrig.Eventually(t, testrig.FederationWait, "bob's post "+uri+" on A", func() bool { return home(carolTok)[uri] == 1 })
	}
	public := func(text string) map[string]any { return map[string]any{"content": text} }

	alice := testrig.NewWebClient(t, a)
	alice.SignIn("alice", "password-alice")
	if _, page := alice.Get("/tags/gardening"); !strings.Contains(page, `action="/web/tags/gardening/follow"`) {
		t.Fatalf("the tag's page has no Follow form:\n%s", page)
	}
	if _, page := testrig.NewWebClient(t, a).Get("/tags/gardening"); strings.Contains(page, `/web/tags/`) {
		t.Errorf("a visitor is offered to follow the tag")
	}
	if resp, _ := alice.Post("/web/tags/gardening/follow", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("following without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if status, _ := alice.PostFrom("/tags/gardening", "/web/tags/not-a-tag/follow", url.Values{}); status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
		t.Errorf("following a name that is no hashtag: %d, want a refusal", status)
	}
	resp, _ := alice.Post("/web/tags/Gardening/follow", url.Values{"csrf": {alice.CSRF("/tags/gardening")}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/tags/gardening" {
		t.Fatalf("follow from the tag's page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := alice.Get("/tags/gardening"); !strings.Contains(page, "You follow this tag") ||
		!strings.Contains(page, `action="/web/tags/gardening/unfollow"`) {
		t.Errorf("the tag's page once followed:\n%s", page)
	}
	if _, page := alice.Get("/edit_profile"); !strings.Contains(page, `href="/settings/tags"`) {
		t.Errorf("the settings do not link the followed tags")
	}
	if _, page := alice.Get("/settings/tags"); !strings.Contains(page, `href="/tags/gardening"`) {
		t.Errorf("the followed tags' page does not list #gardening:\n%s", page)
	}
	if status, body, _ := a.Do("GET", "/api/v1/followed_tags", aliceTok, nil); status != 200 || !strings.Contains(string(body), `"name":"gardening"`) {
		t.Errorf("the API's followed tags: %d %s", status, body)
	}

	tagged := b.PostNote("bob", bobTok, public("Ripe tomatoes today #Gardening"))
	testrig.Eventually(t, testrig.FederationWait, "bob's tagged post in alice's home", func() bool { return home(aliceTok)[tagged] == 1 })
	if _, page := alice.Get("/home"); !strings.Contains(page, "Ripe tomatoes today") {
		t.Errorf("alice's web home lacks bob's tagged post")
	}
	plain := b.PostNote("bob", bobTok, public("Just tomatoes, nothing else"))
	received(plain)
	followersOnly := b.PostNote("bob", bobTok, map[string]any{"content": "Only for my followers #gardening",
		"to": []string{b.Base + "/users/bob/followers"}})
	received(followersOnly)
	if got := home(aliceTok); got[plain] != 0 || got[followersOnly] != 0 {
		t.Errorf("alice's home has bob's untagged (%d) or followers-only (%d) post", got[plain], got[followersOnly])
	}

	byErin := a.PostNote("erin", erinTok, public("Seedlings up #gardening"))
	byFrank := a.PostNote("frank", frankTok, public("Compost turned #gardening"))
	unlisted := a.PostNote("frank", frankTok, map[string]any{"content": "Unlisted #gardening",
		"to": []string{a.Base + "/users/frank/followers"}, "cc": []string{"https://www.w3.org/ns/activitystreams#Public"}})
	if got := home(aliceTok); got[byErin] != 1 || got[byFrank] != 1 || got[unlisted] != 0 {
		t.Errorf("alice's home: erin's post %d times (want 1), frank's %d (want 1), frank's unlisted %d (want 0)",
			got[byErin], got[byFrank], got[unlisted])
	}
	if _, page := alice.Get("/home"); strings.Count(page, "Seedlings up") != 1 {
		t.Errorf("erin's post is not on alice's web home once")
	}

	resp, _ = alice.Post("/web/tags/gardening/unfollow", url.Values{"csrf": {alice.CSRF("/settings/tags")}, "from": {"settings"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/settings/tags" {
		t.Fatalf("unfollow from the settings: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, page := alice.Get("/settings/tags"); strings.Contains(page, `href="/tags/gardening"`) {
		t.Errorf("the followed tags' page still lists #gardening")
	}
	afterRemote := b.PostNote("bob", bobTok, public("Late harvest #gardening"))
	received(afterRemote)
	afterLocal := a.PostNote("frank", frankTok, public("Mulch #gardening"))
	if got := home(aliceTok); got[afterRemote] != 0 || got[afterLocal] != 0 || got[tagged] != 1 {
		t.Errorf("after the unfollow: bob's new post %d, frank's %d (want 0); the earlier one %d (want 1)",
			got[afterRemote], got[afterLocal], got[tagged])
	}

	if status, body, _ := a.Do("POST", "/api/v1/tags/gardening/follow", aliceTok, nil); status != 200 {
		t.Fatalf("follow again: %d %s", status, body)
	}
	status, body, _ := a.Do("GET", "/api/v1/accounts/lookup?acct=bob@"+b.Cfg.Domain, aliceTok, nil)
	var bob struct {
		ID string `json:"id"`
	}
	if status != 200 || json.Unmarshal(body, &bob) != nil {
		t.Fatalf("bob on A: %d %s", status, body)
	}
	if status, body, _ := a.Do("POST", "/api/v1/accounts/"+bob.ID+"/block", aliceTok, nil); status != 200 {
		t.Fatalf("block bob: %d %s", status, body)
	}
	blocked := b.PostNote("bob", bobTok, public("From the blocked one #gardening"))
	received(blocked)
	again := a.PostNote("frank", frankTok, public("Followed again #gardening"))
	if got := home(aliceTok); got[blocked] != 0 || got[again] != 1 {
		t.Errorf("followed again: the blocked author's post %d times (want 0), frank's %d (want 1)", got[blocked], got[again])
	}

	frank := a.LocalActor("frank")
	if status, body, _ := a.Do("POST", "/api/v1/accounts/"+strconv.FormatInt(frank.ID, 10)+"/mute", aliceTok, nil); status != 200 {
		t.Fatalf("mute frank: %d %s", status, body)
	}
	muted := a.PostNote("frank", frankTok, public("From the muted one #gardening"))
	if got := home(aliceTok); got[muted] != 0 {
		t.Errorf("the muted author's post is in alice's home %d times", got[muted])
	}
}
