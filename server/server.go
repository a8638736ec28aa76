// Package server is one running Refuge instance: App opens the database, builds the
// services (reader, outbox, inbox, delivery), mounts every HTTP surface on one router and
// serves it. cmd/refuge, the tests of every package and the load tool start whole
// instances through New, Start and Close.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/inbox"
	"refuge/inbox/mediacache"
	"refuge/outbox"
	"refuge/outbox/archive"
	"refuge/outbox/delivery"
	"refuge/outbox/imports"
	"refuge/outbox/media"
	"refuge/outbox/translate"
	"refuge/reader"
	"refuge/server/activitypub"
	"refuge/server/api"
	"refuge/server/httpx"
	"refuge/server/oauth"
	"refuge/server/web"
	"refuge/storage"
	"refuge/storage/sqldb"
	"refuge/templates"
)

// Version is the software version, reported by `refuge version` and NodeInfo.
var Version = "0.1.0"

// App is one instance: its database, services, delivery workers and HTTP server.
type App struct {
	cfg       Config
	log       *slog.Logger
	db        storage.DB
	read      *reader.Reader
	svc       *outbox.Service
	remote    *federation.Remote
	backfill  *federation.Backfill
	inbox     *inbox.Inbox
	deliverer *delivery.Deliverer
	pusher    *delivery.Pusher
	media     *mediacache.Cache
	stream    *api.Stream
	imports   *imports.Runner
	translate *translate.Service
	signer    atomic.Pointer[federation.Signer]

	lock    *os.File // the data folder's lock, held by a serve (New) until Close
	ln      net.Listener
	srv     *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closeMu sync.Once
}

