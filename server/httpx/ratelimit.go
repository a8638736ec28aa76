package httpx

import (
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// Quota is a rate limit as Mastodon states its own: Limit requests in a Period. It is kept
// as a token bucket of Limit tokens refilling over Period, so that a client may spend the
// whole quota at once and then one request every Period/Limit; the zero Quota is no limit.
type Quota struct {
	Limit  int
	Period time.Duration
}

// on reports whether q limits anything.
func (q Quota) on() bool { return q.Limit > 0 && q.Period > 0 }

// rate is the refill, in tokens a second.
func (q Quota) rate() float64 { return float64(q.Limit) / q.Period.Seconds() }

// APILimits are the client API's rate limits (docs.joinmastodon.org/api/rate-limits).
type APILimits struct {
	Token      Quota // requests per bearer token
	Address    Quota // requests without a valid token, per client address
	AddressAll Quota // every request, with a token or not, per client address
	Media      Quota // uploads (POST /api/v1/media, /api/v2/media) per account
	Deletions  Quota // DELETE /api/v1/statuses/:id and POST .../unreblog per account
	// SignUps are sign-ups per client address, on the sign-up form and through POST
	// /api/v1/accounts together (see Limits.AllowSignUp).
	SignUps Quota
}

// MastodonLimits are Mastodon's defaults: 300 requests in 5 minutes per token and, without
// one, per address; 7,500 in 5 minutes per address in all; 30 uploads and 30 deletions in
// 30 minutes per account; 5 sign-ups in 30 minutes per address.
var MastodonLimits = APILimits{
	Token:      Quota{300, 5 * time.Minute},
	Address:    Quota{300, 5 * time.Minute},
	AddressAll: Quota{7500, 5 * time.Minute},
	Media:      Quota{30, 30 * time.Minute},
	Deletions:  Quota{30, 30 * time.Minute},
	SignUps:    Quota{5, 30 * time.Minute},
}

// apiLimits are the buckets of APILimits; nil where a limit is off.
//
// The request limits are counted in each process, not in the database: they are taken on
// every API request, the hot reads included, and a write there would cost more than the
// read it guards (see BenchmarkRateLimit). With several serves behind one balancer, a
// client that reaches all of them gets up to that many times the limit: still a bound on
// what one client can take. Uploads and deletions are rare and write anyway, so their
// limits are shared by every process through the database, as sign-in's are.
type apiLimits struct {
	token, address, addressAll *Buckets
	media, deletions           *SharedBuckets
	signUps                    *SharedBuckets
}

// off reports whether no limit is on, so that requests pass without a look.
func (l apiLimits) off() bool {
	return l.token == nil && l.address == nil && l.addressAll == nil && l.media == nil && l.deletions == nil
}

func newAPILimits(db storage.DB, q APILimits) apiLimits {
	local := func(q Quota) *Buckets {
		if !q.on() {
			return nil
		}
		return NewBuckets(q.rate(), float64(q.Limit))
	}
	shared := func(name string, q Quota) *SharedBuckets {
		if !q.on() {
			return nil
		}
		return &SharedBuckets{db: db, name: name, rate: q.rate(), burst: float64(q.Limit)}
	}
	return apiLimits{token: local(q.Token), address: local(q.Address), addressAll: local(q.AddressAll),
		media: shared("api-media", q.Media), deletions: shared("api-delete", q.Deletions), signUps: shared("sign-up-addr", q.SignUps)}
}

// limitedPath reports whether the API's rate limits apply at path: the client API and the
// token endpoint apps call, as Mastodon limits them. The streaming API is left out: Mastodon
// serves it apart, unlimited by these, and one connection is one long request.
func limitedPath(path string) bool {
	return (strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/v1/streaming")) || path == "/oauth/token"
}

// isUpload and isDeletion name the endpoints with limits of their own.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/v1/media" || r.URL.Path == "/api/v2/media")
}

func isDeletion(r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/v1/statuses/")
	if !ok {
		return false
	}
	id, action, _ := strings.Cut(rest, "/")
	return id != "" && ((r.Method == http.MethodDelete && action == "") || (r.Method == http.MethodPost && action == "unreblog"))
}

// LimitAPI applies the client API's rate limits: per bearer token when the request has a
// valid one, else per client address; per address in all; and per account on uploads and
// deletions. Every answer says, in X-RateLimit-Limit, -Remaining and -Reset, where it
// stands on the limit it is closest to exceeding (Reset is when that bucket is full
// again); a request past a limit is answered 429 with Retry-After, before any work.
func (k *Kit) LimitAPI(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k.Limits.API.off() || !limitedPath(r.URL.Path) || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		r = withMemo(r) // the bearer token looked up here is the handler's too
		takes, err := k.takeAPI(r, time.Now())
		if err != nil {
			k.WriteError(w, r, err)
			return
		}
		if len(takes) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		t := closest(takes)
		h := w.Header()
		h.Set("X-RateLimit-Limit", strconv.Itoa(t.Limit))
		h.Set("X-RateLimit-Remaining", strconv.Itoa(t.Remaining))
		h.Set("X-RateLimit-Reset", t.Reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
		if !t.OK {
			h.Set("Retry-After", strconv.Itoa(int(math.Ceil(t.RetryAfter.Seconds()))))
			k.Log.Info("request refused", "method", r.Method, "path", r.URL.Path, "status", http.StatusTooManyRequests, "addr", ClientAddr(r))
			WriteJSON(w, http.StatusTooManyRequests, "application/json", map[string]string{"error": "Too many requests"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// takeAPI takes a token from each limit that applies to r. Every one is taken even when an
// earlier one refused, as Mastodon counts each of its throttles on every request.
func (k *Kit) takeAPI(r *http.Request, now time.Time) ([]Taken, error) {
	l := k.Limits.API
	var takes []Taken
	local := func(b *Buckets, key string) {
		if b != nil {
			takes = append(takes, b.Take(key, now))
		}
	}
	addr := addressKey(ClientAddr(r))
	local(l.addressAll, addr)
	token, actor, err := k.Auth.bearerToken(r)
	if token != nil && err == nil {
		local(l.token, token.Hash)
	} else {
		local(l.address, addr) // no token, or a bad one: the handler answers 401 after this
	}
	if actor == nil {
		return takes, nil
	}
	account := strconv.FormatInt(actor.ID, 10)
	for _, s := range []struct {
		b    *SharedBuckets
		here bool
	}{{l.media, isUpload(r)}, {l.deletions, isDeletion(r)}} {
		if s.b == nil || !s.here {
			continue
		}
		t, err := s.b.Take(r.Context(), account, now)
		if err != nil {
			return nil, err
		}
		takes = append(takes, t)
	}
	return takes, nil
}

// addressKey is the key of a client address in the per-address limits: an IPv6 address by
// its /64, as Mastodon counts it, since one host commonly has the whole /64 to choose from.
func addressKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || !ip.Is6() || ip.Is4In6() {
		return addr
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// closest is the take to report: a refusal (the one to wait longest for) if any, else the
// limit with the fewest requests left.
func closest(takes []Taken) Taken {
	best := takes[0]
	for _, t := range takes[1:] {
		switch {
		case !t.OK && (best.OK || t.RetryAfter > best.RetryAfter):
			best = t
		case t.OK && best.OK && t.Remaining < best.Remaining:
			best = t
		}
	}
	return best
}
