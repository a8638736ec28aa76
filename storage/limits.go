package storage

import (
	"context"
	"time"
)

// LimitWriter keeps the rate limits that must hold for the whole instance, whichever of its
// processes a request reaches (sign-in attempts: a guesser must not get one allowance per
// process). Limits that protect one process's own resources stay in that process.
type LimitWriter interface {
	// TakeToken takes a token from the bucket named key, which refills at rate tokens a
	// second up to burst (a new bucket is full), and reports whether there was one and
	// how many tokens are left after the take (a fraction while the next one refills).
	TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (ok bool, left float64, err error)
}