// Open opens the database and builds the services without serving anything: what the admin
// commands need.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if cfg.Existing && cfg.DB == "" {
		if _, err := os.Stat(cfg.DBPath()); errors.Is(err, fs.ErrNotExist) {
			return nil, storage.Errorf(storage.NotFound, "no instance in the data folder %q (it has no refuge.db): give the --data of an instance, or make one with refuge serve or refuge user add", cfg.Data)
		}
	}
	if err := os.MkdirAll(media.Dir(cfg.Data), 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	var db *sqldb.DB
	var err error
	if cfg.DB != "" {
		db, err = sqldb.OpenPostgres(ctx, cfg.DB, sqldb.PostgresOptions{MaxConns: cfg.DBMaxConns, StatementTimeout: cfg.DBStatementTimeout})
	} else {
		db, err = sqldb.Open(ctx, cfg.DBPath())
	}
	if err != nil {
		return nil, err
	}
	if cfg.Existing && cfg.DB != "" {
		if domain, err := db.GetMeta(ctx, "domain"); err != nil || domain == "" {
			db.Close()
			if err != nil {
				return nil, err
			}
			return nil, storage.Errorf(storage.NotFound, "the database given by --db holds no instance yet: give the --db of an instance, or make one with refuge serve or refuge user add")
		}
	}
	if err := checkDomain(ctx, db, &cfg); err != nil {
		db.Close()
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Log, db: db}
	client := federation.NewClient(federation.ClientConfig{
		AllowPrivate: cfg.AllowPrivate, AllowPrefixes: cfg.AllowPrefixes, Resolver: cfg.DNS,
		Dial: cfg.Dial, Timeout: cfg.FetchTimeout, HostBlocked: db.IsHostBlocked, Signatures: db,
		UserAgent: "Refuge/" + Version + " (+" + uris.New(cfg.Base()).Root() + ")",
	})
	a.svc = &outbox.Service{DB: db, Base: cfg.Base(), Domain: cfg.Domain, Log: cfg.Log, Now: cfg.Now,
		Software: Version, DataDir: cfg.Data, AllowPrivate: cfg.AllowPrivate, Registrations: outbox.Registrations(cfg.Registrations),
		GroupLimits: cfg.GroupLimits}
	if a.svc.Mail, err = cfg.Mailer(); err != nil { // Check read it already: this cannot fail
		db.Close()
		return nil, err
	}
	a.remote = &federation.Remote{DB: db, Client: client, Scheme: cfg.Scheme(), LocalHost: cfg.Domain,
		Signer: a.instanceSigner, Log: cfg.Log}
	a.svc.Remote = a.remote
	a.backfill = federation.NewBackfill(a.remote)
	// A search may take one and a half fetch timeouts in all (reader.DefaultLookupTimeout
	// for the default one).
	a.read = &reader.Reader{DB: db, Remote: a.remote, Backfill: a.backfill, Domain: cfg.Domain, Base: cfg.Base(),
		LookupTimeout: cfg.FetchTimeout * 3 / 2}
	a.deliverer = &delivery.Deliverer{DB: db, Client: client, Log: cfg.Log, Schedule: cfg.RetrySchedule, Now: cfg.Now,
		Lease: cfg.DeliveryLease}
	if cfg.DeliveryLease > 0 && cfg.DeliveryLease <= client.Timeout() {
		cfg.Log.Warn("--delivery-lease is not longer than a delivery may take: one that takes longer may be sent twice",
			"lease", cfg.DeliveryLease, "longest", client.Timeout())
	}
	a.pusher = &delivery.Pusher{DB: db, Client: client, Contact: cfg.Base(), DefaultIcon: cfg.Base() + "/static/avatar.svg",
		Log: cfg.Log, Schedule: cfg.RetrySchedule, Now: cfg.Now, Lease: cfg.DeliveryLease}
	a.media = &mediacache.Cache{DB: db, Client: client, Dir: mediacache.Dir(cfg.Data), Log: cfg.Log, Now: cfg.Now,
		MaxBytes: cfg.MediaCacheMax, MaxFileBytes: cfg.MediaCacheFileMax, Timeout: cfg.MediaFetchTimeout,
		Schedule: cfg.MediaRetrySchedule}
	a.svc.PruneBlocked = func(ctx context.Context) (int, error) {
		rep, err := a.media.Prune(ctx)
		return rep.Blocked, err
	}
	wake := func() { a.deliverer.Wake(); a.pusher.Wake(); a.media.Wake() }
	a.svc.OnQueue = wake
	db.OnQueued(wake) // what storing queues (remote media, on any path), and on PostgreSQL other processes' too
	a.stream = api.NewStream(cfg.Log, cfg.StreamConns, cfg.StreamConnsPerToken)
	db.OnEvents(a.stream.Publish) // PostgreSQL: every process's commits' events
	a.inbox = &inbox.Inbox{DB: db, Outbox: a.svc, Remote: a.remote, Log: cfg.Log, Now: cfg.Now}
	// Import jobs: each kind registers its importer here (the archive's among them).
	a.translate = cfg.Translator(db)
	a.imports = &imports.Runner{DB: db, Dir: imports.Dir(cfg.Data), Log: cfg.Log, Now: cfg.Now}
	(&imports.CSV{Outbox: a.svc, Remote: a.remote, DB: db, Domain: cfg.Domain, Resolve: cfg.FetchTimeout * 2}).Register(a.imports)
	a.imports.Register(storage.ImportArchive, archive.MaxFileBytes, (&archive.Importer{Out: a.svc, DataDir: cfg.Data, Log: cfg.Log}).Job)
	if _, err := a.svc.InstanceActor(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("instance actor: %w", err)
	}
	if a.pusher.Key, err = a.svc.VAPIDKey(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	return a, nil
}

// checkDomain records the domain and the URL scheme at the first command of any kind, and
// refuses others later: every stored URI starts with them, and serving those under another
// name or scheme would break every follow (and an admin command would make accounts that
// do not match the rest).
func checkDomain(ctx context.Context, db storage.DB, cfg *Config) error {
	domain, err := db.GetMeta(ctx, "domain")
	if err != nil {
		return err
	}
	scheme, err := db.GetMeta(ctx, "scheme")
	if err != nil {
		return err
	}
	record := domain == "" || scheme == ""
	if domain != "" && scheme == "" {
		// Folders of older versions recorded the domain alone.
		if scheme, err = storedScheme(ctx, db, domain); err != nil {
			return err
		}
	}
	if domain == "" {
		domain = cfg.Domain
	}
	if scheme == "" {
		scheme = cfg.Scheme()
	}
	if domain != cfg.Domain || scheme != cfg.Scheme() {
		var fix []string
		if domain != cfg.Domain {
			fix = append(fix, "with --domain "+domain)
		}
		switch {
		case scheme == cfg.Scheme():
		case scheme == "http":
			fix = append(fix, "with --http")
		default:
			fix = append(fix, "without --http")
		}
		return storage.Errorf(storage.Conflict, "the data folder belongs to %s://%s, not %s: start %s, or use another --data folder",
			scheme, domain, cfg.Base(), strings.Join(fix, " and "))
	}
	if !record {
		return nil
	}
	return db.Update(ctx, func(tx storage.Tx) error {
		// Read again where it is written: another serve on the same PostgreSQL database may
		// have recorded its own since (serves started together), and the first one stays.
		for key, want := range map[string]string{"domain": domain, "scheme": scheme} {
			if got, err := tx.GetMeta(ctx, key); err != nil {
				return err
			} else if got != "" && got != want {
				return storage.Errorf(storage.Conflict, "the database was just given the %s %s by another start, not %s: "+
					"start every serve of one instance with the same --domain and --http", key, got, want)
			}
		}
		if err := tx.PutMeta(ctx, "domain", domain); err != nil {
			return err
		}
		return tx.PutMeta(ctx, "scheme", scheme)
	})
}

// storedScheme reads the scheme of a folder that recorded only its domain from the URIs of
// its local actors (the instance actor is named after the domain); "" when it has none.
func storedScheme(ctx context.Context, db storage.DB, domain string) (string, error) {
	a, err := db.GetLocalActor(ctx, domain)
	if storage.KindOf(err) == storage.NotFound {
		actors, lerr := db.ListLocalActors(ctx)
		if lerr != nil || len(actors) == 0 {
			return "", lerr
		}
		a, err = actors[0], nil
	}
	if err != nil {
		return "", err
	}
	scheme, _, _ := strings.Cut(a.URI, "://")
	return scheme, nil
}

// instanceSigner signs fetches on behalf of the instance.
func (a *App) instanceSigner(ctx context.Context) (*federation.Signer, error) {
	if s := a.signer.Load(); s != nil {
		return s, nil
	}
	actor, err := a.svc.InstanceActor(ctx)
	if err != nil {
		return nil, err
	}
	s, err := a.svc.Signer(ctx, actor)
	if err != nil {
		return nil, err
	}
	a.signer.Store(s)
	return s, nil
}

// New opens an instance and makes it ready to serve: it takes the data folder's lock (one
// serve per folder; admin commands use Open, which does not), and creates the admin account
// and prints its password when there is no admin yet.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	lock, err := lockData(&cfg)
	if err != nil {
		return nil, err
	}
	a, err := Open(ctx, cfg)
	if err != nil {
		unlockData(lock) // Open closed the database
		return nil, err
	}
	a.lock = lock
	if err := a.firstStart(ctx); err != nil {
		a.db.Close()
		unlockData(lock)
		return nil, err
	}
	return a, nil
}

