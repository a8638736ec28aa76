package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/storage"
)

// Account moves across instances: aliases, Move, followers following along.

// apiForm sends a form-encoded API request, as Mastodon's and GoToSocial's clients send
// theirs, and returns the status and body.
func apiForm(t *testing.T, in *testrig.Instance, method, path, token string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, in.Base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// follows reports whether follower (a URI) follows followee (a URI) on in, accepted or not.
func follows(in *testrig.Instance, follower, followee string) (found, accepted bool) {
	ctx := context.Background()
	a, err1 := in.App.DB().GetActorByURI(ctx, follower)
	b, err2 := in.App.DB().GetActorByURI(ctx, followee)
	if err1 != nil || err2 != nil {
		return false, false
	}
	f, err := in.App.DB().GetFollow(ctx, a.ID, b.ID)
	if err != nil {
		return false, false
	}
	return true, f.Accepted
}

// TestMoveAcrossThreeInstances: a@A has followers carol and dave on C and alice on A. b@B
// names a@A as an alias through the API; a@A moves to b@B through the API. Then C's
// followers and alice follow b@B (on both sides), nobody follows a@A any more, each of them
// was notified, A's profile page of a says where it went, a cannot post, and a second move
// within 30 days is refused.
func TestMoveAcrossThreeInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var cLog testrig.InboxLog
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t, cLog.Record)
	aTok, aURI := a.Account("a", false)
	aliceTok, aliceURI := a.Account("alice", false)
	bTok, bURI := b.Account("b", false)
	carolTok, carolURI := c.Account("carol", false)
	daveTok, daveURI := c.Account("dave", false)
	c.FollowRemote("carol", carolTok, a, "a")
	c.FollowRemote("dave", daveTok, a, "a")
	if st, body := apiForm(t, a, "POST", "/api/v1/accounts/"+rowIDOf(t, a, aURI)+"/follow", aliceTok, nil); st != 200 {
		t.Fatalf("alice follows a: %d %s", st, body)
	}
	// dave keeps a's boosts out of his timeline; that choice follows him to b.
	if st, body := apiForm(t, c, "POST", "/api/v1/accounts/"+rowIDOf(t, c, aURI)+"/follow", daveTok,
		url.Values{"reblogs": {"false"}}); st != 200 {
		t.Fatalf("dave hides a's boosts: %d %s", st, body)
	}

	// Moving before b names a as an alias is refused, with the reason.
	st, body := apiForm(t, a, "POST", "/api/v1/accounts/move", aTok,
		url.Values{"password": {"password-a"}, "moved_to_uri": {bURI}})
	if st != 422 && st != 400 || !strings.Contains(body, "alias") {
		t.Fatalf("move without the alias: %d %s; want a 4xx about the alias", st, body)
	}

	handle := "@a@" + a.Cfg.Domain
	st, body = apiForm(t, b, "POST", "/api/v1/accounts/alias", bTok, url.Values{"also_known_as_uris[]": {handle}})
	if st != 200 {
		t.Fatalf("alias: %d %s", st, body)
	}
	if got := b.LocalActor("b").AlsoKnownAs; !slices.Equal(got, []string{aURI}) {
		t.Fatalf("b's aliases: %v, want [%s]", got, aURI)
	}
	_, doc, _ := b.Do("GET", "/users/b", "", nil)
	if !strings.Contains(string(doc), `"alsoKnownAs":["`+aURI+`"]`) {
		t.Errorf("b's actor document has no alsoKnownAs: %s", doc)
	}

	if st, body := apiForm(t, a, "POST", "/api/v1/accounts/move", aTok,
		url.Values{"password": {"wrong"}, "moved_to_uri": {bURI}}); st < 400 || st >= 500 {
		t.Fatalf("move with a wrong password: %d %s", st, body)
	}
	if st, body := apiForm(t, a, "POST", "/api/v1/accounts/move", aTok,
		url.Values{"password": {"password-a"}, "moved_to_uri": {"@b@" + b.Cfg.Domain}}); st != http.StatusAccepted {
		t.Fatalf("move: %d %s", st, body)
	}
	if got := a.LocalActor("a").MovedTo; got != bURI {
		t.Fatalf("a's movedTo: %q, want %s", got, bURI)
	}

	for _, who := range []string{carolURI, daveURI} {
		testrig.Eventually(t, testrig.FederationWait, who+" follows b on B", func() bool {
			_, ok := follows(b, who, bURI)
			return ok
		})
		testrig.Eventually(t, testrig.FederationWait, who+"'s follow of b accepted on C", func() bool {
			_, ok := follows(c, who, bURI)
			return ok
		})
		testrig.Eventually(t, testrig.FederationWait, who+" no longer follows a on A", func() bool {
			found, _ := follows(a, who, aURI)
			return !found
		})
		if found, _ := follows(c, who, aURI); found {
			t.Errorf("C still has %s following a", who)
		}
	}
	if _, ok := follows(a, aliceURI, bURI); !ok {
		t.Errorf("alice (on A) does not follow b")
	}
	if found, _ := follows(a, aliceURI, aURI); found {
		t.Errorf("alice still follows a")
	}
	// C got one Move, shaped as Mastodon's: actor and object the old account (ids), target
	// the new one.
	if got := cLog.Mentioning(`"type":"Move","actor":"` + aURI + `"`); len(got) != 1 {
		t.Errorf("C received the Move %d times (%v), want once", len(got), got)
	}
	if got := cLog.Mentioning(`"object":"` + aURI + `","target":"` + bURI + `"`); len(got) != 1 {
		t.Errorf("C's Move does not name a as object and b as target: %v", got)
	}
	dave, bOnC := c.ActorByURI(daveURI), c.ActorByURI(bURI)
	if f, err := c.App.DB().GetFollow(ctx, dave.ID, bOnC.ID); err != nil || !f.HideReblogs {
		t.Errorf("dave's follow of b: %+v, %v; want a's boosts still hidden", f, err)
	}
	if got := c.ActorByURI(aURI).MovedTo; got != bURI {
		t.Errorf("C's copy of a moved to %q, want %s", got, bURI)
	}

	// carol is told through the API: a move notification whose account moved to b.
	_, notes, _ := c.Do("GET", "/api/v1/notifications", carolTok, nil)
	var list []struct {
		Type    string `json:"type"`
		Account struct {
			URI   string `json:"uri"`
			Moved *struct {
				URI string `json:"uri"`
			} `json:"moved"`
		} `json:"account"`
	}
	if err := json.Unmarshal(notes, &list); err != nil {
		t.Fatalf("notifications: %v: %s", err, notes)
	}
	if len(list) == 0 || list[0].Type != "move" || list[0].Account.URI != aURI || list[0].Account.Moved == nil ||
		list[0].Account.Moved.URI != bURI {
		t.Errorf("carol's notifications: %s; want a move of a to b", notes)
	}
	// The web notifications page says so too.
	web := testrig.NewWebClient(t, a)
	web.SignIn("alice", "password-alice")
	if _, page := web.Get("/notifications"); !strings.Contains(page, "moved to") {
		t.Errorf("alice's notifications page does not say a moved")
	}

	// A's profile page of a says where it went; its actor document carries movedTo.
	if _, page := testrig.NewWebClient(t, a).Get("/@a"); !strings.Contains(page, "has moved to") ||
		!strings.Contains(page, "b@"+b.Cfg.Domain) {
		t.Errorf("a's profile page does not say it moved to b")
	}
	_, doc, _ = a.Do("GET", "/users/a", "", nil)
	if !strings.Contains(string(doc), `"movedTo":"`+bURI+`"`) {
		t.Errorf("a's actor document has no movedTo: %s", doc)
	}
	// WebFinger still answers for a.
	if st, _, _ := a.Do("GET", "/.well-known/webfinger?resource=acct:a@"+a.Cfg.Domain, "", nil); st != 200 {
		t.Errorf("WebFinger of a after the move: %d", st)
	}

	// a cannot post any more, through the API or C2S, and is told why.
	st, body = apiForm(t, a, "POST", "/api/v1/statuses", aTok, url.Values{"status": {"still here?"}})
	if st != 403 || !strings.Contains(body, "moved") {
		t.Errorf("a posting through the API: %d %s; want 403 saying it moved", st, body)
	}
	st, c2s, _ := a.Do("POST", "/users/a/outbox", aTok, map[string]any{"type": "Note", "content": "hello?"})
	if st != 403 || !strings.Contains(string(c2s), "moved") {
		t.Errorf("a posting through C2S: %d %s; want 403 saying it moved", st, c2s)
	}
	// It can still read.
	if st, _, _ := a.Do("GET", "/api/v1/timelines/home", aTok, nil); st != 200 {
		t.Errorf("a reading its home timeline: %d", st)
	}

	// A second move within 30 days is refused, saying when it becomes possible.
	st, body = apiForm(t, a, "POST", "/api/v1/accounts/move", aTok,
		url.Values{"password": {"password-a"}, "moved_to_uri": {bURI}})
	if st != 429 || !strings.Contains(body, "move again") {
		t.Errorf("a second move: %d %s; want 429 saying when", st, body)
	}
}

