package federation

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestHostSlots: at most max holders per host; a waiter gives up with Transient when its
// context ends; other hosts are not held up; entries go once nobody holds or waits.
func TestHostSlots(t *testing.T) {
	h := hostSlots{max: 2, m: map[string]*hostSlot{}}
	ctx := context.Background()
	r1, err1 := h.acquire(ctx, "slow.example")
	r2, err2 := h.acquire(ctx, "slow.example")
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := h.acquire(short, "slow.example"); storage.KindOf(err) != storage.Transient {
		t.Fatalf("third holder: %v, want Transient", err)
	}
	other, err := h.acquire(ctx, "other.example")
	if err != nil {
		t.Fatalf("another host waited: %v", err)
	}
	other()
	r1()
	r3, err := h.acquire(ctx, "slow.example")
	if err != nil {
		t.Fatal(err)
	}
	r2()
	r3()
	if len(h.m) != 0 {
		t.Fatalf("entries left: %v", h.m)
	}
}
