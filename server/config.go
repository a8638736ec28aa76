package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"refuge/federation"
	"refuge/outbox"
	"refuge/outbox/mail"
	"refuge/outbox/translate"
	"refuge/server/httpx"
)

// Config is everything an instance can be told. cmd/refuge fills it from flags and REFUGE_*
// environment variables; tests fill it directly.
type Config struct {
	Listen          string
	Domain          string
	Data            string
	HTTP            bool // public URLs are http:// (so it is on localhost and loopback domains unless HTTPS)
	HTTPS           bool // public URLs are https:// even on localhost and loopback domains, behind a local TLS front
	AllowPrivate    bool
	AuthorizedFetch bool
	Admin           string
	// Registrations is who may sign up: closed (or ""), open, approval or invite (see
	// outbox.Registrations); Check refuses anything else.
	Registrations string
	// GroupLimits bound what each group announces in an hour; zero is the default.
	GroupLimits outbox.GroupLimits
	// Existing makes Open refuse a data folder or database that holds no instance yet,
	// rather than make an empty one: an admin command given a mistyped --data must say so,
	// not answer from a new, empty instance.
	Existing bool

	// DB is a PostgreSQL database's URL (postgres://...); "" means the SQLite file under
	// Data. Several serves may share a PostgreSQL database, and then its Data folder (the
	// media), which must be one folder for them all.
	DB                 string
	DBMaxConns         int
	DBStatementTimeout time.Duration
	// DeliveryLease is how long a delivery being sent stays hidden from the other workers,
	// this process's and every other's; after a process dies mid-send, its deliveries are
	// sent again once it runs out. 0 means delivery.DefaultLease.
	DeliveryLease time.Duration
	// APILimits are the client API's rate limits; a zero Quota is no limit. cmd/refuge
	// starts from httpx.MastodonLimits; tests set what they test.
	APILimits httpx.APILimits
	// StreamConns and StreamConnsPerToken cap the streaming API's connections to this
	// process, in all and per access token; 0 means api.DefaultStreamConns and
	// api.DefaultStreamConnsPerToken.
	StreamConns, StreamConnsPerToken int
	// MediaCacheMax is the remote media cache's budget in bytes, and MediaCacheFileMax
	// the largest remote file it keeps; 0 means mediacache.DefaultMaxBytes and
	// DefaultMaxFileBytes.
	MediaCacheMax, MediaCacheFileMax int64
	// MediaFetchTimeout bounds the fetch of one remote file; 0 means
	// mediacache.DefaultTimeout. MediaRetrySchedule is set by tests only.
	MediaFetchTimeout  time.Duration
	MediaRetrySchedule []time.Duration
	// SMTPURL is the mail server that sends address confirmations and password resets:
	// smtp://user:password@host:587 (STARTTLS, required off loopback) or
	// smtps://user:password@host:465. "" sends no mail, and then there is neither.
	SMTPURL string
	// SMTPFrom is the mails' sender; "" means notifications@ the domain's host.
	SMTPFrom string
	// TranslateURL is a LibreTranslate-compatible server that translates posts for their
	// readers (http://127.0.0.1:5000, say); "" turns translation off. TranslateKey is its
	// api_key, when it asks for one.
	TranslateURL, TranslateKey string
	// TranslateTimeout bounds one translation; 0 means translate.DefaultTimeout.
	TranslateTimeout time.Duration

	// Set by tests only.
	SMTPTLS       *tls.Config // the mail client's TLS (a test's receiver's certificate)
	Log           *slog.Logger
	Out           io.Writer           // where the first-start password is printed
	RetrySchedule []time.Duration     // delivery backoff; nil means the two-day default
	DNS           federation.Resolver // nil means the system resolver
	AllowPrefixes []netip.Prefix      // addresses allowed although private
	Now           func() time.Time    // nil means time.Now
	// Dial, when set, makes every outgoing connection (after the address guard chose the
	// address), so a test can refuse any connection off loopback.
	Dial         func(ctx context.Context, network, addr string) (net.Conn, error)
	FetchTimeout time.Duration // whole outgoing request; 0 means 10 s
	InboxRate    float64       // deliveries a second per remote host; 0 means the default
	InboxBurst   float64       // deliveries at once per remote host; 0 means the default
	// Observe, when set, sees every request before it is handled (after which the body is
	// read by the handler, so an observer that reads it must put it back). A test hook:
	// it lets end-to-end tests count what real instances send each other.
	Observe func(r *http.Request)
}

