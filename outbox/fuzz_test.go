package outbox

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"refuge/storage"
)

// FuzzFormat: whatever a person types, the HTML Format makes, parsed as a browser would,
// holds only p, br, a and span elements, every link is http(s), and the tags it returns
// point where they should. Seeds live under testdata/fuzz/FuzzFormat.
func FuzzFormat(f *testing.F) {
	f.Add("Hello @bob and @carol@other.test! #Go https://example.com/a?b=1&c=2.\n\nnext <b>para</b>")
	f.Add(`<script>alert(1)</script> "quoted" javascript:alert(1) http://x"onmouseover="alert(1)`)
	// Every mention resolves: an account named as typed, on the host typed (or ours).
	resolve := func(_ context.Context, user, host string) (*storage.Actor, error) {
		if host == "" {
			host = "me.test"
		}
		return &storage.Actor{URI: "https://" + host + "/users/" + user, URL: "https://" + host + "/@" + user,
			Username: user, Host: host}, nil
	}
	f.Fuzz(func(t *testing.T, text string) {
		out, tags := Format(context.Background(), text, "https://me.test", "me.test", resolve)
		nodes, err := html.ParseFragment(strings.NewReader(out), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				switch n.Data {
				case "p", "br", "a", "span":
				default:
					t.Fatalf("output has a <%s> element: %q", n.Data, out)
				}
				for _, a := range n.Attr {
					switch {
					case a.Key == "href" && !strings.HasPrefix(a.Val, "http://") && !strings.HasPrefix(a.Val, "https://"):
						t.Fatalf("link %q is not http(s): %q", a.Val, out)
					case a.Key != "href" && a.Key != "class" && a.Key != "rel" && a.Key != "target":
						t.Fatalf("output has a %s attribute: %q", a.Key, out)
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
		for _, tag := range tags {
			switch tag.Type {
			case "Hashtag":
				if !strings.HasPrefix(tag.Href, "https://me.test/tags/") || !strings.HasPrefix(tag.Name, "#") {
					t.Fatalf("hashtag %+v", tag)
				}
			case "Mention":
				if !strings.HasPrefix(tag.Href, "https://") || !strings.HasPrefix(tag.Name, "@") {
					t.Fatalf("mention %+v", tag)
				}
			default:
				t.Fatalf("tag of type %q", tag.Type)
			}
		}
	})
}
