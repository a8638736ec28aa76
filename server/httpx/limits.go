package httpx

import (
	"cmp"
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
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

// Buckets rate-limits by key. Idle keys are dropped so the map cannot grow without bound.
type Buckets struct {
	mu    sync.Mutex
	rate  float64
	burst float64
	m     map[string]*bucket
	swept time.Time
}

// NewBuckets makes a limiter of rate tokens a second up to burst for each key.
func NewBuckets(rate, burst float64) *Buckets {
	return &Buckets{rate: rate, burst: burst, m: map[string]*bucket{}}
}

// Allow takes one token for key and reports whether there was one.
func (b *Buckets) Allow(key string, now time.Time) bool {
	return b.Take(key, now).OK
}

// Take takes one token for key and reports what the bucket had and has left.
func (b *Buckets) Take(key string, now time.Time) Taken {
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
	ok := x.tokens >= 1
	if ok {
		x.tokens--
	}
	return taken(ok, x.tokens, b.rate, b.burst, now)
}

// Taken is the outcome of one take from a bucket, as an API answer reports it.
type Taken struct {
	OK        bool
	Limit     int       // the bucket's size: requests allowed at once
	Remaining int       // whole tokens left
	Reset     time.Time // when the bucket is full again
	// RetryAfter is how long until the next token, when this take was refused.
	RetryAfter time.Duration
}

// taken describes a bucket of burst refilling at rate that has tokens left after a take.
func taken(ok bool, tokens, rate, burst float64, now time.Time) Taken {
	t := Taken{OK: ok, Limit: int(burst), Remaining: int(tokens),
		Reset: now.Add(time.Duration((burst - tokens) / rate * float64(time.Second)))}
	if !ok {
		t.RetryAfter = time.Duration((1 - tokens) / rate * float64(time.Second))
	}
	return t
}

// SharedBuckets rate-limits by key in the database, so that every process of an instance
// (several may share a PostgreSQL database) counts against the one limit.
type SharedBuckets struct {
	db          storage.DB
	name        string // the keys' prefix, one per limit
	rate, burst float64
}

// Allow takes one token for key and reports whether there was one.
func (b *SharedBuckets) Allow(ctx context.Context, key string, now time.Time) (bool, error) {
	t, err := b.Take(ctx, key, now)
	return t.OK, err
}

// Limit takes one token for key and, when there was none, returns TooMany with msg: what
// to wait for, said to the person.
func (b *SharedBuckets) Limit(ctx context.Context, key string, now time.Time, msg string) error {
	if ok, err := b.Allow(ctx, key, now); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "%s", msg)
	}
	return nil
}

// Take takes one token for key and reports what the bucket had and has left.
func (b *SharedBuckets) Take(ctx context.Context, key string, now time.Time) (Taken, error) {
	var ok bool
	var left float64
	err := b.db.Update(ctx, func(tx storage.Tx) (err error) {
		ok, left, err = tx.TakeToken(ctx, b.name+" "+key, b.rate, b.burst, now)
		return err
	})
	if err != nil {
		return Taken{}, err
	}
	return taken(ok, left, b.rate, b.burst, now), nil
}

// Limits holds the instance's rate limits. Those that keep a guesser out are shared by all
// the instance's processes; those that share out one process's own work are its own.
type Limits struct {
	Inbox         *Buckets       // per remote host (from the signature's keyId), else per address
	SigninAddr    *SharedBuckets // sign-in attempts per client address
	SigninAccount *SharedBuckets // sign-in attempts per account name
	// MailAddr and MailEmail limit the forms that mail a link (password reset, new
	// confirmation), per client address and per e-mail address typed: Mastodon's 25 in 5
	// minutes and 5 in 30 minutes. (Each account is limited too, in the outbox.)
	MailAddr  *SharedBuckets
	MailEmail *SharedBuckets
	Lookups   *Buckets  // WebFinger look-ups a visitor makes us do (remote follow), per address
	API       apiLimits // the client API's, as Mastodon sets them (see LimitAPI)
	// Exports limits the downloads of account archives, per account, shared by every
	// process: each reads every post and copies every file. Two at once, then one every
	// five minutes.
	Exports *SharedBuckets
}

