package sqldb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig/pgtest"
	"refuge/storage"
)

// copied is what fillInstance stored, for the checks made on a copy.
type copied struct {
	alice, bob, carol *storage.Actor // local admin, local locked, remote
	notes             []int64        // every note, the tombstone among them
	private           int64          // alice's direct note to bob
	tokens            map[string]bool
	activity          int64 // alice's Create, with deliveries queued
	lastDelivery      int64 // the largest delivery id handed out; that delivery is done, its row gone
}

// at is the time of everything stored: nanoseconds and another zone than UTC, which a copy
// to PostgreSQL keeps to the microsecond, in UTC.
var at = time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600))

// fillInstance stores rows of every kind, through the storage interfaces as the instance
// stores them, and fails the test when a table of db is left empty: a table a migration
// adds fails it until this gives it rows, so that the copy of its rows is checked too.
func fillInstance(t *testing.T, db *DB) *copied {
	t.Helper()
	ctx := context.Background()
	c := &copied{tokens: map[string]bool{}}
	err := db.Update(ctx, func(tx storage.Tx) error {
		c.alice = &storage.Actor{URI: "https://refuge.example/users/alice", Local: true, Type: "Person", Username: "alice",
			Host: "refuge.example", Name: "Alice", Summary: "<p>bio</p>", SummarySource: "bio", Admin: true, Discoverable: true,
			Inbox: "https://refuge.example/users/alice/inbox", FollowersURI: "https://refuge.example/users/alice/followers",
			KeyID: "https://refuge.example/users/alice#main-key", PublicKeyPEM: "public",
			Fields:    []storage.Field{{Name: "site", Value: `<a href="https://alice.example">alice.example</a>`, Source: "alice.example"}},
			Published: at}
		c.bob = &storage.Actor{URI: "https://refuge.example/users/bob", Local: true, Type: "Person", Username: "bob",
			Host: "refuge.example", Locked: true, Published: at.Add(time.Second), SuspendedAt: at.Add(time.Minute)}
		c.carol = &storage.Actor{URI: "https://peer.example/users/carol", Type: "Person", Username: "carol", Host: "peer.example",
			Inbox: "https://peer.example/users/carol/inbox", SharedInbox: "https://peer.example/inbox", Discoverable: true,
			FollowersURI: "https://peer.example/users/carol/followers", FetchedAt: at, Published: at.Add(-time.Hour)}
		gone := &storage.Actor{URI: "https://gone.example/users/dan", Type: "Service", Username: "dan", Host: "gone.example",
			Inbox: "https://gone.example/users/dan/inbox", Published: at}
		for _, a := range []*storage.Actor{c.alice, c.bob} {
			if err := tx.CreateActor(ctx, a); err != nil {
				return err
			}
			creds := &storage.Credentials{ActorID: a.ID, PasswordHash: "hash of " + a.Username,
				PrivateKeyPEM: "private key of " + a.Username}
			if a == c.alice { // signs in with two factors
				creds.TOTPSecret, creds.TOTPEnabled, creds.TOTPStep = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", true, 59000123
				creds.RecoveryCodes = []string{"hash-of-code-1", "hash-of-code-2"}
				creds.Email, creds.EmailConfirmedAt = "Alice@Refuge.example", at
			}
			if err := tx.PutCredentials(ctx, creds); err != nil {
				return err
			}
		}
		// Bob changes his address: the new one waits for its link.
		if err := tx.PutEmailToken(ctx, &storage.EmailToken{Hash: "hash of bob's link", ActorID: c.bob.ID,
			Purpose: storage.EmailConfirm, Email: "bob@new.example", Created: at, Expires: at.Add(24 * time.Hour)}); err != nil {
			return err
		}
		for _, a := range []*storage.Actor{c.carol, gone} {
			if err := tx.PutRemoteActor(ctx, a); err != nil {
				return err
			}
		}

		// Notes of the four visibilities, with hashtags, mentions and media; one reply, one
		// edited, one deleted.
		mention := storage.Tag{Type: "Mention", Name: "@bob", Href: c.bob.URI}
		hashtag := storage.Tag{Type: "Hashtag", Name: "#move", Href: "https://refuge.example/tags/move"}
		notes := []*storage.Note{
			{URI: c.alice.URI + "/statuses/1", ActorID: c.alice.ID, Local: true, Content: "<p>public #move</p>", Source: "public #move",
				Language: "en", ContentMap: map[string]string{"en": "<p>public #move</p>"}, Visibility: storage.Public,
				To: []string{"https://www.w3.org/ns/activitystreams#Public"}, Cc: []string{c.alice.FollowersURI},
				Published: at, Tags: []storage.Tag{hashtag},
				Media: []storage.Media{{URL: "https://refuge.example/media/1.png", Path: "1.png", ThumbPath: "1.thumb.png",
					MediaType: "image/png", Description: "a cat", Blurhash: "LEHV6nWB2yk8", Width: 640, Height: 480, Created: at}}},
			{URI: c.alice.URI + "/statuses/2", ActorID: c.alice.ID, Local: true, Content: "<p>unlisted</p>", Summary: "cw",
				Sensitive: true, Visibility: storage.Unlisted, To: []string{c.alice.FollowersURI},
				Cc: []string{"https://www.w3.org/ns/activitystreams#Public"}, Published: at.Add(time.Minute)},
			{URI: c.alice.URI + "/statuses/3", ActorID: c.alice.ID, Local: true, Content: "<p>followers, @bob</p>",
				Visibility: storage.Followers, To: []string{c.alice.FollowersURI}, Cc: []string{c.bob.URI},
				Published: at.Add(2 * time.Minute), Tags: []storage.Tag{mention}},
			{URI: c.alice.URI + "/statuses/4", ActorID: c.alice.ID, Local: true, Content: "<p>direct, @bob #move</p>",
				Visibility: storage.Direct, To: []string{c.bob.URI}, Published: at.Add(3 * time.Minute),
				Tags: []storage.Tag{mention, hashtag}},
			{URI: c.carol.URI + "/statuses/5", ActorID: c.carol.ID, Content: "<p>a reply</p>", URL: c.carol.URI + "/5",
				InReplyToURI: c.alice.URI + "/statuses/1", Conversation: "tag:peer.example,2025:1", Visibility: storage.Public,
				To: []string{"https://www.w3.org/ns/activitystreams#Public"}, Published: at.Add(4 * time.Minute),
				Media: []storage.Media{{URL: "https://peer.example/media/5.jpg", MediaType: "image/jpeg"},
					{URL: "https://peer.example/media/5.mp4", MediaType: "video/mp4", Width: 640, Height: 360,
						Duration: 6.654, FrameRate: "30/1", Silent: true}}},
			{URI: c.carol.URI + "/statuses/6", ActorID: c.carol.ID, Content: "<p>soon deleted</p>", Visibility: storage.Public,
				Published: at.Add(5 * time.Minute)},
			{URI: gone.URI + "/statuses/7", ActorID: gone.ID, Content: "<p>deleted with its author</p>",
				Visibility: storage.Public, Published: at},
		}
		for _, n := range notes {
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
			c.notes = append(c.notes, n.ID)
		}
		c.private = notes[3].ID
		if err := tx.PutTranslation(ctx, &storage.Translation{NoteID: notes[0].ID, Version: "v1", Target: "zh-Hans", Source: "en",
			Content: "<p>你好</p>", Summary: "", Provider: "LibreTranslate", Created: at}); err != nil {
			return err
		}
		if _, err := tx.ClaimIdempotencyKey(ctx, c.alice.ID, "retry-1", notes[0].ID, at, at.Add(-time.Hour)); err != nil {
			return err
		}
		notes[1].Content, notes[1].Updated = "<p>unlisted, edited</p>", at.Add(time.Hour)
		if err := tx.UpdateNote(ctx, notes[1]); err != nil {
			return err
		}
		if err := tx.DeleteNote(ctx, notes[5].ID, at.Add(time.Hour)); err != nil {
			return err
		}
		if err := tx.MarkActorDeleted(ctx, gone.ID, at.Add(2*time.Hour)); err != nil {
			return err
		}
		upload := &storage.Media{ActorID: c.bob.ID, Path: "upload.png", MediaType: "image/png"} // not attached yet
		if err := tx.CreateMedia(ctx, upload); err != nil {
			return err
		}

		// Follows accepted and pending, likes, announces, pins, feeds, notifications.
		follows := []*storage.Follow{
			{URI: c.bob.URI + "/follows/1", FollowerID: c.bob.ID, FolloweeID: c.alice.ID, Accepted: true, Created: at},
			{URI: c.carol.URI + "/follows/2", FollowerID: c.carol.ID, FolloweeID: c.bob.ID, Created: at}, // bob is locked
			{URI: c.alice.URI + "/follows/3", FollowerID: c.alice.ID, FolloweeID: c.carol.ID, Accepted: true, Created: at},
		}
		for _, f := range follows {
			if err := tx.PutFollow(ctx, f); err != nil {
				return err
			}
		}
		if err := tx.SetHideReblogs(ctx, follows[0].ID, true); err != nil {
			return err
		}
		if _, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: c.carol.URI + "/likes/1", ActorID: c.carol.ID,
			NoteID: notes[0].ID, Created: at}); err != nil {
			return err
		}
		for _, e := range []string{"🔥", ":blobcat:"} {
			x := &storage.EmojiReaction{URI: c.carol.URI + "/react/" + e, ActorID: c.carol.ID, NoteID: notes[0].ID,
				Emoji: e, Created: at}
			if e != "🔥" {
				x.ImageURL = "https://peer.example/emoji/blobcat.png"
			}
			if _, err := tx.PutEmojiReaction(ctx, x); err != nil {
				return err
			}
		}
		// Told to bob, whose notifications nothing counts, so that the columns are copied.
		if err := tx.NotifyReaction(ctx, c.bob.ID, c.carol.ID, notes[0].ID, ":blobcat:", "https://peer.example/emoji/blobcat.png", at); err != nil {
			return err
		}
		boost := &storage.Reaction{URI: c.carol.URI + "/boosts/1", ActorID: c.carol.ID, NoteID: notes[0].ID, Created: at}
		if _, err := tx.PutReaction(ctx, storage.Announce, boost); err != nil {
			return err
		}
		if err := tx.Pin(ctx, c.alice.ID, notes[0].ID, true); err != nil {
			return err
		}
		if err := tx.Bookmark(ctx, c.bob.ID, notes[0].ID, true, at); err != nil {
			return err
		}
		// A poll of alice's, ended, with carol's vote in it; posted before the hours the
		// activity counts look at.
		poll := &storage.Note{URI: c.alice.URI + "/statuses/poll", ActorID: c.alice.ID, Local: true, Content: "<p>which?</p>",
			Visibility: storage.Unlisted, Published: at.Add(-3 * time.Hour), Poll: &storage.Poll{Multiple: true, ExpiresAt: at.Add(time.Hour),
				Options: []storage.PollOption{{Title: "this"}, {Title: "that"}}}}
		if err := tx.CreateNote(ctx, poll); err != nil {
			return err
		}
		if _, err := tx.Vote(ctx, poll.ID, c.carol.ID, []int{0, 1}, at); err != nil {
			return err
		}
		if _, err := tx.EndPoll(ctx, poll.ID, at.Add(time.Hour)); err != nil {
			return err
		}
		if err := tx.PutPeerSignature(ctx, storage.PeerSignature{Host: "peer.example", Scheme: storage.SignatureRFC9421,
			How: "received", Learnt: at}); err != nil {
			return err
		}
		// A group of alice's, which carol joined and posted the poll's note to; dan's server
		// is banned from it.
		group := &storage.Actor{URI: "https://refuge.example/users/cats", Local: true, Type: "Group", Username: "cats",
			Host: "refuge.example", Name: "Cats", Published: at}
		if err := tx.CreateActor(ctx, group); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &storage.Group{ActorID: group.ID, OwnerID: c.alice.ID, PostingRestricted: true,
			Rules: "be kind", Created: at}); err != nil {
			return err
		}
		if err := tx.PutGroupModerator(ctx, group.ID, c.bob.ID); err != nil {
			return err
		}
		if _, err := tx.PutGroupBan(ctx, &storage.GroupBan{GroupID: group.ID, Host: "gone.example", Reason: "spam", Created: at}); err != nil {
			return err
		}
		if _, err := tx.PutGroupPost(ctx, &storage.GroupPost{GroupID: group.ID, NoteID: poll.ID, AuthorID: c.alice.ID,
			AnnounceURI: group.URI + "/announces/1", ActivityURI: group.URI + "/announces/2", Created: at}); err != nil {
			return err
		}
		if err := tx.RemoveGroupPost(ctx, group.ID, poll.ID, at.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.AddGroupLog(ctx, &storage.GroupLogEntry{GroupID: group.ID, ModeratorID: c.alice.ID,
			Action: storage.GroupLogBan, Target: "gone.example", Reason: "spam", Created: at}); err != nil {
			return err
		}
		if err := tx.PutPeerSoftware(ctx, &storage.PeerSoftware{Host: "peer.example", Software: "lemmy", Version: "0.19.5",
			Fetched: at}); err != nil {
			return err
		}
		if err := tx.PutCustomEmoji(ctx, &storage.CustomEmoji{Shortcode: "party", Path: "party.png",
			URL: "https://refuge.example/media/party.png", MediaType: "image/png", Created: at}); err != nil {
			return err
		}
		// carol's quote of alice's poll, approved.
		if err := tx.PutQuoteApproval(ctx, &storage.QuoteApproval{NoteID: poll.ID, QuoteURI: c.carol.URI + "/statuses/quote",
			ActorID: c.carol.ID, Created: at}); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{c.alice.ID, c.bob.ID}, notes[0].ID, 0, at); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{c.bob.ID}, notes[0].ID, boost.ID, at.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{c.alice.ID}, notes[4].ID, 0, at.Add(4*time.Minute)); err != nil {
			return err
		}
		if err := tx.Notify(ctx, c.alice.ID, storage.NotificationLike, c.carol.ID, notes[0].ID, at); err != nil {
			return err
		}
		// bob's phone subscribed to pushes of follow requests, so that carol's is queued.
		phone := storage.Token{Hash: storage.HashToken("bob's phone"), ActorID: c.bob.ID, Kind: storage.TokenAPI, Created: at}
		if err := tx.PutToken(ctx, &phone); err != nil {
			return err
		}
		c.tokens[phone.Hash] = true
		if err := tx.PutPushSubscription(ctx, &storage.PushSubscription{TokenHash: phone.Hash, AccountID: c.bob.ID,
			Endpoint: "https://push.example/send/1", AccessToken: "bob's phone", P256dh: "key", Auth: "auth",
			Alerts: []string{"follow_request", "mention"}, Policy: storage.PushAll, Created: at}); err != nil {
			return err
		}
		if err := tx.Notify(ctx, c.bob.ID, storage.NotificationFollowRequest, c.carol.ID, 0, at); err != nil {
			return err
		}
		if err := tx.MarkNotificationsRead(ctx, c.alice.ID, 1<<62); err != nil {
			return err
		}
		// An account's own block and mutes (one without end, one that ends), and posting
		// defaults.
		if _, err := tx.PutAccountBlock(ctx, &storage.AccountBlock{URI: c.bob.URI + "/blocks/1", ActorID: c.bob.ID,
			TargetID: c.carol.ID, Created: at}); err != nil {
			return err
		}
		if _, err := tx.PutAccountDomainBlock(ctx, &storage.AccountDomainBlock{ActorID: c.alice.ID, Domain: "evil.example",
			Created: at}); err != nil {
			return err
		}
		// A keyword filter of alice's, expiring, with two keywords.
		if err := tx.CreateFilter(ctx, &storage.Filter{ActorID: c.alice.ID, Title: "Spoilers",
			Contexts: []storage.FilterContext{storage.FilterHome, storage.FilterThread}, Action: storage.FilterWarn,
			Expires: at.Add(24 * time.Hour), Created: at, Keywords: []storage.FilterKeyword{
				{Keyword: "finale", WholeWord: true}, {Keyword: "ネタバレ"}}}); err != nil {
			return err
		}
		// A list of alice's, exclusive, with bob in it.
		friends := &storage.List{ActorID: c.alice.ID, Title: "Friends", RepliesPolicy: storage.RepliesFollowed, Exclusive: true, Created: at}
		if err := tx.CreateList(ctx, friends); err != nil {
			return err
		}
		if err := tx.AddListMembers(ctx, friends.ID, []int64{c.bob.ID}); err != nil {
			return err
		}
		// A hashtag alice follows.
		if err := tx.FollowTag(ctx, c.alice.ID, "gardening", at); err != nil {
			return err
		}
		// An import of alice's, done, with its report.
		if err := tx.PutImportJob(ctx, &storage.ImportJob{ActorID: c.alice.ID, Kind: storage.ImportFollows, Mode: storage.ImportMerge,
			State: storage.ImportDone, Total: 2, Done: 2, Failed: 1, Created: at, Finished: at.Add(time.Minute),
			Report: storage.ImportReport{Rows: []storage.ImportRow{{Line: 2, Value: "x", Reason: "not an account address"}}}}); err != nil {
			return err
		}
		for _, m := range []*storage.Mute{
			{ActorID: c.alice.ID, TargetID: c.carol.ID, Notifications: true, Created: at},
			{ActorID: c.bob.ID, TargetID: c.alice.ID, Expires: at.Add(time.Hour), Created: at},
		} {
			if err := tx.PutMute(ctx, m); err != nil {
				return err
			}
		}
		// A report from bob about carol's note, resolved, and one carol's server sent, open and
		// assigned to alice.
		reports := []*storage.Report{
			{ReporterID: c.bob.ID, TargetID: c.carol.ID, NoteIDs: []int64{notes[4].ID}, Comment: "spam again",
				Category: storage.ReportSpam, Forward: true, URI: "https://refuge.example/flags/1", Created: at},
			{ReporterID: c.carol.ID, TargetID: c.bob.ID, Comment: "rude", Category: storage.ReportOther,
				URI: "https://peer.example/flags/9", Created: at.Add(time.Second), AssignedID: c.alice.ID},
		}
		for _, r := range reports {
			if err := tx.CreateReport(ctx, r); err != nil {
				return err
			}
		}
		// Two rules, the first one deleted: a copy keeps the second's id, and the next new
		// rule's is still past both.
		for _, text := range []string{"Gone rule", "Be kind"} {
			if err := tx.PutRule(ctx, &storage.Rule{Text: text, Hint: "hint: " + text, CreatedAt: at}); err != nil {
				return err
			}
		}
		if err := tx.DeleteRule(ctx, 1); err != nil {
			return err
		}
		reports[0].RuleIDs = []int64{2} // bob's report cites the rule kept
		if err := tx.UpdateReport(ctx, reports[0]); err != nil {
			return err
		}
		// bob signed up with an invite of alice's that is used up now.
		invite := &storage.Invite{Code: "invite-code", ActorID: c.alice.ID, MaxUses: 1, ExpiresAt: at.Add(time.Hour), CreatedAt: at}
		if err := tx.PutInvite(ctx, invite); err != nil {
			return err
		}
		if _, err := tx.UseInvite(ctx, "invite-code", at); err != nil {
			return err
		}
		if err := tx.PutSignUp(ctx, &storage.SignUp{ActorID: c.bob.ID, Reason: "to post", InviteID: invite.ID, CreatedAt: at}); err != nil {
			return err
		}
		if err := tx.PutSettings(ctx, &storage.Settings{Name: "Refuge", Description: "A small place",
			ContactEmail: "admin@refuge.example", ContactAccount: "alice", UpdatedAt: at}); err != nil {
			return err
		}
		if err := tx.ResolveReport(ctx, reports[0].ID, c.alice.ID, storage.ReportDismissed, at.Add(time.Minute)); err != nil {
			return err
		}
		if err := tx.PutPostingDefaults(ctx, c.alice.ID, storage.PostingDefaults{Privacy: storage.Unlisted, Sensitive: true,
			Language: "en"}); err != nil {
			return err
		}
		if err := tx.Notify(ctx, c.alice.ID, storage.NotificationReply, c.carol.ID, notes[4].ID, at.Add(4*time.Minute)); err != nil {
			return err
		}
		// Where alice stopped reading, saved twice: version 1.
		for _, last := range []string{"1", "2"} {
			if err := tx.PutMarker(ctx, c.alice.ID, &storage.Marker{Timeline: "notifications", LastReadID: last, Updated: at}); err != nil {
				return err
			}
		}

		// Activities, made here (with their JSON) and received, and their deliveries.
		create := &storage.Activity{URI: notes[0].URI + "/activity", ActorID: c.alice.ID, Local: true, Type: "Create",
			ObjectURI: notes[0].URI, NoteID: notes[0].ID, Published: at}
		if _, err := tx.PutActivity(ctx, create); err != nil {
			return err
		}
		if err := tx.SetActivityJSON(ctx, create.ID, create.URI, `{"id":"`+create.URI+`","type":"Create","z":1,"a":[true,null]}`); err != nil {
			return err
		}
		if _, err := tx.PutActivity(ctx, &storage.Activity{URI: boost.URI, ActorID: c.carol.ID, Type: "Announce",
			ObjectURI: notes[0].URI, Visibility: storage.Unlisted, Published: at}); err != nil {
			return err
		}
		if err := tx.EnqueueDeliveries(ctx, create.ID, []string{"https://peer.example/inbox", "https://far.example/inbox",
			"https://gone.example/users/dan/inbox"}, at); err != nil {
			return err
		}
		c.activity = create.ID

		// Tokens with and without expiry, one expired; blocks; meta.
		for _, tok := range []struct {
			token storage.Token
			valid bool
		}{
			{storage.Token{Hash: storage.HashToken("api"), ActorID: c.alice.ID, Kind: storage.TokenAPI, Created: at}, true},
			{storage.Token{Hash: storage.HashToken("session"), ActorID: c.bob.ID, Kind: storage.TokenSession, CSRF: "csrf",
				Created: at, Expires: time.Now().Add(24 * time.Hour)}, true},
			{storage.Token{Hash: storage.HashToken("old"), ActorID: c.bob.ID, Kind: storage.TokenSession, Created: at,
				Expires: at}, false},
		} {
			if err := tx.PutToken(ctx, &tok.token); err != nil {
				return err
			}
			c.tokens[tok.token.Hash] = tok.valid
		}
		// An app with a token for alice, one of its own, and a code waiting to be exchanged.
		app := &storage.App{ClientID: "client", SecretHash: storage.HashToken("secret"), Name: "Phone",
			Website: "https://app.example", RedirectURIs: []string{"app://oauth", "urn:ietf:wg:oauth:2.0:oob"},
			Scopes: "read write", Created: at}
		if err := tx.PutApp(ctx, app); err != nil {
			return err
		}
		for _, tok := range []storage.Token{
			{Hash: storage.HashToken("oauth"), ActorID: c.alice.ID, Kind: storage.TokenOAuth, Scopes: "read write:statuses",
				AppID: app.ID, Created: at},
			{Hash: storage.HashToken("app"), Kind: storage.TokenOAuth, Scopes: "read", AppID: app.ID, Created: at},
		} {
			if err := tx.PutToken(ctx, &tok); err != nil {
				return err
			}
			c.tokens[tok.Hash] = true
		}
		if err := tx.PutAuthCode(ctx, &storage.AuthCode{Hash: storage.HashToken("code"), AppID: app.ID, ActorID: c.alice.ID,
			RedirectURI: "app://oauth", Scopes: "read", Challenge: "challenge", Method: "S256", Created: at,
			Expires: time.Now().Add(time.Hour)}); err != nil {
			return err
		}
		if err := tx.PutBlock(ctx, storage.Block{Target: "spam.example", Created: at}); err != nil {
			return err
		}
		if err := tx.PutBlock(ctx, storage.Block{Target: "https://peer.example/users/troll", Created: at}); err != nil {
			return err
		}
		if err := tx.PutBlock(ctx, storage.Block{Target: "noisy.example", Created: at, Severity: storage.BlockSilence,
			PublicComment: "unmoderated", PrivateComment: "see the reports"}); err != nil {
			return err
		}
		if err := tx.SetActorSilenced(ctx, c.bob.ID, at); err != nil {
			return err
		}
		for _, key := range []string{"signin-addr 127.0.0.1", "signin-account alice"} {
			if _, _, err := tx.TakeToken(ctx, key, 10.0/60, 10, at); err != nil {
				return err
			}
		}
		return tx.PutMeta(ctx, "domain", "refuge.example")
	})
	if err != nil {
		t.Fatal(err)
	}

	// A delivery tried and failed, and the last one queued done: its id must not come back.
	ds, err := db.ListDeliveries(ctx, c.activity)
	if err != nil || len(ds) != 3 {
		t.Fatalf("deliveries: %v, %v", ds, err)
	}
	if err := db.RetryDelivery(ctx, ds[0].ID, at.Add(time.Hour), "503 Service Unavailable"); err != nil {
		t.Fatal(err)
	}
	c.lastDelivery = ds[2].ID
	if err := db.FinishDeliveries(ctx, c.lastDelivery); err != nil {
		t.Fatal(err)
	}

	// carol's reply queued its two attachments for the cache: one fetched and stored.
	leased, err := db.LeaseRemoteMedia(ctx, time.Now().Add(time.Minute), time.Minute, 1)
	if err != nil || len(leased) != 1 {
		t.Fatalf("remote media: %v, %v", leased, err)
	}
	m := leased[0]
	m.Path, m.ThumbPath, m.MediaType, m.Blurhash, m.Width, m.Height, m.Bytes = m.Key+".jpg", m.Key+".thumb.jpg",
		"image/jpeg", "LEHV6nWB2yk8", 800, 600, 1<<40
	if err := db.StoreRemoteMedia(ctx, m, at); err != nil {
		t.Fatal(err)
	}

	for table, n := range rowCounts(t, db) {
		if n == 0 {
			t.Errorf("table %s is empty: give it rows in fillInstance, so that its copy is checked", table)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return c
}

// rowCounts is RowCounts less the tables a copy leaves alone.
func rowCounts(t *testing.T, db *DB) map[string]int {
	t.Helper()
	counts, err := db.RowCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for name := range notCopied {
		delete(counts, name)
	}
	return counts
}

// copyTarget is a kind of database to copy into.
type copyTarget struct {
	name string
	open func(t *testing.T) *DB
}

// copyTargets are SQLite, and PostgreSQL in a run that has it.
func copyTargets() []copyTarget {
	targets := []copyTarget{{"sqlite", openSQLite}}
	if pgtest.Admin() != "" {
		targets = append(targets, copyTarget{"postgres", openPostgres})
	}
	return targets
}

func openPostgres(t *testing.T) *DB {
	t.Helper()
	db, err := OpenPostgres(context.Background(), pgtest.NewDatabase(t), PostgresOptions{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// mustCopy copies src into dst and fails the test on any error.
func mustCopy(t *testing.T, src, dst *DB) *CopyReport {
	t.Helper()
	report, err := Copy(context.Background(), src, dst, nil)
	if err != nil {
		t.Fatalf("copy: %v", err)
	}
	return report
}

// TestCopy copies an instance with rows of every kind from SQLite into each kind of
// database, and checks the copy three ways: Copy's own check, the same rows read back
// through the storage interfaces, and the copy used as an instance uses it.
func TestCopy(t *testing.T) {
	ctx := context.Background()
	for _, target := range copyTargets() {
		t.Run(target.name, func(t *testing.T) {
			src := openSQLite(t)
			c := fillInstance(t, src)
			dst := target.open(t)
			progressed := map[string]int{}
			report, err := Copy(ctx, src, dst, func(table string, rows int) { progressed[table] = rows })
			if err != nil {
				t.Fatalf("copy: %v", err)
			}

			want := rowCounts(t, src)
			got := map[string]int{}
			for _, tr := range report.Tables {
				got[tr.Table] = tr.Rows
			}
			if !maps.Equal(got, want) || !maps.Equal(progressed, want) {
				t.Errorf("report %v, progress %v; the source has %v", got, progressed, want)
			}
			if counts := rowCounts(t, dst); !maps.Equal(counts, want) {
				t.Errorf("the copy has %v rows; the source %v", counts, want)
			}
			order := map[string]int{}
			for i, tr := range report.Tables {
				order[tr.Table] = i
			}
			for _, before := range [][2]string{{"actors", "notes"}, {"notes", "note_tags"}, {"announces", "feed"}, {"activities", "deliveries"}} {
				if order[before[0]] > order[before[1]] {
					t.Errorf("%s copied after %s, which refers to it", before[0], before[1])
				}
			}

			sameThroughStorage(t, c, src, dst)
			useCopy(t, c, src, dst)
		})
	}
}

// TestCopyRoundTrip copies SQLite → PostgreSQL → SQLite, which checks the way back (the
// reverse of each conversion) as the way there, and PostgreSQL → PostgreSQL: each copy by
// its own check, and each against the first SQLite file through the storage interfaces (not
// by Compare: between two SQLite files it compares JSON as text, and PostgreSQL gave the
// JSON back in its own spacing).
func TestCopyRoundTrip(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("a copy to PostgreSQL and back needs PostgreSQL: set %s (TestCopy copies SQLite to SQLite meanwhile)", pgtest.EnvVar)
	}
	src := openSQLite(t)
	c := fillInstance(t, src)
	pg := openPostgres(t)
	mustCopy(t, src, pg)
	back := openSQLite(t)
	mustCopy(t, pg, back)
	sameThroughStorage(t, c, src, back)
	useCopy(t, c, src, back)
	// And between two PostgreSQL databases, whose identities carry the ids handed out.
	pg2 := openPostgres(t)
	mustCopy(t, pg, pg2)
	sameThroughStorage(t, c, src, pg2)
	useCopy(t, c, src, pg2)
}

// sameThroughStorage reads the copied rows through the storage interfaces, as the instance
// reads them, from both databases: what Compare checked, by other code.
func sameThroughStorage(t *testing.T, c *copied, src, dst *DB) {
	t.Helper()
	ctx := context.Background()
	same := func(what string, read func(db *DB) (any, error)) {
		t.Helper()
		a, err := read(src)
		if err != nil {
			t.Fatalf("%s from the source: %v", what, err)
		}
		b, err := read(dst)
		if err != nil {
			t.Fatalf("%s from the copy: %v", what, err)
		}
		if !reflect.DeepEqual(roundTimes(a), roundTimes(b)) {
			t.Errorf("%s differs:\nsource %+v\ncopy   %+v", what, a, b)
		}
	}
	for _, a := range []*storage.Actor{c.alice, c.bob, c.carol} {
		same("actor "+a.Username, func(db *DB) (any, error) { return db.GetActorByID(ctx, a.ID) })
	}
	// PostgreSQL keeps microseconds.
	if bob, err := dst.GetActorByID(ctx, c.bob.ID); err != nil || bob.SuspendedAt.Sub(c.bob.SuspendedAt).Abs() >= time.Microsecond {
		t.Errorf("bob's suspension in the copy: %v, %v; want %v", bob, err, c.bob.SuspendedAt)
	}
	for _, a := range []*storage.Actor{c.alice, c.bob} {
		same("credentials of "+a.Username, func(db *DB) (any, error) { return db.GetCredentials(ctx, a.ID) })
		same("feed of "+a.Username, func(db *DB) (any, error) { return db.ListFeed(ctx, a.ID, storage.Page{Limit: 20}) })
		same("notifications of "+a.Username, func(db *DB) (any, error) {
			return db.ListNotifications(ctx, a.ID, storage.Page{Limit: 20})
		})
		same("followers of "+a.Username, func(db *DB) (any, error) {
			actors, ids, err := db.ListFollowers(ctx, a.ID, false, storage.Page{Limit: 20})
			return []any{actors, ids}, err
		})
	}
	for _, id := range c.notes {
		same(fmt.Sprint("note ", id), func(db *DB) (any, error) { return db.GetNoteByID(ctx, id) })
	}
	same("private note seen by bob", func(db *DB) (any, error) { return db.CanSee(ctx, c.private, c.bob.ID) })
	same("private note seen by carol", func(db *DB) (any, error) { return db.CanSee(ctx, c.private, c.carol.ID) })
	same("bob's count of alice's notes", func(db *DB) (any, error) { return db.CountActorNotes(ctx, c.alice.ID, c.bob.ID) })
	same("local timeline", func(db *DB) (any, error) { return db.ListLocalPublic(ctx, storage.Page{Limit: 20}) })
	same("tagged #move", func(db *DB) (any, error) { return db.ListTagged(ctx, "move", storage.Page{Limit: 20}) })
	same("follow request", func(db *DB) (any, error) { return db.GetFollow(ctx, c.carol.ID, c.bob.ID) })
	same("outbox", func(db *DB) (any, error) { return db.ListOutbox(ctx, c.alice.ID, true, storage.Page{Limit: 20}) })
	same("blocks", func(db *DB) (any, error) { return db.ListBlocks(ctx) })
	same("meta", func(db *DB) (any, error) { return db.GetMeta(ctx, "domain") })
	same("settings", func(db *DB) (any, error) { return db.GetSettings(ctx) })
	same("rules", func(db *DB) (any, error) { return db.ListRules(ctx) })
	same("invites", func(db *DB) (any, error) { return db.ListInvites(ctx, 0) })
	same("sign-up", func(db *DB) (any, error) { return db.GetSignUp(ctx, c.bob.ID) })
	same("account by e-mail", func(db *DB) (any, error) { return db.AccountByEmail(ctx, "alice@refuge.EXAMPLE") })
	same("mailed link", func(db *DB) (any, error) {
		return db.GetEmailToken(ctx, "hash of bob's link", storage.EmailConfirm, at)
	})
	same("next delivery due", func(db *DB) (any, error) { return db.NextDeliveryDue(ctx) })
	same("deliveries", func(db *DB) (any, error) { return db.ListDeliveries(ctx, c.activity) })
	same("app", func(db *DB) (any, error) { return db.GetAppByClientID(ctx, "client") })
	same("alice's apps", func(db *DB) (any, error) { return db.ListAuthorizedApps(ctx, c.alice.ID) })
	same("code", func(db *DB) (any, error) { return db.GetAuthCode(ctx, storage.HashToken("code"), time.Now()) })
	for hash, valid := range c.tokens {
		tok, err := dst.GetToken(ctx, hash, time.Now())
		if valid && err != nil || !valid && storage.KindOf(err) != storage.NotFound {
			t.Errorf("token %s… (valid: %v): %+v, %v", hash[:8], valid, tok, err)
		}
		if valid {
			same("token "+hash[:8], func(db *DB) (any, error) { return db.GetToken(ctx, hash, time.Now()) })
		}
	}
}

// roundTimes returns a copy of v (pointers, slices, maps and structs followed) with every
// time rounded to the microsecond and in UTC, as PostgreSQL keeps it.
func roundTimes(v any) any {
	var walk func(reflect.Value) reflect.Value
	walk = func(v reflect.Value) reflect.Value {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return v
			}
			p := reflect.New(v.Type().Elem())
			p.Elem().Set(walk(v.Elem()))
			return p
		case reflect.Interface:
			if v.IsNil() {
				return v
			}
			out := reflect.New(v.Type()).Elem()
			out.Set(walk(v.Elem()))
			return out
		case reflect.Slice:
			if v.IsNil() {
				return v
			}
			out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			for i := range v.Len() {
				out.Index(i).Set(walk(v.Index(i)))
			}
			return out
		case reflect.Map:
			if v.IsNil() {
				return v
			}
			out := reflect.MakeMap(v.Type())
			for _, k := range v.MapKeys() {
				out.SetMapIndex(k, walk(v.MapIndex(k)))
			}
			return out
		case reflect.Struct:
			if t, ok := v.Interface().(time.Time); ok {
				if t.IsZero() {
					return reflect.ValueOf(time.Time{})
				}
				return reflect.ValueOf(t.Round(time.Microsecond).UTC())
			}
			out := reflect.New(v.Type()).Elem()
			out.Set(v)
			for i := range v.NumField() {
				if out.Field(i).CanSet() {
					out.Field(i).Set(walk(v.Field(i)))
				}
			}
			return out
		}
		return v
	}
	return walk(reflect.ValueOf(v)).Interface()
}

// useCopy uses the copy as the instance does after a move: new rows take ids past the
// copied ones (every identity moved on), the triggers run again, the copied tokens sign in.
func useCopy(t *testing.T, c *copied, src, dst *DB) {
	t.Helper()
	ctx := context.Background()
	before, err := dst.CountActorNotes(ctx, c.alice.ID, c.alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := &storage.Note{URI: c.alice.URI + "/statuses/after-the-move", ActorID: c.alice.ID, Local: true,
		Content: "<p>moved, @bob</p>", Visibility: storage.Direct, To: []string{c.bob.URI}, Published: time.Now(),
		Tags: []storage.Tag{{Type: "Mention", Name: "@bob", Href: c.bob.URI}}}
	a := &storage.Activity{URI: n.URI + "/activity", ActorID: c.alice.ID, Local: true, Type: "Create", ObjectURI: n.URI}
	f := &storage.Follow{URI: c.bob.URI + "/follows/after", FollowerID: c.bob.ID, FolloweeID: c.carol.ID}
	actor := &storage.Actor{URI: "https://new.example/users/erin", Type: "Person", Username: "erin", Host: "new.example"}
	rule := &storage.Rule{Text: "No spam", CreatedAt: time.Now()}
	err = dst.Update(ctx, func(tx storage.Tx) error {
		if err := tx.PutRule(ctx, rule); err != nil {
			return err
		}
		if err := tx.PutRemoteActor(ctx, actor); err != nil {
			return err
		}
		if err := tx.CreateNote(ctx, n); err != nil {
			return err
		}
		a.NoteID = n.ID
		if _, err := tx.PutActivity(ctx, a); err != nil {
			return err
		}
		if err := tx.PutFollow(ctx, f); err != nil {
			return err
		}
		if err := tx.AddToFeed(ctx, []int64{c.bob.ID}, n.ID, 0, time.Now()); err != nil {
			return err
		}
		return tx.EnqueueDeliveries(ctx, a.ID, []string{"https://peer.example/inbox"}, time.Now())
	})
	if err != nil {
		t.Fatalf("storing on the copy: %v", err)
	}
	ds, err := dst.ListDeliveries(ctx, a.ID)
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries of the new activity: %v, %v", ds, err)
	}
	if ds[0].ID <= c.lastDelivery {
		t.Errorf("the new delivery took id %d; ids up to %d were handed out before the copy", ds[0].ID, c.lastDelivery)
	}
	if rule.ID != 3 {
		t.Errorf("the rule added after the copy took id %d, want 3", rule.ID)
	}
	if n.ID <= slices.Max(c.notes) || actor.ID <= c.carol.ID {
		t.Errorf("new ids: note %d (copied up to %d), actor %d", n.ID, slices.Max(c.notes), actor.ID)
	}
	for _, table := range []string{"notes", "activities", "follows", "feed", "note_tags", "actors"} {
		var newest, copied int64
		q := `SELECT max(` + idColumn(table) + `) FROM ` + table
		if err := dst.read.QueryRowContext(ctx, dst.rewriteOnly(q)).Scan(&newest); err != nil {
			t.Fatal(err)
		}
		if err := src.read.QueryRowContext(ctx, q).Scan(&copied); err != nil {
			t.Fatal(err)
		}
		if table == "notes" { // boosts take their ids from the notes' sequence too
			var boosts int64
			if err := src.read.QueryRowContext(ctx, `SELECT max(id) FROM announces`).Scan(&boosts); err != nil {
				t.Fatal(err)
			}
			copied = max(copied, boosts)
		}
		// Notes and activities take ids that follow time (nextStatusRow): past the copied
		// ones, not next to them.
		timed := table == "notes" || table == "activities"
		if timed && newest <= copied || !timed && newest != copied+1 {
			t.Errorf("%s: the row stored after the copy has id %d; the copied ones end at %d", table, newest, copied)
		}
	}
	after, err := dst.CountActorNotes(ctx, c.alice.ID, c.alice.ID)
	if err != nil || after != before+1 {
		t.Errorf("alice's notes: %d before, %d after one more (%v): the count triggers do not run", before, after, err)
	}
	if ok, err := dst.CanSee(ctx, n.ID, c.bob.ID); !ok || err != nil {
		t.Errorf("bob cannot see the direct note addressed to him (%v): the note_recipients triggers do not run", err)
	}
	feed, err := dst.ListFeed(ctx, c.bob.ID, storage.Page{Limit: 20})
	if err != nil || len(feed) == 0 || feed[0].Note.ID != n.ID {
		t.Errorf("bob's feed after the copy: %v, %v", feed, err)
	}
	for hash, valid := range c.tokens {
		if _, err := dst.GetToken(ctx, hash, time.Now()); (err == nil) != valid {
			t.Errorf("token %s…: valid %v, got %v", hash[:8], valid, err)
		}
	}
}

// idColumn is the column a table's new rows are numbered in.
func idColumn(table string) string {
	if table == "note_tags" {
		return "rowid"
	}
	return "id"
}

// rewriteOnly is a query in the dialect's own words, for the tests' own reads.
func (db *DB) rewriteOnly(q string) string {
	q, _ = db.d.rewrite(q, nil)
	return q
}

// TestCopyCheckFindsDifferences changes one value of a copy at a time: Compare must name the
// table, the row, the column and both values, and find nothing in a copy left alone.
func TestCopyCheckFindsDifferences(t *testing.T) {
	ctx := context.Background()
	for _, target := range copyTargets() {
		t.Run(target.name, func(t *testing.T) {
			src := openSQLite(t)
			c := fillInstance(t, src)
			note := c.notes[0]
			rows := []struct {
				name   string
				change string
				args   []any
				want   []string
			}{
				{"text", `UPDATE notes SET content = 'changed' WHERE id = ?`, []any{note},
					[]string{fmt.Sprintf("notes id=%d, column content", note), `"<p>public #move</p>" in the source`, `"changed" in the destination`}},
				{"flag", `UPDATE actors SET locked = FALSE WHERE id = ?`, []any{c.bob.ID},
					[]string{fmt.Sprintf("actors id=%d, column locked", c.bob.ID)}},
				{"time, by a millisecond", `UPDATE follows SET created = ? WHERE follower_id = ?`, []any{ts(at.Add(time.Millisecond)), c.bob.ID},
					[]string{"column created", "2025-03-04T04:06:07.123456789Z"}},
				{"time set", `UPDATE tokens SET expires = ? WHERE hash = ?`, []any{ts(at), storage.HashToken("api")},
					[]string{"tokens hash=", "column expires"}},
				{"JSON", `UPDATE notes SET to_json = '["https://elsewhere.example/"]' WHERE id = ?`, []any{note},
					[]string{"column to_json"}},
				{"NULL", `UPDATE media SET note_id = NULL WHERE note_id = ?`, []any{note}, []string{"column note_id", "NULL in the destination"}},
				{"a row missing", `DELETE FROM pins WHERE note_id = ?`, []any{note},
					[]string{"table pins has 1 rows in the source, 0 in the destination"}},
				{"a row for another", `UPDATE blocks SET target = 'other.example' WHERE target = 'spam.example'`, nil,
					[]string{`blocks target="other.example" is in the destination, not in the source`}},
				{"a tag for another", `UPDATE note_tags SET rowid = rowid + 100 WHERE note_id = ?`, []any{note},
					[]string{"note_tags rowid=", "is in the source, not in the destination"}},
			}
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					dst := target.open(t)
					mustCopy(t, src, dst)
					if err := dst.update(ctx, func(tx *Tx) error {
						res, err := tx.tx.ExecContext(ctx, row.change, row.args...)
						if n, _ := res.RowsAffected(); err == nil && n == 0 {
							err = errors.New("changed no row")
						}
						return err
					}); err != nil {
						t.Fatalf("%s: %v", row.change, err)
					}
					err := Compare(ctx, src, dst)
					if err == nil {
						t.Fatalf("after %s the check found nothing", row.change)
					}
					for _, w := range row.want {
						if !strings.Contains(err.Error(), w) {
							t.Errorf("the check says %q; want it to say %q", err, w)
						}
					}
				})
			}
		})
	}
}

