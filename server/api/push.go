package api

import (
	"net/http"
	"net/url"
	"strings"

	"refuge/outbox"
	"refuge/storage"
)

// WebPushSubscription is a token's Web Push subscription, as Mastodon's entity. standard
// is true: pushes are encrypted as RFC 8291 says (aes128gcm), never the older draft's
// aesgcm that Mastodon's false stands for.
type WebPushSubscription struct {
	ID        string          `json:"id"`
	Endpoint  string          `json:"endpoint"`
	Standard  bool            `json:"standard"`
	Alerts    map[string]bool `json:"alerts"`
	ServerKey string          `json:"server_key"`
	Policy    string          `json:"policy"`
}

func (h *Handler) pushSubscription(s *storage.PushSubscription) WebPushSubscription {
	alerts := make(map[string]bool, len(storage.PushAlerts))
	for _, a := range storage.PushAlerts {
		alerts[a] = false
	}
	for _, a := range s.Alerts {
		alerts[a] = true
	}
	return WebPushSubscription{ID: rowID(s.ID), Endpoint: s.Endpoint, Standard: true, Alerts: alerts,
		ServerKey: h.VAPIDKey, Policy: string(s.Policy)}
}

// bearer is the secret of the request's bearer token; the push endpoints come after
// authorize has checked it.
func bearer(r *http.Request) string {
	secret, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return strings.TrimSpace(secret)
}

// pushSettings reads data[alerts][type] and data[policy]; given is false when the request
// names no alert, so that an update keeps the ones set.
func pushSettings(q url.Values) (p outbox.PushSettings, given bool) {
	for _, a := range storage.PushAlerts {
		key := "data[alerts][" + a + "]"
		if _, ok := q[key]; ok {
			given = true
		}
		if boolParam(q, key) {
			p.Alerts = append(p.Alerts, a)
		}
	}
	p.Policy = storage.PushPolicy(q.Get("data[policy]"))
	return p, given
}

// subscribePush answers POST /api/v1/push/subscription: the token's subscription, made
// anew in place of any it had.
func (h *Handler) subscribePush(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	set, _ := pushSettings(q)
	if set.Policy == "" {
		set.Policy = storage.PushAll
	}
	secret := bearer(r)
	sub := &storage.PushSubscription{TokenHash: storage.HashToken(secret), AccountID: viewer.ID, AccessToken: secret,
		Endpoint: q.Get("subscription[endpoint]"), P256dh: q.Get("subscription[keys][p256dh]"),
		Auth: q.Get("subscription[keys][auth]"), Alerts: set.Alerts, Policy: set.Policy}
	if err := h.Outbox.Subscribe(r.Context(), sub); err != nil {
		return err
	}
	return ok(w, h.pushSubscription(sub))
}

// getPush answers GET /api/v1/push/subscription; 404 when the token has none.
func (h *Handler) getPush(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	sub, err := h.Read.PushSubscription(r.Context(), storage.HashToken(bearer(r)))
	if err != nil {
		return err
	}
	return ok(w, h.pushSubscription(sub))
}

// updatePush answers PUT /api/v1/push/subscription: new alerts (the ones not named are
// kept) and policy (kept when not given).
func (h *Handler) updatePush(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	hash := storage.HashToken(bearer(r))
	sub, err := h.Read.PushSubscription(r.Context(), hash)
	if err != nil {
		return err
	}
	set, given := pushSettings(q)
	if !given {
		set.Alerts = sub.Alerts
	}
	if set.Policy == "" {
		set.Policy = sub.Policy
	}
	if err := h.Outbox.UpdatePush(r.Context(), hash, set); err != nil {
		return err
	}
	sub.Alerts, sub.Policy = set.Alerts, set.Policy
	return ok(w, h.pushSubscription(sub))
}

// unsubscribePush answers DELETE /api/v1/push/subscription with an empty object, whether
// or not there was one.
func (h *Handler) unsubscribePush(w http.ResponseWriter, r *http.Request, _ *storage.Actor) error {
	if err := h.Outbox.Unsubscribe(r.Context(), storage.HashToken(bearer(r))); err != nil {
		return err
	}
	return ok(w, struct{}{})
}
