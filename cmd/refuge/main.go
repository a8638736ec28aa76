// Command refuge is the Refuge server and its admin commands: serve, user, token, block,
// db, media, import, export, version.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"refuge/outbox"
	"refuge/server"
	"refuge/storage"
)

const usage = `refuge — a federated microblog server that speaks ActivityPub

usage:
  refuge serve [--listen ADDR] [--domain HOST] [--data DIR | --db postgres://...] [--http]
               [--authorized-fetch] [--allow-private] [--admin NAME] [more: refuge serve --help]
  refuge user add NAME [--admin] [--password-stdin] [--email ADDR]
  refuge user email NAME ADDR
  refuge user list
  refuge user password NAME [--password-stdin]
  refuge user suspend|unsuspend NAME
  refuge user silence|unsilence NAME
  refuge user delete NAME
  refuge user 2fa-off NAME
  refuge token NAME
  refuge block add|remove TARGET     (TARGET: a host such as spam.example, or an actor URI)
  refuge block add TARGET --silence [--reason TEXT] [--comment TEXT]
  refuge block list
  refuge db copy --to postgres://USER@HOST/DB [--from sqlite:PATH | --data DIR]
  refuge media status|prune [--media-cache-max SIZE]
  refuge search reindex
  refuge emoji add SHORTCODE FILE | list | remove SHORTCODE
  refuge group add NAME --owner USER [--closed] | list
  refuge import follows|lists|mutes|blocks|domain-blocks|bookmarks|archive NAME FILE [--overwrite]
  refuge export follows|lists|mutes|blocks|domain-blocks|bookmarks|archive NAME FILE
  refuge version

Run "refuge COMMAND --help" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit status: 0 on success, 2 for usage errors,
// 1 for everything else.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr)
	case "user":
		err = cmdUser(ctx, args[1:], stdin, stdout, stderr)
	case "token":
		err = cmdToken(ctx, args[1:], stdout, stderr)
	case "block":
		err = cmdBlock(ctx, args[1:], stdout, stderr)
	case "db":
		err = cmdDB(ctx, args[1:], stdout, stderr)
	case "media":
		err = cmdMedia(ctx, args[1:], stdout, stderr)
	case "search":
		err = cmdSearch(ctx, args[1:], stdout, stderr)
	case "emoji":
		err = cmdEmoji(ctx, args[1:], stdout, stderr)
	case "group":
		err = cmdGroup(ctx, args[1:], stdout, stderr)
	case "import":
		err = cmdImport(ctx, args[1:], stdout, stderr)
	case "export":
		err = cmdExport(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "refuge %s\n", server.Version)
	case "help", "--help", "-help", "-h":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "refuge: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "refuge: %s\n", explain(err))
	return 1
}

var errUsage = errors.New("usage")

// subcommand checks that args start with one of names: otherwise it prints usage and
// answers flag.ErrHelp for a request of help, errUsage for anything else.
func subcommand(args []string, usage string, stderr io.Writer, names ...string) error {
	if len(args) > 0 && slices.Contains(names, args[0]) {
		return nil
	}
	fmt.Fprint(stderr, usage)
	if len(args) > 0 && (strings.HasPrefix(args[0], "-h") || args[0] == "--help") {
		return flag.ErrHelp
	}
	return errUsage
}

// explain gives the message of err a person can act on: the public message of our error
// kinds, with the cause when it adds something.
func explain(err error) string {
	var e *storage.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg server.Config
	fs := newFlagSet("serve", "refuge serve [flags]", stderr)
	serveFlags(fs, &cfg)
	if err := parseFlags(fs, args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "refuge serve: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cfg.Out = stdout
	app, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	if err := app.Start(); err != nil {
		app.Close()
		return err
	}
	fmt.Fprintf(stdout, "Refuge %s is serving %s (listening on %s)\n", server.Version, app.Config().Base(), app.Addr())
	<-ctx.Done()
	fmt.Fprintln(stdout, "shutting down")
	return app.Close()
}

// flagErr turns a flag parse error into a usage exit, keeping -h a success.
func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errUsage
}

// openAdmin opens the database of an existing instance for an admin command. It also
// returns the command's one positional argument ("" when none), which may stand before or
// after the flags: `refuge token alice --data d` and `refuge token --data d alice` both
// work. name is the command with its argument, as its usage shows it ("token NAME").
func openAdmin(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*server.App, string, error) {
	return openInstance(ctx, name, args, stderr, extra, true)
}

// openNamed is openAdmin for a command about one account, named by its argument: without
// one it says so and is a usage error.
func openNamed(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet)) (*server.App, string, error) {
	app, arg, err := openAdmin(ctx, name, args, stderr, extra)
	if err == nil && arg == "" {
		app.Close()
		fmt.Fprintf(stderr, "refuge %s: give the account's NAME\n", strings.TrimSuffix(name, " NAME"))
		return nil, "", errUsage
	}
	return app, arg, err
}

// openInstance is openAdmin for `user add` too, which may be the first command given a
// new data folder (README's quick start), so it makes the instance when there is none.
func openInstance(ctx context.Context, name string, args []string, stderr io.Writer, extra func(fs *flag.FlagSet), existing bool) (*server.App, string, error) {
	arg := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		arg, args = args[0], args[1:]
	}
	var cfg server.Config
	fs := newFlagSet(name, "refuge "+name+" [flags]", stderr)
	instanceFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, "", flagErr(err)
	}
	if arg == "" {
		arg = fs.Arg(0)
	}
	cfg.Existing = existing
	app, err := server.Open(ctx, cfg)
	return app, arg, err
}

const userUsage = "usage:\n  refuge user add NAME [--admin] [--password-stdin] [--email ADDR]\n  refuge user list\n" +
	"  refuge user email NAME ADDR   (sets the account's e-mail address, confirmed: you vouch for it)\n" +
	"  refuge user password NAME [--password-stdin]   (signs out its web sessions)\n" +
	"  refuge user suspend NAME\n  refuge user unsuspend NAME\n" +
	"  refuge user silence NAME\n  refuge user unsilence NAME\n" +
	"  refuge user delete NAME\n" +
	"  refuge user 2fa-off NAME   (turns off two-factor sign-in, for someone who lost the device)\n" +
	"A suspended account cannot sign in or use its tokens, and its profile and posts are withheld;\n" +
	"nothing is deleted, and unsuspend gives everything back.\n" +
	"A silenced account's posts and notifications reach only those who follow it (Mastodon's \"limit\").\n" +
	"Deleting an account tombstones its posts, removes its uploads, ends its follows, sessions and\n" +
	"tokens, and sends a Delete to every server that knows it; the name is never given again.\n"

func cmdUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := subcommand(args, userUsage, stderr, "add", "list", "email", "password", "suspend", "unsuspend", "silence", "unsilence", "delete", "2fa-off"); err != nil {
		return err
	}
	if args[0] == "list" {
		app, _, err := openAdmin(ctx, "user list", args[1:], stderr, nil)
		if err != nil {
			return err
		}
		defer app.Close()
		actors, err := app.DB().ListLocalActors(ctx)
		if err != nil {
			return err
		}
		for _, a := range actors {
			role := ""
			if a.Admin {
				role = " (admin)"
			}
			if a.Suspended() {
				role += " (suspended)"
			}
			if a.Limited() {
				role += " (silenced)"
			}
			if a.Pending {
				role += " (waiting for approval)"
			}
			fmt.Fprintf(stdout, "%s\t%s%s\n", a.Username, a.URI, role)
		}
		return nil
	}
	if args[0] == "password" {
		return cmdPassword(ctx, args[1:], stdin, stdout, stderr)
	}
	if slices.Contains([]string{"suspend", "unsuspend", "silence", "unsilence"}, args[0]) {
		return cmdSuspend(ctx, args[0], args[1:], stdout, stderr)
	}
	if args[0] == "delete" {
		return cmdDelete(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "2fa-off" {
		return cmdTwoFactorOff(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "email" {
		return cmdEmail(ctx, args[1:], stdout, stderr)
	}
	var admin, fromStdin bool
	var email string
	app, name, err := openInstance(ctx, "user add NAME", args[1:], stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&admin, "admin", false, "make the account an admin")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
		fs.StringVar(&email, "email", "", "the account's e-mail address, confirmed (for password reset by mail)")
	}, false)
	if err != nil {
		return err
	}
	defer app.Close()
	if name == "" {
		fmt.Fprintln(stderr, "refuge user add: give the new account's NAME")
		return errUsage
	}
	password, err := newPassword(stdin, fromStdin)
	if err != nil {
		return err
	}
	a, err := app.Outbox().CreateAccountWithEmail(ctx, name, password, email, admin)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", a.Handle(), a.URI)
	if !fromStdin {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

// newPassword is the line given on stdin, or else a generated password.
func newPassword(stdin io.Reader, fromStdin bool) (string, error) {
	if !fromStdin {
		return outbox.NewSecret(15), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// cmdPassword gives an account a new password, as for someone who lost theirs, and signs
// out every web session of it.
func cmdPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var fromStdin bool
	app, name, err := openNamed(ctx, "user password NAME", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	})
	if err != nil {
		return err
	}
	defer app.Close()
	a, err := app.Outbox().Account(ctx, name)
	if err != nil {
		return err
	}
	password, err := newPassword(stdin, fromStdin)
	if err != nil {
		return err
	}
	if err := app.Outbox().ChangePassword(ctx, a, password, ""); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "changed the password of %s; its web sessions are signed out\n", a.Handle())
	if !fromStdin {
		fmt.Fprintf(stdout, "password: %s\n", password)
	}
	return nil
}

// cmdSuspend suspends a local account, or lifts its suspension, and then its followers'
// servers are sent its actor document as it now is; or it silences the account, or lifts
// its silence, which no other server is told of.
func cmdSuspend(ctx context.Context, verb string, args []string, stdout, stderr io.Writer) error {
	app, name, err := openNamed(ctx, "user "+verb+" NAME", args, stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	var a *storage.Actor
	switch verb {
	case "suspend":
		a, err = app.Outbox().Suspend(ctx, name)
	case "unsuspend":
		a, err = app.Outbox().Unsuspend(ctx, name)
	default: // silence, unsilence: by the account's id, as the admins' pages and API do
		if a, err = app.Outbox().Account(ctx, name); err != nil {
			return err
		}
		if verb == "silence" {
			a, err = app.Outbox().Silence(ctx, a.ID)
		} else {
			a, err = app.Outbox().Unsilence(ctx, a.ID)
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%sed %s (%s)\n", strings.TrimSuffix(verb, "e"), a.Handle(), a.URI)
	return nil
}

// cmdDelete deletes a local account for good, asking nothing: the admin typed its name.
func cmdDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app, name, err := openNamed(ctx, "user delete NAME", args, stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	// Not Account: a deleted account is found too, and DeleteAccount says it is already.
	a, err := app.DB().GetLocalActor(ctx, name)
	if storage.KindOf(err) == storage.NotFound {
		return storage.Errorf(storage.NotFound, "there is no account %s here", name)
	}
	if err != nil {
		return err
	}
	d, err := app.Outbox().DeleteAccount(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "deleted %s\n", d)
	return nil
}

// cmdEmail sets an account's e-mail address, confirmed: the admin vouches for it. NAME and
// ADDR come first, then the flags.
func cmdEmail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || strings.HasPrefix(args[0], "-") || strings.HasPrefix(args[1], "-") {
		fmt.Fprintln(stderr, "usage: refuge user email NAME ADDR [flags]")
		return errUsage
	}
	email := args[1]
	app, name, err := openNamed(ctx, "user email NAME", append([]string{args[0]}, args[2:]...), stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	if err := app.Outbox().SetEmail(ctx, name, email); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "set the e-mail address of %s to %s\n", name, email)
	return nil
}

// cmdTwoFactorOff turns off two-factor sign-in for an account whose owner lost the device
// and the recovery codes; the password alone signs in again.
func cmdTwoFactorOff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app, name, err := openNamed(ctx, "user 2fa-off NAME", args, stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	a, err := app.Outbox().TurnOffTwoFactor(ctx, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "turned off two-factor sign-in of %s; the password alone signs in now\n", a.Handle())
	return nil
}

func cmdToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	app, name, err := openNamed(ctx, "token NAME", args, stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	a, err := app.Outbox().LocalActor(ctx, name)
	if err != nil {
		return err
	}
	secret, err := app.Outbox().NewToken(ctx, a, storage.TokenAPI)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, secret)
	return nil
}

const blockUsage = "usage:\n  refuge block add TARGET [--silence] [--reason TEXT] [--comment TEXT]\n  refuge block remove TARGET\n  refuge block list\n" +
	"TARGET is a host (spam.example, or host:port) or an actor URI (https://spam.example/users/x).\n" +
	"A block suspends: nothing is taken from or sent to the target. With --silence nothing is refused,\n" +
	"but every account there is silenced: its posts reach only its followers here, its notifications only\n" +
	"those who follow it. --reason is shown to anyone (GET /api/v1/instance/domain_blocks), --comment only\n" +
	"to admins. Adding a target again gives it the new severity and reasons.\n" +
	"list prints each block as TARGET, SEVERITY, CREATED, REASON and COMMENT, separated by tabs.\n"

// cmdBlock manages instance-level blocks: deliveries from a blocked host or actor are
// refused, and nothing is fetched from or delivered to it.
func cmdBlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, blockUsage, stderr, "add", "remove", "list"); err != nil {
		return err
	}
	verb := args[0]
	synopsis := "block " + verb
	if verb != "list" {
		synopsis += " TARGET"
	}
	var silence bool
	var reason, comment string
	var extra func(fs *flag.FlagSet)
	if verb == "add" {
		extra = func(fs *flag.FlagSet) {
			fs.BoolVar(&silence, "silence", false, "silence every account of the target instead of suspending it")
			fs.StringVar(&reason, "reason", "", "the public `reason`, which anyone may read")
			fs.StringVar(&comment, "comment", "", "a private `note` for the admins")
		}
	}
	app, target, err := openAdmin(ctx, synopsis, args[1:], stderr, extra)
	if err != nil {
		return err
	}
	defer app.Close()
	if verb == "list" {
		blocks, err := app.DB().ListBlocks(ctx)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\t%s\n", b.Target, b.Severity, b.Created.Format(time.RFC3339),
				oneLine(b.PublicComment), oneLine(b.PrivateComment))
		}
		return nil
	}
	if target == "" {
		fmt.Fprintf(stderr, "refuge block %s: give the TARGET (a host or an actor URI)\n", verb)
		return errUsage
	}
	if verb == "remove" {
		if target, err = app.Outbox().RemoveInstanceBlock(ctx, target); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "unblocked %s\n", target)
		return nil
	}
	severity := storage.BlockSuspend
	if silence {
		severity = storage.BlockSilence
	}
	b, pruned, err := app.Outbox().PutInstanceBlock(ctx, storage.Block{Target: target, Severity: severity,
		PublicComment: reason, PrivateComment: comment})
	if err != nil {
		return err
	}
	if silence {
		fmt.Fprintf(stdout, "silenced %s\n", b.Target)
		return nil
	}
	fmt.Fprintf(stdout, "blocked %s\n", b.Target)
	if pruned > 0 {
		fmt.Fprintf(stdout, "removed %d files kept of its media\n", pruned)
	}
	return nil
}

// oneLine is s with its line breaks and tabs as spaces, for a column of tab-separated
// output; "-" when empty, so that every row has every column.
func oneLine(s string) string {
	if s == "" {
		return "-"
	}
	return strings.Join(strings.Fields(s), " ")
}

const mediaUsage = "usage:\n  refuge media status\n  refuge media prune [--media-cache-max SIZE]\n" +
	"status says what the cache of other servers' media holds; prune removes the files of notes and actors\n" +
	"that are gone, then the least recently seen files nothing here keeps, until the cache fits its budget\n" +
	"(a serving instance does both every minute).\n"

// cmdMedia looks after the remote media cache: media status, media prune.
func cmdMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, mediaUsage, stderr, "status", "prune"); err != nil {
		return err
	}
	var budget int64
	app, arg, err := openAdmin(ctx, "media "+args[0], args[1:], stderr, func(fs *flag.FlagSet) {
		fs.Var((*server.ByteSize)(&budget), "media-cache-max", "the budget to prune to (default 4GiB, as serve's)")
	})
	if err != nil {
		return err
	}
	defer app.Close()
	if arg != "" {
		fmt.Fprintf(stderr, "refuge media %s: unexpected argument %q\n", args[0], arg)
		return errUsage
	}
	cache := app.MediaCache()
	if args[0] == "status" {
		u, err := app.DB().RemoteMediaUsage(ctx)
		if err != nil {
			return err
		}
		printUsage(stdout, u)
		return nil
	}
	if budget > 0 {
		cache.MaxBytes = budget
	}
	rep, err := cache.Prune(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "removed %d files of notes and actors that are gone, %d of blocked servers and %d least recently seen, %s in all\n",
		rep.Orphans, rep.Blocked, rep.Pruned, mebibytes(rep.Freed))
	printUsage(stdout, rep.Usage)
	return nil
}

func printUsage(w io.Writer, u storage.RemoteMediaUsage) {
	fmt.Fprintf(w, "stored %d (%s), waiting %d, refused %d, pruned %d\n", u.Stored, mebibytes(u.StoredBytes), u.Pending, u.Failed, u.Pruned)
}

func mebibytes(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

const dbUsage = "usage:\n  refuge db copy --to postgres://USER@HOST/DB [--from sqlite:PATH | --data DIR]\n" +
	"Copies a stopped instance's database into a new, empty one and checks the copy.\n"

// cmdDB moves an instance's database: db copy copies every row into an empty database
// (PostgreSQL, or another SQLite file), then checks that both hold the same rows.
func cmdDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, dbUsage, stderr, "copy"); err != nil {
		return err
	}
	var from, to, data string
	fs := newFlagSet("db copy", "refuge db copy --to postgres://USER@HOST/DB [--from sqlite:PATH | --data DIR]", stderr)
	fs.StringVar(&from, "from", "", "the database to copy: sqlite:PATH (or the path alone), or postgres://...; without it, the SQLite file under --data")
	fs.StringVar(&to, "to", "", "the new, empty database to copy into: postgres://USER@HOST/DB?... (or sqlite:PATH)")
	fs.StringVar(&data, "data", "data", "data folder of the instance, whose SQLite file is copied when --from is not given")
	if err := parseFlags(fs, args[1:]); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "refuge db copy: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	if to == "" {
		fmt.Fprintln(stderr, "refuge db copy: give --to, the database to copy into (postgres://USER@HOST/DB)")
		return errUsage
	}
	if from == "" {
		from = filepath.Join(data, "refuge.db")
	}
	last := time.Now()
	report, err := server.CopyDB(ctx, from, to, func(table string, rows int) {
		if time.Since(last) >= 5*time.Second {
			fmt.Fprintf(stderr, "copying %s: %d rows so far\n", table, rows)
			last = time.Now()
		}
	})
	if err != nil {
		return err
	}
	total := 0
	for _, t := range report.Tables {
		fmt.Fprintf(stdout, "%-16s %10d\n", t.Table, t.Rows)
		total += t.Rows
	}
	fmt.Fprintf(stdout, "copied %d rows in %d tables in %s, checked in %s\nchecked: equal\n", total, len(report.Tables),
		report.Copy.Round(time.Millisecond), report.Check.Round(time.Millisecond))
	return nil
}
