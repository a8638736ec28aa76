package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"refuge/outbox/delivery"
	"refuge/server"
	"refuge/server/httpx"
)

// serveConfig is the configuration serve's flags and REFUGE_* variables make of args.
func serveConfig(t *testing.T, args ...string) server.Config {
	t.Helper()
	var c server.Config
	fs := newFlagSet("serve", "refuge serve [flags]", io.Discard)
	serveFlags(fs, &c)
	if err := parseFlags(fs, args); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDeliveryLeaseFlag: --delivery-lease defaults to the workers' own lease, is read from
// REFUGE_DELIVERY_LEASE, and the flag wins over the variable; a negative one is refused
// before anything is opened.
func TestDeliveryLeaseFlag(t *testing.T) {
	parse := func(args ...string) time.Duration { return serveConfig(t, args...).DeliveryLease }
	if got := parse(); got != delivery.DefaultLease {
		t.Errorf("default %s, want 2m", got)
	}
	t.Setenv("REFUGE_DELIVERY_LEASE", "3s")
	if got := parse(); got != 3*time.Second {
		t.Errorf("from the environment %s, want 3s", got)
	}
	if got := parse("--delivery-lease", "45s"); got != 45*time.Second {
		t.Errorf("flag and environment %s, want the flag's 45s", got)
	}
	runCLI(t, []cliRow{
		{name: "negative lease refused", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--delivery-lease", "-1s"},
			code: 1, wantErr: "--delivery-lease -1s: give a positive duration"},
	})
	var help strings.Builder
	fs := newFlagSet("serve", "refuge serve [flags]", &help)
	serveFlags(fs, &server.Config{})
	fs.Usage()
	if !strings.Contains(help.String(), "after a process dies mid-send") {
		t.Errorf("serve --help does not explain --delivery-lease:\n%s", help.String())
	}
}

// TestRateLimitFlags: the client API's limits start from Mastodon's, each count is read from
// REFUGE_RATE_LIMIT_* or its flag (which wins), and 0 turns one off; the periods stay
// Mastodon's.
func TestRateLimitFlags(t *testing.T) {
	parse := func(args ...string) httpx.APILimits { return serveConfig(t, args...).APILimits }
	if got := parse(); got != httpx.MastodonLimits {
		t.Errorf("defaults %+v, want Mastodon's %+v", got, httpx.MastodonLimits)
	}
	t.Setenv("REFUGE_RATE_LIMIT_TOKEN", "50")
	t.Setenv("REFUGE_RATE_LIMIT_MEDIA", "0")
	want := httpx.MastodonLimits
	want.Token.Limit, want.Media.Limit, want.Deletions.Limit = 50, 0, 5
	if got := parse("--rate-limit-deletions", "5"); got != want {
		t.Errorf("from the environment and flags %+v, want %+v", got, want)
	}
	want.Token.Limit = 0
	if got := parse("--rate-limit-token", "0", "--rate-limit-deletions", "5"); got != want {
		t.Errorf("the flag over the environment %+v, want %+v", got, want)
	}
}

// TestMediaCacheFlags: the cache's sizes are read with their units, from REFUGE_* too, and
// nonsense is refused with what to give.
func TestMediaCacheFlags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"4GiB", 4 << 30}, {"500MB", 500e6}, {"40mib", 40 << 20}, {"1.5G", 3 << 29}, {"1024", 1024}, {" 2 KiB ", 2048}} {
		if got := serveConfig(t, "--media-cache-max", c.in).MediaCacheMax; got != c.want {
			t.Errorf("--media-cache-max %q: %d, want %d", c.in, got, c.want)
		}
	}
	if got := serveConfig(t).MediaCacheMax; got != 0 {
		t.Errorf("default %d, want 0 (the cache's own default)", got)
	}
	t.Setenv("REFUGE_MEDIA_CACHE_FILE_MAX", "10MiB")
	if got := serveConfig(t).MediaCacheFileMax; got != 10<<20 {
		t.Errorf("from the environment %d, want 10 MiB", got)
	}
	for _, bad := range []string{"lots", "-1GB", "0", "3 parsecs", "1e30GB"} {
		var c server.Config
		fs := newFlagSet("serve", "refuge serve [flags]", io.Discard)
		serveFlags(fs, &c)
		if err := parseFlags(fs, []string{"--media-cache-max", bad}); err == nil || !strings.Contains(err.Error(), "such as 500MiB") {
			t.Errorf("--media-cache-max %q: %v, want a refusal saying what to give", bad, err)
		}
	}
}

