package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/storage"
)

// TestWebDomainBlock: from a remote account's page, alice blocks its whole server ("Block
// the whole server" in More): the follows between her and bob end both ways (bob's server
// is told), bob's posts leave her home, the page offers "Unblock B", and her profile form
// lists the server with an unblock button, which lifts the block. The forms need the CSRF
// token; a bad domain or our own is refused with nothing stored.
func TestWebDomainBlock(t *testing.T) {
	t.Parallel()
	m := newMutualFollows(t)
	a, b, c, search, home := m.a, m.b, m.c, m.search, m.home
	B := b.Cfg.Domain
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		form.Set("csrf", c.CSRF("/home"))
		resp, body := c.Post(path, form)
		return resp.StatusCode, body
	}
	if _, page := c.Get(search); !strings.Contains(page, `action="/web/domain_block"`) || !strings.Contains(page, "Block the whole server") {
		t.Fatalf("bob's page offers no server block:\n%s", page)
	}

	// Refusals store nothing.
	before := a.RowCounts()
	if resp, _ := c.Post("/web/domain_block", url.Values{"domain": {B}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("domain block without the CSRF token: %d", resp.StatusCode)
	}
	for _, bad := range []string{"", "https://" + B + "/", "bob@" + B, a.Cfg.Domain} {
		if status, _ := post("/web/domain_block", url.Values{"domain": {bad}}); status != http.StatusBadRequest {
			t.Errorf("domain block of %q: %d, want 400 (the web pages answer Invalid so)", bad, status)
		}
	}
	if after := a.RowCounts(); after["account_domain_blocks"] != before["account_domain_blocks"] || after["follows"] != before["follows"] {
		t.Errorf("refused, yet stored: %v, was %v", after, before)
	}

	if status, body := post("/web/domain_block", url.Values{"domain": {B}}); status != http.StatusSeeOther {
		t.Fatalf("domain block: %d\n%s", status, body)
	}
	_, page := c.Get(search)
	if !strings.Contains(page, `action="/web/domain_unblock"`) || strings.Contains(page, `action="/web/domain_block"`) ||
		strings.Contains(page, ">Unfollow<") || strings.Contains(page, "Follows you") {
		t.Errorf("after the server block, bob's page:\n%s", page)
	}
	if page := home(); strings.Contains(page, "loaf news") {
		t.Errorf("after the server block, bob's post is still in alice's home")
	}
	_, page = c.Get("/edit_profile")
	if !strings.Contains(page, `name="domain" value="`+B+`"`) || !strings.Contains(page, `action="/web/domain_unblock"`) {
		t.Errorf("the profile form does not list the blocked server:\n%s", page)
	}
	bob, aliceThere := b.LocalActor("bob"), b.ActorByURI(m.aliceURI)
	testrig.Eventually(t, 10*time.Second, "b drops both follows", func() bool {
		_, err1 := b.App.DB().GetFollow(context.Background(), bob.ID, aliceThere.ID)
		_, err2 := b.App.DB().GetFollow(context.Background(), aliceThere.ID, bob.ID)
		return storage.KindOf(err1) == storage.NotFound && storage.KindOf(err2) == storage.NotFound
	})

	if resp, _ := c.Post("/web/domain_unblock", url.Values{"domain": {B}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("domain unblock without the CSRF token: %d", resp.StatusCode)
	}
	if status, body := post("/web/domain_unblock", url.Values{"domain": {B}}); status != http.StatusSeeOther {
		t.Fatalf("domain unblock: %d\n%s", status, body)
	}
	if status, body := post("/web/domain_unblock", url.Values{"domain": {"never.example"}}); status != http.StatusSeeOther {
		t.Errorf("unblock of a server never blocked: %d\n%s", status, body)
	}
	if _, page := c.Get("/edit_profile"); strings.Contains(page, `action="/web/domain_unblock"`) {
		t.Errorf("after the unblock, the profile form still lists a server")
	}
	if _, page := c.Get(search); !strings.Contains(page, `action="/web/domain_block"`) {
		t.Errorf("after the unblock, bob's page offers no server block:\n%s", page)
	}
}
