package federation

import (
	"fmt"
	"testing"
	"time"

	"refuge/storage"
)

// TestBackfillBounds: one fetch per URI at a time, failures remembered for a while (a failed
// host wholly, a refused note alone) in a bounded memory, a bounded queue that drops rather
// than blocks, and nothing asked for a local URI. Nothing here fetches: Run is never started.
func TestBackfillBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	const remote, local = "https://remote.test", "https://local.test"
	newBackfill := func() *Backfill {
		return NewBackfill(&Remote{LocalHost: "local.test", Now: func() time.Time { return now }})
	}
	rows := []struct {
		name string
		run  func(b *Backfill) bool // true when it went as it should
	}{
		{"a URI being fetched is not claimed twice", func(b *Backfill) bool {
			return b.claim(remote+"/notes/1") && !b.claim(remote+"/notes/1")
		}},
		{"a released URI can be claimed again", func(b *Backfill) bool {
			b.claim(remote + "/notes/1")
			b.release(remote + "/notes/1")
			return b.claim(remote + "/notes/1")
		}},
		{"a host that timed out is left alone, every URI on it", func(b *Backfill) bool {
			b.remember(remote+"/notes/1", storage.Errorf(storage.Transient, "timed out"))
			return !b.claim(remote+"/notes/2") && b.claim("https://other.test/notes/2")
		}},
		{"a note its host refused is not asked for again, other notes there are", func(b *Backfill) bool {
			b.remember(remote+"/notes/1", storage.Errorf(storage.NotFound, "not found"))
			return !b.claim(remote+"/notes/1") && b.claim(remote+"/notes/2")
		}},
		{"a failure is forgotten after the failure window", func(b *Backfill) bool {
			b.remember(remote+"/notes/1", storage.Errorf(storage.Transient, "timed out"))
			b.remember(remote+"/notes/2", storage.Errorf(storage.Gone, "gone"))
			b.now = func() time.Time { return now.Add(backfillFailFor) }
			return b.claim(remote+"/notes/1") && b.claim(remote+"/notes/2")
		}},
		{"the failure memory stays bounded", func(b *Backfill) bool {
			for i := range 3 * backfillMaxFailures {
				b.remember(fmt.Sprintf("%s/notes/%d", remote, i), storage.Errorf(storage.NotFound, "not found"))
				b.remember(fmt.Sprintf("https://host%d.test/notes/1", i), storage.Errorf(storage.Transient, "down"))
			}
			return len(b.failedURI) <= backfillMaxFailures && len(b.failedHost) <= backfillMaxFailures
		}},
		{"a full queue drops what it cannot take, without blocking or keeping it pending", func(b *Backfill) bool {
			for i := range 2 * backfillQueue {
				b.Ancestors(fmt.Sprintf("%s/notes/%d", remote, i), 20)
			}
			return len(b.queue) == backfillQueue && len(b.pending) == backfillQueue
		}},
		{"an outbox is read once in a few minutes, however often it is asked for", func(b *Backfill) bool {
			a := &storage.Actor{URI: remote + "/users/bob", Outbox: remote + "/users/bob/outbox"}
			b.Outbox(a)
			b.release(a.Outbox) // as if read
			b.Outbox(a)
			once := len(b.queue) == 1
			b.now = func() time.Time { return now.Add(backfillOutboxEvery) }
			b.Outbox(a)
			return once && len(b.queue) == 2
		}},
		{"an outbox whose host failed lately is not read", func(b *Backfill) bool {
			b.remember(remote+"/notes/1", storage.Errorf(storage.Transient, "timed out"))
			b.Outbox(&storage.Actor{URI: remote + "/users/bob", Outbox: remote + "/users/bob/outbox"})
			return len(b.queue) == 0
		}},
		{"no outbox of a local, suspended or deleted actor, nor one on another host, is read", func(b *Backfill) bool {
			for _, a := range []*storage.Actor{
				{Local: true, URI: local + "/users/alice", Outbox: local + "/users/alice/outbox"},
				{URI: remote + "/users/s", Outbox: remote + "/users/s/outbox", SuspendedAt: now},
				{URI: remote + "/users/d", Outbox: remote + "/users/d/outbox", DeletedAt: now},
				{URI: remote + "/users/o", Outbox: "https://other.test/users/o/outbox"},
				{URI: remote + "/users/n"},
			} {
				b.Outbox(a)
			}
			return len(b.queue) == 0 && len(b.pending) == 0
		}},
		{"a local note or a zero limit is never asked for", func(b *Backfill) bool {
			b.Ancestors(local+"/users/alice/notes/1", 20)
			b.Ancestors(remote+"/notes/1", 0)
			return len(b.queue) == 0 && len(b.pending) == 0
		}},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			if !row.run(newBackfill()) {
				t.Error("it did not")
			}
		})
	}
}
