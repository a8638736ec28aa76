package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"refuge/outbox"
)

const groupUsage = "usage:\n  refuge group add NAME --owner USER [--display-name TEXT] [--about TEXT] [--rules TEXT] [--closed] [--mods-only]\n" +
	"  refuge group list\n" +
	"makes a community: @NAME@domain, which people on any server join by following it and post to by\n" +
	"mentioning it; the group boosts each member's post to every member. USER, a local account, owns and\n" +
	"moderates it. --closed makes joining wait for a moderator; --mods-only lets only moderators start threads.\n"

// cmdGroup makes and lists the instance's groups.
func cmdGroup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, groupUsage, stderr, "add", "list"); err != nil {
		return err
	}
	var in outbox.GroupInput
	var owner string
	extra := func(fs *flag.FlagSet) {
		if args[0] != "add" {
			return
		}
		fs.StringVar(&owner, "owner", "", "the local account that owns and moderates the group")
		fs.StringVar(&in.DisplayName, "display-name", "", "the group's display name (default: its name)")
		fs.StringVar(&in.About, "about", "", "what the group is about")
		fs.StringVar(&in.Rules, "rules", "", "the group's rules, one a line")
		fs.BoolVar(&in.Closed, "closed", false, "joining waits for a moderator's approval")
		fs.BoolVar(&in.PostingRestricted, "mods-only", false, "only moderators start threads")
	}
	n, name := map[string]int{"add": 1, "list": 0}[args[0]], map[string]string{"add": "group add NAME", "list": "group list"}[args[0]]
	app, pos, err := openPositional(ctx, name, n, args[1:], stderr, extra)
	if err != nil {
		return err
	}
	defer app.Close()
	svc := app.Outbox()
	switch args[0] {
	case "add":
		if owner == "" {
			fmt.Fprintln(stderr, "refuge group add: --owner is required: the local account that owns the group")
			return errUsage
		}
		if in.Owner, err = svc.LocalActor(ctx, owner); err != nil {
			return fmt.Errorf("owner %s: %w", owner, err)
		}
		in.Name = pos[0]
		g, err := svc.CreateGroup(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created group %s (%s)\n", g.Handle(), g.URI)
	case "list":
		groups, err := app.DB().ListGroups(ctx)
		if err != nil {
			return err
		}
		for _, g := range groups {
			a, err := app.DB().GetActorByID(ctx, g.ActorID)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s\t%s\n", a.Username, a.URI)
		}
	}
	return nil
}