// firstStart creates the admin account when there is none, whether or not `refuge user
// add` made other accounts before the first serve. Serves started together on one
// PostgreSQL database all find none: the first to commit makes it, and the others find it
// when the name turns out taken.
func (a *App) firstStart(ctx context.Context) error {
	if ok, err := a.hasAdmin(ctx); ok || err != nil {
		return err
	}
	password := outbox.NewSecret(15)
	admin, err := a.svc.CreateAccount(ctx, a.cfg.Admin, password, true)
	if storage.KindOf(err) == storage.Conflict {
		if ok, herr := a.hasAdmin(ctx); ok || herr != nil {
			return herr // another serve made it meanwhile
		}
		return storage.Wrap(storage.Conflict, err, fmt.Sprintf("there is no admin account yet and the name %q is taken: "+
			"start with --admin NAME, or make one with refuge user add NAME --admin", a.cfg.Admin))
	}
	if err != nil {
		return fmt.Errorf("create admin account: %w", err)
	}
	if a.cfg.Out != nil {
		fmt.Fprintf(a.cfg.Out, "First start: created the admin account %s\n  password: %s\n  sign in at %s/signin\n",
			admin.Handle(), password, a.cfg.Base())
	}
	return nil
}

// hasAdmin reports whether some local account is an admin.
func (a *App) hasAdmin(ctx context.Context) (bool, error) {
	actors, err := a.db.ListLocalActors(ctx)
	if err != nil {
		return false, err
	}
	for _, x := range actors {
		if x.Admin {
			return true, nil
		}
	}
	return false, nil
}

