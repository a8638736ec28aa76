package outbox

import (
	"context"
	"strings"

	"refuge/storage"
)

// blockableDomain checks and normalises the domain a local account names to block: a host
// name, with its port if any, lower-cased, as the actors there are stored. Our own domain
// is Invalid, as on Mastodon, where it would hide the account's own neighbours.
func (s *Service) blockableDomain(domain string) (string, error) {
	d := strings.ToLower(strings.TrimSpace(domain))
	if d == "" || strings.ContainsAny(d, "/@?#") || storage.HostOf("https://"+d+"/") != d {
		return "", storage.Errorf(storage.Invalid, "domain must be a server's host name, like example.com")
	}
	if d == strings.ToLower(s.Domain) {
		return "", storage.Errorf(storage.Invalid, "you cannot block your own server")
	}
	return d, nil
}

// BlockDomain makes account block the whole server domain, as Mastodon's user domain
// blocks: what the accounts there post, boost or notify is hidden from it (the rule of
// storage.Page.HiddenFor), and the follows between it and them end both ways (its follows
// as by an unfollow, theirs and their requests as by a rejection, so their server is told).
// Unlike a block of an account, the server is not sent a Block. Blocking twice changes
// nothing.
func (s *Service) BlockDomain(ctx context.Context, account *storage.Actor, domain string) (*storage.AccountDomainBlock, error) {
	d, err := s.blockableDomain(domain)
	if err != nil {
		return nil, err
	}
	b := &storage.AccountDomainBlock{ActorID: account.ID, Domain: d, Created: s.now()}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		if _, err := tx.PutAccountDomainBlock(ctx, b); err != nil {
			return err
		}
		others, err := tx.ListFollowsOnHost(ctx, account.ID, d)
		if err != nil {
			return err
		}
		for _, o := range others {
			if err := s.endFollows(ctx, tx, account, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return b, nil
}

// UnblockDomain lifts account's block of domain; NotFound when it blocks no such domain.
// The follows the block ended stay ended.
func (s *Service) UnblockDomain(ctx context.Context, account *storage.Actor, domain string) error {
	d, err := s.blockableDomain(domain)
	if err != nil {
		return err
	}
	return s.DB.Update(ctx, func(tx storage.Tx) error { return tx.DeleteAccountDomainBlock(ctx, account.ID, d) })
}
