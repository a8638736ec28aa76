package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"refuge/internal/testrig/peer"
	"refuge/storage"
)

func TestParseHandle(t *testing.T) {
	tests := []struct {
		in, user, host string
		ok             bool
	}{
		{"@alice@mastodon.example", "alice", "mastodon.example", true},
		{"alice@mastodon.example", "alice", "mastodon.example", true},
		{"acct:alice@mastodon.example", "alice", "mastodon.example", true},
		{"ACCT:Alice@Mastodon.Example", "Alice", "mastodon.example", true},
		{"  bob_1.x-y@gts.example:8080 ", "bob_1.x-y", "gts.example:8080", true},
		{"alice@localhost", "alice", "localhost", true},
		{"alice", "", "", false},
		{"@alice", "", "", false},
		{"alice@", "", "", false},
		{"@alice@", "", "", false},
		{"@@host.example", "", "", false},
		{"a@b@c.example", "", "", false},
		{"acct:@alice@host.example", "", "", false},
		{"al ice@host.example", "", "", false},
		{"alice@host.example/path", "", "", false},
		{"alice@host.example:0", "", "", false},
		{"alice@host.example:99999", "", "", false},
		{"alice@host.example:", "", "", false},
		{"alice@-host.example", "", "", false},
		{"alice@host..example", "", "", false},
		{"alice@[::1]", "", "", false},
		{"https://host.example/@alice", "", "", false},
		{"alice@host.example?x=1", "", "", false},
	}
	for _, tt := range tests {
		user, host, err := ParseHandle(tt.in)
		if !tt.ok {
			if storage.KindOf(err) != storage.Invalid {
				t.Errorf("ParseHandle(%q) = %q, %q, %v; want Invalid", tt.in, user, host, err)
			}
			continue
		}
		if err != nil || user != tt.user || host != tt.host {
			t.Errorf("ParseHandle(%q) = %q, %q, %v; want %q, %q", tt.in, user, host, err, tt.user, tt.host)
		}
	}
}

// wfServer is a loopback WebFinger host: name is how it is reached (name.test:port).
type wfServer struct {
	srv  *httptest.Server
	host string
}

func newWFServer(t *testing.T, name string, h func(s *wfServer, mux *http.ServeMux)) *wfServer {
	t.Helper()
	s := &wfServer{}
	mux := http.NewServeMux()
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.host = name + ":" + port(s.srv)
	h(s, mux)
	return s
}

func writeJRD(w http.ResponseWriter, j JRD) {
	w.Header().Set("Content-Type", "application/jrd+json; charset=utf-8")
	json.NewEncoder(w).Encode(j)
}

// wfClient resolves the given names to 127.0.0.1 and allows the prefix allow; the dial
// guard of client_test.go refuses anything that is not loopback.
func wfClient(t *testing.T, allow string, names ...string) *Client {
	r := &rig{t: t, dialer: peer.NewDialer(t), resolverExtra: map[string][]netip.Addr{}}
	for _, n := range names {
		r.resolverExtra[n] = []netip.Addr{netip.MustParseAddr("127.0.0.1")}
	}
	return r.client(ClientConfig{AllowPrefixes: []netip.Prefix{netip.MustParsePrefix(allow)}})
}