// The default inbox limit per remote host: far above what a busy peer sends, low enough that
// one flooding server cannot take every request slot.
const (
	DefaultInboxRate  = 1000
	DefaultInboxBurst = 2000
)

// NewLimits makes the default limits, the shared ones kept in db, with the inbox limit per
// remote host given (0 for the defaults) and the client API's.
func NewLimits(db storage.DB, inboxRate, inboxBurst float64, api APILimits) *Limits {
	return &Limits{
		Inbox:         NewBuckets(cmp.Or(inboxRate, DefaultInboxRate), cmp.Or(inboxBurst, DefaultInboxBurst)),
		SigninAddr:    &SharedBuckets{db: db, name: "signin-addr", rate: 10.0 / 60, burst: 10},
		SigninAccount: &SharedBuckets{db: db, name: "signin-account", rate: 10.0 / 60, burst: 10},
		MailAddr:      &SharedBuckets{db: db, name: "mail-addr", rate: 25.0 / (5 * 60), burst: 25},
		MailEmail:     &SharedBuckets{db: db, name: "mail-email", rate: 5.0 / (30 * 60), burst: 5},
		Lookups:       NewBuckets(30.0/60, 30),
		API:           newAPILimits(db, api),
		Exports:       &SharedBuckets{db: db, name: "archive-export", rate: 1.0 / (5 * 60), burst: 2},
	}
}

// AllowInbox limits deliveries per remote host, so that one flooding server cannot starve
// the others. The host is the one the signature's keyId names, which is not verified yet
// (the limit comes before any work), so the bucket is per host and connecting address: a
// forger claiming a victim's keys uses up only its own share, never the victim's.
func (l *Limits) AllowInbox(r *http.Request) error {
	key := ClientAddr(r)
	who := key
	if keyID, err := federation.SignatureKeyID(r); err == nil && storage.HostOf(keyID) != "" {
		who = storage.HostOf(keyID)
		key = who + " " + key
	}
	if !l.Inbox.Allow(key, time.Now()) {
		return storage.Errorf(storage.TooMany, "too many deliveries from %s; slow down", who)
	}
	return nil
}

// AllowSignUp takes a sign-up from the client's address off its limit (APILimits.SignUps),
// shared by the sign-up form and the client API: TooMany, saying why, past it.
func (l *Limits) AllowSignUp(r *http.Request) error {
	b := l.API.signUps
	if b == nil {
		return nil
	}
	if ok, err := b.Allow(r.Context(), ClientAddr(r), time.Now()); err != nil {
		return err
	} else if !ok {
		return storage.Errorf(storage.TooMany, "Too many sign-ups from your address: try again in half an hour.")
	}
	return nil
}

// ClientAddr is the address of the client a request comes from, without the port: the
// connecting one, or, when that is a proxy of ours (a loopback or private address, which is
// what Mastodon's Rails trusts by default), the nearest address in X-Forwarded-For that is
// not. The header is read from the right, where our proxies add to it: what a client wrote
// in it itself stands further left and is never reached, so it cannot pass for another
// client. Behind the TLS proxy README recommends, every client would otherwise share the
// proxy's address and its limits.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !trustedProxy(peer) {
		return host
	}
	forwarded := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(forwarded) - 1; i >= 0; i-- {
		f := strings.TrimSpace(forwarded[i])
		if f == "" && len(forwarded) == 1 {
			break // no header
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return host // not an address: nothing further left can be trusted
		}
		if a = a.Unmap(); !trustedProxy(a) {
			return a.String()
		}
	}
	return host
}

// trustedProxy reports whether a request from a may name the client it forwards.
func trustedProxy(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsLoopback() || a.IsPrivate()
}
