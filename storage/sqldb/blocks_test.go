package sqldb

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"refuge/storage"
)

// What a block covers, whatever its severity: coverTargets are blocked, and coverRows say
// which actors, by URI, that covers.
var (
	coverTargets = []string{"evil.example", "port.example:8443", "https://mixed.example/users/troll", "10.0.0.9"}
	coverRows    = []struct {
		uri     string
		blocked bool
	}{
		{"https://evil.example/users/x", true},
		{"https://evil.example:443/users/x", true},
		{"http://EVIL.example:8080/users/x", true},
		{"https://a.b.evil.example/users/x", true},
		{"https://notevil.example/users/x", false},
		{"https://evil.example.org/users/x", false},
		{"https://port.example:8443/users/x", true},
		{"https://port.example/users/x", false},
		{"https://port.example:443/users/x", false},
		{"https://mixed.example/users/troll", true},
		{"https://mixed.example/users/friend", false},
		{"http://10.0.0.9:8080/users/x", true},
		{"http://10.0.0.90/users/x", false},
		{"https://example/users/x", false},
		{"", false},
	}
)

// TestBlocksCoverPortsAndSubdomains: a block of a domain covers it on any port and every
// domain under it, as Mastodon's domain blocks do; a block with a port covers that port
// only; an actor block covers that actor only; nothing else is caught.
func TestBlocksCoverPortsAndSubdomains(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, target := range coverTargets {
			if err := tx.PutBlock(ctx, storage.Block{Target: target, Created: time.Now()}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := coverRows
	var hosts []string
	wantHosts := map[string]bool{}
	for _, row := range rows {
		if host := storage.HostOf(row.uri); host != "" && row.uri != "https://mixed.example/users/troll" {
			hosts = append(hosts, host)
			if row.blocked {
				wantHosts[host] = true
			}
		}
	}
	// Past one statement's list: 200 hosts under evil.example (two targets each) and 200 not.
	for i := range 200 {
		hosts = append(hosts, fmt.Sprintf("h%d.evil.example", i), fmt.Sprintf("h%d.fine.example:8443", i))
		wantHosts[fmt.Sprintf("h%d.evil.example", i)] = true
	}
	if got, err := db.BlockedHosts(ctx, hosts); err != nil || !maps.Equal(got, wantHosts) {
		t.Errorf("BlockedHosts(%q) = %v (%v), want %v", hosts, got, err, wantHosts)
	}
	for _, row := range rows {
		got, err := db.IsBlocked(ctx, row.uri)
		if err != nil || got != row.blocked {
			t.Errorf("IsBlocked(%q) = %v (%v), want %v", row.uri, got, err, row.blocked)
		}
		if host := storage.HostOf(row.uri); host != "" && row.uri != "https://mixed.example/users/troll" {
			if got, err := db.IsHostBlocked(ctx, host); err != nil || got != row.blocked {
				t.Errorf("IsHostBlocked(%q) = %v (%v), want %v", host, got, err, row.blocked)
			}
		}
	}
}

// TestCheckDeliverySeesEveryBlockChange: the blocks CheckDelivery keeps in memory follow
// every block set or lifted, by this process or another on the same database (two handles
// on one SQLite file, as the admin commands write beside the server, or on one PostgreSQL
// database), from the very next check; and it tells a stored activity from a new one.
func TestCheckDeliverySeesEveryBlockChange(t *testing.T) {
	ctx := context.Background()
	a, b := openTwice(t)
	troll := "https://evil.example/users/troll"
	friend := "https://good.example/users/friend"
	key := "https://keys.example/keys/1"
	steps := []struct {
		name    string
		by      *DB
		put     string // a target to block
		lift    string // a target to unblock
		actors  []string
		blocked bool
	}{
		{"nothing blocked", nil, "", "", []string{troll, friend}, false},
		{"a blocks the host", a, "evil.example", "", []string{troll}, true},
		{"a host block covers subdomains", nil, "", "", []string{"https://a.evil.example/u/x"}, true},
		{"any of the actors counts", nil, "", "", []string{friend, troll}, true},
		{"others stay free", nil, "", "", []string{friend}, false},
		{"b lifts it", b, "", "evil.example", []string{troll}, false},
		{"b blocks one actor", b, troll, "", []string{troll}, true},
		{"its neighbour stays free", nil, "", "", []string{"https://evil.example/users/other"}, false},
		{"a blocks the key's host", a, "keys.example", "", []string{friend, key}, true},
		{"a lifts the actor block", a, "", troll, []string{troll}, false},
		{"b lifts the key's host", b, "", "keys.example", []string{friend, key}, false},
		{"blocking twice changes nothing", a, "evil.example", "", []string{troll}, true},
		{"and again", b, "evil.example", "", []string{troll}, true},
	}
	for _, s := range steps {
		if s.by != nil {
			err := s.by.Update(ctx, func(tx storage.Tx) error {
				if s.put != "" {
					return tx.PutBlock(ctx, storage.Block{Target: s.put, Created: time.Now()})
				}
				return tx.DeleteBlock(ctx, s.lift)
			})
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		for i, db := range []*DB{a, b} {
			seen, blocked, err := db.CheckDelivery(ctx, "https://good.example/activities/1", s.actors)
			if err != nil || seen || blocked != s.blocked {
				t.Errorf("%s: process %d: CheckDelivery = seen %v, blocked %v (%v), want blocked %v", s.name, i, seen, blocked, err, s.blocked)
			}
		}
	}

	actor := mustActor(t, a, "friend", "good.example", false)
	err := a.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.PutActivity(ctx, &storage.Activity{URI: "https://good.example/activities/1", ActorID: actor.ID, Type: "Create"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, db := range []*DB{a, b} {
		for _, row := range []struct {
			uri  string
			seen bool
		}{{"https://good.example/activities/1", true}, {"https://good.example/activities/2", false}, {"", false}} {
			seen, blocked, err := db.CheckDelivery(ctx, row.uri, []string{friend})
			if err != nil || seen != row.seen || blocked {
				t.Errorf("process %d: CheckDelivery(%q) = seen %v, blocked %v (%v), want seen %v", i, row.uri, seen, blocked, err, row.seen)
			}
		}
	}
}
