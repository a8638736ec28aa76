package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

const emojiUsage = "usage:\n  refuge emoji add SHORTCODE FILE\n  refuge emoji list\n  refuge emoji remove SHORTCODE\n" +
	"adds, lists and removes the instance's custom emoji: a picture (JPEG, PNG, GIF or WebP, at most 256 KiB)\n" +
	"that :SHORTCODE: in a local post shows, here and on other servers. A shortcode is 2 to 30 letters,\n" +
	"digits or _.\n"

// cmdEmoji looks after the instance's custom emoji: emoji add, list and remove.
func cmdEmoji(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if err := subcommand(args, emojiUsage, stderr, "add", "list", "remove"); err != nil {
		return err
	}
	n := map[string]int{"add": 2, "list": 0, "remove": 1}[args[0]]
	name := map[string]string{"add": "emoji add SHORTCODE FILE", "list": "emoji list", "remove": "emoji remove SHORTCODE"}[args[0]]
	app, pos, err := openPositional(ctx, name, n, args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer app.Close()
	svc, dataDir := app.Outbox(), app.Config().Data
	switch args[0] {
	case "add":
		f, err := os.Open(pos[1])
		if err != nil {
			return fmt.Errorf("emoji add: %w", err)
		}
		defer f.Close()
		e, err := svc.AddCustomEmoji(ctx, dataDir, pos[0], f)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "added :%s: (%s)\n", e.Shortcode, e.URL)
	case "list":
		emojis, err := app.DB().ListCustomEmojis(ctx)
		if err != nil {
			return err
		}
		for _, e := range emojis {
			fmt.Fprintf(stdout, ":%s:\t%s\n", e.Shortcode, e.URL)
		}
	case "remove":
		if err := svc.RemoveCustomEmoji(ctx, dataDir, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed :%s:\n", pos[0])
	}
	return nil
}
