package server_test

import (
	"crypto/rsa"
	"io"
	"net/http"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
)

// TestSignerKeptAndForgotten: the signer of a checked request is kept for the next, yet a
// key that rotated is fetched again and the old one refused, and an actor that deleted
// itself is refused at once, not when the kept copy runs out. The instance requires signed
// reads (authorized fetch), so that a signature that names nobody is refused, not read as
// a visitor's request.
func TestSignerKeptAndForgotten(t *testing.T) {
	t.Parallel()
	in := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	in.Account("alice", false)
	p := peer.New(t, "127.0.0.1:0", "")
	k1, k2 := peer.Keys()
	eve := p.Actor("eve", k1)
	get := func(key *rsa.PrivateKey) int {
		t.Helper()
		req, err := http.NewRequest("GET", in.Base+"/users/alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/activity+json")
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Host", req.URL.Host)
		if err := peer.SignHeaders(req, eve.KeyID, key, peer.Sig{Headers: []string{"(request-target)", "host", "date"}}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i, step := range []struct {
		name   string
		before func()
		key    *rsa.PrivateKey
		want   int
	}{
		{"first signed fetch", nil, k1, http.StatusOK},
		{"again, from the kept signer", nil, k1, http.StatusOK},
		{"a key nobody has", nil, k2, http.StatusUnauthorized},
		{"the key rotated: fetched again", func() { eve.Key = k2; p.Doc("/users/eve", eve.Doc()) }, k2, http.StatusOK},
		{"the old key is refused", nil, k1, http.StatusUnauthorized},
		{"eve deleted herself: refused at once", func() {
			eve.Deliver(t, in.Base+"/inbox", eve.Activity("Delete", eve.URI))
		}, k2, http.StatusUnauthorized},
	} {
		if step.before != nil {
			step.before()
		}
		if got := get(step.key); got != step.want {
			t.Errorf("%d %s: %d, want %d", i, step.name, got, step.want)
		}
	}
}