// Handler builds the instance's HTTP handler: every surface on one router, behind the
// security headers.
func (a *App) Handler() (http.Handler, error) {
	pages, err := templates.New()
	if err != nil {
		return nil, err
	}
	kit := &httpx.Kit{Log: a.log, Limits: httpx.NewLimits(a.db, a.cfg.InboxRate, a.cfg.InboxBurst, a.cfg.APILimits),
		Auth: &httpx.Auth{DB: a.db, Verify: a.inbox.Signer, AuthorizedFetch: a.cfg.AuthorizedFetch, Commits: a.db.Commits}}
	if a.svc.Mail != nil {
		kit.Auth.Unconfirmed = func(ctx context.Context, actor *storage.Actor) (bool, error) {
			err := a.svc.CheckConfirmed(ctx, actor)
			if err == outbox.ErrUnconfirmed {
				return true, nil
			}
			return false, err
		}
	}
	local := uris.New(a.cfg.Base())
	site := &web.Handler{Kit: kit, Read: a.read, Outbox: a.svc, Remote: a.remote, Templates: pages,
		URIs: local, Domain: a.cfg.Domain, HTTP: a.cfg.HTTP, DataDir: a.cfg.Data, Media: a.media, Commits: a.db.Commits,
		Imports: a.imports, Translate: a.translate}
	kit.ErrorPage = site.ErrorPage
	ap := &activitypub.Handler{Kit: kit, Read: a.read, Outbox: a.svc, Inbox: a.inbox, URIs: local, Domain: a.cfg.Domain, Version: Version,
		Commits: a.db.Commits,
		Pages:   activitypub.Pages{Profile: site.ProfilePage, Note: site.NotePage, Follows: site.FollowsPage}}
	client := &api.Handler{Kit: kit, Read: a.read, Outbox: a.svc, DataDir: a.cfg.Data, URIs: local, Domain: a.cfg.Domain, Version: Version,
		VAPIDKey: a.pusher.Key.PublicKey(), Stream: a.stream, Translate: a.translate}
	apps := &oauth.Handler{Kit: kit, Outbox: a.svc, Web: site, URIs: local, VAPIDKey: a.pusher.Key.PublicKey()}
	return routes(kit, ap, site, client, apps), nil
}

// routes puts every surface on one router. Each surface lists its own routes on one screen
// (activitypub.Handler.Routes, web.Handler.Routes, api.Handler.Routes, oauth.Handler.Routes);
// what no route matches is answered here. Answers are compressed when the client accepts
// it (httpx.Compress; pages with CSRF tokens mask them per answer, see web.maskToken). CORS
// answers browser apps on the API's paths only, and the API's rate limits (httpx.LimitAPI)
// apply there before any route.
func routes(kit *httpx.Kit, ap *activitypub.Handler, site *web.Handler, client *api.Handler, apps *oauth.Handler) http.Handler {
	r := mux.NewRouter()
	client.Routes(r)
	ap.Routes(r)
	site.Routes(r)
	apps.Routes(r)
	r.NotFoundHandler = kit.Handle(func(w http.ResponseWriter, r *http.Request) error { return httpx.ErrNotFound })
	r.MethodNotAllowedHandler = kit.Handle(func(w http.ResponseWriter, r *http.Request) error { return httpx.ErrMethod })
	return httpx.SecurityHeaders(httpx.Compress(httpx.CORS(kit.LimitAPI(r))))
}

