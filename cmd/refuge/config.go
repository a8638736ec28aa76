package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"refuge/outbox/delivery"
	"refuge/outbox/translate"
	"refuge/server"
	"refuge/server/api"
	"refuge/server/httpx"
)

// newFlagSet makes a flag set whose defaults are read from REFUGE_<FLAG> variables.
func newFlagSet(name, usage string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "usage: %s\n", usage)
		if hasFlags(fs) {
			fmt.Fprintln(out, "\nflags (each also read from the environment as REFUGE_<FLAG>):")
			printFlags(out, fs)
		}
	}
	return fs
}

// printFlags is flag.PrintDefaults with the two dashes README and the usage text write
// (the flag package takes either, but shows one).
func printFlags(out io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if kind != "" {
			line += " " + kind
		}
		fmt.Fprintf(out, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			if kind == "string" {
				fmt.Fprintf(out, " (default %q)", f.DefValue)
			} else {
				fmt.Fprintf(out, " (default %s)", f.DefValue)
			}
		}
		fmt.Fprintln(out)
	})
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
func instanceFlags(fs *flag.FlagSet, c *server.Config) {
	fs.StringVar(&c.Domain, "domain", "localhost:8080", "public host of the instance, with a port for local work")
	fs.StringVar(&c.Data, "data", "data", "data folder (the SQLite file and media; with --db, media only, and shared by every process)")
	fs.StringVar(&c.DB, "db", "", "a PostgreSQL database (postgres://user@host/db?...) instead of the SQLite file under --data")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", 0, "with --db: connections this process opens at most (0: 16)")
	fs.DurationVar(&c.DBStatementTimeout, "db-statement-timeout", 0, "with --db: longest any one SQL statement may run (0: 30s)")
	fs.BoolVar(&c.HTTP, "http", false, "public URLs use http:// instead of https:// (implied for localhost and 127.x domains); fixed with the domain by the first command")
	fs.BoolVar(&c.HTTPS, "https", false, "public URLs use https:// on localhost and 127.x domains too, for a TLS front on this machine (as apps that insist on https need)")
}

// serveFlags binds the serve flags to c.
func serveFlags(fs *flag.FlagSet, c *server.Config) {
	instanceFlags(fs, c)
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.BoolVar(&c.AllowPrivate, "allow-private", false, "let federation reach loopback and private addresses")
	fs.BoolVar(&c.AuthorizedFetch, "authorized-fetch", false, "require signed requests for ActivityPub GETs")
	fs.DurationVar(&c.DeliveryLease, "delivery-lease", delivery.DefaultLease, "how long a delivery being sent stays hidden from other workers (of every serve on the same --db); "+
		"after a process dies mid-send, its deliveries are sent again after this. Keep it longer than a send may take (10s)")
	fs.IntVar(&c.StreamConns, "stream-conns", api.DefaultStreamConns, "streaming API connections this process holds at most")
	fs.IntVar(&c.StreamConnsPerToken, "stream-conns-per-token", api.DefaultStreamConnsPerToken, "streaming API connections one access token holds at most")
	fs.StringVar(&c.Admin, "admin", "admin", "name of the admin account, made at start when there is no admin yet")
	fs.StringVar(&c.SMTPURL, "smtp-url", "", "the mail server for address confirmation and password reset links: smtp://user:password@host:587 "+
		"(STARTTLS, required unless the server is on this machine) or smtps://user:password@host:465; none: no mail is sent")
	fs.StringVar(&c.SMTPFrom, "smtp-from", "", "the sender of the mails (default notifications@ the domain's host)")
	fs.StringVar(&c.Registrations, "registrations", "closed", "who may sign up: closed (nobody), open (anyone), approval (anyone, once an admin approves) "+
		"or invite (those with an invite link; an admin's invite link works in every mode)")
	fs.StringVar(&c.TranslateURL, "translate-url", "", "a LibreTranslate-compatible server that translates posts for their readers, "+
		"such as http://127.0.0.1:5000; none: translation is off and its action hidden")
	fs.StringVar(&c.TranslateKey, "translate-key", "", "the api_key of the --translate-url server, when it asks for one")
	fs.DurationVar(&c.TranslateTimeout, "translate-timeout", translate.DefaultTimeout, "longest a translation may take; "+
		"a slower server gets a reader a message that it did not answer in time")
	mediaCacheFlags(fs, c)
	apiLimitFlags(fs, c)
}

// apiLimitFlags binds the client API's rate limits: the counts are flags, Mastodon's by
// default; the periods are Mastodon's. 0 turns a limit off.
func apiLimitFlags(fs *flag.FlagSet, c *server.Config) {
	m := httpx.MastodonLimits
	c.APILimits = m
	fs.IntVar(&c.APILimits.Token.Limit, "rate-limit-token", m.Token.Limit, "client API requests per token in 5 minutes, counted in each process (0: no limit)")
	fs.IntVar(&c.APILimits.Address.Limit, "rate-limit-address", m.Address.Limit, "client API requests without a token per client address in 5 minutes, counted in each process (0: no limit)")
	fs.IntVar(&c.APILimits.AddressAll.Limit, "rate-limit-address-all", m.AddressAll.Limit, "client API requests of any kind per client address in 5 minutes, counted in each process (0: no limit)")
	fs.IntVar(&c.APILimits.Media.Limit, "rate-limit-media", m.Media.Limit, "media uploads per account in 30 minutes, counted across every serve of the database (0: no limit)")
	fs.IntVar(&c.APILimits.Deletions.Limit, "rate-limit-deletions", m.Deletions.Limit, "status deletions and unreblogs per account in 30 minutes, counted across every serve of the database (0: no limit)")
	fs.IntVar(&c.APILimits.SignUps.Limit, "rate-limit-sign-ups", m.SignUps.Limit, "sign-ups (the form and the API) per client address in 30 minutes, counted across every serve of the database (0: no limit)")
}

// mediaCacheFlags binds the remote media cache's limits.
func mediaCacheFlags(fs *flag.FlagSet, c *server.Config) {
	fs.Var((*server.ByteSize)(&c.MediaCacheMax), "media-cache-max", "room for other servers' pictures, video and sound kept here; "+
		"beyond it the least recently seen that nothing here keeps are removed (such as 500MiB or 4GiB; default 4GiB)")
	fs.Var((*server.ByteSize)(&c.MediaCacheFileMax), "media-cache-file-max", "largest video or sound file of another server kept here "+
		"(images stop at 10MiB); larger ones are linked to, not shown (default 40MiB)")
}
