package main

import (
	"net"
	"net/http"
	"sync"
	"time"

	"refuge/federation"
	"refuge/storage"
)

// bucket is a token bucket: rate tokens a second up to burst.
type bucket struct {
	tokens float64
	last   time.Time
}

// buckets rate-limits by key. Idle keys are dropped so the map cannot grow without bound.
type buckets struct {
	mu    sync.Mutex
	rate  float64
	burst float64
	m     map[string]*bucket
	swept time.Time
}

func newBuckets(rate, burst float64) *buckets {
	return &buckets{rate: rate, burst: burst, m: map[string]*bucket{}}
}

// allow takes one token for key and reports whether there was one.
func (b *buckets) allow(key string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if now.Sub(b.swept) > time.Minute {
		for k, v := range b.m {
			if now.Sub(v.last).Seconds()*b.rate > b.burst {
				delete(b.m, k)
			}
		}
		b.swept = now
	}
	x := b.m[key]
	if x == nil {
		x = &bucket{tokens: b.burst, last: now}
		b.m[key] = x
	}
	x.tokens = min(b.burst, x.tokens+now.Sub(x.last).Seconds()*b.rate)
	x.last = now
	if x.tokens < 1 {
		return false
	}
	x.tokens--
	return true
}

// limiter holds the instance's rate limits.
type limiter struct {
	inbox         *buckets // per remote host (from the signature's keyId), else per address
	signinAddr    *buckets // sign-in attempts per client address
	signinAccount *buckets // sign-in attempts per account name
}

func newLimiter() *limiter {
	return &limiter{
		inbox:         newBuckets(1000, 2000),
		signinAddr:    newBuckets(10.0/60, 10),
		signinAccount: newBuckets(10.0/60, 10),
	}
}

// allowInbox limits deliveries per remote host, so that one flooding server cannot starve
// the others.
func (l *limiter) allowInbox(r *http.Request) error {
	key := clientAddr(r)
	if keyID, err := federation.SignatureKeyID(r); err == nil && storage.HostOf(keyID) != "" {
		key = storage.HostOf(keyID)
	}
	if !l.inbox.allow(key, time.Now()) {
		return storage.Errorf(storage.TooMany, "too many deliveries from %s; slow down", key)
	}
	return nil
}

// clientAddr is the connecting address, without the port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
