package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/outbox"
)

// TestWebExportArchive downloads the signed-in account's archive from the settings.
func TestWebExportArchive(t *testing.T) {
	in := testrig.Start(t)
	ctx := context.Background()
	in.LocalAccount("alice", "password-alice")
	in.LocalAccount("bob", "password-bob")
	alice, bob := in.LocalActor("alice"), in.LocalActor("bob")
	secret, _, err := in.App.Outbox().PostNote(ctx, alice, outbox.NoteInput{Content: "alice's own", Visibility: "direct"})
	if err != nil {
		t.Fatal(err)
	}
	const path = "/settings/export/archive"

	t.Run("signed out", func(t *testing.T) {
		resp, _ := testrig.NewWebClient(t, in).Get(path)
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/signin?next=") {
			t.Errorf("%d to %q, want a redirect to sign in", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	download := func(t *testing.T, c *testrig.WebClient, path string) (*http.Response, map[string][]byte) {
		t.Helper()
		resp, body := c.Get(path)
		if resp.StatusCode != http.StatusOK {
			return resp, nil
		}
		zr, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
		if err != nil {
			t.Fatalf("not a zip (%s): %v", resp.Header.Get("Content-Type"), err)
		}
		files := map[string][]byte{}
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			files[f.Name], _ = io.ReadAll(r)
			r.Close()
		}
		return resp, files
	}

	a := testrig.NewWebClient(t, in)
	a.SignIn("alice", "password-alice")
	resp, files := download(t, a, path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("alice's download: %d", resp.StatusCode)
	}
	want := `attachment; filename="archive-alice@` + strings.ReplaceAll(in.Cfg.Domain, ":", "_") + "-" + time.Now().UTC().Format("2006-01-02") + `.zip"`
	if got := resp.Header.Get("Content-Disposition"); got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/zip" {
		t.Errorf("Content-Type %q", ct)
	}
	var actor struct{ ID string }
	if err := json.Unmarshal(files["actor.json"], &actor); err != nil || actor.ID != alice.URI {
		t.Errorf("actor.json of alice's download: %s (%v)", files["actor.json"], err)
	}
	if !bytes.Contains(files["outbox.json"], []byte(secret.URI)) {
		t.Errorf("alice's direct post is not in her archive:\n%s", files["outbox.json"])
	}

	// Whoever asks gets their own archive, whatever the address says.
	b := testrig.NewWebClient(t, in)
	b.SignIn("bob", "password-bob")
	for _, p := range []string{path, path + "?name=alice", path + "?account=" + alice.URI} {
		resp, files := download(t, b, p)
		if resp.StatusCode != http.StatusOK {
			if resp.StatusCode == http.StatusTooManyRequests {
				break
			}
			t.Fatalf("bob's download %s: %d", p, resp.StatusCode)
		}
		if err := json.Unmarshal(files["actor.json"], &actor); err != nil || actor.ID != bob.URI || bytes.Contains(files["outbox.json"], []byte(secret.URI)) {
			t.Errorf("bob asking %s got actor %s with alice's post in it: %v", p, actor.ID, bytes.Contains(files["outbox.json"], []byte(secret.URI)))
		}
	}
	if resp, _ := b.Get(path + "/alice"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("%s/alice: %d, want 404", path, resp.StatusCode)
	}

	// A HEAD answers the headers without the work, and does not count.
	req, _ := http.NewRequest(http.MethodHead, in.Base+path, nil)
	if resp, body := a.Do(req); resp.StatusCode != http.StatusOK || body != "" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("HEAD: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Disposition"), len(body))
	}

	// Two downloads at once, then one every five minutes: alice's third is refused, saying so.
	a.Get(path)
	resp, body := a.Get(path)
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "try again in five minutes") ||
		resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("alice's third download: %d %q\n%.300s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
}