func TestWebFinger(t *testing.T) {
	// a.test answers WebFinger directly.
	a := newWFServer(t, "a.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("resource") != "acct:alice@"+s.host {
				http.NotFound(w, r)
				return
			}
			writeJRD(w, JRD{Subject: "acct:alice@" + s.host, Aliases: []string{"http://" + s.host + "/@alice"}, Links: []Link{
				{Rel: "http://webfinger.net/rel/profile-page", Type: "text/html", Href: "http://" + s.host + "/@alice"},
				{Rel: "self", Type: "application/activity+json", Href: "http://" + s.host + "/users/alice"},
				{Rel: SubscribeRel, Template: "http://" + s.host + "/authorize_interaction?uri={uri}"},
			}})
		})
	})
	// b.test has no WebFinger at the well-known path, only host-meta's lrdd template.
	b := newWFServer(t, "b.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/.well-known/host-meta", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xrd+xml; charset=utf-8")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="http://%s/wf?resource={uri}"/>
</XRD>`, s.host)
		})
		mux.HandleFunc("/wf", func(w http.ResponseWriter, r *http.Request) {
			writeJRD(w, JRD{Subject: r.URL.Query().Get("resource"), Links: []Link{
				{Rel: "self", Type: `application/ld+json; profile="https://www.w3.org/ns/activitystreams"`, Href: "http://" + s.host + "/u/bob"},
			}})
		})
	})
	// c.test claims a.test's alice as its mallory; a.test does not confirm it.
	c := newWFServer(t, "c.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Query().Get("resource") {
			case "acct:mallory@" + s.host:
				writeJRD(w, JRD{Links: []Link{{Rel: "self", Type: "application/activity+json", Href: "http://" + a.host + "/users/alice"}}})
			case "acct:nobody@" + s.host:
				writeJRD(w, JRD{Links: []Link{{Rel: "self", Type: "text/html", Href: "http://" + s.host + "/@nobody"}}})
			default:
				http.NotFound(w, r)
			}
		})
	})
	cl := wfClient(t, "127.0.0.1/32", "a.test", "b.test", "c.test")
	ctx := context.Background()
	id, j, err := cl.WebFinger(ctx, "alice", a.host, "http")
	if err != nil || id != "http://"+a.host+"/users/alice" {
		t.Fatalf("found: %q %v", id, err)
	}
	if SubscribeTemplate(j) != "http://"+a.host+"/authorize_interaction?uri={uri}" {
		t.Errorf("template %q", SubscribeTemplate(j))
	}
	id, _, err = cl.WebFinger(ctx, "bob", b.host, "http")
	if err != nil || id != "http://"+b.host+"/u/bob" {
		t.Fatalf("host-meta fallback: %q %v", id, err)
	}
	_, _, err = cl.WebFinger(ctx, "mallory", c.host, "http")
	wantKind(t, err, storage.Forbidden, "webfinger self link points to another host")
	_, _, err = cl.WebFinger(ctx, "nobody", c.host, "http")
	wantKind(t, err, storage.NotFound, "no ActivityPub actor")
	_, _, err = cl.WebFinger(ctx, "ghost", a.host, "http")
	wantKind(t, err, storage.NotFound, "")
}

// TestWebFingerSplitDomain: the self link is on another host, which confirms the account.
func TestWebFingerSplitDomain(t *testing.T) {
	var account string
	web := newWFServer(t, "social.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("resource") != account {
				http.NotFound(w, r)
				return
			}
			writeJRD(w, JRD{Subject: account, Links: []Link{{Rel: "self", Type: "application/activity+json", Href: "http://" + s.host + "/users/gil"}}})
		})
	})
	acct := newWFServer(t, "example.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
			writeJRD(w, JRD{Subject: r.URL.Query().Get("resource"), Links: []Link{{Rel: "self", Type: "application/activity+json", Href: "http://" + web.host + "/users/gil"}}})
		})
	})
	account = "acct:gil@" + acct.host
	id, _, err := wfClient(t, "127.0.0.1/32", "social.test", "example.test").WebFinger(context.Background(), "gil", acct.host, "http")
	if err != nil || id != "http://"+web.host+"/users/gil" {
		t.Fatalf("split domain: %q %v", id, err)
	}
}

// TestWebFingerRefusedHost: WebFinger goes through the guard like every other request.
func TestWebFingerRefusedHost(t *testing.T) {
	s := newWFServer(t, "a.test", func(s *wfServer, mux *http.ServeMux) {
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "{}") })
	})
	c := wfClient(t, "127.0.0.2/32", "a.test")
	_, _, err := c.WebFinger(context.Background(), "alice", s.host, "http")
	wantKind(t, err, storage.Forbidden, "address not allowed")
}