// rowIDOf is the API id (row id) of the actor uri on in.
func rowIDOf(t *testing.T, in *testrig.Instance, uri string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := in.App.DB().GetActorByURI(ctx, uri); storage.KindOf(err) == storage.NotFound {
		if _, err := in.App.Reader().Remote.Actor(ctx, uri); err != nil {
			t.Fatal(err)
		}
	}
	return strings.TrimSpace(jsonInt(in.ActorByURI(uri).ID))
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestAliasesAndMoveFromEverySurface: aliases set through the client-to-server outbox (an
// Update of the actor), the web settings page and the API, each refusing an account that
// does not exist; an Update that does not name alsoKnownAs keeps them. Then a moves to b
// through the web form, which wants the password; a's own page then says it moved, and
// the web's compose form refuses a's post.
func TestAliasesAndMoveFromEverySurface(t *testing.T) {
	t.Parallel()
	a, b := testrig.Start(t), testrig.Start(t)
	_, aURI := a.Account("a", false)
	bTok, bURI := b.Account("b", false)
	aliases := func() []string { return b.LocalActor("b").AlsoKnownAs }

	// C2S: an Update of b's own actor naming a.
	update := func(extra map[string]any) (int, string) {
		obj := map[string]any{"id": bURI, "type": "Person", "name": "b"}
		for k, v := range extra {
			obj[k] = v
		}
		st, body, _ := b.Do("POST", "/users/b/outbox", bTok, map[string]any{"type": "Update", "object": obj})
		return st, string(body)
	}
	if st, body := update(map[string]any{"alsoKnownAs": []string{aURI}}); st/100 != 2 {
		t.Fatalf("C2S Update with alsoKnownAs: %d %s", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Fatalf("aliases after the C2S Update: %v", got)
	}
	if st, body := update(map[string]any{"name": "b again"}); st/100 != 2 {
		t.Fatalf("C2S Update without alsoKnownAs: %d %s", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Errorf("an Update without alsoKnownAs changed the aliases: %v", got)
	}
	if st, body := update(map[string]any{"alsoKnownAs": []string{a.Base + "/users/nobody"}}); st < 400 || st >= 500 {
		t.Errorf("C2S Update naming no account: %d %s; want a 4xx", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Errorf("a refused Update changed the aliases: %v", got)
	}

	// Web: remove it, then add it back by handle.
	web := testrig.NewWebClient(t, b)
	web.SignIn("b", "password-b")
	if st, body := web.PostFrom("/settings/migration", "/web/aliases/remove", url.Values{"alias": {aURI}}); st != http.StatusSeeOther {
		t.Fatalf("remove alias: %d %s", st, body)
	}
	if got := aliases(); len(got) != 0 {
		t.Errorf("aliases after removing: %v", got)
	}
	if st, body := web.PostFrom("/settings/migration", "/web/aliases", url.Values{"alias": {"@a@" + a.Cfg.Domain}}); st != http.StatusSeeOther {
		t.Fatalf("add alias: %d %s", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Errorf("aliases after adding @a: %v", got)
	}
	if _, page := web.Get("/settings/migration"); !strings.Contains(page, aURI) {
		t.Errorf("the migration page does not list the alias")
	}
	if st, body := web.PostFrom("/settings/migration", "/web/aliases", url.Values{"alias": {"@nobody@" + a.Cfg.Domain}}); st < 400 || st >= 500 {
		t.Errorf("adding an alias that does not exist: %d; want a 4xx: %.300s", st, body)
	}

	// API: an alias that does not exist is refused.
	if st, body := apiForm(t, b, "POST", "/api/v1/accounts/alias", bTok,
		url.Values{"also_known_as_uris[]": {"@nobody@" + a.Cfg.Domain}}); st != 422 && st != 400 {
		t.Errorf("API alias naming nobody: %d %s", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Errorf("a refused API call changed the aliases: %v", got)
	}
	// API: none clears them; an alias given by its profile page's address is stored as
	// the actor's URI.
	if st, body := apiForm(t, b, "POST", "/api/v1/accounts/alias", bTok, url.Values{}); st != 200 || len(aliases()) != 0 {
		t.Errorf("API alias with none: %d %s, aliases %v", st, body, aliases())
	}
	if st, body := apiForm(t, b, "POST", "/api/v1/accounts/alias", bTok,
		url.Values{"also_known_as_uris[]": {a.Base + "/@a"}}); st != 200 {
		t.Errorf("API alias by profile page: %d %s", st, body)
	}
	if got := aliases(); !slices.Equal(got, []string{aURI}) {
		t.Errorf("aliases after naming a's profile page: %v, want [%s]", got, aURI)
	}

	// a moves to b through the web form: a wrong password first.
	aweb := testrig.NewWebClient(t, a)
	aweb.SignIn("a", "password-a")
	form := url.Values{"moved_to": {"@b@" + b.Cfg.Domain}, "current_password": {"wrong"}}
	if st, _ := aweb.PostFrom("/settings/migration", "/web/move", form); st < 400 || st >= 500 {
		t.Errorf("move with a wrong password: %d", st)
	}
	if got := a.LocalActor("a").MovedTo; got != "" {
		t.Fatalf("moved with a wrong password, to %s", got)
	}
	form.Set("current_password", "password-a")
	if st, body := aweb.PostFrom("/settings/migration", "/web/move", form); st != http.StatusSeeOther {
		t.Fatalf("move: %d %.300s", st, body)
	}
	if got := a.LocalActor("a").MovedTo; got != bURI {
		t.Fatalf("a moved to %q, want %s", got, bURI)
	}
	if _, page := aweb.Get("/settings/migration"); !strings.Contains(page, "has moved to") || !strings.Contains(page, "move again from") {
		t.Errorf("the migration page does not say a moved and when it may move again")
	}
	if st, body := aweb.PostFrom("/compose", "/web/notes", url.Values{"content": {"still here"}}); st != http.StatusForbidden ||
		!strings.Contains(body, "moved") {
		t.Errorf("posting from the web after moving: %d %.300s; want 403 saying it moved", st, body)
	}
}

// TestMoveToAnAccountOfTheFollowersServer: a@A moves to e@C, where its follower dave lives:
// C takes the Move with a target of its own (moving into Refuge), and dave follows e there
// at once, a locked e asking him first as a follow request.
func TestMoveToAnAccountOfTheFollowersServer(t *testing.T) {
	t.Parallel()
	a, c := testrig.Start(t), testrig.Start(t)
	aTok, aURI := a.Account("a", false)
	eTok, eURI := c.Account("e", true)
	daveTok, daveURI := c.Account("dave", false)
	c.FollowRemote("dave", daveTok, a, "a")
	if st, body := apiForm(t, c, "POST", "/api/v1/accounts/alias", eTok, url.Values{"also_known_as_uris[]": {aURI}}); st != 200 {
		t.Fatalf("alias: %d %s", st, body)
	}
	if st, body := apiForm(t, a, "POST", "/api/v1/accounts/move", aTok,
		url.Values{"password": {"password-a"}, "moved_to_uri": {eURI}}); st != http.StatusAccepted {
		t.Fatalf("move: %d %s", st, body)
	}
	testrig.Eventually(t, testrig.FederationWait, "dave asks to follow e", func() bool {
		found, accepted := follows(c, daveURI, eURI)
		return found && !accepted
	})
	testrig.Eventually(t, testrig.FederationWait, "dave no longer follows a, on A", func() bool {
		found, _ := follows(a, daveURI, aURI)
		return !found
	})
	_, notes, _ := c.Do("GET", "/api/v1/notifications", eTok, nil)
	if !strings.Contains(string(notes), `"type":"follow_request"`) {
		t.Errorf("e is not asked by dave: %s", notes)
	}
}
