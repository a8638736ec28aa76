package server_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/storage"
)

// apiQuoted is the part of a Status the quote tests read.
type apiQuoted struct {
	ID    string `json:"id"`
	URI   string `json:"uri"`
	Quote *struct {
		State        string `json:"state"`
		QuotedStatus *struct {
			URI string `json:"uri"`
		} `json:"quoted_status"`
	} `json:"quote"`
	QuoteApproval struct {
		Automatic   []string `json:"automatic"`
		CurrentUser string   `json:"current_user"`
	} `json:"quote_approval"`
}

func quoteState(in *testrig.Instance, uri string) storage.QuoteState {
	n := in.Note(uri)
	if n == nil || n.Quote == nil {
		return ""
	}
	return n.Quote.State
}

// bob on B quotes alice's post on A through the client API: B asks A, A's policy approves
// and A keeps the approval as a stamp; B's post then carries it, and C, where carol follows
// bob, checks the stamp at A before it shows the quote. A post closed to quotes cannot be
// quoted.
func TestQuoteAcrossInstances(t *testing.T) {
	t.Parallel()
	a, b, c := testrig.Start(t), testrig.Start(t), testrig.Start(t)
	aliceTok, _ := a.Account("alice", false)
	bobTok, _ := b.Account("bob", false)
	carolTok, _ := c.Account("carol", false)
	b.FollowRemote("bob", bobTok, a, "alice")
	c.FollowRemote("carol", carolTok, b, "bob")

	post := func(in *testrig.Instance, token string, form url.Values) apiQuoted {
		t.Helper()
		status, body := apiForm(t, in, "POST", "/api/v1/statuses", token, form)
		var s apiQuoted
		if err := json.Unmarshal([]byte(body), &s); status != http.StatusOK || err != nil {
			t.Fatalf("post %v: %d %s", form, status, body)
		}
		return s
	}
	open := post(a, aliceTok, url.Values{"status": {"Quote me if you like"}})
	if open.QuoteApproval.CurrentUser != "automatic" || strings.Join(open.QuoteApproval.Automatic, ",") != "public" {
		t.Errorf("the new post's quote approval: %+v", open.QuoteApproval)
	}
	closed := post(a, aliceTok, url.Values{"status": {"Not this one"}, "quote_approval_policy": {"nobody"}})
	testrig.Eventually(t, testrig.FederationWait, "alice's posts on B", func() bool { return b.Note(open.URI) != nil && b.Note(closed.URI) != nil })

	status, body := apiForm(t, b, "POST", "/api/v1/statuses", bobTok, url.Values{"status": {"not mine to quote"},
		"quoted_status_id": {apiStatusID(t, b, closed.URI)}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "quote") {
		t.Errorf("quoting a post closed to quotes: %d %s", status, body)
	}
	quote := post(b, bobTok, url.Values{"status": {"So true"}, "quoted_status_id": {apiStatusID(t, b, open.URI)}})
	if quote.Quote == nil || quote.Quote.State != "pending" {
		t.Errorf("the new quote: %+v", quote.Quote)
	}

	testrig.Eventually(t, testrig.FederationWait, "A approves, B records it", func() bool {
		return quoteState(b, quote.URI) == storage.QuoteAccepted
	})
	testrig.Eventually(t, testrig.FederationWait, "A has the quote, stamped", func() bool {
		return quoteState(a, quote.URI) == storage.QuoteAccepted
	})
	testrig.Eventually(t, testrig.FederationWait, "C checks the stamp at A", func() bool {
		return quoteState(c, quote.URI) == storage.QuoteAccepted
	})
	stamp := b.Note(quote.URI).Quote.Authorization
	if !strings.HasPrefix(stamp, open.URI+"/quotes/") {
		t.Fatalf("the stamp %q is not alice's post's", stamp)
	}
	status, doc, _ := a.Do("GET", stamp, "", nil)
	var got struct{ Type, AttributedTo, InteractingObject, InteractionTarget string }
	if err := json.Unmarshal(doc, &got); status != http.StatusOK || err != nil || got.Type != "QuoteAuthorization" ||
		got.InteractingObject != quote.URI || got.InteractionTarget != open.URI {
		t.Errorf("the stamp as served: %d %s", status, doc)
	}

	// Each side's API shows the quote with the quoted status; alice is told.
	for _, side := range []struct {
		in    *testrig.Instance
		token string
	}{{a, aliceTok}, {b, bobTok}, {c, carolTok}} {
		status, body := apiForm(t, side.in, "GET", "/api/v1/statuses/"+apiStatusID(t, side.in, quote.URI), side.token, nil)
		var s apiQuoted
		if err := json.Unmarshal([]byte(body), &s); status != http.StatusOK || err != nil || s.Quote == nil ||
			s.Quote.State != "accepted" || s.Quote.QuotedStatus == nil || s.Quote.QuotedStatus.URI != open.URI {
			t.Errorf("%s: the quote through the API: %d %s", side.in.Base, status, body)
		}
	}
	status, body = apiForm(t, a, "GET", "/api/v1/notifications?types[]=quote", aliceTok, nil)
	if status != http.StatusOK || !strings.Contains(body, `"type":"quote"`) || !strings.Contains(body, quote.URI) {
		t.Errorf("alice's quote notifications: %d %s", status, body)
	}
	// And C's page of the quote shows alice's post in it, its fallback line hidden by class.
	_, html := testrig.NewWebClient(t, c).Get("/notes/" + itoa(c.Note(quote.URI).ID))
	for _, want := range []string{`class="quote"`, "Quote me if you like", "has-quote"} {
		if !strings.Contains(html, want) {
			t.Errorf("C's page of the quote lacks %q:\n%s", want, html)
		}
	}
}
