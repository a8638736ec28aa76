package server_test

import (
	"net/http"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/coding"
	"refuge/server"
)

// TestNotModified: public ActivityPub and discovery documents and feeds carry a weak ETag,
// the same for every encoding, and If-None-Match gets 304 with no body; pages of a
// signed-in reader get none. Under --authorized-fetch the signature is checked before any
// 304: the ETag is computed from what the handler wrote, after it refused or served.
func TestNotModified(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t)
	token, actor := in.Account("alice", false)
	note := in.PostNote("alice", token, map[string]any{"content": "tagged", "to": "https://www.w3.org/ns/activitystreams#Public"})
	actorPath, notePath := strings.TrimPrefix(actor, in.Base), strings.TrimPrefix(note, in.Base)
	ap := []string{"Accept", "application/activity+json"}
	for _, p := range []struct {
		name, path string
		headers    []string
	}{
		{"actor", actorPath, ap},
		{"note", notePath, ap},
		{"followers", actorPath + "/followers", ap},
		{"nodeinfo", "/nodeinfo/2.0", nil},
		{"webfinger", "/.well-known/webfinger?resource=acct:alice@" + in.Cfg.Domain, nil},
		{"host-meta", "/.well-known/host-meta", nil},
		{"rss feed", "/@alice.rss", nil},
		{"style.css", "/static/style.css", nil},
	} {
		resp, _ := coding.Get(t, "GET", in.Base+p.path, p.headers...)
		tag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || tag == "" {
			t.Errorf("%s: %d, ETag %q", p.name, resp.StatusCode, tag)
			continue
		}
		for _, enc := range []string{"", "gzip", "zstd"} {
			resp, body := coding.Get(t, "GET", in.Base+p.path, append([]string{"If-None-Match", tag, "Accept-Encoding", enc}, p.headers...)...)
			if resp.StatusCode != http.StatusNotModified || len(body) != 0 || !strings.HasSuffix(resp.Header.Get("ETag"), strings.TrimPrefix(tag, "W/")) {
				t.Errorf("%s %q If-None-Match: %d, %d bytes, ETag %q", p.name, enc, resp.StatusCode, len(body), resp.Header.Get("ETag"))
			}
		}
		resp, _ = coding.Get(t, "HEAD", in.Base+p.path, append([]string{"If-None-Match", tag}, p.headers...)...)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s HEAD If-None-Match: %d", p.name, resp.StatusCode)
		}
	}

	// A signed-in reader's page carries no ETag.
	in.LocalAccount("bob", "bob password")
	c := testrig.NewWebClient(t, in)
	c.SignIn("bob", "bob password")
	if resp, _ := c.Get("/@alice"); resp.Header.Get("ETag") != "" || !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("signed-in profile page: ETag %q, Cache-Control %q", resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
	}

	// Under --authorized-fetch an unsigned GET is refused whatever If-None-Match says.
	af := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	_, afActor := af.Account("carol", false)
	resp, _ := coding.Get(t, "GET", in.Base+actorPath, ap...)
	for _, inm := range []string{"*", resp.Header.Get("ETag")} {
		resp, _ := coding.Get(t, "GET", af.Base+strings.TrimPrefix(afActor, af.Base), append([]string{"If-None-Match", inm}, ap...)...)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned actor fetch with If-None-Match %s under authorized fetch: %d", inm, resp.StatusCode)
		}
	}
}
