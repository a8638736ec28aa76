package outbox

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"log/slog"
	"strings"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/outbox/mail"
	"refuge/storage"
)

// Service performs local actions. Base is the instance's URL prefix (scheme://domain);
// every local URI is built from it by package uris.
type Service struct {
	DB       storage.DB
	Base     string
	Domain   string
	Remote   *federation.Remote
	Log      *slog.Logger
	Now      func() time.Time
	OnQueue  func() // nudges the delivery workers after something was queued; may be nil
	Software string
	DataDir  string // where uploads live (under media/), so that deleting a note deletes its files
	// AllowPrivate is the outgoing client's setting: with it, push endpoints may be http
	// URLs to loopback addresses (development and tests).
	AllowPrivate bool
	// PruneBlocked, when set, removes what the remote media cache kept of blocked servers
	// and actors, and says how many files went: a suspension calls it once stored. The
	// server wires it to its cache (inbox/mediacache, which the outbox does not import).
	PruneBlocked func(ctx context.Context) (int, error)
	// Mail sends the address confirmation and password reset links; nil when the instance
	// has no --smtp-url, and then there are none.
	Mail *mail.Sender
	// Registrations is who may sign up (see Registrations); "" is closed.
	Registrations Registrations
	// GroupLimits bound what each group announces in an hour.
	GroupLimits GroupLimits
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) wake() {
	if s.OnQueue != nil {
		s.OnQueue()
	}
}

// Wake nudges the delivery workers; the inbox calls it after queueing an Accept.
func (s *Service) Wake() { s.wake() }

// uris are the URLs of this instance.
func (s *Service) uris() uris.Local { return uris.New(s.Base) }

// newID returns a short id that sorts by creation time: 48 bits of milliseconds then 32
// random bits, in lower-case base32.
func newID(now time.Time) string {
	var b [10]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	rand.Read(b[6:])
	return strings.ToLower(strings.TrimRight(base32.HexEncoding.EncodeToString(b[:]), "="))
}

// activityURI makes a new id for an activity of the local account a.
func (s *Service) activityURI(a *storage.Actor, kind uris.Kind) string {
	return s.uris().Activity(a.Username, kind, newID(s.now()))
}
