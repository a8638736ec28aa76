package sqldb

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"refuge/storage"
)

// TestBlocksCoverPortsAndSubdomains: a block of a domain covers it on any port and every
// domain under it, as Mastodon's domain blocks do; a block with a port covers that port
// only; an actor block covers that actor only; nothing else is caught.
func TestBlocksCoverPortsAndSubdomains(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, target := range []string{"evil.example", "port.example:8443", "https://mixed.example/users/troll", "10.0.0.9"} {
			if err := tx.PutBlock(ctx, target, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rows := []struct {
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
