package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/outbox"
	"refuge/storage"
)

// TestHostileAdmin: the admins' pages and forms refuse everyone else. Every POST under
// /admin is refused (403) to a signed-in account that is no admin, even with its own CSRF
// token, and to an admin without the CSRF token, with another session's or from another
// site; nothing changes. The queue is 403 to a non-admin and a sign-in redirect to a
// visitor. A Flag from another server is kept only when it names an account here.
func TestHostileAdmin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := testrig.Start(t)
	_, alice := in.Account("alice", false)
	in.Account("mal", false)
	if _, err := in.App.Outbox().CreateAccount(ctx, "root", "password-root", true); err != nil {
		t.Fatal(err)
	}
	rootWeb, malWeb := webSignIn(t, in, "root"), webSignIn(t, in, "mal")
	target := in.LocalActor("alice")
	rep, err := in.App.Outbox().Report(ctx, in.LocalActor("mal"), outbox.ReportInput{TargetID: target.ID, Comment: "bait"})
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := peer.Keys()
	p := peer.New(t, "127.0.0.1:0", "")
	eve := p.Actor("eve", k1)
	p.Doc("/users/eve", eve.Doc())

	unchanged := func(t *testing.T, _ peer.Answer) {
		got, err := in.App.DB().GetReport(ctx, rep.ID)
		if err != nil || !got.Open() {
			t.Errorf("the report was resolved: %+v %v", got, err)
		}
		if a := in.LocalActor("alice"); a.Suspended() {
			t.Error("alice was suspended")
		}
	}
	var rows []hostileCase
	for _, action := range []string{"dismiss", "delete", "suspend"} {
		path := fmt.Sprintf("/admin/reports/%d/%s", rep.ID, action)
		post := func(s webSession, csrf, origin string) func(t *testing.T) peer.Answer {
			return func(t *testing.T) peer.Answer {
				return formPost(t, in, path, s.cookie, origin, url.Values{"csrf": {csrf}})
			}
		}
		rows = append(rows,
			hostileCase{name: action + " by a non-admin with its own CSRF token", send: post(malWeb, malWeb.csrf, ""),
				status: 403, reason: "only admins", check: unchanged},
			hostileCase{name: action + " by the admin without the CSRF token", send: post(rootWeb, "", ""),
				status: 403, reason: "no CSRF token", check: unchanged},
			hostileCase{name: action + " by the admin with another session's CSRF token", send: post(rootWeb, malWeb.csrf, ""),
				status: 403, reason: "CSRF token is wrong", check: unchanged},
			hostileCase{name: action + " by the admin from another site", send: post(rootWeb, rootWeb.csrf, "http://evil.example"),
				status: 403, reason: "from another site", check: unchanged},
			hostileCase{name: action + " by a visitor", send: post(webSession{}, rootWeb.csrf, ""),
				status: 401, reason: "sign in first", check: unchanged},
		)
	}
	rows = append(rows,
		hostileCase{name: "the queue to a non-admin", send: func(t *testing.T) peer.Answer {
			return getPage(t, in, "/admin/reports", malWeb.cookie)
		}, status: 403, reason: "nly admins may see this page"},
		hostileCase{name: "the queue to a visitor", send: func(t *testing.T) peer.Answer {
			return getPage(t, in, "/admin/reports", "")
		}, status: http.StatusSeeOther},
		hostileCase{name: "a Flag naming an account here is kept, without the posts that are not ours",
			send: func(t *testing.T) peer.Answer {
				return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", []string{alice, p.Base + "/notes/1"},
					"content", "alice is rude"), peer.Sig{})
			}, status: http.StatusAccepted, delta: map[string]int{"reports": 1, "activities": 1, "actors": 1}, // eve is fetched once
			check: func(t *testing.T, _ peer.Answer) {
				list, err := in.App.DB().ListReports(ctx, true, storage.Page{})
				if err != nil || len(list) != 2 || list[0].Comment != "alice is rude" || list[0].TargetID != target.ID ||
					len(list[0].NoteIDs) != 0 {
					t.Errorf("reports: %+v %v", list, err)
				}
			}},
		hostileCase{name: "a Flag naming nothing here is dropped", send: func(t *testing.T) peer.Answer {
			return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", []string{p.Base + "/users/nobody", in.Base + "/users/ghost"},
				"content", "about no one here"), peer.Sig{})
		}, status: http.StatusAccepted},
		hostileCase{name: "a Flag whose object is too long a list", send: func(t *testing.T) peer.Answer {
			objects := make([]string, 101)
			for i := range objects {
				objects[i] = alice
			}
			return eve.Post(t, in.Base+"/inbox", eve.Activity("Flag", objects), peer.Sig{})
		}, status: http.StatusBadRequest, reason: "too many objects"},
	)
	runHostile(t, in, rows)
}
