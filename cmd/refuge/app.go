package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"refuge/federation"
	"refuge/inbox"
	"refuge/outbox"
	"refuge/storage"
	"refuge/storage/sqlite"
	"refuge/templates"
)

// App is one running instance: its database, services, delivery workers and HTTP server.
// Tests start several in one process with New, Start and Close.
type App struct {
	cfg       Config
	log       *slog.Logger
	db        storage.DB
	svc       *outbox.Service
	remote    *federation.Remote
	inbox     *inbox.Inbox
	deliverer *outbox.Deliverer
	pages     *templates.Renderer
	limits    *limiter
	signer    atomic.Pointer[federation.Signer]
	pageCache pageCache // anonymous profile pages, see pagecache.go

	ln      net.Listener
	srv     *http.Server
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	closeMu sync.Once
}

// open opens the database and builds the services without serving anything: what the admin
// commands need.
func open(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	if err := os.MkdirAll(filepath.Join(cfg.Data, "media"), 0o750); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	db, err := sqlite.Open(ctx, cfg.DBPath())
	if err != nil {
		return nil, err
	}
	if err := checkDomain(ctx, db, cfg.Domain); err != nil {
		db.Close()
		return nil, err
	}
	a := &App{cfg: cfg, log: cfg.Log, db: db}
	client := federation.NewClient(federation.ClientConfig{
		AllowPrivate: cfg.AllowPrivate, AllowPrefixes: cfg.AllowPrefixes, Resolver: cfg.DNS,
		Dial: cfg.Dial, Timeout: cfg.FetchTimeout, HostBlocked: db.IsHostBlocked,
		UserAgent: "Refuge/" + Version + " (+" + cfg.Base() + "/)",
	})
	a.svc = &outbox.Service{DB: db, Base: cfg.Base(), Domain: cfg.Domain, Log: cfg.Log, Now: cfg.Now,
		Software: Version, DataDir: cfg.Data}
	a.remote = &federation.Remote{DB: db, Client: client, Scheme: cfg.Scheme(), LocalHost: cfg.Domain,
		Signer: a.instanceSigner, Log: cfg.Log}
	a.svc.Remote = a.remote
	a.deliverer = &outbox.Deliverer{DB: db, Client: client, Log: cfg.Log, Schedule: cfg.RetrySchedule, Now: cfg.Now}
	a.svc.OnQueue = a.deliverer.Wake
	a.inbox = &inbox.Inbox{DB: db, Outbox: a.svc, Remote: a.remote, Log: cfg.Log, Now: cfg.Now}
	if _, err := a.svc.InstanceActor(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("instance actor: %w", err)
	}
	return a, nil
}

// checkDomain records the domain on first start and refuses a different one later: every
// stored URI is under it, and serving them under another name would break every follow.
func checkDomain(ctx context.Context, db storage.DB, domain string) error {
	stored, err := db.GetMeta(ctx, "domain")
	if err != nil {
		return err
	}
	if stored == "" {
		return db.Update(ctx, func(tx storage.Tx) error { return tx.PutMeta(ctx, "domain", domain) })
	}
	if stored != domain {
		return fmt.Errorf("the data folder belongs to domain %q, not %q: start with --domain %s or use another --data folder",
			stored, domain, stored)
	}
	return nil
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

// New opens an instance and makes it ready to serve; on first start it creates the admin
// account and prints its password.
func New(ctx context.Context, cfg Config) (*App, error) {
	a, err := open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if a.pages, err = templates.New(); err != nil {
		a.db.Close()
		return nil, err
	}
	a.limits = newLimiter()
	if cfg.InboxRate > 0 || cfg.InboxBurst > 0 {
		a.limits.inbox = newBuckets(cmp.Or(cfg.InboxRate, defaultInboxRate), cmp.Or(cfg.InboxBurst, defaultInboxBurst))
	}
	if err := a.firstStart(ctx); err != nil {
		a.db.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) firstStart(ctx context.Context) error {
	n, err := a.db.CountLocalUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	password := outbox.NewSecret(15)
	admin, err := a.svc.CreateAccount(ctx, a.cfg.Admin, password, true)
	if err != nil {
		return fmt.Errorf("create admin account: %w", err)
	}
	if a.cfg.Out != nil {
		fmt.Fprintf(a.cfg.Out, "First start: created the admin account %s\n  password: %s\n  sign in at %s/signin\n",
			admin.Handle(), password, a.cfg.Base())
	}
	return nil
}

// Start listens and serves in the background, and starts the delivery workers.
func (a *App) Start() error {
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.cfg.Listen, err)
	}
	a.ln = ln
	handler := a.routes()
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
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	a.wg.Add(2)
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
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (a *App) Addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// Close stops accepting, lets requests in flight finish, stops the workers (a delivery in
// flight is retried after restart) and closes the database.
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
		err = errors.Join(err, a.db.Close())
	})
	return err
}

// newToken makes a secret for an API token or a web session, stores its hash and returns it.
func (a *App) newToken(ctx context.Context, actor *storage.Actor, kind storage.TokenKind) (string, error) {
	secret := outbox.NewSecret(32)
	t := &storage.Token{Hash: storage.HashToken(secret), ActorID: actor.ID, Kind: kind}
	if kind == storage.TokenSession {
		t.CSRF = outbox.NewSecret(24)
		t.Expires = time.Now().Add(30 * 24 * time.Hour)
	}
	if err := a.db.Update(ctx, func(tx storage.Tx) error { return tx.PutToken(ctx, t) }); err != nil {
		return "", err
	}
	return secret, nil
}
