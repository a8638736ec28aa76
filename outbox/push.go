package outbox

import (
	"context"
	"crypto/ecdh"
	"net/netip"
	"net/url"
	"slices"

	"refuge/federation"
	"refuge/storage"
)

// vapidMeta is where the instance's VAPID private key is kept.
const vapidMeta = "vapid_private_key"

// VAPIDKey returns the instance's VAPID key, made and stored the first time it is asked
// for; every process on one database reads the same.
func (s *Service) VAPIDKey(ctx context.Context) (*federation.VAPIDKey, error) {
	var stored string
	err := s.DB.Update(ctx, func(tx storage.Tx) error {
		v, err := tx.GetMeta(ctx, vapidMeta)
		if err != nil || v != "" {
			stored = v
			return err
		}
		k, err := federation.NewVAPIDKey()
		if err != nil {
			return err
		}
		stored = k.String()
		return tx.PutMeta(ctx, vapidMeta, stored)
	})
	if err != nil {
		return nil, err
	}
	return federation.ParseVAPIDKey(stored)
}

// PushSettings is what an app chooses of a push subscription: which alert types to push,
// and from whom.
type PushSettings struct {
	Alerts []string // of storage.PushAlerts
	Policy storage.PushPolicy
}

func (p PushSettings) check() error {
	for _, a := range p.Alerts {
		if !slices.Contains(storage.PushAlerts, a) {
			return storage.Errorf(storage.Invalid, "unknown alert type %q", a)
		}
	}
	switch p.Policy {
	case storage.PushAll, storage.PushFollowed, storage.PushFollower, storage.PushNone:
		return nil
	}
	return storage.Errorf(storage.Invalid, "policy must be all, followed, follower or none")
}

// Subscribe makes sub the push subscription of its token, in place of any it had, once its
// endpoint and keys are checked: the endpoint must be https (or, where the instance may
// reach private addresses, http to a loopback address), p256dh a P-256 point and auth 16
// bytes, both base64url.
func (s *Service) Subscribe(ctx context.Context, sub *storage.PushSubscription) error {
	if err := (PushSettings{sub.Alerts, sub.Policy}).check(); err != nil {
		return err
	}
	if err := s.checkPushEndpoint(sub.Endpoint); err != nil {
		return err
	}
	key, err := federation.DecodeKey(sub.P256dh)
	if err == nil && len(key) == 65 { // NewPublicKey takes the uncompressed form only
		_, err = ecdh.P256().NewPublicKey(key)
	}
	if err != nil || len(key) != 65 {
		return storage.Errorf(storage.Invalid, "subscription[keys][p256dh] must be an uncompressed P-256 public key, base64url")
	}
	if auth, err := federation.DecodeKey(sub.Auth); err != nil || len(auth) != 16 {
		return storage.Errorf(storage.Invalid, "subscription[keys][auth] must be 16 bytes, base64url")
	}
	sub.Created = s.now()
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.PutPushSubscription(ctx, sub) })
}

// UpdatePush changes the alerts and policy of the token's push subscription; NotFound when
// it has none.
func (s *Service) UpdatePush(ctx context.Context, tokenHash string, p PushSettings) error {
	if err := p.check(); err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error {
		return tx.UpdatePushSubscription(ctx, tokenHash, p.Alerts, p.Policy)
	})
}

// Unsubscribe removes the token's push subscription, if it has one.
func (s *Service) Unsubscribe(ctx context.Context, tokenHash string) error {
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeletePushSubscription(ctx, tokenHash) })
}

// checkPushEndpoint accepts an https URL, or an http one to a loopback address where the
// instance reaches private addresses (development and tests), as its outgoing client does.
func (s *Service) checkPushEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || storage.HostOf(endpoint) == "" || len(endpoint) > 2048 {
		return storage.Errorf(storage.Invalid, "subscription[endpoint] must be an https URL")
	}
	if u.Scheme == "https" {
		return nil
	}
	if a, err := netip.ParseAddr(u.Hostname()); err == nil && a.IsLoopback() && s.AllowPrivate {
		return nil
	}
	return storage.Errorf(storage.Invalid, "subscription[endpoint] must be an https URL")
}
