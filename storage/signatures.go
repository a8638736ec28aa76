package storage

import (
	"context"
	"time"
)

// The kinds of HTTP signature a server may take. Every server reads draft-cavage; newer
// ones (Fedify, Mastodon 4.5, Mitra) read RFC 9421 message signatures too, and some of
// those that do not answer one with a 200 and a stripped document instead of an error, so
// RFC 9421 is used only toward a server known to take it.
const (
	SignatureCavage  = "cavage"
	SignatureRFC9421 = "rfc9421"
)

// PeerSignature is what was learnt of one server's signatures: Scheme is the kind to sign
// with, Learnt when and How from what ("advertised", "received", "refused").
type PeerSignature struct {
	Host   string // lower case, with its port if any, as in a URL
	Scheme string // SignatureCavage or SignatureRFC9421
	How    string
	Learnt time.Time
}

// PeerSignatureReader reads what was learnt.
type PeerSignatureReader interface {
	// ListPeerSignatures returns every server's entry.
	ListPeerSignatures(ctx context.Context) ([]PeerSignature, error)
}

// PeerSignatureWriter records it.
type PeerSignatureWriter interface {
	// PutPeerSignature adds or replaces the entry of p.Host.
	PutPeerSignature(ctx context.Context, p PeerSignature) error
}
