package media

import (
	"context"
	"testing"
	"time"

	"refuge/storage"
)

// TestBudget: takers wait while the budget is spent, in line, give up when their request
// ends, and go on when it comes back.
func TestBudget(t *testing.T) {
	b := newBudget(10)
	ctx := context.Background()
	if err := b.acquire(ctx, 10); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := b.acquire(short, 1); storage.KindOf(err) != storage.Transient {
		t.Fatalf("waiting past the request's end: %v", err)
	}
	got := make(chan int, 2)
	go func() { b.acquire(ctx, 8); got <- 8 }()
	time.Sleep(20 * time.Millisecond) // 8 is first in line
	go func() { b.acquire(ctx, 2); got <- 2 }()
	time.Sleep(20 * time.Millisecond)
	select {
	case n := <-got:
		t.Fatalf("%d taken while the budget is spent", n)
	default:
	}
	// Eight come back: the first in line takes them, although the second needs fewer.
	b.release(8)
	if n := <-got; n != 8 {
		t.Fatalf("%d taken first", n)
	}
	b.release(2)
	if n := <-got; n != 2 {
		t.Fatalf("%d taken second", n)
	}
}
