package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"refuge/internal/testrig"
	"refuge/internal/testrig/peer"
	"refuge/internal/testrig/pgtest"
)

// TestStreamingAcrossProcesses: two `refuge serve` processes on one PostgreSQL database;
// alice streams her user stream from process 1, and what bob does through process 2 (a
// post of someone she follows, a like of her post) reaches her as update and notification
// events: storage's events travel between processes by NOTIFY.
func TestStreamingAcrossProcesses(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("needs PostgreSQL: set %s to an admin DSN (CI's PostgreSQL run sets it; see .ci/run)", pgtest.EnvVar)
	}
	dsn, data := pgtest.NewDatabase(t), t.TempDir()
	addr1, addr2 := testrig.FreeAddr(t), testrig.FreeAddr(t)
	base1, base2 := "http://"+addr1, "http://"+addr2
	instance := []string{"--db", dsn, "--data", data, "--domain", addr1}
	testrig.ServeTogether(t, append([]string{"--listen", addr1}, instance...), append([]string{"--listen", addr2}, instance...))
	aliceToken := mpAccount(t, instance, "alice")
	bobToken := mpAccount(t, instance, "bob")

	call := func(method, url, token string) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		got := peer.Send(t, req)
		var v any
		if got.Status != http.StatusOK || json.Unmarshal(got.Body, &v) != nil {
			t.Fatalf("%s %s: %v", method, url, got)
		}
		if list, ok := v.([]any); ok && len(list) > 0 {
			v = list[0]
		}
		m, _ := v.(map[string]any)
		return m
	}
	bobID, _ := call("GET", base2+"/api/v1/accounts/lookup?acct=bob", bobToken)["id"].(string)
	call("POST", base2+"/api/v1/accounts/"+bobID+"/follow", aliceToken)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, "ws://"+addr1+"/api/v1/streaming?stream=user&access_token="+aliceToken, nil)
	if err != nil {
		t.Fatalf("stream from process 1: %v %v", err, resp)
	}
	defer conn.CloseNow()
	wait := func(event, text string) {
		t.Helper()
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				t.Fatalf("waiting for %s with %q: %v", event, text, err)
			}
			var m struct{ Event, Payload string }
			if json.Unmarshal(b, &m) == nil && m.Event == event && strings.Contains(m.Payload, text) {
				return
			}
		}
	}
	mpPost(t, base2, "bob", bobToken, "bob, through process 2")
	wait("update", "bob, through process 2")

	mpPost(t, base1, "alice", aliceToken, "alice's, to be liked")
	aliceID, _ := call("GET", base2+"/api/v1/accounts/lookup?acct=alice", bobToken)["id"].(string)
	status, _ := call("GET", base2+"/api/v1/accounts/"+aliceID+"/statuses", bobToken)["id"].(string)
	call("POST", base2+"/api/v1/statuses/"+status+"/favourite", bobToken)
	wait("notification", `"favourite"`)
}