// Scheme is the URL scheme of the instance's public URLs.
func (c *Config) Scheme() string {
	if c.HTTP {
		return "http"
	}
	return "https"
}

// Base is the URL prefix every local URI starts with.
func (c *Config) Base() string { return c.Scheme() + "://" + c.Domain }

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// DBPath is the SQLite file under the data folder.
func (c *Config) DBPath() string { return filepath.Join(c.Data, "refuge.db") }

// Check validates a configuration before anything is opened, and completes it: the domain
// in lower case, plain http for localhost and loopback domains.
func (c *Config) Check() error {
	if c.Domain == "" || strings.ContainsAny(c.Domain, "/ @?#") {
		return fmt.Errorf("--domain %q: give a host name, optionally with :port", c.Domain)
	}
	c.Domain = strings.ToLower(c.Domain)
	host := c.Domain
	if h, _, err := net.SplitHostPort(c.Domain); err == nil {
		host = h
	}
	if c.HTTP && c.HTTPS {
		return fmt.Errorf("--http and --https: give one")
	}
	if ip, err := netip.ParseAddr(host); !c.HTTPS && (host == "localhost" || (err == nil && ip.IsLoopback())) {
		c.HTTP = true // nobody has a certificate for these; https would only break local work
	}
	if c.Data == "" {
		return fmt.Errorf("--data: give a folder")
	}
	if c.DeliveryLease < 0 {
		return fmt.Errorf("--delivery-lease %s: give a positive duration, such as 2m", c.DeliveryLease)
	}
	if c.MediaCacheMax < 0 || c.MediaCacheFileMax < 0 {
		return fmt.Errorf("--media-cache-max and --media-cache-file-max: give sizes of at least 1 byte, such as 4GiB and 40MiB")
	}
	mode, err := outbox.ParseRegistrations(c.Registrations)
	if err != nil {
		return fmt.Errorf("--registrations %q: give closed, open, approval or invite", c.Registrations)
	}
	c.Registrations = string(mode)
	if c.SMTPURL != "" {
		if _, err := c.Mailer(); err != nil {
			return err
		}
	}
	if c.Registrations == string(outbox.RegistrationsOpen) && c.SMTPURL == "" {
		return fmt.Errorf("--registrations open needs --smtp-url, so that every new account confirms a real address " +
			"and the instance cannot silently fill with spam accounts: give --smtp-url, or use --registrations approval or invite")
	}
	if err := c.checkTranslate(); err != nil {
		return err
	}
	if c.DB != "" && !IsPostgres(c.DB) {
		return fmt.Errorf("--db %q: give a PostgreSQL URL, postgres://user@host/database (without --db, the SQLite file under --data)", redacted(c.DB))
	}
	return nil
}

// Mailer is the mail sender --smtp-url and --smtp-from describe; nil without --smtp-url.
func (c *Config) Mailer() (*mail.Sender, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	from := c.SMTPFrom
	if from == "" {
		host := c.Domain
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		from = "notifications@" + host
	}
	m, err := mail.Parse(c.SMTPURL, from, c.Domain)
	if err != nil {
		return nil, err
	}
	m.TLS = c.SMTPTLS
	return m, nil
}

// checkTranslate refuses a translation server's URL that is not an http(s) URL of a host,
// and a negative time bound.
func (c *Config) checkTranslate() error {
	if c.TranslateTimeout < 0 {
		return fmt.Errorf("--translate-timeout %s: give a positive duration, such as 5s", c.TranslateTimeout)
	}
	if c.TranslateURL == "" {
		if c.TranslateKey != "" {
			return fmt.Errorf("--translate-key needs --translate-url, the translation server it is the key of")
		}
		return nil
	}
	u, err := url.Parse(c.TranslateURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--translate-url %q: give the translation server's address, such as http://127.0.0.1:5000 (LibreTranslate)", c.TranslateURL)
	}
	return nil
}

// Translator is the translation service --translate-url describes; translation is off
// (its Enabled is false) without one.
func (c *Config) Translator(db translate.Store) *translate.Service {
	s := &translate.Service{DB: db, Now: c.Now}
	if c.TranslateURL != "" {
		s.Client = &translate.Client{URL: c.TranslateURL, Key: c.TranslateKey, Timeout: c.TranslateTimeout}
	}
	return s
}
