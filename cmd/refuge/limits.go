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
	lookups       *buckets // WebFinger look-ups a visitor makes us do (remote follow), per address
}

// The default inbox limit per remote host: far above what a busy peer sends, low enough that
// one flooding server cannot take every request slot.
const (
	defaultInboxRate  = 1000
	defaultInboxBurst = 2000
)

func newLimiter() *limiter {
	return &limiter{
		inbox:         newBuckets(defaultInboxRate, defaultInboxBurst),
		signinAddr:    newBuckets(10.0/60, 10),
		signinAccount: newBuckets(10.0/60, 10),
		lookups:       newBuckets(30.0/60, 30),
	}
}

// allowInbox limits deliveries per remote host, so that one flooding server cannot starve
// the others. The host is the one the signature's keyId names, which is not verified yet
// (the limit comes before any work), so the bucket is per host and connecting address: a
// forger claiming a victim's keys uses up only its own share, never the victim's.
func (l *limiter) allowInbox(r *http.Request) error {
	key, who := clientAddr(r), clientAddr(r)
	if keyID, err := federation.SignatureKeyID(r); err == nil && storage.HostOf(keyID) != "" {
		who = storage.HostOf(keyID)
		key = who + " " + key
	}
	if !l.inbox.allow(key, time.Now()) {
		return storage.Errorf(storage.TooMany, "too many deliveries from %s; slow down", who)
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
