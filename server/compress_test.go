package server_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/coding"
)

// TestCompressedAnswers: every compressible path answers each Accept-Encoding a client may
// send with the right coding, Vary: Accept-Encoding, and a body that decodes to the
// identity answer byte for byte; answers under 1 KiB stay as they are; HEAD is never
// encoded.
func TestCompressedAnswers(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	token, actor := in.Account("alice", false)
	var note string
	for i := range 8 {
		note = in.PostNote("alice", token, map[string]any{"content": strings.Repeat("A post long enough to fill pages. ", 8) + string(rune('a'+i)),
			"to": "https://www.w3.org/ns/activitystreams#Public"})
	}
	actorPath, notePath := strings.TrimPrefix(actor, in.Base), strings.TrimPrefix(note, in.Base)
	paths := []struct {
		name, path string
		headers    []string
	}{
		{"profile page", "/@alice", []string{"Accept", "text/html"}},
		{"actor", actorPath, []string{"Accept", "application/activity+json"}},
		{"note", notePath, []string{"Accept", "application/activity+json"}},
		{"outbox page", actorPath + "/outbox?page=true", []string{"Accept", "application/activity+json"}},
		{"nodeinfo", "/nodeinfo/2.0", nil},
		{"webfinger", "/.well-known/webfinger?resource=acct:alice@" + in.Cfg.Domain, nil},
		{"home timeline", "/api/v1/timelines/home", []string{"Authorization", "Bearer " + token}},
		{"rss feed", "/@alice.rss", nil},
		{"atom feed", "/@alice.atom", nil},
		{"style.css", "/static/style.css", nil},
	}
	encodings := []struct{ accept, want string }{
		{"gzip", "gzip"},
		{"zstd", "zstd"},
		{"gzip, deflate, br, zstd", "zstd"},
		{"identity", ""},
		{"", ""},
		{"gzip;q=0", ""},
		{"*", "zstd"},
	}
	for _, p := range paths {
		resp, identity := coding.Get(t, "GET", in.Base+p.path, p.headers...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", p.name, resp.StatusCode, identity)
		}
		large := len(identity) >= 1024
		for _, e := range encodings {
			t.Run(p.name+" "+e.accept, func(t *testing.T) {
				resp, body := coding.Get(t, "GET", in.Base+p.path, append([]string{"Accept-Encoding", e.accept}, p.headers...)...)
				want := e.want
				if !large {
					want = ""
				}
				if got := resp.Header.Get("Content-Encoding"); got != want {
					t.Errorf("Content-Encoding %q, want %q (identity body %d bytes)", got, want, len(identity))
				}
				if vary := strings.Join(resp.Header.Values("Vary"), ", "); !strings.Contains(vary, "Accept-Encoding") {
					t.Errorf("Vary %q", vary)
				}
				if got := coding.Decode(t, resp.Header.Get("Content-Encoding"), body); !bytes.Equal(got, identity) {
					t.Errorf("decoded %d bytes differ from the identity body's %d", len(got), len(identity))
				}
			})
		}
		resp, body := coding.Get(t, "HEAD", in.Base+p.path, append([]string{"Accept-Encoding", "gzip, zstd"}, p.headers...)...)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" || len(body) != 0 {
			t.Errorf("%s HEAD: %d, Content-Encoding %q, %d bytes", p.name, resp.StatusCode, resp.Header.Get("Content-Encoding"), len(body))
		}
	}
	// The page of 27.8 KB the issue measured: compressed now.
	resp, body := coding.Get(t, "GET", in.Base+"/@alice", "Accept", "text/html", "Accept-Encoding", "gzip")
	_, identity := coding.Get(t, "GET", in.Base+"/@alice", "Accept", "text/html")
	t.Logf("profile page: %d bytes, %d gzip", len(identity), len(body))
	if resp.Header.Get("Content-Encoding") != "gzip" || len(body)*3 > len(identity) {
		t.Errorf("profile page %d bytes gzip of %d", len(body), len(identity))
	}
}
