package storage

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"
)

// Block is an instance-level block: Target is a host (every actor there) or one actor's URI.
type Block struct {
	Target  string
	Created time.Time
}

// BlockTarget checks and normalises what an admin gives to block: an http(s) actor URI, kept
// as it is, or a host name with an optional port, lower-cased. Anything else is Invalid.
func BlockTarget(s string) (string, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return "", Errorf(Invalid, "not an actor URI or a host: %q", s)
		}
		return s, nil
	}
	host := strings.ToLower(s)
	if host == "" || strings.ContainsAny(host, "/@?# \t") {
		return "", Errorf(Invalid, "not an actor URI or a host: %q", s)
	}
	return host, nil
}

// BlockedBy lists the block targets that would cover host (lower case, with its port if
// any): the host as given, the host on any port, and every domain it is under, as
// Mastodon's domain blocks cover subdomains. So a block of evil.example also covers
// evil.example:443 and a.evil.example, and a block of evil.example:8443 only that port.
func BlockedBy(host string) []string {
	host = strings.ToLower(host)
	if host == "" {
		return nil
	}
	out := []string{host}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = strings.Trim(h, "[]")
		out = append(out, name)
	}
	if net.ParseIP(name) != nil {
		return out // an address has no parent domains
	}
	for {
		_, parent, ok := strings.Cut(name, ".")
		if !ok || !strings.Contains(parent, ".") {
			return out // stop before a bare top-level domain
		}
		out = append(out, parent)
		name = parent
	}
}

// BlockReader reads the instance's blocks.
type BlockReader interface {
	// ListBlocks returns every block, oldest first.
	ListBlocks(ctx context.Context) ([]Block, error)
	// IsBlocked reports whether the actor with URI uri, or its host (see BlockedBy), is
	// blocked. An empty uri is never blocked.
	IsBlocked(ctx context.Context, uri string) (bool, error)
	// IsHostBlocked reports whether host (with its port, if any; any case) is blocked as a
	// whole, by a block of it or of anything in BlockedBy(host).
	IsHostBlocked(ctx context.Context, host string) (bool, error)
	// BlockedHosts is IsHostBlocked for many hosts at once, in one query: the set of those
	// of hosts that are blocked.
	BlockedHosts(ctx context.Context, hosts []string) (map[string]bool, error)
}

// BlockWriter sets and lifts blocks.
type BlockWriter interface {
	// PutBlock blocks target (normalised by BlockTarget). Blocking twice is no error.
	PutBlock(ctx context.Context, target string, at time.Time) error
	// DeleteBlock lifts the block of target; NotFound when there was none.
	DeleteBlock(ctx context.Context, target string) error
}