// TestCopyRefuses: a copy into a database that is not empty, or not of the same schema, is
// refused before anything is written, with a message saying what is wrong; a copy that
// fails midway (here: cancelled) leaves the destination as empty as it was, triggers and all.
func TestCopyRefuses(t *testing.T) {
	ctx := context.Background()
	for _, target := range copyTargets() {
		t.Run(target.name, func(t *testing.T) {
			src := openSQLite(t)
			c := fillInstance(t, src)
			rows := []struct {
				name    string
				prepare func(t *testing.T, dst *DB)
				want    string
			}{
				{"not empty", func(t *testing.T, dst *DB) { mustCopy(t, src, dst) },
					"the destination is not empty: table actors has 5 rows"},
				{"one row", func(t *testing.T, dst *DB) {
					if err := dst.Update(ctx, func(tx storage.Tx) error { return tx.PutBlock(ctx, storage.Block{Target: "x.example", Created: at}) }); err != nil {
						t.Fatal(err)
					}
				}, "table blocks has 1 rows"},
				{"a table more", func(t *testing.T, dst *DB) { exec(t, dst, `CREATE TABLE later (id INTEGER PRIMARY KEY)`) },
					"table later of the destination is not in the source"},
				{"a column more", func(t *testing.T, dst *DB) {
					exec(t, dst, `ALTER TABLE notes ADD COLUMN later TEXT NOT NULL DEFAULT ''`)
				}, "column notes.later of the destination is not in the source"},
				{"a column less", func(t *testing.T, dst *DB) { exec(t, dst, `ALTER TABLE media DROP COLUMN blurhash`) },
					"column media.blurhash of the source is not in the destination"},
			}
			for _, row := range rows {
				t.Run(row.name, func(t *testing.T) {
					dst := target.open(t)
					row.prepare(t, dst)
					before := rowCounts(t, dst)
					_, err := Copy(ctx, src, dst, nil)
					if err == nil || !strings.Contains(err.Error(), row.want) {
						t.Fatalf("copy: %v; want an error saying %q", err, row.want)
					}
					if after := rowCounts(t, dst); !maps.Equal(before, after) {
						t.Errorf("a refused copy wrote: %v rows before, %v after", before, after)
					}
				})
			}

			t.Run("cancelled midway", func(t *testing.T) {
				dst := target.open(t)
				cctx, cancel := context.WithCancel(ctx)
				defer cancel()
				_, err := Copy(cctx, src, dst, func(table string, _ int) {
					if table == "notes" {
						cancel()
					}
				})
				if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "nothing was written") {
					t.Fatalf("copy cancelled at the notes: %v", err)
				}
				for table, n := range rowCounts(t, dst) {
					if n != 0 {
						t.Errorf("a failed copy left %d rows in %s", n, table)
					}
				}
				// The triggers it set aside are back: a copy now, then a note more, counts.
				mustCopy(t, src, dst)
				useCopy(t, c, src, dst)
			})
		})
	}
}

