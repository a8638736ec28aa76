package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/storage"
)

// apiPoll is the part of the client API's Poll entity the tests read.
type apiPoll struct {
	ID         string `json:"id"`
	Expired    bool   `json:"expired"`
	Multiple   bool   `json:"multiple"`
	VotesCount int    `json:"votes_count"`
	Voters     int    `json:"voters_count"`
	Voted      *bool  `json:"voted"`
	OwnVotes   []int  `json:"own_votes"`
	ExpiresAt  string `json:"expires_at"`
	Options    []struct {
		Title string `json:"title"`
		Votes int    `json:"votes_count"`
	} `json:"options"`
}

func (p apiPoll) votes() []int {
	var out []int
	for _, o := range p.Options {
		out = append(out, o.Votes)
	}
	return out
}

// pollCounts is what in stores of the poll of note uri: each option's votes, and its voters.
func pollCounts(in *testrig.Instance, uri string) ([]int, int) {
	n := in.Note(uri)
	if n == nil || n.Poll == nil {
		return nil, -1
	}
	var votes []int
	for _, o := range n.Poll.Options {
		votes = append(votes, o.Votes)
	}
	return votes, n.Poll.Voters
}

// A poll made on A through the client API reaches B, whose accounts vote through the API
// and the web; A counts each voter once, sends the results, and at the end everyone who
// voted, on either side, is told.
func TestPollAcrossInstances(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	daveTok, _ := a.Account("dave", false)
	bobTok, _ := b.Account("bob", false)
	b.Account("carol", false)
	b.FollowRemote("bob", bobTok, a, "alice")

	status, body := apiForm(t, a, "POST", "/api/v1/statuses", aliceTok, url.Values{"status": {"Tea, coffee or water?"},
		"poll[options][]": {"Tea", "Coffee", "Water"}, "poll[expires_in]": {"600"}})
	var posted struct {
		URI  string  `json:"uri"`
		Poll apiPoll `json:"poll"`
	}
	if err := json.Unmarshal([]byte(body), &posted); status != http.StatusOK || err != nil {
		t.Fatalf("post a poll: %d %s", status, body)
	}
	if p := posted.Poll; len(p.Options) != 3 || p.Multiple || p.Expired || p.VotesCount != 0 || p.Voted == nil || *p.Voted {
		t.Errorf("the new poll: %+v", p)
	}
	if at, err := time.Parse(time.RFC3339, posted.Poll.ExpiresAt); err != nil || time.Until(at) < 9*time.Minute || time.Until(at) > 11*time.Minute {
		t.Errorf("expires at %q, want in ten minutes", posted.Poll.ExpiresAt)
	}
	uri := posted.URI
	testrig.Eventually(t, testrig.FederationWait, "the poll on B", func() bool { n := b.Note(uri); return n != nil && n.Poll != nil })
	onB := strconv.FormatInt(b.Note(uri).ID, 10)

	// bob votes through B's API: counted on B at once, and sent to A.
	status, body = apiForm(t, b, "POST", "/api/v1/polls/"+onB+"/votes", bobTok, url.Values{"choices[]": {"1"}})
	var voted apiPoll
	if err := json.Unmarshal([]byte(body), &voted); status != http.StatusOK || err != nil {
		t.Fatalf("bob votes: %d %s", status, body)
	}
	if !slices.Equal(voted.votes(), []int{0, 1, 0}) || voted.Voted == nil || !*voted.Voted || !slices.Equal(voted.OwnVotes, []int{1}) {
		t.Errorf("bob's answer: %+v", voted)
	}
	if status, body = apiForm(t, b, "POST", "/api/v1/polls/"+onB+"/votes", bobTok, url.Values{"choices[]": {"0"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "already voted") {
		t.Errorf("bob votes again: %d %s", status, body)
	}

	// carol votes through B's pages.
	carol := testrig.NewWebClient(t, b)
	carol.SignIn("carol", "password-carol")
	page := "/notes/" + onB
	if _, html := carol.Get(page); !strings.Contains(html, `action="/web/notes/`+onB+`/vote"`) || !strings.Contains(html, `type="radio" name="choice" value="2"`) {
		t.Fatalf("carol is offered no vote on %s:\n%s", page, html)
	}
	if status, html := carol.PostFrom(page, "/web/notes/"+onB+"/vote", url.Values{"choice": {"0"}}); status != http.StatusSeeOther {
		t.Fatalf("carol votes: %d\n%s", status, html)
	}
	if _, html := carol.Get(page); !strings.Contains(html, `class="poll-results"`) || !strings.Contains(html, `<li class="chosen">`) {
		t.Errorf("carol's page after her vote:\n%s", html)
	}

	// dave votes on A.
	if status, body = apiForm(t, a, "POST", "/api/v1/polls/"+strconv.FormatInt(a.Note(uri).ID, 10)+"/votes", daveTok,
		url.Values{"choices[]": {"2"}}); status != http.StatusOK {
		t.Fatalf("dave votes: %d %s", status, body)
	}
	testrig.Eventually(t, testrig.FederationWait, "the votes counted on A", func() bool {
		votes, voters := pollCounts(a, uri)
		return slices.Equal(votes, []int{1, 1, 1}) && voters == 3
	})

	// A sends its results: B has dave's vote, which only A could count, after them.
	if n, err := a.App.Outbox().SettlePolls(ctx, time.Now().Add(outbox.PollResultsDelay)); err != nil || n != 1 {
		t.Fatalf("A settled %d, %v", n, err)
	}
	testrig.Eventually(t, testrig.FederationWait, "the results on B", func() bool {
		votes, voters := pollCounts(b, uri)
		return slices.Equal(votes, []int{1, 1, 1}) && voters == 3
	})
	status, body = apiForm(t, b, "GET", "/api/v1/polls/"+onB, bobTok, nil)
	var seen apiPoll
	if err := json.Unmarshal([]byte(body), &seen); status != http.StatusOK || err != nil || !slices.Equal(seen.OwnVotes, []int{1}) ||
		seen.VotesCount != 3 || seen.Voters != 3 {
		t.Errorf("bob reads the poll: %d %s", status, body)
	}

	// The end, on both sides: the author and each voter told once, on their own server.
	end := time.Now().Add(11 * time.Minute)
	for _, in := range []*testrig.Instance{a, b} {
		if n, err := in.App.Outbox().SettlePolls(ctx, end); err != nil || n != 1 {
			t.Fatalf("settled %d, %v at the end", n, err)
		}
	}
	for _, c := range []struct {
		in    *testrig.Instance
		name  string
		token string
	}{{a, "alice", aliceTok}, {a, "dave", daveTok}, {b, "bob", bobTok}} {
		status, body := apiForm(t, c.in, "GET", "/api/v1/notifications?types[]=poll", c.token, nil)
		var list []struct {
			Type   string `json:"type"`
			Status struct {
				URI  string  `json:"uri"`
				Poll apiPoll `json:"poll"`
			} `json:"status"`
		}
		if err := json.Unmarshal([]byte(body), &list); status != http.StatusOK || err != nil || len(list) != 1 ||
			list[0].Type != "poll" || list[0].Status.URI != uri {
			t.Errorf("%s's poll notifications: %d %s", c.name, status, body)
		}
	}
	// Its document says it closed, with its final counts.
	if status, doc, _ := a.Do("GET", uri, "", nil); status != http.StatusOK || !strings.Contains(string(doc), `"closed":"`) ||
		!strings.Contains(string(doc), `"votersCount":3`) {
		t.Errorf("the ended poll's document: %d %s", status, doc)
	}
	// Anyone reads the results on A's page of the post.
	_, html := testrig.NewWebClient(t, a).Get(strings.TrimPrefix(uri, a.Base))
	for _, want := range []string{`class="poll-results"`, "Tea", "Coffee", "Water", "33%", "3 people"} {
		if !strings.Contains(html, want) {
			t.Errorf("A's page of the poll lacks %q:\n%s", want, html)
		}
	}
}

// Refusals of the API's poll parameters and votes: a 422 with the reason, nothing stored.
func TestPollRefusals(t *testing.T) {
	t.Parallel()
	a := testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := a.Account("bob", false)
	for _, form := range []url.Values{
		{"status": {"x"}, "poll[options][]": {"only one"}, "poll[expires_in]": {"600"}},
		{"status": {"x"}, "poll[options][]": {"a", "b", "c", "d", "e"}, "poll[expires_in]": {"600"}},
		{"status": {"x"}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"60"}},
		{"status": {"x"}, "poll[options][]": {"a", "b"}, "poll[expires_in]": {"99999999999999999999"}},
		{"status": {"x"}, "poll[options][]": {"a", "b"}},
		{"status": {"x"}, "poll[options][]": {"a", strings.Repeat("b", storage.MaxPollOptionChars+1)}, "poll[expires_in]": {"600"}},
	} {
		before := a.RowCounts()
		if status, body := apiForm(t, a, "POST", "/api/v1/statuses", aliceTok, form); status != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d %s", form, status, body)
		}
		if after := a.RowCounts(); after["notes"] != before["notes"] {
			t.Errorf("%v stored a note", form)
		}
	}
	status, body := apiForm(t, a, "POST", "/api/v1/statuses", aliceTok, url.Values{"status": {"pick"},
		"poll[options][]": {"a", "b"}, "poll[expires_in]": {"600"}, "poll[multiple]": {"true"}})
	var posted struct{ Poll apiPoll }
	if err := json.Unmarshal([]byte(body), &posted); status != http.StatusOK || err != nil || !posted.Poll.Multiple {
		t.Fatalf("post: %d %s", status, body)
	}
	id := posted.Poll.ID
	for _, c := range []struct {
		token   string
		choices []string
		want    int
	}{
		{aliceTok, []string{"0"}, http.StatusUnprocessableEntity}, // her own
		{bobTok, []string{"2"}, http.StatusUnprocessableEntity},   // no such option
		{bobTok, []string{"x"}, http.StatusUnprocessableEntity},
		{bobTok, nil, http.StatusUnprocessableEntity},
		{bobTok, []string{"0", "1"}, http.StatusOK},
		{bobTok, []string{"1"}, http.StatusUnprocessableEntity}, // both chosen already
	} {
		if status, body := apiForm(t, a, "POST", "/api/v1/polls/"+id+"/votes", c.token, url.Values{"choices[]": c.choices}); status != c.want {
			t.Errorf("vote %v: %d %s, want %d", c.choices, status, body, c.want)
		}
	}
	if status, _ := apiForm(t, a, "GET", "/api/v1/polls/999999", bobTok, nil); status != http.StatusNotFound {
		t.Errorf("a poll that is not there: %d", status)
	}
}
