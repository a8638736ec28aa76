package server_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/server"
)

// TestUnusableSignatureOnARead: a GET that carries a signature Refuge cannot use (RFC 9421's
// Signature-Input and Signature, which Refuge does not read yet; a draft-cavage signature
// that does not verify) reads what anyone may, as an unsigned one does: the public actor and
// note, and never the followers-only note. Where signed reads are required (authorized
// fetch) it is refused, and the answer says why.
func TestUnusableSignatureOnARead(t *testing.T) {
	t.Parallel()
	open := testrig.Start(t)
	closed := testrig.Start(t, func(c *server.Config) { c.AuthorizedFetch = true })
	p := peer.New(t, "127.0.0.1:0", "")
	k1, k2 := peer.Keys()
	eve := p.Actor("eve", k1)

	type signing func(req *http.Request)
	rfc9421 := func(req *http.Request) {
		req.Header.Set("Signature-Input", `sig1=("@method" "@target-uri");created=`+
			strconv.FormatInt(time.Now().Unix(), 10)+`;keyid="`+eve.KeyID+`";alg="rsa-v1_5-sha256"`)
		req.Header.Set("Signature", "sig1=:dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==:")
	}
	wrongKey := func(req *http.Request) {
		req.Header.Set("Date", time.Now().UTC().Format(http.TimeFormat))
		req.Header.Set("Host", req.URL.Host)
		if err := peer.SignHeaders(req, eve.KeyID, k2, peer.Sig{Headers: []string{"(request-target)", "host", "date"}}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(url string, sign signing) (int, string) {
		t.Helper()
		req, err := http.NewRequest("GET", url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/activity+json")
		sign(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, in := range []*testrig.Instance{open, closed} {
		tok, _ := in.Account("alice", false)
		public := in.PostNote("alice", tok, map[string]any{"content": "for anyone"})
		private := in.PostNote("alice", tok, map[string]any{"content": "for followers", "to": []string{in.Base + "/users/alice/followers"}})
		for name, sign := range map[string]signing{"RFC 9421": rfc9421, "a key that is not the signer's": wrongKey} {
			for _, row := range []struct {
				what, url string
				want      int // on the open instance
			}{
				{"the actor", in.Base + "/users/alice", http.StatusOK},
				{"a public note", public, http.StatusOK},
				{"a followers-only note", private, http.StatusNotFound},
			} {
				status, body := get(row.url, sign)
				switch {
				case in == open && status != row.want:
					t.Errorf("%s, signed with %s: %d %.200s; want %d, as unsigned", row.what, name, status, body, row.want)
				case in == closed && (status != http.StatusUnauthorized || !strings.Contains(body, "signature")):
					t.Errorf("%s under authorized fetch, signed with %s: %d %.200s; want 401 saying why", row.what, name, status, body)
				}
			}
		}
	}
}