// Start listens and serves in the background, and starts the delivery workers, the
// background fetcher of the notes pages lack, the remote media cache's workers, the import
// jobs' runner, and the clean-up of orphaned uploads.
func (a *App) Start() error {
	handler, err := a.Handler()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Listen, err)
	}
	a.ln = ln
	if observe := a.cfg.Observe; observe != nil {
		next := handler
		handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { observe(r); next.ServeHTTP(w, r) })
	}
	a.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	// Streaming connections last; Shutdown waits for none of them, so they are closed first.
	a.srv.RegisterOnShutdown(a.stream.Shutdown)
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(9)
	go func() {
		defer a.wg.Done()
		a.imports.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.stream.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		if err := a.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("serve", "err", err)
		}
	}()
	go func() {
		defer a.wg.Done()
		a.deliverer.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.pusher.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.backfill.Run(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.cleanUploads(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.settlePolls(ctx)
	}()
	go func() {
		defer a.wg.Done()
		a.media.Run(ctx)
	}()
	return nil
}

// uploadSweep is how often what crashes left of uploads is looked for, besides at start.
const uploadSweep = time.Hour

// cleanUploads removes what crashes left of uploads (outbox.Service.RemoveOrphanUploads) at
// start and then every uploadSweep, until ctx ends.
func (a *App) cleanUploads(ctx context.Context) {
	t := time.NewTicker(uploadSweep)
	defer t.Stop()
	for {
		rows, files, err := a.svc.RemoveOrphanUploads(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			a.log.Error("remove orphaned uploads", "err", err)
		case rows+files > 0:
			a.log.Info("removed orphaned uploads", "rows", rows, "files", files)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollSweep is how often polls are looked at for an end or results to send: a poll's end is
// told within it, and a local poll's results within it after outbox.PollResultsDelay.
const pollSweep = 10 * time.Second

// settlePolls runs outbox.Service.SettlePolls every pollSweep until ctx ends.
func (a *App) settlePolls(ctx context.Context) {
	t := time.NewTicker(pollSweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := a.svc.SettlePolls(ctx, time.Now()); err != nil && ctx.Err() == nil {
			a.log.Error("settle polls", "err", err)
		}
	}
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Close stops accepting, lets requests in flight finish, stops the workers (a delivery in
// flight is retried after restart) and the clean-up, and closes the database.
func (a *App) Close() error {
	var err error
	a.closeMu.Do(func() {
		if a.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			err = a.srv.Shutdown(ctx)
			cancel()
		}
		if a.cancel != nil {
			a.cancel()
		}
		a.wg.Wait()
		err = errors.Join(err, a.db.Close(), unlockData(a.lock))
	})
	return err
}

// Config is the instance's configuration, completed by Check.
func (a *App) Config() *Config { return &a.cfg }

// DB is the instance's database.
func (a *App) DB() storage.DB { return a.db }

// MediaCache is the remote media cache.
func (a *App) MediaCache() *mediacache.Cache { return a.media }

// Reader is the instance's read side.
func (a *App) Reader() *reader.Reader { return a.read }

// Outbox is the instance's local actions.
func (a *App) Outbox() *outbox.Service { return a.svc }

// Imports runs the instance's import jobs (the CLI runs its own through it).
func (a *App) Imports() *imports.Runner { return a.imports }

// Remote is the instance's cache of remote actors and notes.
func (a *App) Remote() *federation.Remote { return a.remote }
