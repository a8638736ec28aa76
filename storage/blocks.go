package storage

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Block is an instance-level block: Target is a host (every actor there) or one actor's URI.
type Block struct {
	Target   string
	Created  time.Time
	Severity BlockSeverity // "" is BlockSuspend
	// PublicComment is the reason anyone may read, in the instance's list of blocked
	// servers; PrivateComment is the admins' own note, shown only to them.
	PublicComment  string
	PrivateComment string
}

// BlockSeverity is what an instance block does, as Mastodon's domain blocks' severities.
type BlockSeverity string

// The severities of an instance block.
const (
	// BlockSuspend refuses everything: nothing is accepted from, fetched from or delivered
	// to the target, and what was kept of its media is removed.
	BlockSuspend BlockSeverity = "suspend"
	// BlockSilence refuses nothing but treats every account of the target as silenced
	// (Actor.Limited).
	BlockSilence BlockSeverity = "silence"
)

// MaxBlockComment bounds each of a block's comments, in characters.
const MaxBlockComment = 1000

// CheckBlock normalises b for storing: its target (BlockTarget), its severity ("" is
// BlockSuspend) and its comments, trimmed. Invalid for anything else, or a comment longer
// than MaxBlockComment.
func CheckBlock(b Block) (Block, error) {
	target, err := BlockTarget(b.Target)
	if err != nil {
		return Block{}, err
	}
	b.Target = target
	switch b.Severity {
	case "":
		b.Severity = BlockSuspend
	case BlockSuspend, BlockSilence:
	default:
		return Block{}, Errorf(Invalid, "severity must be suspend or silence, not %q", b.Severity)
	}
	b.PublicComment, b.PrivateComment = strings.TrimSpace(b.PublicComment), strings.TrimSpace(b.PrivateComment)
	if utf8.RuneCountInString(b.PublicComment) > MaxBlockComment || utf8.RuneCountInString(b.PrivateComment) > MaxBlockComment {
		return Block{}, Errorf(Invalid, "a block's reason is at most %d characters", MaxBlockComment)
	}
	return b, nil
}

// Host reports whether the block is of a whole server (its target a host, not an actor).
func (b Block) Host() bool { return !strings.Contains(b.Target, "://") }

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
//
// Only blocks of severity suspend block: IsBlocked, IsHostBlocked, BlockedHosts and
// CheckDelivery leave silences out, which refuse nothing.
type BlockReader interface {
	// ListBlocks returns every block, of both severities, oldest first.
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
	// PutBlock stores block b (normalised by CheckBlock). Blocking a target again is no
	// error: its severity and comments become b's, and it keeps when it was first made.
	PutBlock(ctx context.Context, b Block) error
	// DeleteBlock lifts the block of target; NotFound when there was none.
	DeleteBlock(ctx context.Context, target string) error
}
