package sqldb

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestPushQueue: Notify queues a push only where the subscription's alerts and policy let
// it through; a claimed push is leased; a subscription goes with its token.
func TestPushQueue(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ida := &storage.Actor{URI: "https://refuge.example/users/ida", Local: true, Type: "Person", Username: "ida",
		Inbox: "https://refuge.example/users/ida/inbox", Published: at}
	joe := &storage.Actor{URI: "https://refuge.example/users/joe", Local: true, Type: "Person", Username: "joe",
		Inbox: "https://refuge.example/users/joe/inbox", Published: at}
	token := &storage.Token{Hash: storage.HashToken("ida's app"), Kind: storage.TokenOAuth, Scopes: "push", Created: at}
	update := func(fn func(tx storage.Tx) error) {
		t.Helper()
		if err := db.Update(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx storage.Tx) error {
		for _, a := range []*storage.Actor{ida, joe} {
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
		}
		token.ActorID = ida.ID
		if err := tx.PutToken(ctx, token); err != nil {
			return err
		}
		return tx.PutPushSubscription(ctx, &storage.PushSubscription{TokenHash: token.Hash, AccountID: ida.ID,
			Endpoint: "https://push.example/1", AccessToken: "ida's app", P256dh: "k", Auth: "a",
			Alerts: []string{"mention", "follow"}, Policy: storage.PushFollowed, Created: at})
	})
	queued := func() int {
		t.Helper()
		c, err := db.RowCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c["pushes"]
	}
	notify := func(kind storage.NotificationKind) {
		update(func(tx storage.Tx) error { return tx.Notify(ctx, ida.ID, kind, joe.ID, 0, at) })
	}
	notify(storage.NotificationFollow)
	if n := queued(); n != 0 {
		t.Fatalf("policy followed, from one ida does not follow: %d queued", n)
	}
	update(func(tx storage.Tx) error {
		f := &storage.Follow{URI: ida.URI + "/follows/1", FollowerID: ida.ID, FolloweeID: joe.ID, Created: at}
		if err := tx.PutFollow(ctx, f); err != nil {
			return err
		}
		return tx.AcceptFollow(ctx, f.ID)
	})
	notify(storage.NotificationLike) // favourite: not among the alerts
	if n := queued(); n != 0 {
		t.Fatalf("an alert not asked for: %d queued", n)
	}
	notify(storage.NotificationReply) // pushed as a mention
	if n := queued(); n != 1 {
		t.Fatalf("a reply from one ida follows: %d queued, want 1", n)
	}
	claimed, err := db.ClaimPushes(ctx, at, time.Minute, 10)
	if err != nil || len(claimed) != 1 || claimed[0].Subscription.Endpoint != "https://push.example/1" ||
		claimed[0].Subscription.AccessToken != "ida's app" || len(claimed[0].Subscription.Alerts) != 2 {
		t.Fatalf("claim: %v %+v", err, claimed)
	}
	if again, err := db.ClaimPushes(ctx, at.Add(time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed again within the lease: %v %d", err, len(again))
	}
	if err := db.RetryPush(ctx, claimed[0].ID, at.Add(2*time.Minute), "status 503"); err != nil {
		t.Fatal(err)
	}
	if next, err := db.NextPushDue(ctx); err != nil || !next.Equal(at.Add(2*time.Minute)) {
		t.Fatalf("next due %v %v", next, err)
	}
	if again, err := db.ClaimPushes(ctx, at.Add(2*time.Minute), time.Minute, 10); err != nil || len(again) != 1 || again[0].Attempts != 1 {
		t.Fatalf("retry: %v %+v", err, again)
	}
	update(func(tx storage.Tx) error { return tx.DeleteTokens(ctx, ida.ID, storage.TokenOAuth, token.Hash) })
	if _, err := db.GetPushSubscription(ctx, token.Hash); storage.KindOf(err) != storage.NotFound {
		t.Errorf("subscription outlived its token: %v", err)
	}
	if n := queued(); n != 0 {
		t.Errorf("%d pushes outlived their subscription", n)
	}
}
