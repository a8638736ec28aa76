package server_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"refuge/internal/testrig"
	"refuge/storage"
)

// TestAdminAccountsPage: an admin lists the local accounts and, from their forms,
// suspends and unsuspends one, gives it a new password (shown once; its old password and
// its web sessions stop working, the new password signs in) and turns its two-factor
// sign-in off.
func TestAdminAccountsPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	in.Account("alice", false)
	root := signedInAdmin(t, in)
	aliceWeb := testrig.NewWebClient(t, in)
	aliceWeb.SignIn("alice", "password-alice")
	db := in.App.DB()

	resp, page := root.Get("/admin/accounts")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, ">alice</a>") || !strings.Contains(page, "/admin/accounts/alice/suspend") {
		t.Fatalf("accounts page: %d\n%s", resp.StatusCode, page)
	}
	act := func(action string, want int) string {
		t.Helper()
		resp, body := root.Post("/admin/accounts/alice/"+action, url.Values{"csrf": {root.CSRF("/admin/accounts")}})
		if resp.StatusCode != want {
			t.Fatalf("%s: %d, want %d\n%s", action, resp.StatusCode, want, body)
		}
		return body
	}

	act("suspend", http.StatusSeeOther)
	if !in.LocalActor("alice").Suspended() {
		t.Error("alice is not suspended")
	}
	if _, page := root.Get("/admin/accounts"); !strings.Contains(page, "/admin/accounts/alice/unsuspend") {
		t.Error("the page offers no unsuspend for alice")
	}
	act("suspend", http.StatusConflict)
	act("unsuspend", http.StatusSeeOther)
	if in.LocalActor("alice").Suspended() {
		t.Error("alice is still suspended")
	}

	body := act("password", http.StatusOK)
	m := regexp.MustCompile(`<code>([^<]+)</code>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no new password shown:\n%s", body)
	}
	if resp, _ := aliceWeb.Get("/home"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("alice's old session still works: %d", resp.StatusCode)
	}
	if resp, _ := testrig.NewWebClient(t, in).TrySignIn("alice", "password-alice", ""); resp.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	testrig.NewWebClient(t, in).SignIn("alice", m[1])
	if _, page := root.Get("/admin/accounts"); strings.Contains(page, m[1]) {
		t.Error("the new password is shown again")
	}

	alice := in.LocalActor("alice")
	c, err := db.GetCredentials(ctx, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	c.TOTPSecret, c.TOTPEnabled = "JBSWY3DPEHPK3PXP", true
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.PutCredentials(ctx, c) }); err != nil {
		t.Fatal(err)
	}
	act("two_factor_off", http.StatusSeeOther)
	if c, err := db.GetCredentials(ctx, alice.ID); err != nil || c.TOTPEnabled || c.TOTPSecret != "" {
		t.Errorf("two-factor sign-in is still on: %+v %v", c, err)
	}
	act("two_factor_off", http.StatusConflict)

	resp, _ = root.Post("/admin/accounts/nobody/suspend", url.Values{"csrf": {root.CSRF("/admin/accounts")}})
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("suspend an unknown account: %d", resp.StatusCode)
	}
}

// TestAdminDomainBlocksPage: the blocks page and `refuge block` share one list: what the
// page adds the command lists, what the command adds the page shows, and either removes it.
func TestAdminDomainBlocksPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	root := signedInAdmin(t, in)
	post := func(path, target string, want int) {
		t.Helper()
		resp, body := root.Post(path, url.Values{"csrf": {root.CSRF("/admin/domain_blocks")}, "target": {target}})
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d\n%s", path, target, resp.StatusCode, want, body)
		}
	}
	cliList := func() string {
		t.Helper()
		code, out := in.Admin("block", "list")
		if code != 0 {
			t.Fatalf("block list: %d %s", code, out)
		}
		return out
	}

	post("/admin/domain_blocks/add", " Spam.Example ", http.StatusSeeOther)
	if blocked, err := in.App.DB().IsBlocked(ctx, "https://spam.example/users/x"); err != nil || !blocked {
		t.Errorf("spam.example is not blocked: %v", err)
	}
	if out := cliList(); !strings.Contains(out, "spam.example\t") {
		t.Errorf("block list does not show the page's block:\n%s", out)
	}
	if code, out := in.Admin("block", "add", "https://bad.example/users/troll"); code != 0 {
		t.Fatalf("block add: %d %s", code, out)
	}
	if _, page := root.Get("/admin/domain_blocks"); !strings.Contains(page, "https://bad.example/users/troll") ||
		!strings.Contains(page, "spam.example") {
		t.Errorf("the page does not list both blocks:\n%s", page)
	}
	post("/admin/domain_blocks/add", "not a host/", http.StatusBadRequest)
	post("/admin/domain_blocks/remove", "spam.example", http.StatusSeeOther)
	post("/admin/domain_blocks/remove", "spam.example", http.StatusNotFound)
	if out := cliList(); strings.Contains(out, "spam.example") || !strings.Contains(out, "bad.example") {
		t.Errorf("after the page's remove, block list says:\n%s", out)
	}
}

// TestAdminSuspendFederates: a suspension from the accounts page reaches the servers of
// the account's followers, and so does its lifting.
func TestAdminSuspendFederates(t *testing.T) {
	t.Parallel()
	home, peerIn := testrig.Start(t), testrig.Start(t)
	_, alice := home.Account("alice", false)
	bobTok, _ := peerIn.Account("bob", false)
	peerIn.FollowRemote("bob", bobTok, home, "alice")
	root := signedInAdmin(t, home)
	for _, step := range []struct {
		action string
		want   bool
	}{{"suspend", true}, {"unsuspend", false}} {
		resp, body := root.Post("/admin/accounts/alice/"+step.action, url.Values{"csrf": {root.CSRF("/admin/accounts")}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.action, resp.StatusCode, body)
		}
		testrig.Eventually(t, testrig.FederationWait, "bob's instance sees alice after "+step.action, func() bool {
			return peerIn.ActorByURI(alice).Suspended() == step.want
		})
	}
}

// signedInAdmin makes an admin account, root (password "password-root"), on in and signs it
// in on the web.
func signedInAdmin(t *testing.T, in *testrig.Instance) *testrig.WebClient {
	t.Helper()
	if _, err := in.App.Outbox().CreateAccount(context.Background(), "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	root := testrig.NewWebClient(t, in)
	root.SignIn("root", "password-root")
	return root
}