// TestSMTPFlags: --smtp-url and --smtp-from are read from REFUGE_SMTP_URL and
// REFUGE_SMTP_FROM too, shown in serve --help, and a malformed URL stops serve with a
// message that names the flag and not the password.
func TestSMTPFlags(t *testing.T) {
	t.Setenv("REFUGE_SMTP_URL", "smtps://me:s3cret@mail.example")
	t.Setenv("REFUGE_SMTP_FROM", "hello@refuge.example")
	if c := serveConfig(t); c.SMTPURL != "smtps://me:s3cret@mail.example" || c.SMTPFrom != "hello@refuge.example" {
		t.Errorf("from the environment: %q, %q", c.SMTPURL, c.SMTPFrom)
	}
	if c := serveConfig(t, "--smtp-url", "smtp://mail.example"); c.SMTPURL != "smtp://mail.example" {
		t.Errorf("the flag does not win: %q", c.SMTPURL)
	}
	t.Setenv("REFUGE_SMTP_URL", "")
	t.Setenv("REFUGE_SMTP_FROM", "")
	runCLI(t, []cliRow{
		{name: "serve help names the mail flags", args: []string{"serve", "--help"}, code: 0, wantErr: "  --smtp-url string\n"},
		{name: "a malformed mail URL", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--smtp-url", "http://me:s3cret@mail.example"},
			code: 1, wantErr: `--smtp-url "http://me:xxxxx@mail.example": the scheme is smtp://`},
		{name: "a bad sender", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--smtp-url", "smtp://mail.example", "--smtp-from", "nobody"},
			code: 1, wantErr: `--smtp-from "nobody"`},
		{name: "open sign-up without mail", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--registrations", "open"},
			code: 1, wantErr: "--registrations open needs --smtp-url"},
	})
}

// TestRegistrationsFlag: --registrations is closed by default, read from
// REFUGE_REGISTRATIONS or the flag (which wins), explained in serve --help, and a mode that
// is none of the four stops the start with a message that names them.
func TestRegistrationsFlag(t *testing.T) {
	parse := func(args ...string) string { return serveConfig(t, args...).Registrations }
	if got := parse(); got != "closed" {
		t.Errorf("default %q, want closed", got)
	}
	t.Setenv("REFUGE_REGISTRATIONS", "approval")
	if got := parse(); got != "approval" {
		t.Errorf("from the environment %q, want approval", got)
	}
	if got := parse("--registrations", "invite"); got != "invite" {
		t.Errorf("flag and environment %q, want the flag's invite", got)
	}
	runCLI(t, []cliRow{
		{name: "a bad mode refused", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--registrations", "everyone"},
			code: 1, wantErr: `--registrations "everyone": give closed, open, approval or invite`},
	})
	var help strings.Builder
	fs := newFlagSet("serve", "refuge serve [flags]", &help)
	serveFlags(fs, &server.Config{})
	fs.Usage()
	if !strings.Contains(help.String(), "-registrations") || !strings.Contains(help.String(), "approval (anyone, once an admin approves)") {
		t.Errorf("serve --help does not explain --registrations:\n%s", help.String())
	}
}

// TestTranslateFlags: --translate-url, --translate-key and --translate-timeout are read
// from REFUGE_TRANSLATE_* too (the flag wins), shown in serve --help, and a URL that is not
// a translation server's address, or a key without a URL, stops serve with a message that
// names the flag.
func TestTranslateFlags(t *testing.T) {
	if c := serveConfig(t); c.TranslateURL != "" || c.TranslateKey != "" || c.TranslateTimeout != 5*time.Second {
		t.Errorf("defaults: %q, %q, %s", c.TranslateURL, c.TranslateKey, c.TranslateTimeout)
	}
	t.Setenv("REFUGE_TRANSLATE_URL", "http://127.0.0.1:5000")
	t.Setenv("REFUGE_TRANSLATE_KEY", "k3y")
	t.Setenv("REFUGE_TRANSLATE_TIMEOUT", "3s")
	if c := serveConfig(t); c.TranslateURL != "http://127.0.0.1:5000" || c.TranslateKey != "k3y" || c.TranslateTimeout != 3*time.Second {
		t.Errorf("from the environment: %q, %q, %s", c.TranslateURL, c.TranslateKey, c.TranslateTimeout)
	}
	if c := serveConfig(t, "--translate-url", "https://translate.example"); c.TranslateURL != "https://translate.example" {
		t.Errorf("the flag does not win: %q", c.TranslateURL)
	}
	t.Setenv("REFUGE_TRANSLATE_URL", "")
	t.Setenv("REFUGE_TRANSLATE_KEY", "")
	t.Setenv("REFUGE_TRANSLATE_TIMEOUT", "5s")
	runCLI(t, []cliRow{
		{name: "serve help names the translation flags", args: []string{"serve", "--help"}, code: 0, wantErr: "  --translate-url string\n"},
		{name: "not an http URL", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--translate-url", "ftp://127.0.0.1:5000"},
			code: 1, wantErr: `--translate-url "ftp://127.0.0.1:5000": give the translation server's address`},
		{name: "a key without a URL", args: []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(), "--translate-key", "k3y"},
			code: 1, wantErr: "--translate-key needs --translate-url"},
	})
}
