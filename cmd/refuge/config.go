package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"refuge/federation"
)

// Config is everything `refuge serve` can be told. Flags win over REFUGE_* environment
// variables, which win over the defaults.
type Config struct {
	Listen          string
	Domain          string
	Data            string
	HTTP            bool
	AllowPrivate    bool
	AuthorizedFetch bool
	Admin           string

	// Set by tests only.
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
	InboxRate    float64       // deliveries a second per remote host; 0 means defaultInboxRate
	InboxBurst   float64       // deliveries at once per remote host; 0 means defaultInboxBurst
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

// DBPath is the SQLite file under the data folder.
func (c *Config) DBPath() string { return filepath.Join(c.Data, "refuge.db") }

// newFlagSet makes a flag set whose defaults are read from REFUGE_<FLAG> variables.
func newFlagSet(name, usage string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: %s\n", usage)
		if hasFlags(fs) {
			fmt.Fprintln(out, "\nflags (each also read from the environment as REFUGE_<FLAG>):")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parseFlags parses args, after first applying REFUGE_* environment variables to flags that
// were not given on the command line.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "REFUGE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok && !given[f.Name] && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %v", env, v, e)
			}
		}
	})
	return err
}

// instanceFlags binds the flags that say which instance a command works on.
func instanceFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Domain, "domain", "localhost:8080", "public host of the instance, with a port for local work")
	fs.StringVar(&c.Data, "data", "data", "data folder (the SQLite file and media)")
	fs.BoolVar(&c.HTTP, "http", false, "public URLs use http:// instead of https:// (implied for localhost and 127.x domains)")
}

// serveFlags binds the serve flags to c.
func serveFlags(fs *flag.FlagSet, c *Config) {
	instanceFlags(fs, c)
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.BoolVar(&c.AllowPrivate, "allow-private", false, "let federation reach loopback and private addresses")
	fs.BoolVar(&c.AuthorizedFetch, "authorized-fetch", false, "require signed requests for ActivityPub GETs")
	fs.StringVar(&c.Admin, "admin", "admin", "name of the admin account made on first start")
}

// check validates a configuration before anything is opened.
func (c *Config) check() error {
	if c.Domain == "" || strings.ContainsAny(c.Domain, "/ @?#") {
		return fmt.Errorf("--domain %q: give a host name, optionally with :port", c.Domain)
	}
	c.Domain = strings.ToLower(c.Domain)
	host := c.Domain
	if h, _, err := net.SplitHostPort(c.Domain); err == nil {
		host = h
	}
	if ip, err := netip.ParseAddr(host); host == "localhost" || (err == nil && ip.IsLoopback()) {
		c.HTTP = true // nobody has a certificate for these; https would only break local work
	}
	if c.Data == "" {
		return fmt.Errorf("--data: give a folder")
	}
	return nil
}
