package federation

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"refuge/internal/testrig/peer"
	"refuge/storage"
)

// Fuzz targets for everything a peer's bytes reach before we trust them. Seed corpora live
// under testdata/fuzz/<target>; crashers found by `go test -fuzz` stay there as regression
// seeds, so a plain `go test` replays them.

// FuzzSignatureHeader: the Signature header parser never panics, refuses what it cannot use
// with Unauthorized, and what it accepts survives the canonical form handed to httpsig.
// VerifyRequest on the same header never panics and never lets a random signature through.
func FuzzSignatureHeader(f *testing.F) {
	f.Add(`keyId="https://mastodon.example/users/a#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="c2lnbmF0dXJl"`)
	f.Add(`keyId="https://gts.example/users/a/main-key", algorithm="hs2019", created=1700000000, expires=1700000300, headers="(request-target) (created) host", signature="AAAA"`)
	f.Add(`keyId=plain,signature=x`)
	f.Add(`Signature keyId="a",signature="b"`)
	pub, _ := peer.Keys()
	f.Fuzz(func(t *testing.T, header string) {
		h := http.Header{}
		h.Set("Signature", header)
		p, err := parseSignature(h)
		if err != nil {
			if storage.KindOf(err) != storage.Unauthorized {
				t.Fatalf("parse error of kind %s: %v", storage.KindOf(err), err)
			}
		} else {
			if p.keyID == "" || strings.ContainsAny(p.keyID, `,"`) || p.signature == "" {
				t.Fatalf("accepted unusable parameters %+v", p)
			}
			h2 := http.Header{}
			h2.Set("Signature", p.canonical())
			q, err := parseSignature(h2)
			if err != nil {
				t.Fatalf("canonical form %q does not parse: %v", p.canonical(), err)
			}
			if q.keyID != p.keyID || q.signature != p.signature || q.created != p.created || q.expires != p.expires ||
				(len(p.headers) > 0 && strings.Join(q.headers, " ") != strings.Join(p.headers, " ")) {
				t.Fatalf("canonical form changed the parameters: %+v -> %+v", p, q)
			}
		}
		r := &http.Request{Method: "POST", URL: &url.URL{Path: "/inbox"}, Host: "refuge.example", Header: h}
		r.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		r.Header.Set("Digest", peer.Digest([]byte("{}")))
		if err := VerifyRequest(r, []byte("{}"), &pub.PublicKey, time.Now()); err == nil {
			t.Fatalf("a fuzzed signature verified: %q", header)
		} else if storage.KindOf(err) != storage.Unauthorized {
			t.Fatalf("verify error of kind %s: %v", storage.KindOf(err), err)
		}
	})
}

// FuzzDecodeActivity: activity JSON from a peer never panics the decoders; what they refuse
// is Invalid or TooLarge; what they accept has the fields every handler relies on and stays
// within the limits.
func FuzzDecodeActivity(f *testing.F) {
	f.Add([]byte(`{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":{"id":"https://a.example/n","type":"Note","content":"hi","tag":[{"type":"Mention","href":"https://b.example/u"}]}}`))
	f.Add([]byte(`{"id":"x","type":["Like","Other"],"actor":{"id":"https://a.example/u"},"object":["https://b.example/n"],"to":"as:Public"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeActivity(data)
		if err != nil {
			if k := storage.KindOf(err); k != storage.Invalid && k != storage.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		} else {
			if a.ID == "" || a.Type == "" || a.Actor == "" {
				t.Fatalf("accepted an activity without id, type or actor: %+v", a)
			}
			if len(a.To) > maxRecipients || len(a.Cc) > maxRecipients {
				t.Fatalf("accepted %d/%d recipients", len(a.To), len(a.Cc))
			}
			if a.Object.Raw != nil {
				if n, err := a.Object.Note(); err == nil && len(n.Tags) > maxTags {
					t.Fatalf("embedded note with %d tags", len(n.Tags))
				}
				a.Object.Activity()
				a.Object.Actor()
			}
		}
		if n, err := DecodeNote(data); err == nil && (n.ID == "" || n.Type == "" || len(n.Tags) > maxTags || len(n.Attachments) > maxTags) {
			t.Fatalf("DecodeNote accepted %+v", n)
		}
		if ac, err := DecodeActor(data); err == nil && (ac.ID == "" || ac.Type == "") {
			t.Fatalf("DecodeActor accepted %+v", ac)
		}
	})
}

// FuzzJRD: a WebFinger answer never panics the parser or the link readers, and only an
// http(s)-looking ActivityPub self link is ever returned.
func FuzzJRD(f *testing.F) {
	f.Add([]byte(`{"subject":"acct:a@b.example","aliases":["https://b.example/@a"],"links":[{"rel":"self","type":"application/activity+json","href":"https://b.example/users/a"},{"rel":"http://ostatus.org/schema/1.0/subscribe","template":"https://b.example/authorize_interaction?uri={uri}"}]}`))
	f.Add([]byte(`{"links":[{"rel":"self","type":"application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"","href":"x"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		j, err := parseJRD(data)
		if err != nil {
			if k := storage.KindOf(err); k != storage.Invalid && k != storage.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		if self := selfLink(j); self != "" {
			found := false
			for _, l := range j.Links {
				found = found || (l.Rel == "self" && l.Href == self)
			}
			if !found {
				t.Fatalf("self link %q is no self link of %+v", self, j)
			}
		}
		SubscribeTemplate(j)
		names(j, "acct:a@b.example")
		if j.Subject != "" {
			ParseHandle(j.Subject)
		}
	})
}

// FuzzSanitizeHTML: whatever a peer puts in content, the sanitized result parsed as a
// browser would has no script or style, no event handler and no link but http(s).
func FuzzSanitizeHTML(f *testing.F) {
	f.Add(`<p>Hello <a href="https://x.example/@a" class="u-url mention">@a</a> <span class="invisible">https://</span></p>`)
	f.Add(`<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">x</a><style>*{}</style>`)
	f.Add(`<a href="jav&#x09;ascript:alert(1)">x</a><svg><script>1</script></svg><math><mtext><table><mglyph><style><img src=x onerror=1>`)
	f.Fuzz(func(t *testing.T, s string) {
		out := SanitizeHTML(s)
		checkInert(t, out)
		PlainText(s)
	})
}

// checkInert parses out as the body of a page and fails on anything that could run.
func checkInert(t *testing.T, out string) {
	t.Helper()
	if strings.Contains(strings.ToLower(out), "<script") {
		t.Fatalf("output has <script: %q", out)
	}
	nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "svg", "math", "img", "form", "base", "meta", "link":
				t.Fatalf("output has a <%s> element: %q", n.Data, out)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				val := strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				switch {
				case strings.HasPrefix(key, "on"):
					t.Fatalf("output has an event handler %s: %q", a.Key, out)
				case key == "style" || key == "src" || key == "srcset" || key == "formaction":
					t.Fatalf("output has a %s attribute: %q", a.Key, out)
				case strings.Contains(val, "javascript:") || strings.Contains(val, "vbscript:") || strings.Contains(val, "data:"):
					t.Fatalf("output has a script URL in %s: %q", a.Key, out)
				case key == "href" && !strings.HasPrefix(val, "http://") && !strings.HasPrefix(val, "https://"):
					t.Fatalf("output has a link that is not http(s): %q in %q", a.Val, out)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}