// exec runs a statement on db, in its dialect.
func exec(t *testing.T, db *DB, q string) {
	t.Helper()
	if err := db.update(context.Background(), func(tx *Tx) error {
		_, err := tx.tx.ExecContext(context.Background(), q)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestCopyBadValue: a value that is not what its column holds in the other dialect (a time
// that is no RFC 3339 text) stops the copy, naming the table, the row and the column.
func TestCopyBadValue(t *testing.T) {
	if pgtest.Admin() == "" {
		t.Skipf("SQLite to SQLite copies values as they are; the conversions need PostgreSQL: set %s", pgtest.EnvVar)
	}
	ctx := context.Background()
	src := openSQLite(t)
	c := fillInstance(t, src)
	exec(t, src, fmt.Sprintf(`UPDATE likes SET created = 'yesterday' WHERE actor_id = %d`, c.carol.ID))
	dst := openPostgres(t)
	_, err := Copy(ctx, src, dst, nil)
	if err == nil || !strings.Contains(err.Error(), `likes id=1, column created: "yesterday" is not a time (RFC 3339)`) {
		t.Fatalf("copy of a bad time: %v", err)
	}
	for table, n := range rowCounts(t, dst) {
		if n != 0 {
			t.Errorf("a failed copy left %d rows in %s", n, table)
		}
	}
}

// TestDependencyOrder: each table after those it refers to; a reference to a table that is
// not copied, or a cycle, is an error rather than a table left out.
func TestDependencyOrder(t *testing.T) {
	rows := []struct {
		name   string
		tables map[string][]string
		want   string
	}{
		{"chain", map[string][]string{"c": {"b"}, "b": {"a"}, "a": nil}, "[a b c]"},
		{"by name in each round", map[string][]string{"z": nil, "y": {"z"}, "a": nil, "m": {"a", "z"}}, "[a z m y]"},
		{"self", map[string][]string{"a": {"a"}}, "[a]"},
		{"unknown", map[string][]string{"a": {"gone"}}, "error: table a refers to gone, which is not copied"},
		{"cycle", map[string][]string{"a": {"b"}, "b": {"a"}, "c": nil}, "error: the foreign keys of the tables other than [c] refer to each other in a cycle"},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			tables := map[string]*tableInfo{}
			for name, refs := range row.tables {
				tables[name] = &tableInfo{refs: refs}
			}
			order, err := dependencyOrder(tables)
			got := fmt.Sprint(order)
			if err != nil {
				got = "error: " + err.Error()
			}
			if got != row.want {
				t.Errorf("got %s, want %s", got, row.want)
			}
		})
	}
}

// TestCopyIntoTheSameFile: a SQLite file copied into a new file keeps working after both are
// closed and opened again (the triggers made again, the id counter kept on disk).
func TestCopyReopened(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, err := Open(ctx, filepath.Join(dir, "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	c := fillInstance(t, src)
	dst, err := Open(ctx, filepath.Join(dir, "dst.db"))
	if err != nil {
		t.Fatal(err)
	}
	mustCopy(t, src, dst)
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	dst, err = Open(ctx, filepath.Join(dir, "dst.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if err := Compare(ctx, src, dst); err != nil {
		t.Fatal(err)
	}
	useCopy(t, c, src, dst)
}
