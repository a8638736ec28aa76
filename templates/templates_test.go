package templates

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"refuge/federation/uris"
	"refuge/storage"
)

// Strings a remote server may put in any text field it controls.
const (
	hostileScript = `<script>alert(1)</script>`
	hostileAttr   = `"><img src=x onerror=alert(1)>`
	hostileURL    = `javascript:alert(1)`
)

var when = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// variant is one kind of text the pages must survive.
type variant struct {
	name       string
	empty      bool   // no notes, no actors
	text       string // plain text of posts, bios, names
	lang       string
	actorName  string
	actorURL   string
	iconURL    string
	user, host string
	cw         string
	alt        string
	mediaURL   string
	fieldName  string
	fieldValue string
}

func variants() []variant {
	long := strings.Repeat("lorem ipsum dolor sit amet ", 200) + strings.Repeat("x", 5000)
	base := variant{text: "Hello, fediverse!", lang: "en", actorName: "Alice", actorURL: "https://remote.example/@alice",
		iconURL: "https://remote.example/alice.png", user: "alice", host: "remote.example", cw: "spoilers",
		alt: "A cat on a mat", mediaURL: "https://remote.example/cat.png", fieldName: "Site", fieldValue: "https://alice.example"}
	with := func(name string, f func(*variant)) variant { v := base; v.name = name; f(&v); return v }
	return []variant{
		with("plain", func(v *variant) {}),
		with("empty", func(v *variant) { v.empty = true; v.cw = "" }),
		with("long", func(v *variant) {
			v.text, v.actorName, v.cw, v.alt = long, strings.Repeat("N", 3000), long[:2000], long
			v.fieldName, v.fieldValue = strings.Repeat("F", 1000), long
		}),
		with("arabic", func(v *variant) {
			v.text, v.lang, v.actorName, v.cw, v.alt = "مرحبا بالعالم، هذه تدوينة قصيرة.", "ar", "سارة", "تحذير", "قطة"
			v.fieldName, v.fieldValue = "الموقع", "مثال"
		}),
		with("hebrew", func(v *variant) {
			v.text, v.lang, v.actorName, v.cw, v.alt = "שלום עולם, זו רשומה קצרה.", "he", "דוד", "אזהרה", "חתול"
		}),
		with("chinese", func(v *variant) {
			v.text, v.lang, v.actorName, v.cw, v.alt = "你好，世界！这是一条很短的帖子。", "zh", "小明", "剧透", "一只猫"
		}),
		with("hostile", func(v *variant) {
			v.actorName, v.cw, v.alt = hostileScript+hostileAttr, hostileAttr+hostileScript, hostileAttr
			v.actorURL, v.iconURL, v.mediaURL = hostileURL, hostileURL, "JavaScript:alert(1)"
			v.user, v.host, v.lang = hostileAttr, hostileScript, hostileAttr
			v.fieldName, v.fieldValue = hostileScript, hostileAttr+hostileURL
			v.text = hostileScript // as text in bios; Note.Content stays sanitized HTML
		}),
	}
}

func (v variant) actor(id int64) *storage.Actor {
	return &storage.Actor{ID: id, URI: "https://remote.example/users/" + fmt.Sprint(id), Type: "Person",
		Username: v.user, Host: v.host, Name: v.actorName, Summary: "<p>" + html.EscapeString(v.text) + "</p>",
		URL: v.actorURL, IconURL: v.iconURL, ImageURL: v.iconURL, Locked: id%2 == 0,
		Fields: []storage.Field{{Name: v.fieldName, Value: v.fieldValue}}}
}

func (v variant) note(id int64, author *storage.Actor, cw bool) *storage.Note {
	n := &storage.Note{ID: id, URI: fmt.Sprintf("https://remote.example/notes/%d", id), ActorID: author.ID,
		URL: fmt.Sprintf("https://remote.example/@alice/%d", id), Author: author, Language: v.lang,
		Content:    "<p>" + html.EscapeString(v.text) + ` <a href="https://remote.example/tags/x" rel="tag">#x</a></p>`,
		Visibility: storage.Public, Published: when, Likes: 3, Announces: 2, Replies: 1,
		Media: []storage.Media{{URL: v.mediaURL, MediaType: "image/png", Description: v.alt, Width: 640, Height: 480},
			{URL: v.mediaURL, MediaType: "video/mp4", Description: v.alt, Width: 640, Height: 360, Silent: true},
			{URL: v.mediaURL, MediaType: "audio/ogg", Description: v.alt}}}
	if cw {
		n.Summary = v.cw
	}
	return n
}

// bodies builds the Body of every page for a variant; viewer may be nil.
func (v variant) bodies(viewer *storage.Actor) map[string]any {
	a := v.actor(2)
	var notes, more, replies []*storage.Note
	var items []storage.FeedItem
	var actors []*storage.Actor
	var notifs []*storage.Notification
	var reply, note *storage.Note
	if !v.empty {
		owner := viewer
		if owner == nil {
			owner = a
		}
		// Three notes from base on: base+1 has a content warning, base+2 sensitive media,
		// base+0 is the viewer's own.
		list := func(base int64) []*storage.Note {
			l := []*storage.Note{v.note(base+1, a, true), v.note(base+2, a, false), v.note(base, owner, false)}
			l[1].Sensitive = true
			l[0].Updated = when.Add(time.Hour)                                // edited: shows "edited", linking to its history
			l[2].ImportedFrom = "https://mastodon.example/users/v/statuses/1" // imported from an archive
			return l
		}
		notes, more, replies = list(10), list(20), list(30)
		// Two notes matched a warn filter of the viewer's: one boosted, one with sensitive media.
		warned := []storage.FilterMatch{{Filter: v.filter(5, storage.FilterWarn), Keywords: []string{v.text}}}
		more[0].Filtered, notes[1].Filtered = warned, warned
		items = []storage.FeedItem{{ID: 1, Note: more[0], Booster: v.actor(3)}, {ID: 2, Note: more[2]}}
		actors = []*storage.Actor{a, v.actor(3)}
		notifs = []*storage.Notification{{ID: 1, Type: "follow_request", Actor: a, Created: when},
			{ID: 2, Type: "like", Actor: a, Note: notes[2], Created: when, Read: true},
			{ID: 3, Type: "mention", Actor: a, Note: notes[0], Created: when}}
		reply, note = notes[0], v.note(41, a, true)
	}
	if note == nil {
		note = &storage.Note{ID: 99, URI: "https://remote.example/notes/99", Author: a, Published: when}
	}
	deleted := &storage.Note{ID: 98, DeletedAt: when}
	mine := v.note(50, localViewer(), true)
	for i := range mine.Media {
		mine.Media[i].ID = int64(60 + i)
	}
	versions := []storage.NoteEdit{{NoteID: 99, Created: when}}
	if !v.empty {
		mine.Sensitive = true
		versions = []storage.NoteEdit{
			{NoteID: 41, Content: note.Content, Summary: v.cw, Sensitive: true, Language: v.lang, Media: note.Media, Created: when.Add(2 * time.Hour)},
			{NoteID: 41, Content: "<p>" + html.EscapeString(v.text) + "</p>", Language: v.lang, Media: note.Media[:1], Created: when.Add(time.Hour)},
			{NoteID: 41, Content: "<p>first</p>", Language: v.lang, Sensitive: true, Media: []storage.Media{{URL: v.mediaURL, MediaType: "image/png"}}, Created: when},
		}
	}
	return map[string]any{
		"home": &HomeData{About: v.text, Notes: notes, Next: "/?before=10", Trends: &Trends{
			Day: []storage.TagUse{{Name: v.text, Uses: 5, Accounts: 2}}, Week: []storage.TagUse{{Name: v.text, Uses: 9, Accounts: 4}, {Name: "x", Uses: 1, Accounts: 1}}}},
		"profile": &ProfileData{Actor: a, Followers: 1, Following: 2, Posts: 3, Fields: a.Fields,
			FollowersURL: "/users/alice/followers", Pinned: notes, Notes: notes, Next: "/x?before=1", Prev: "/x?after=9"},
		"note": &NoteData{Ancestors: append([]*storage.Note{deleted}, more...), Note: note, Replies: replies},
		"tag": &TagData{Tag: v.text, Notes: notes, Followable: viewer != nil, Following: !v.empty, Usage: &TagUsage{Uses: 3, Accounts: 2,
			Days: []TagDay{{Day: when.Truncate(24 * time.Hour), Uses: 2, Accounts: 2}, {Day: when.Truncate(24*time.Hour).AddDate(0, 0, -1), Uses: 1, Accounts: 1}}}},
		"followed_tags": &FollowedTagsData{Tags: []storage.FollowedTag{{ID: 2, Name: v.text}, {ID: 1, Name: "gardening"}}, Next: "/settings/tags?before=1"},
		"timeline":      &TimelineData{Items: items, Notes: notes, Next: "/home?before=1"},
		"notifications": &NotificationsData{Notifications: notifs},
		"compose": &ComposeData{ReplyTo: reply, Content: v.text, Summary: v.cw, Visibility: "followers", MaxChars: 5000, MaxFiles: 4,
			Kept: []storage.Media{{ID: 7, URL: v.mediaURL, Path: "k.png", ThumbPath: "k-small.png", MediaType: "image/png", Description: v.alt, Width: 64, Height: 48},
				{ID: 8, URL: v.mediaURL, Path: "k.mp4", MediaType: "video/mp4"}}, Remind: true},
		"signin":        &SignInData{Username: v.user, Mail: !v.empty, Unconfirmed: !v.empty},
		"signin_step":   &SignInStepData{Next: "/oauth/authorize?client_id=" + v.text},
		"mail_request":  &MailRequestData{Reset: !v.empty, Email: v.text, Sent: v.empty},
		"password_edit": &PasswordEditData{Token: v.text, Username: v.user},
		"email":         &EmailData{Email: v.user + "@" + v.host, Pending: v.text, Mail: !v.empty, Confirmed: v.empty},
		"migration": &MigrationData{Actor: a, Aliases: []string{"https://old.example/users/" + v.user},
			MovedTo: v.actor(3), NextMove: when},
		"import": &ImportData{Kinds: []Choice{{Value: "follows", Label: "Following list", Checked: true}, {Value: "lists", Label: v.text}}, MaxSize: "20 MiB",
			Jobs: []*storage.ImportJob{{ID: 2, Kind: storage.ImportFollows, Mode: storage.ImportMerge, State: storage.ImportRunning, Total: 10, Done: 4, Created: when},
				{ID: 1, Kind: storage.ImportLists, Mode: storage.ImportOverwrite, State: storage.ImportDone, Total: 3, Done: 3, Failed: 1, Created: when, Finished: when,
					Report: storage.ImportReport{Rows: []storage.ImportRow{{Line: 2, Value: v.text, Reason: v.cw}}, MoreRows: 3, Ignored: []string{v.text},
						Counts: map[string]int{"followed": 2}}},
				{ID: 3, Kind: storage.ImportBlocks, Mode: storage.ImportMerge, State: storage.ImportFailed, Created: when, Finished: when,
					Report: storage.ImportReport{Error: v.text}}}},
		"export":       &ExportData{Files: []Choice{{Value: "/settings/export/follows.csv", Label: v.text}}},
		"two_factor":   &TwoFactorData{Secret: "JBSWY3DPEHPK3PXP", URI: template.URL("otpauth://totp/refuge.example:" + v.user + "?secret=JBSWY3DPEHPK3PXP")},
		"follows":      &FollowsData{Actor: a, Title: "Follow requests", Actors: actors, Pending: true},
		"edit_profile": &EditProfileData{Actor: a, DomainBlocks: []string{v.host, v.text}},
		"search": &SearchData{Query: v.text, Accounts: actors, Relationships: map[int64]Relationship{2: {Requested: true}},
			Tags: []string{v.text, "cats"}, Notes: notes},
		"error":    &ErrorData{Status: 404, Message: v.text},
		"interact": &InteractData{URI: v.actorURL, Note: reply, Actor: a},
		"authorize": &AuthorizeData{App: &storage.App{Name: v.text, Website: "https://app.example", ClientID: "c"},
			Scopes: []string{"read", "write:statuses"}, Scope: "read write:statuses", RedirectURI: "app://oauth", State: v.text},
		"apps": &AppsData{Apps: []*storage.App{{Name: v.text, Website: "https://app.example", ClientID: "c", Scopes: "read"}}},
		"reports": &ReportsData{Reports: []ReportItem{{Report: &storage.Report{ID: 7, Comment: v.text, Category: storage.ReportSpam,
			Forward: true, Created: when}, Target: a, Reporter: v.actor(3), Notes: append([]*storage.Note{deleted}, notes...)}},
			Next: "/admin/reports?before=7"},
		"accounts": &AccountsData{Accounts: []AccountItem{{Actor: a, TwoFactor: true}, {Actor: suspended(v.actor(3))},
			{Actor: silenced(v.actor(4))}}, Reset: &PasswordReset{Username: v.user, Password: v.text},
			Silenced: []*storage.Actor{silenced(v.actor(4)), silenced(v.actor(5))},
			Pending:  []AccountItem{{Actor: v.actor(6), Email: v.user + "@" + v.host, SignUp: &storage.SignUp{Reason: v.text}}}},
		"filters": &FiltersData{Filters: []*storage.Filter{v.filter(5, storage.FilterWarn), v.filter(6, storage.FilterHide)},
			Labels: map[storage.FilterContext]string{storage.FilterHome: "Home " + v.text}, Now: when,
			Form: FilterForm{ID: 6, Title: v.text, Keywords: v.text + "\n" + v.cw, Hide: true,
				Contexts: []Choice{{Value: "home", Label: v.text, Checked: true}, {Value: "thread", Label: "Conversations"}},
				Expiry:   []Choice{{Value: "keep", Label: v.text, Checked: true}, {Value: "", Label: "Never"}}}},
		"sign_up": &SignUpData{Approval: true, Username: v.user, Email: v.user + "@" + v.host, Reason: v.text, Agreement: true,
			Problems: []string{"Username " + v.text}, Rules: []storage.Rule{{ID: 1, Text: v.text, Hint: v.cw}, {ID: 2, Text: v.fieldName}}},
		"invites": &InvitesData{All: true, Base: "https://refuge.example", Now: when,
			Expiries: []Choice{{Value: "1800", Label: "30 minutes"}, {Value: "0", Label: "Never", Checked: true}}, Uses: []Choice{{Value: "1", Label: "1 use", Checked: true}, {Value: "0", Label: "No limit"}},
			Invites: []InviteItem{{Invite: &storage.Invite{ID: 1, Code: v.user, MaxUses: 5, Uses: 2, ExpiresAt: when.Add(time.Hour)}, Maker: a},
				{Invite: &storage.Invite{ID: 2, Code: "used", MaxUses: 1, Uses: 1}, Maker: v.actor(3)},
				{Invite: &storage.Invite{ID: 3, Code: "forever"}, Maker: a}}},
		"domain_blocks": &DomainBlocksData{Blocks: []storage.Block{{Target: v.user + ".example", Created: when},
			{Target: "https://spam.example/users/" + v.user, Created: when, Severity: storage.BlockSuspend, PublicComment: v.text},
			{Target: "noisy.example", Created: when, Severity: storage.BlockSilence, PublicComment: v.text, PrivateComment: v.cw}}},
		"custom_emojis": &CustomEmojisData{Emojis: []storage.CustomEmoji{{Shortcode: v.user, URL: "https://refuge.example/media/e.png"}}},
		"about": &AboutData{Settings: v.settings(), Rules: v.rules(), Blocks: []storage.Block{{Target: v.host, Severity: storage.BlockSilence,
			PublicComment: v.text}, {Target: "spam.example"}}},
		"settings": &SettingsData{Settings: v.settings(), Rules: v.rules()},

		// Editing posts.
		"edit_note": &EditNoteData{Note: mine, Content: v.text, Summary: v.cw, Sensitive: mine.Sensitive, Language: v.lang, Media: mine.Media},
		"history":   &HistoryData{Note: note, Versions: versions},
		"translate": &TranslateData{Note: note, Target: "zh-Hans", Translation: &storage.Translation{Target: "zh-Hans", Source: v.lang,
			Content: "<p>" + html.EscapeString(v.text) + "</p>", Summary: v.cw, Provider: "LibreTranslate",
			Media: []storage.TranslatedMedia{{MediaID: 1, Description: v.alt}}}},
		"lists": &ListsData{Lists: v.lists()},
		"list": &ListData{List: &storage.List{ID: 3, Title: v.text, RepliesPolicy: storage.RepliesList}, Items: items,
			Next: "/lists/3?max_id=1", Members: actors, Candidates: []*storage.Actor{v.actor(4)}},
		"saved": &SavedData{Heading: "Bookmarks", Empty: "No bookmarks " + v.text, Notes: notes, Next: "/bookmarks?max_id=4"},

		"conversations": v.conversations(notes),
		// Post display.
		"public": &PublicData{Local: viewer != nil, Notes: append(v.displayNotes(), notes...), Next: "/public?max_id=10"},
		"media":  v.mediaBody(),
	}
}

// conversations is a page of conversations whose last messages are notes: the first unread
// with two participants, the others read, one with nobody but the viewer.
func (v variant) conversations(notes []*storage.Note) *ConversationsData {
	d := &ConversationsData{Next: "/conversations?max_id=10"}
	for i, n := range notes {
		c := &storage.Conversation{ID: int64(i + 4), LastNoteID: n.ID, Last: n, Unread: i == 0}
		if i < 2 {
			c.Participants = []*storage.Actor{v.actor(2), v.actor(3)}[:2-i]
		}
		d.Conversations = append(d.Conversations, c)
	}
	return d
}

// filter is a keyword filter of the viewer's with the variant's text: one that warns and
// never expires, or one that hides and expired.
// lists are two lists of the viewer's, one exclusive; none in the empty variant.
func (v variant) lists() []ListEntry {
	if v.empty {
		return nil
	}
	policies := []Choice{{Value: "list", Label: "Replies to members", Checked: true}, {Value: "none", Label: v.text}}
	return []ListEntry{{List: &storage.List{ID: 3, Title: v.text, RepliesPolicy: storage.RepliesList}, Policies: policies},
		{List: &storage.List{ID: 4, Title: v.cw, RepliesPolicy: storage.RepliesNone, Exclusive: true}, Policies: policies}}
}

func (v variant) filter(id int64, action storage.FilterAction) *storage.Filter {
	f := &storage.Filter{ID: id, Title: v.text, Action: action, Contexts: []storage.FilterContext{storage.FilterHome, storage.FilterThread},
		Keywords: []storage.FilterKeyword{{ID: id * 10, Keyword: v.text, WholeWord: true}, {ID: id*10 + 1, Keyword: v.cw}}}
	if action == storage.FilterHide {
		f.Expires = when.Add(-time.Hour)
	}
	return f
}

// edited is n as edited after it was published.
func edited(n *storage.Note, after time.Duration) *storage.Note {
	n.Updated = n.Published.Add(after)
	return n
}

// withMediaIDs is n with its attachments given these ids, as local uploads have.
func withMediaIDs(n *storage.Note, ids ...int64) *storage.Note {
	for i := range n.Media {
		n.Media[i].ID = ids[i]
	}
	return n
}

// warnedNote is n as matched by warn filters with these titles.
func warnedNote(n *storage.Note, titles ...string) *storage.Note {
	for _, t := range titles {
		n.Filtered = append(n.Filtered, storage.FilterMatch{Filter: &storage.Filter{Title: t, Action: storage.FilterWarn}, Keywords: []string{t}})
	}
	return n
}

// settings are instance settings with the variant's text in every field (none when empty).
func (v variant) settings() storage.Settings {
	if v.empty {
		return storage.Settings{}
	}
	return storage.Settings{Name: v.text, Description: v.text, About: v.text + "\n\n" + v.cw,
		ContactEmail: v.user + "@refuge.example", ContactAccount: v.user}
}

// rules are two rules in the variant's text, one with an explanation (none when empty).
func (v variant) rules() []storage.Rule {
	if v.empty {
		return nil
	}
	return []storage.Rule{{ID: 1, Text: v.text, Hint: v.cw}, {ID: 3, Text: v.cw}}
}

// suspended is a suspended copy of a.
func suspended(a *storage.Actor) *storage.Actor {
	c := *a
	c.SuspendedAt = when
	return &c
}

// silenced is a silenced copy of a.
func silenced(a *storage.Actor) *storage.Actor {
	c := *a
	c.SilencedAt = when
	return &c
}

func newPage(v variant, viewer *storage.Actor, body any) *Page {
	p := &Page{Title: v.text, Instance: "Refuge " + v.text, Viewer: viewer, Body: body, Notice: v.text,
		Feeds:     []Feed{{Title: "RSS", Type: "application/rss+xml", URL: "/tags/x.rss"}, {Title: "Atom", Type: "application/atom+xml", URL: "/tags/x.atom"}},
		Canonical: "https://refuge.example/x", ActivityJSON: v.actorURL,
		Liked: map[int64]bool{11: true}, Pinned: map[int64]bool{10: true}, Parents: v.displayParents()}
	if viewer != nil {
		p.CSRF = "csrf-token-123"
		p.Translatable = func(lang string) bool { return lang != "en" }
	}
	return p
}

func localViewer() *storage.Actor {
	return &storage.Actor{ID: 1, URI: "https://refuge.example/users/me", Local: true, Username: "me",
		Host: "refuge.example", URL: "https://refuge.example/@me"}
}

func TestRenderEveryPage(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range variants() {
		for _, viewer := range []*storage.Actor{nil, localViewer()} {
			who := "visitor"
			if viewer != nil {
				who = "signed-in"
			}
			for page, body := range v.bodies(viewer) {
				t.Run(v.name+"/"+who+"/"+page, func(t *testing.T) {
					p := newPage(v, viewer, body)
					var buf bytes.Buffer
					if err := r.Render(&buf, page, p); err != nil {
						t.Fatal(err)
					}
					// The fixture notes with a CW have ids ending in 1.
					checkPage(t, buf.String(), p, v, func(id string) bool { return strings.HasSuffix(id, "1") })
				})
			}
		}
	}
}

// TestEveryPageHasAFixture keeps TestRenderEveryPage whole: a page added to bodyTypes
// without a fixture would go unchecked.
func TestEveryPageHasAFixture(t *testing.T) {
	bodies := variants()[0].bodies(localViewer())
	for page := range bodyTypes {
		if _, ok := bodies[page]; !ok {
			t.Errorf("page %q has no fixture in variant.bodies", page)
		}
	}
}

// checkPage checks what every page must do whatever it shows.
//
// cw tells which articles (by id) show a note with a content warning.
func checkPage(t *testing.T, out string, p *Page, v variant, cw func(id string) bool) {
	t.Helper()
	low := strings.ToLower(out)
	for _, bad := range []string{`="javascript:`, "<img src=x", " style=", "<style"} {
		if strings.Contains(low, bad) {
			i := strings.Index(low, bad)
			t.Errorf("output contains %q: …%s…", bad, out[max(0, i-80):min(len(out), i+80)])
		}
	}
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	ids := map[string]int{}
	labels := map[string]bool{}
	var inputs, images, contents []*html.Node
	scripts := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id, ok := attr(n, "id"); ok {
				ids[id]++
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
					t.Errorf("<%s> has attribute %s", n.Data, a.Key)
				}
				if (a.Key == "href" || a.Key == "src" || a.Key == "action") &&
					strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript") {
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				}
			}
			switch n.Data {
			case "script":
				checkScript(t, n)
				scripts++
			case "style":
				t.Errorf("<%s> element in page", n.Data)
			case "label":
				if f, ok := attr(n, "for"); ok {
					labels[f] = true
				}
			case "input", "textarea", "select":
				inputs = append(inputs, n)
			case "img":
				images = append(images, n)
			case "form":
				checkForm(t, n, p)
			case "div":
				if hasClass(n, "content") {
					contents = append(contents, n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 {
		t.Errorf("%d <script> elements, want the one of the layout", scripts)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	for _, n := range inputs {
		typ, _ := attr(n, "type")
		if typ == "hidden" || typ == "submit" {
			continue
		}
		id, _ := attr(n, "id")
		_, aria := attr(n, "aria-label")
		if !aria && (id == "" || !labels[id]) {
			t.Errorf("<%s name=%q> has no label", n.Data, get(n, "name"))
		}
	}
	for _, n := range images {
		if _, ok := attr(n, "alt"); !ok {
			t.Errorf("<img src=%q> has no alt", get(n, "src"))
		}
	}
	for _, n := range contents {
		if _, ok := attr(n, "lang"); !ok {
			t.Error("post content without a lang attribute")
		}
		if get(n, "dir") != "auto" {
			t.Error("post content without dir=auto")
		}
		if art := ancestor(n, "article"); art != nil && cw(get(art, "id")) && ancestor(n, "details") == nil {
			t.Error("content of a post with a content warning is not inside <details>")
		}
	}
	if v.name == "hostile" {
		if strings.Contains(out, hostileScript) || strings.Contains(out, hostileAttr) {
			t.Error("a hostile string came through unescaped")
		}
	}
}

// checkScript checks that a <script> is the instance's own file, loaded after the page is
// parsed, with nothing inline: the CSP allows script-src 'self' and nothing else.
func checkScript(t *testing.T, n *html.Node) {
	t.Helper()
	if src := get(n, "src"); src != StaticURL("refuge.js") {
		t.Errorf("<script src=%q>, want the first-party %q", src, StaticURL("refuge.js"))
	}
	if _, ok := attr(n, "defer"); !ok {
		t.Error("<script> without defer")
	}
	if n.FirstChild != nil {
		t.Errorf("inline script %q", n.FirstChild.Data)
	}
	for _, a := range n.Attr {
		if a.Key != "src" && a.Key != "defer" {
			t.Errorf("<script %s=%q>", a.Key, a.Val)
		}
	}
}

// checkForm checks that a POST form carries the CSRF token.
func checkForm(t *testing.T, form *html.Node, p *Page) {
	t.Helper()
	if !strings.EqualFold(get(form, "method"), "post") || p.CSRF == "" {
		return
	}
	found := false
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "input" && get(n, "type") == "hidden" &&
			get(n, "name") == "csrf" && get(n, "value") == p.CSRF {
			found = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(form)
	if !found {
		t.Errorf("POST form to %q has no csrf input", get(form, "action"))
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func get(n *html.Node, key string) string { v, _ := attr(n, key); return v }

func hasClass(n *html.Node, class string) bool {
	return strings.Contains(" "+get(n, "class")+" ", " "+class+" ")
}

func ancestor(n *html.Node, tag string) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return p
		}
	}
	return nil
}

// TestPageContents checks what particular pages must show.
func TestPageContents(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	v := variants()[0]
	h := variants()[len(variants())-1]
	me := localViewer()
	mine := v.note(20, me, false)
	admin := localViewer()
	admin.Admin = true
	tests := []struct {
		name     string
		page     string
		viewer   *storage.Actor
		body     any
		want     []string
		dontWant []string
	}{
		{"visitor sees remote follow", "profile", nil, &ProfileData{Actor: v.actor(2)},
			[]string{`action="/authorize_follow"`, `name="handle"`, `name="uri" value="https://remote.example/users/2"`},
			[]string{`action="/web/follow"`, `action="/signout"`}},
		{"viewer sees follow", "profile", me, &ProfileData{Actor: v.actor(3)},
			[]string{`action="/web/follow"`, `name="actor" value="https://remote.example/users/3"`, `>Follow<`, `action="/signout"`},
			[]string{`/authorize_follow`}},
		{"locked actor is asked", "profile", me, &ProfileData{Actor: v.actor(2)}, []string{`Request to follow`}, nil},
		{"remote account offers to block its server", "profile", me, &ProfileData{Actor: v.actor(3)},
			[]string{`action="/web/domain_block"`, `name="domain" value="remote.example"`, `Block the whole server <span dir="auto">remote.example</span>`},
			[]string{`/web/domain_unblock`}},
		{"blocked server offers unblock", "profile", me, &ProfileData{Actor: v.actor(3), Relationship: Relationship{DomainBlocking: true}},
			[]string{`action="/web/domain_unblock"`, `Unblock <span dir="auto">remote.example</span>`}, []string{`/web/domain_block"`}},
		{"local account has no server block", "profile", me, &ProfileData{Actor: &storage.Actor{ID: 4, Local: true, Username: "bob", Host: "refuge.example",
			URI: "https://refuge.example/users/bob"}}, []string{`action="/web/block"`}, []string{`/web/domain_block`}},
		{"edit profile lists blocked servers", "edit_profile", me, &EditProfileData{Actor: me, DomainBlocks: []string{"evil.example", "spam.example:8443"}},
			[]string{`action="/web/domain_unblock"`, `name="domain" value="evil.example"`, `name="domain" value="spam.example:8443"`}, []string{`None. To hide`}},
		{"edit profile without blocked servers", "edit_profile", me, &EditProfileData{Actor: me}, []string{`None. To hide`}, []string{`/web/domain_unblock`}},
		{"following shows unfollow", "profile", me, &ProfileData{Actor: v.actor(3), Followers: 1, Relationship: Relationship{Following: true, FollowsYou: true}},
			[]string{`action="/web/unfollow"`, `Follows you`, `<strong>1</strong> follower</span>`}, []string{`action="/web/follow"`}},
		{"search: an account suspended by its server says so", "search", me, &SearchData{Query: "@alice@remote.example", Accounts: []*storage.Actor{suspended(v.actor(3))}},
			[]string{`<p class="hint suspended">This account is suspended by its server.</p>`}, nil},
		{"search: an active account", "search", me, &SearchData{Query: "@alice@remote.example", Accounts: []*storage.Actor{v.actor(3)}}, nil, []string{`This account is suspended`}},
		{"own profile", "profile", me, &ProfileData{Actor: me}, []string{`href="/edit_profile"`}, []string{`/web/follow`, `/authorize_follow`}},
		{"own post actions", "note", me, &NoteData{Note: mine},
			[]string{`/web/notes/20/like`, `/web/notes/20/boost`, `/web/notes/20/delete`, `/web/notes/20/pin`, `href="/compose?reply_to=20"`},
			[]string{`/web/notes/20/unlike`}},
		{"own post offers Edit", "note", me, &NoteData{Note: mine}, []string{`<a class="act" href="/notes/20/edit">Edit</a>`}, []string{`class="edited"`}},
		{"edited post links its history", "note", nil, &NoteData{Note: edited(v.note(21, v.actor(2), false), 3*time.Minute)},
			[]string{`<a class="edited" href="/notes/21/history">edited <time datetime="2025-03-14T15:12:26Z">15:12 UTC</time>`}, []string{`/edit"`}},
		{"edited another day: the date too", "note", nil, &NoteData{Note: edited(v.note(21, v.actor(2), false), 24*time.Hour)},
			[]string{`edited <time datetime="2025-03-15T15:09:26Z">15 Mar 2025, 15:09 UTC</time>`}, nil},
		{"a note not edited says nothing of it", "note", nil, &NoteData{Note: edited(v.note(21, v.actor(2), false), 0)}, nil, []string{`edited`}},
		{"edit form", "edit_note", me, &EditNoteData{Note: withMediaIDs(v.note(22, me, true), 7, 8, 9), Content: "typed <text>", Summary: "cw typed",
			Sensitive: true, Language: "de", Media: withMediaIDs(v.note(22, me, true), 7, 8, 9).Media},
			[]string{`action="/web/notes/22/edit"`, `enctype="multipart/form-data"`, `>typed &lt;text&gt;</textarea>`, `name="summary" type="text" maxlength="500" value="cw typed"`,
				`name="language" type="text" value="de"`, `name="sensitive" type="checkbox" value="1" checked`, `<strong>Who can see it:</strong> Public <span class="hint">(an edit never changes`,
				`<label for="description-7">Description of attachment 1`, `name="description_7"`, `>A cat on a mat</textarea>`, `name="description_9"`,
				`<img class="edit-thumb" src="/media/remote/`, `<span class="edit-thumb file">Video</span>`, `href="/notes/22">Cancel</a>`},
			[]string{`name="visibility"`, `type="file"`}},
		{"history, newest first", "history", nil, &HistoryData{Note: v.note(41, v.actor(2), false), Versions: []storage.NoteEdit{
			{Content: "<p>second</p>", Summary: "now warned", Created: when.Add(time.Hour), Media: []storage.Media{{MediaType: "image/png", Description: "a dog"}}},
			{Content: "<p>first</p>", Created: when, Media: []storage.Media{{MediaType: "image/png"}}}}},
			[]string{`Edited <time datetime="2025-03-14T16:09:26Z">`, `<span class="badge">Current</span>`, `<span dir="auto">now warned</span>`,
				`<p>second</p>`, `Image: <span dir="auto">a dog</span>`, `Posted <time datetime="2025-03-14T15:09:26Z">`, `<p>first</p>`,
				`Image: <span class="hint">no description</span>`, `href="/notes/41">Back to the post</a>`}, nil},
		{"others' post has no delete", "note", me, &NoteData{Note: v.note(21, v.actor(2), false)},
			[]string{`/web/notes/21/like`, `<select name="category" aria-label="What is wrong">`, `<option value="spam">Spam</option>`},
			[]string{`/web/notes/21/delete`, `/web/notes/21/pin`}},
		{"visitor sees counts only", "note", nil, &NoteData{Note: v.note(21, v.actor(2), false)},
			[]string{`3<span class="sr-only"> likes</span>`, `1<span class="sr-only"> reply</span>`, `2<span class="sr-only"> boosts</span>`},
			[]string{`/web/notes/`, `<form method="post"`, `1<span class="sr-only"> replies`}},
		{"content warning collapsed", "note", nil, &NoteData{Note: v.note(11, v.actor(2), true)},
			[]string{`<details class="cw">`, `spoilers`}, []string{`<details class="cw" open`}},
		{"warned post folded behind its filters", "timeline", me, &TimelineData{Items: []storage.FeedItem{{Note: warnedNote(v.note(31, v.actor(2), false),
			"Spoilers", "Politics"), Booster: v.actor(5)}}},
			[]string{`>Alice</a> boosted</p>
<details class="filtered">
<summary><span class="filtered-label">Filtered:</span> <span dir="auto">Spoilers, Politics</span> <span class="show">Show</span></summary>`,
				`Hello, fediverse!`}, []string{`<details class="filtered" open`}},
		{"unwarned post not folded", "timeline", me, &TimelineData{Notes: []*storage.Note{v.note(31, v.actor(2), false)}},
			[]string{`Hello, fediverse!`}, []string{`class="filtered"`, `Filtered:`}},
		{"filters: the list and the form to add one", "filters", me, &FiltersData{Filters: []*storage.Filter{v.filter(5, storage.FilterWarn),
			v.filter(6, storage.FilterHide)}, Labels: map[storage.FilterContext]string{storage.FilterHome: "Home timeline", storage.FilterThread: "Conversations"},
			Now: when, Form: FilterForm{WholeWord: true, Contexts: []Choice{{Value: "home", Label: "Home timeline", Checked: true}},
				Expiry: []Choice{{Value: "", Label: "Never", Checked: true}}}},
			[]string{`action="/web/filters"`, `name="title" type="text" required`, `name="keywords"`, `name="whole_word" type="checkbox" value="1" checked`,
				`id="filter-context-home" name="context" type="checkbox" value="home" checked`, `<label for="filter-context-home">Home timeline</label>`,
				`id="filter-warn" name="action" type="radio" value="warn" checked`, `<option value="" selected>Never</option>`,
				`Folded in Home timeline, Conversations; never expires.`, `Hidden in Home timeline, Conversations; <span class="expired">expired on`,
				`href="/filters?edit=5#filter-form"`, `action="/web/filters/6/delete"`, `<code dir="auto">spoilers</code>`, `>Add a filter<`},
			[]string{`No filters yet`}},
		{"filters: changing one", "filters", me, &FiltersData{Form: FilterForm{ID: 6, Title: "Gore", Keywords: "gore\nblood", Hide: true,
			Expiry: []Choice{{Value: "keep", Label: "As it is", Checked: true}, {Value: "", Label: "Never"}}}},
			[]string{`action="/web/filters/6"`, `value="Gore"`, `>gore
blood</textarea>`, `id="filter-hide" name="action" type="radio" value="hide" checked`, `<option value="keep" selected>As it is</option>`, `No filters yet`},
			[]string{`name="whole_word" type="checkbox" value="1" checked`, `id="filter-warn" name="action" type="radio" value="warn" checked`}},
		{"edit profile links the filters", "edit_profile", me, &EditProfileData{Actor: me}, []string{`href="/filters"`}, nil},
		{"booster line", "timeline", me, &TimelineData{Items: []storage.FeedItem{{Note: mine, Booster: v.actor(5)}}},
			[]string{`boosted</p>`, `>Alice</a> boosted`}, nil},
		{"empty timeline", "timeline", me, &TimelineData{}, []string{`Nothing here yet`}, []string{`class="pager"`}},
		{"hostile author URL neutralised", "note", nil, &NoteData{Note: h.note(1, h.actor(2), true)},
			[]string{`src="/media/remote/`, `&lt;script&gt;alert(1)&lt;/script&gt;`}, []string{`href="javascript`, `src="javascript`}},
		{"compose", "compose", me, &ComposeData{ReplyTo: mine, MaxChars: 5000, MaxFiles: 4},
			[]string{`action="/web/notes"`, `enctype="multipart/form-data"`, `name="in_reply_to" value="20"`,
				`name="content"`, `name="summary"`, `name="visibility"`, `name="language" type="text" value="" placeholder="auto"`, `Language <span class="hint">(empty: your default, or detected)</span>`,
				`<option value="public" selected>`, `Up to 5000 characters.`, `data-max-chars="5000"`, `aria-live="polite"`,
				`id="media" name="media" type="file" multiple`, `data-max-files="4"`, `(choose up to 4 at once)`,
				`<label for="alt-1">Description of the 1st file`, `<label for="alt-4">Description of the 4th file`, `id="alt-4" name="alt_4"`,
				`<button class="primary" type="submit">Post</button></p>`},
			[]string{`id="alt-5"`, `name="media_1"`, `name="kept"`, `without_descriptions`, ` required`}},
		{"compose keeps a refused submit's files and reminds", "compose", me, &ComposeData{MaxChars: 5000, MaxFiles: 4, Remind: true, Language: "de",
			Kept: []storage.Media{{ID: 7, URL: "https://example.org/media/k.png", Path: "k.png", ThumbPath: "k-small.png", MediaType: "image/png", Description: "A cat"},
				{ID: 8, Path: "k.mp4", MediaType: "video/mp4"}, {ID: 9, Path: "j.png", MediaType: "image/png"}}},
			[]string{`name="kept" value="7"`, `name="kept" value="8"`, `name="kept" value="9"`, `src="https://example.org/media/k-small.png"`,
				`<label for="kept-alt-7">Description of the 1st file`, `name="kept_alt_7" type="text" aria-describedby="alt-hint" maxlength="1500" value="A cat"`,
				`id="drop-8" name="drop" type="checkbox" value="8"`, `<label for="drop-9">Remove the 3rd file</label>`,
				`<span class="file-kind">video/mp4</span>`, `More files`, `(choose up to 1 at once)`,
				`<label for="alt-1">Description of the 1st new file`, `name="language" type="text" value="de"`,
				`Some files have no description`, `name="without_descriptions" value="1">Post without descriptions</button>`},
			[]string{`id="alt-2"`, `class="reminder" role="alert" hidden`}},
		{"compose with four files kept has no file input", "compose", me, &ComposeData{MaxChars: 5000, MaxFiles: 4,
			Kept: []storage.Media{{ID: 1, Path: "a.png"}, {ID: 2, Path: "b.png"}, {ID: 3, Path: "c.png"}, {ID: 4, Path: "d.png"}}},
			[]string{`name="kept" value="4"`, `Remove the 4th file`}, []string{`type="file"`, `id="alt-1"`}},
		{"sign in", "signin", nil, &SignInData{Username: "bob"},
			[]string{`action="/signin"`, `name="username"`, `value="bob"`, `name="password" type="password"`, `href="/signin"`}, []string{`csrf`}},
		{"sign in with mail", "signin", nil, &SignInData{Username: "bob", Mail: true},
			[]string{`href="/auth/password/new">Forgot your password?`, `href="/auth/confirmation/new"`}, []string{`Send the confirmation link again`}},
		{"sign in unconfirmed", "signin", nil, &SignInData{Username: "bob", Mail: true, Unconfirmed: true},
			[]string{`href="/auth/confirmation/new"`, `href="/auth/password/new"`}, nil},
		{"sign in without mail", "signin", nil, &SignInData{Username: "bob"}, nil, []string{`/auth/`}},
		{"reset request", "mail_request", nil, &MailRequestData{Reset: true, Email: "a@b.example"},
			[]string{`action="/auth/password"`, `name="email" type="email" value="a@b.example"`, `Send the link`}, []string{`is on its way`}},
		{"reset request sent", "mail_request", nil, &MailRequestData{Reset: true, Sent: true},
			[]string{`action="/auth/password"`, `If an account here has that address`}, nil},
		{"resend confirmation", "mail_request", nil, &MailRequestData{},
			[]string{`action="/auth/confirmation"`, `name="email"`}, []string{`is on its way`, `/auth/password`}},
		{"resend confirmation sent", "mail_request", nil, &MailRequestData{Sent: true},
			[]string{`action="/auth/confirmation"`, `a mail with a new link is on its way`}, nil},
		{"new password", "password_edit", nil, &PasswordEditData{Token: "s3cr=t", Username: "bob"},
			[]string{`action="/auth/password/edit"`, `name="reset_password_token" value="s3cr=t"`, `name="password" type="password"`,
				`name="password_confirmation"`, `value="bob" autocomplete="username"`}, nil},
		{"e-mail setting", "email", me, &EmailData{Email: "me@x.example", Confirmed: true, Pending: "new@x.example", Mail: true},
			[]string{`action="/web/email"`, `me@x.example</strong> (confirmed)`, `Waiting for confirmation: <strong class="uri">new@x.example`,
				`action="/web/email/resend"`}, nil},
		{"e-mail setting without mail", "email", me, &EmailData{},
			[]string{`action="/web/email"`, `no e-mail address`, `sends no mail`}, []string{`/web/email/resend`, `Waiting`}},
		{"sign-in code", "signin_step", nil, &SignInStepData{Next: "/home"},
			[]string{`action="/signin/two_factor?next=%2fhome"`, `name="code"`, `autocomplete="one-time-code"`}, []string{`name="password"`}},
		{"two-factor setup", "two_factor", me, &TwoFactorData{Secret: "JBSWY3DPEHPK3PXP", URI: "otpauth://totp/refuge.example:me@refuge.example?secret=JBSWY3DPEHPK3PXP"},
			[]string{`action="/web/two_factor/enable"`, `name="code"`, `>JBSW Y3DP EHPK 3PXP</code>`, `href="otpauth://totp/refuge.example:me@refuge.example?secret=JBSWY3DPEHPK3PXP"`},
			[]string{`Recovery codes`}},
		{"two-factor recovery codes", "two_factor", me, &TwoFactorData{RecoveryCodes: []string{"0a1b2c3d4e", "5f6a7b8c9d"}},
			[]string{`<code>0a1b2c3d4e</code>`, `<code>5f6a7b8c9d</code>`, `href="/edit_profile"`}, []string{`/web/two_factor/enable`}},
		{"edit profile: two-factor off", "edit_profile", me, &EditProfileData{Actor: me},
			[]string{`action="/web/two_factor/setup"`}, []string{`/web/two_factor/disable`}},
		{"edit profile: two-factor on", "edit_profile", me, &EditProfileData{Actor: me, TwoFactor: true},
			[]string{`action="/web/two_factor/disable"`, `name="current_password"`, `id="twofactor_code" name="code"`}, []string{`/web/two_factor/setup`}},
		{"accounts: an active one, with two-factor sign-in", "accounts", me, &AccountsData{Accounts: []AccountItem{{Actor: me, TwoFactor: true}}},
			[]string{`action="/admin/accounts/me/suspend"`, `action="/admin/accounts/me/password"`, `action="/admin/accounts/me/two_factor_off"`},
			[]string{`/unsuspend"`, `shown this once`}},
		{"accounts: a suspended one, and a new password", "accounts", me, &AccountsData{Accounts: []AccountItem{{Actor: suspended(me)}},
			Reset: &PasswordReset{Username: "me", Password: "n3w-s3cret"}},
			[]string{`action="/admin/accounts/me/unsuspend"`, `<code>n3w-s3cret</code>`, `>Suspended<`}, []string{`/suspend"`, `/two_factor_off"`}},
		{"admins' menu", "timeline", admin, &TimelineData{},
			[]string{`href="/admin/reports">Admin</a>`}, []string{`href="/admin/accounts"`, `href="/admin/reports" aria-current`}},
		{"admin pages' own menu", "accounts", admin, &AccountsData{},
			[]string{`<nav class="admin" aria-label="Admin">`, `href="/admin/reports" aria-current="page">Admin</a>`,
				`href="/admin/accounts" aria-current="page">Accounts</a>`, `href="/admin/domain_blocks"`, `href="/admin/settings"`}, nil},
		{"settings", "settings", admin, &SettingsData{Settings: storage.Settings{Name: "Refuge &amp; co", ContactAccount: "alice"},
			Rules: []storage.Rule{{ID: 4, Text: "Be kind"}}},
			[]string{`action="/admin/settings"`, `name="name" type="text" maxlength="100" value="Refuge &amp;amp; co"`,
				`value="alice"`, `action="/admin/rules/4/edit"`, `value="Be kind"`, `formaction="/admin/rules/4/delete"`,
				`action="/admin/rules/add"`}, []string{`No rules yet`}},
		{"about", "about", nil, &AboutData{Settings: storage.Settings{Description: "Short.", About: "One.\n\nTwo\nlines.",
			ContactEmail: "admin@refuge.example", ContactAccount: "alice"}, Rules: []storage.Rule{{ID: 4, Text: "Be kind", Hint: "Please."}}},
			[]string{`<p class="lead" dir="auto">Short.</p>`, `<p dir="auto">One.</p>`, "<p dir=\"auto\">Two\nlines.</p>",
				`<li><span dir="auto">Be kind</span><br><small dir="auto">Please.</small></li>`, `href="/@alice">@alice</a>`,
				`href="mailto:admin@refuge.example"`}, []string{`set no rules`, `A small home`, `Moderated servers`}},
		{"about lists the moderated servers", "about", nil, &AboutData{Blocks: []storage.Block{{Target: "loud.example",
			Severity: storage.BlockSilence, PublicComment: "Spam waves"}, {Target: "bad.example", Severity: storage.BlockSuspend}}},
			[]string{`<td><code>loud.example</code></td><td>Limited</td><td dir="auto">Spam waves</td>`,
				`<td><code>bad.example</code></td><td>Suspended</td><td dir="auto">No reason given</td>`}, nil},
		{"about, nothing set", "about", nil, &AboutData{}, []string{`A small home`, `set no rules`}, []string{`Contact`}},
		{"no admins' menu for others", "timeline", me, &TimelineData{}, nil, []string{`href="/admin/`}},
		{"accounts: a silenced one, and the list of silenced accounts", "accounts", me,
			&AccountsData{Accounts: []AccountItem{{Actor: silenced(me)}}, Silenced: []*storage.Actor{silenced(me), silenced(v.actor(7))}},
			[]string{`action="/admin/accounts/me/unsilence"`, `Active, silenced`, `action="/admin/silenced/7/unsilence"`,
				`href="/admin/domain_blocks"`}, []string{`/admin/accounts/me/silence"`, `No account is silenced`}},
		{"accounts: none silenced", "accounts", me, &AccountsData{Accounts: []AccountItem{{Actor: me}}},
			[]string{`action="/admin/accounts/me/silence"`, `No account is silenced`}, []string{`/unsilence"`, `silenced<`}},
		{"a limited profile says so", "profile", nil, &ProfileData{Actor: v.actor(2), Limited: true},
			[]string{`The moderators of this server have limited this account`}, nil},
		{"a profile not limited for its reader", "profile", me, &ProfileData{Actor: silenced(v.actor(2))},
			nil, []string{`have limited this account`}},
		{"domain blocks: severities and reasons", "domain_blocks", me, &DomainBlocksData{Blocks: []storage.Block{
			{Target: "noisy.example", Created: when, Severity: storage.BlockSilence, PublicComment: "too loud", PrivateComment: "ticket 4"},
			{Target: "spam.example", Created: when, Severity: storage.BlockSuspend}}},
			[]string{`name="severity" type="radio" value="silence"`, `value="suspend" checked`, `name="public_comment"`, `name="private_comment"`,
				`<code>noisy.example</code>: silenced`, `Reason: <span dir="auto">too loud</span>`, `Note: <span dir="auto">ticket 4</span>`,
				`<code>spam.example</code>: suspended`}, nil},
		{"reports offer silence", "reports", me, &ReportsData{Reports: []ReportItem{{Report: &storage.Report{ID: 7, Created: when},
			Target: v.actor(3), Reporter: v.actor(2)}}}, []string{`action="/admin/reports/7/silence"`, `action="/admin/reports/7/suspend"`}, nil},
		{"domain blocks", "domain_blocks", me, &DomainBlocksData{Blocks: []storage.Block{{Target: "spam.example", Created: when}}},
			[]string{`action="/admin/domain_blocks/add"`, `name="target" type="text"`, `action="/admin/domain_blocks/remove"`,
				`name="target" value="spam.example"`}, []string{`Nothing is blocked`}},
		{"follow requests", "notifications", me, &NotificationsData{Notifications: []*storage.Notification{{Type: "follow_request", Actor: v.actor(7), Created: when}}},
			[]string{`action="/web/follow_requests/7/approve"`, `action="/web/follow_requests/7/reject"`, `name="actor" value="https://remote.example/users/7"`}, nil},
		{"edit profile shows the typed text", "edit_profile", me, &EditProfileData{Actor: &storage.Actor{Name: "Me", Summary: "<p>bio &amp; more</p>", Locked: true,
			Fields: []storage.Field{{Name: "Web", Value: `<a href="https://x.example/a/long/path">x.example/a/…</a>`}}},
			Summary: "bio & more https://x.example/b", Fields: []storage.Field{{Name: "Web", Value: "https://x.example/a/long/path"}}},
			[]string{`action="/web/profile"`, `name="display_name"`, `value="Me"`, `>bio &amp; more https://x.example/b</textarea>`, `name="avatar" type="file"`,
				`name="header" type="file"`, `name="locked" type="checkbox" value="1" checked`, `id="field-value-3" name="field_value"`,
				`name="field_value" type="text" maxlength="255" value="https://x.example/a/long/path"`}, []string{`field-name-4`, `&lt;p&gt;`, `x.example/a/…`}},
		{"edit profile shows the pictures there are", "edit_profile", me, &EditProfileData{Actor: &storage.Actor{Local: true, IconURL: "https://refuge.example/media/a.png"}},
			[]string{`class="current-avatar" src="https://refuge.example/media/a.png"`, `name="remove_avatar" type="checkbox" value="1"`},
			[]string{`name="remove_header"`, `class="current-header"`}},
		{"search result", "search", me, &SearchData{Query: "@alice@remote.example", Accounts: []*storage.Actor{v.actor(3)}},
			[]string{`action="/search"`, `name="q"`, `value="@alice@remote.example"`, `action="/web/follow"`, `<h2 id="found-accounts">Accounts</h2>`,
				`href="/@alice@remote.example"`}, []string{`Nothing found`, `found-tags`, `found-posts`}},
		{"search finds all three kinds, each in its section", "search", me, &SearchData{Query: "cat", Accounts: []*storage.Actor{v.actor(3)},
			Tags: []string{"cats"}, Notes: []*storage.Note{v.note(12, v.actor(3), false)}},
			[]string{`<h2 id="found-accounts">Accounts</h2>`, `<h2 id="found-tags">Hashtags</h2>`, `href="/tags/cats"`, `#cats`,
				`<h2 id="found-posts">Posts</h2>`, `id="note-12"`}, []string{`Nothing found`}},
		{"a remote profile here links its original", "profile", me, &ProfileData{Actor: v.actor(3), Posts: 2},
			[]string{`Open original profile`, `href="https://remote.example/@alice"`, `action="/web/follow"`, `action="/web/mute"`,
				`action="/web/block"`, `the counts and posts here are what this server knows`}, nil},
		{"a suspended remote account's page says so", "profile", me, &ProfileData{Actor: suspended(v.actor(3))},
			[]string{`This account is suspended: its posts are not shown.`}, nil},
		{"a remote person's post links to their page here for a signed-in viewer", "tag", me,
			&TagData{Tag: "x", Notes: []*storage.Note{v.note(12, v.actor(3), false)}},
			[]string{`class="name" href="/@alice@remote.example"`}, []string{`class="name" href="https://remote.example/@alice"`}},
		{"and to their own profile for a visitor", "tag", nil, &TagData{Tag: "x", Notes: []*storage.Note{v.note(12, v.actor(3), false)}},
			[]string{`class="name" href="https://remote.example/@alice"`}, []string{`href="/@alice@remote.example"`}},
		{"a remote follower links to their page here", "follows", me, &FollowsData{Title: "Followers", Actors: []*storage.Actor{v.actor(3)}},
			[]string{`class="name" href="/@alice@remote.example"`}, nil},
		{"a remote list member links to their page here", "list", me, &ListData{List: &storage.List{ID: 3, Title: "Friends"},
			Members: []*storage.Actor{v.actor(3)}}, []string{`class="name" href="/@alice@remote.example"`}, nil},
		{"a notification names a remote account with its page here", "notifications", me,
			&NotificationsData{Notifications: []*storage.Notification{{ID: 1, Type: "follow", Actor: v.actor(3), Created: when}}},
			[]string{`class="name" href="/@alice@remote.example"`}, nil},
		{"search miss", "search", me, &SearchData{Query: "@nobody@x"}, []string{`Nothing found`}, nil},
		{"error", "error", nil, &ErrorData{Status: 404, Message: "No such note."}, []string{`404 Not Found`, `No such note.`, `href="/">The front page`},
			[]string{`Sign in</a> and try again`, `Back to the page`}},
		{"error starts with a capital", "error", nil, &ErrorData{Status: 404, Message: "account not found"}, []string{`>Account not found<`}, nil},
		{"error starting with a name keeps it", "error", nil, &ErrorData{Status: 400, Message: "redirect_uri is not registered"}, []string{`>redirect_uri is not registered<`}, nil},
		{"error asks a visitor to sign in", "error", nil, &ErrorData{Status: 403, Message: "x", Back: "/@bob?max_id=3"},
			[]string{`href="/signin">Sign in</a> and try again`, `href="/@bob?max_id=3">Back to the page you came from`}, nil},
		{"error offers the signed-in their ways", "error", me, &ErrorData{Status: 403, Message: "x"},
			[]string{`href="/home">Your home timeline`, `href="/search">Search`}, []string{`Sign in</a> and try again`, `The front page`}},
		{"tag", "tag", nil, &TagData{Tag: "cats"}, []string{`#cats</h1>`, `No public posts`}, []string{`Use over the last`}},
		{"a tag's usage: the totals and a row a day, today first", "tag", nil, &TagData{Tag: "cats", Usage: &TagUsage{Uses: 4, Accounts: 1,
			Days: []TagDay{{Day: time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC), Uses: 3, Accounts: 1}, {Day: time.Date(2025, 3, 13, 0, 0, 0, 0, time.UTC), Uses: 1, Accounts: 1}}}},
			[]string{`<h2 id="usage-title">Use over the last 2 days</h2>`, `4 posts by 1 person.`, `<th scope="col">People</th>`,
				`<tr><th scope="row"><time datetime="2025-03-14">Fri 14 Mar</time></th><td>3</td><td>1</td></tr>
<tr><th scope="row"><time datetime="2025-03-13">Thu 13 Mar</time></th><td>1</td><td>1</td></tr>`}, nil},
		{"front page trends: today and this week, by people", "home", nil, &HomeData{Trends: &Trends{
			Day:  []storage.TagUse{{Name: "gardening", Uses: 3, Accounts: 3}, {Name: "spam", Uses: 50, Accounts: 1}},
			Week: []storage.TagUse{{Name: "猫咪", Uses: 7, Accounts: 2}}}},
			[]string{`<h2 id="trends-title">Trending</h2>`, `<h3 id="trends-day">Today</h3>`, `<h3 id="trends-week">This week</h3>`,
				`<li><a href="/tags/gardening" dir="auto">#gardening</a> <span class="hint">3 people</span></li>
<li><a href="/tags/spam" dir="auto">#spam</a> <span class="hint">1 person</span></li>`,
				`<a href="/tags/%e7%8c%ab%e5%92%aa" dir="auto">#猫咪</a> <span class="hint">2 people</span>`}, []string{`50`}},
		{"front page trends: a quiet day says so", "home", nil, &HomeData{Trends: &Trends{Week: []storage.TagUse{{Name: "x", Uses: 1, Accounts: 1}}}},
			[]string{`<h3 id="trends-day">Today</h3>
<p class="empty">No hashtags yet.</p>`, `#x</a>`}, nil},
		{"front page without trends shows no section", "home", nil, &HomeData{Trends: &Trends{}}, nil, []string{`Trending`}},
		{"interact signed out", "interact", nil, &InteractData{URI: "https://x.example/users/3", Next: "/interact?uri=https%3A%2F%2Fx.example%2Fusers%2F3"},
			[]string{`href="/signin?next=%2finteract%3furi%3dhttps%253A%252F%252Fx.example%252Fusers%252F3"`, `follow or answer <strong dir="auto" class="uri">https://x.example/users/3</strong>`},
			[]string{`/authorize_follow`, `Could not find`}},
		{"interact names whom", "interact", me, &InteractData{URI: "https://x", Actor: v.actor(3)},
			[]string{`<h1>Follow <span dir="auto">`, `action="/web/follow"`, `from your account here, @`}, []string{`Sign in</a> to go on`}},
		{"interact not found", "interact", me, &InteractData{URI: "https://x"}, []string{`Could not find`}, nil},
		{"home", "home", nil, &HomeData{Next: "/?before=5"}, []string{`href="/?before=5" rel="next"`, `Nobody has posted`, `class="button primary" href="/signin"`}, []string{`/auth/sign_up`}},
		{"a hidden post is left out, the page's links stay", "home", me, &HomeData{Next: "/?max_id=5", Notes: []*storage.Note{
			{ID: 6, URI: "https://x/6", Author: v.actor(3), Content: "<p>shown</p>", Published: when},
			{ID: 5, URI: "https://x/5", Author: v.actor(3), Content: "<p>filtered away</p>", Published: when, Hidden: true}}},
			[]string{`id="note-6"`, `href="/?max_id=5" rel="next"`}, []string{`id="note-5"`, `filtered away`}},
		{"a page of hidden posts only", "home", me, &HomeData{Next: "/?max_id=5", Notes: []*storage.Note{
			{ID: 5, URI: "https://x/5", Author: v.actor(3), Content: "<p>filtered away</p>", Published: when, Hidden: true}}},
			[]string{`Your filters hide every post on this page.`, `href="/?max_id=5" rel="next"`}, []string{`filtered away`, `Nobody has posted`}},
		{"home offers sign-up when open", "home", nil, &HomeData{SignUp: true}, []string{`href="/auth/sign_up"`}, nil},
		{"sign in offers sign-up when open", "signin", nil, &SignInData{SignUp: true}, []string{`href="/auth/sign_up"`}, nil},
		{"sign in without sign-up when closed", "signin", nil, &SignInData{}, nil, []string{`/auth/sign_up`}},
		{"sign up closed", "sign_up", nil, &SignUpData{Refusal: "Sign-up is closed on this server."},
			[]string{`Sign-up is closed on this server.`, `href="/signin"`}, []string{`action="/auth/sign_up"`, `name="password"`}},
		{"sign up open", "sign_up", nil, &SignUpData{Rules: []storage.Rule{{ID: 1, Text: "Be kind", Hint: "to all"}}, Username: "bob", Email: "bob@x.example",
			Domain: "refuge.example"},
			[]string{`action="/auth/sign_up"`, `Your address will be @name@refuge.example.`, `name="username" type="text" value="bob"`, `name="email" type="email" value="bob@x.example"`,
				`name="password" type="password"`, `name="password_confirmation" type="password"`, `<li dir="auto">Be kind<br><small>to all</small></li>`,
				`name="agreement" type="checkbox" value="1" required>`, `I accept these rules`},
			[]string{`name="reason"`, `name="invite_code"`, `class="alert"`}},
		{"sign up for approval, with problems", "sign_up", nil, &SignUpData{Approval: true, Reason: "to post cats", Agreement: true,
			Problems: []string{"Username is taken"}},
			[]string{`name="reason"`, `>to post cats</textarea>`, `<li>Username is taken</li>`, `An admin looks at every sign-up`, `value="1" required checked>`}, nil},
		{"sign up by invite", "sign_up", nil, &SignUpData{Approval: true, InviteCode: "c0de"},
			[]string{`name="invite_code" value="c0de"`, `You were invited`}, []string{`name="reason"`}},
		{"own invites", "invites", me, &InvitesData{Base: "https://refuge.example", Now: when,
			Expiries: []Choice{{Value: "1800", Label: "30 minutes"}, {Value: "604800", Label: "1 week", Checked: true}}, Uses: []Choice{{Value: "0", Label: "No limit", Checked: true}},
			Invites: []InviteItem{{Invite: &storage.Invite{ID: 4, Code: "abc", MaxUses: 5, Uses: 1}, Maker: me},
				{Invite: &storage.Invite{ID: 5, Code: "old", ExpiresAt: when.Add(-time.Minute)}, Maker: me}}},
			[]string{`action="/invites"`, `name="expires_in"`, `<option value="1800">30 minutes</option>`, `<option value="604800" selected>1 week</option>`, `name="max_uses"`,
				`<option value="0" selected>No limit</option>`,
				`<code>https://refuge.example/invite/abc</code>`, `1 of 5`, `action="/invites/4/expire"`, `<del>https://refuge.example/invite/old</del>`},
			[]string{`Made by`, `action="/invites/5/expire"`}},
		{"everyone's invites", "invites", me, &InvitesData{All: true, Invites: []InviteItem{{Invite: &storage.Invite{ID: 4, Code: "abc"}, Maker: v.actor(3)}}},
			[]string{`Made by`, `>alice</a>`, `Never`}, nil},
		{"accounts: sign-ups waiting", "accounts", me, &AccountsData{Accounts: []AccountItem{{Actor: me}},
			Pending: []AccountItem{{Actor: &storage.Actor{ID: 9, Username: "newbie", Pending: true, Published: when}, Email: "new@x.example",
				SignUp: &storage.SignUp{Reason: "I like it here"}}}},
			[]string{`Sign-ups waiting for approval`, `new@x.example`, `I like it here`, `action="/admin/accounts/9/approve"`, `action="/admin/accounts/9/reject"`}, nil},
		{"invites in the menu", "timeline", me, &TimelineData{}, nil, []string{`href="/invites"`}},
		{"lists in the menu", "timeline", me, &TimelineData{}, []string{`<a href="/lists">Lists</a>`}, nil},
		{"lists: create, edit, delete", "lists", me, &ListsData{Lists: v.lists()},
			[]string{`action="/web/lists"`, `<label for="list-new-title">New list</label>`, `<a href="/lists/3" dir="auto">`,
				`action="/web/lists/3"`, `id="list-3-list" name="replies_policy" type="radio" value="list" checked`,
				`id="list-4-exclusive" name="exclusive" type="checkbox" value="1" checked`, `action="/web/lists/4/delete"`,
				`Its members' posts are not in your home timeline.`, `aria-current="page">Lists</a>`},
			[]string{`No lists yet`}},
		{"lists: none", "lists", me, &ListsData{}, []string{`No lists yet`, `action="/web/lists"`}, []string{`action="/web/lists/`}},
		{"a list: timeline and members", "list", me, &ListData{List: &storage.List{ID: 3, Title: "Friends"},
			Items: []storage.FeedItem{{Note: v.note(31, v.actor(2), false)}}, Members: []*storage.Actor{v.actor(2)}, Candidates: []*storage.Actor{v.actor(5)}},
			[]string{`<h1 dir="auto">Friends</h1>`, `Hello, fediverse!`, `action="/web/lists/3/add"`, `<option value="5" dir="auto">`,
				`action="/web/lists/3/remove"`, `<input type="hidden" name="account" value="2">`, `aria-current="page">Lists</a>`},
			[]string{`No posts here yet`, `Nobody in this list yet`}},
		{"an empty list, nobody to add", "list", me, &ListData{List: &storage.List{ID: 3, Title: "Friends"}},
			[]string{`No posts here yet. Add accounts you follow`, `Nobody in this list yet`, `find people to follow`}, []string{`action="/web/lists/3/add"`}},
		{"bookmarks", "saved", me, &SavedData{Heading: "Bookmarks", Empty: "No bookmarks.", Notes: []*storage.Note{v.note(31, v.actor(2), false)}},
			[]string{`<h1>Bookmarks</h1>`, `Hello, fediverse!`, `action="/web/notes/31/bookmark"`, `<span class="label">Bookmark</span></button>`}, []string{`No bookmarks.`}},
		{"no favourites", "saved", me, &SavedData{Heading: "Favourites", Empty: "Posts you like are kept here."},
			[]string{`<h1>Favourites</h1>`, `Posts you like are kept here.`}, nil},
		{"own profile links favourites and bookmarks", "profile", me, &ProfileData{Actor: me},
			[]string{`href="/favourites"`, `href="/bookmarks"`}, nil},
		{"conversations: one unread, one read", "conversations", me, v.conversations([]*storage.Note{v.note(12, v.actor(2), false), mine}),
			[]string{`<li class="conversation unread">`, `<span class="badge unread-mark">Unread</span>`, `action="/web/conversations/4/read"`,
				`action="/web/conversations/4/remove"`, `action="/web/conversations/5/remove"`, `<li class="conversation">`,
				`action="/web/conversations/4/open"`, `">Open conversation</a>`, `aria-current="page">Messages`},
			[]string{`action="/web/conversations/5/read"`, `action="/web/conversations/5/open"`, `href="/notes/12#note-12">Open conversation</a>`}},
		{"conversations: none", "conversations", me, &ConversationsData{}, []string{`No conversations yet.`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Page{Instance: "refuge.example", Viewer: tt.viewer, Body: tt.body,
				Feeds: []Feed{{Title: "RSS", Type: "application/rss+xml", URL: "/feed.rss"}}, ActivityJSON: "https://refuge.example/users/a"}
			if tt.viewer != nil {
				p.CSRF = "tok"
			}
			var buf bytes.Buffer
			if err := r.Render(&buf, tt.page, p); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range append(tt.want, `<link rel="alternate" type="application/rss+xml" title="RSS" href="/feed.rss">`,
				`<link rel="alternate" type="application/activity+json" href="https://refuge.example/users/a">`, `<html lang="en">`,
				`<a class="skip" href="#main">`, `<main id="main"`) {
				if !strings.Contains(out, w) {
					t.Errorf("missing %s", w)
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("unwanted %s", w)
				}
			}
			checkPage(t, out, p, variant{}, func(id string) bool { return id == "note-11" || id == "note-1" })
		})
	}
}

func TestRenderRejects(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		page string
		p    *Page
	}{
		{"unknown page", "nope", &Page{Body: &ErrorData{}}},
		{"wrong body", "profile", &Page{Body: &NoteData{}}},
		{"body by value", "error", &Page{Body: ErrorData{}}},
		{"nil body", "error", &Page{}},
		{"typed nil body", "error", &Page{Body: (*ErrorData)(nil)}},
		{"nil page", "error", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := r.Render(&buf, tt.page, tt.p); err == nil {
				t.Error("no error")
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes", buf.Len())
			}
		})
	}
	// Every page named by Render has a template, and every template a page.
	all, err := fs.Glob(files, "*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.pages) != len(all)-len(shared) {
		t.Errorf("%d pages, %d templates besides the shared ones", len(r.pages), len(all)-len(shared))
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"just text", "just text"},
		{"<p>Hello <b>you</b></p><p>again</p>", "Hello you\n\nagain"},
		{"line<br>break<br/>s", "line\nbreak\ns"},
		{"a &lt;b&gt; &amp; &#39;c&#39;", "a <b> & 'c'"},
		{"1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"<p>unclosed <a href='x'", "unclosed <a href='x'"},
		{hostileScript, "alert(1)"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func feedNotes() []*storage.Note {
	v := variants()[0]
	a := v.actor(2)
	n1 := v.note(1, a, false)
	n1.Content = "<p>" + strings.Repeat("word ", 40) + "</p>"
	n2 := v.note(2, a, true)
	n2.Published = when.Add(time.Hour)
	gone := &storage.Note{ID: 3, URI: "https://remote.example/notes/3", DeletedAt: when}
	return []*storage.Note{n2, n1, gone}
}

func TestRSS(t *testing.T) {
	var buf bytes.Buffer
	f := FeedInfo{Title: "#cats", Link: "https://refuge.example/tags/cats", Self: "https://refuge.example/tags/cats.rss"}
	if err := RSS(&buf, f, feedNotes()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Channel struct {
			Title         string `xml:"title"`
			Link          string `xml:"link"`
			LastBuildDate string `xml:"lastBuildDate"`
			Items         []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				PubDate     string `xml:"pubDate"`
				Description string `xml:"description"`
				GUID        struct {
					IsPermaLink string `xml:"isPermaLink,attr"`
					ID          string `xml:",chardata"`
				} `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	c := got.Channel
	if c.Title != "#cats" || len(c.Items) != 2 {
		t.Fatalf("channel %+v", c)
	}
	for _, w := range []string{`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">`, "<link>" + f.Link + "</link>",
		`<atom:link href="` + f.Self + `" rel="self" type="application/rss+xml"></atom:link>`} {
		if !strings.Contains(buf.String(), w) {
			t.Errorf("missing %s", w)
		}
	}
	if c.LastBuildDate != when.Add(time.Hour).Format(time.RFC1123Z) {
		t.Errorf("lastBuildDate %q", c.LastBuildDate)
	}
	it := c.Items[0]
	if it.Title != "spoilers" || it.GUID.ID != "https://remote.example/notes/2" || it.GUID.IsPermaLink != "false" ||
		it.Link != "https://remote.example/@alice/2" || it.PubDate != "Fri, 14 Mar 2025 16:09:26 +0000" {
		t.Errorf("item %+v", it)
	}
	if !strings.Contains(it.Description, "<p>Hello, fediverse!") || !strings.Contains(it.Description, `alt="A cat on a mat"`) {
		t.Errorf("description %q", it.Description)
	}
	if r := []rune(c.Items[1].Title); len(r) > 80 || len(r) < 70 || r[len(r)-1] != '…' {
		t.Errorf("title %q is not cut at 80", c.Items[1].Title)
	}
	if strings.Contains(buf.String(), "<p>Hello") {
		t.Error("content HTML not escaped in the XML")
	}
}

func TestAtom(t *testing.T) {
	var buf bytes.Buffer
	f := FeedInfo{Title: "Alice", Link: "https://refuge.example/@alice", Self: "https://refuge.example/@alice.atom", Updated: when}
	if err := Atom(&buf, f, feedNotes()); err != nil {
		t.Fatal(err)
	}
	var got struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Links   []struct {
			Rel  string `xml:"rel,attr"`
			Href string `xml:"href,attr"`
		} `xml:"link"`
		Entries []struct {
			ID        string `xml:"id"`
			Title     string `xml:"title"`
			Updated   string `xml:"updated"`
			Published string `xml:"published"`
			Link      struct {
				Rel  string `xml:"rel,attr"`
				Href string `xml:"href,attr"`
			} `xml:"link"`
			Content struct {
				Type string `xml:"type,attr"`
				Body string `xml:",chardata"`
			} `xml:"content"`
			Author struct {
				Name string `xml:"name"`
				URI  string `xml:"uri"`
			} `xml:"author"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if got.ID != f.Self || got.Updated != "2025-03-14T15:09:26Z" || len(got.Links) != 2 || len(got.Entries) != 2 {
		t.Fatalf("feed %+v", got)
	}
	e := got.Entries[0]
	if e.ID != "https://remote.example/notes/2" || e.Title != "spoilers" || e.Published != "2025-03-14T16:09:26Z" ||
		e.Updated != e.Published || e.Link.Rel != "alternate" || e.Link.Href != "https://remote.example/@alice/2" ||
		e.Content.Type != "html" || !strings.Contains(e.Content.Body, "<p>Hello") ||
		e.Author.Name != "Alice" || e.Author.URI != "https://remote.example/@alice" {
		t.Errorf("entry %+v", e)
	}
}

func TestStaticHandler(t *testing.T) {
	h := StaticHandler()
	tests := []struct {
		method, path string
		status       int
		ctype        string
	}{
		{"GET", "/static/style.css", 200, "text/css; charset=utf-8"},
		{"GET", "/static/refuge.js", 200, "text/javascript; charset=utf-8"},
		{"GET", "/static/avatar.svg", 200, "image/svg+xml"},
		{"GET", "/static/favicon.svg", 200, "image/svg+xml"},
		{"GET", "/static/favicon.ico", 200, "image/x-icon"},
		{"HEAD", "/static/style.css", 200, "text/css; charset=utf-8"},
		{"GET", "/static/nope.css", 404, ""},
		{"GET", "/static/", 404, ""},
		{"GET", "/static/../templates.go", 404, ""},
		{"POST", "/static/style.css", 405, ""},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(tt.method, tt.path, nil))
		if w.Code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, w.Code, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		if got := w.Header().Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %q", tt.path, got)
		}
		if cc := w.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Cache-Control %q", tt.path, cc)
		}
	}
	// A matching ETag is answered with 304.
	req := httptest.NewRequest("GET", "/static/style.css", nil)
	req.Header.Set("If-None-Match", `"`+assets["style.css"].version+`"`)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusNotModified {
		t.Errorf("conditional GET: %d", w.Code)
	}
}

// TestScript: the one script is first-party and stays within what the CSP and the pages
// promise: it loads nothing from elsewhere, runs no strings as code, writes no markup from
// strings (file names are text), and asks nothing in a browser dialog.
func TestScript(t *testing.T) {
	js := string(assets["refuge.js"].body)
	for _, bad := range []string{"http://", "https://", "eval(", "new Function", "innerHTML", "outerHTML",
		"insertAdjacentHTML", "document.write", "confirm(", "alert(", "import(", "setAttribute(\"on"} {
		if strings.Contains(js, bad) {
			t.Errorf("refuge.js contains %q", bad)
		}
	}
	if !strings.HasPrefix(js, "// ") || !strings.Contains(js, `"use strict";`) {
		t.Error("refuge.js does not start with its comment and strict mode")
	}
}

func TestStyleSheet(t *testing.T) {
	css := string(assets["style.css"].body)
	for _, w := range []string{"overflow-wrap: anywhere", "prefers-color-scheme: dark", ":focus-visible", "max-width: 42rem", ".skip:focus"} {
		if !strings.Contains(css, w) {
			t.Errorf("style.css lacks %q", w)
		}
	}
	// One small stylesheet for every page: a ceiling that makes growth a decision. It was
	// raised from 300 when lists, editing, conversations and the timelines came.
	if n := strings.Count(css, "\n"); n > 450 {
		t.Errorf("style.css has %d lines", n)
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Error("style.css braces do not balance")
	}
}

func BenchmarkRenderProfile20(b *testing.B) {
	r, err := New()
	if err != nil {
		b.Fatal(err)
	}
	v := variants()[0]
	a := v.actor(2)
	notes := make([]*storage.Note, 20)
	for i := range notes {
		notes[i] = v.note(int64(i+1), a, i%4 == 0)
	}
	p := newPage(v, localViewer(), &ProfileData{Actor: a, Followers: 10, Following: 20, Posts: 200,
		Fields: a.Fields, Notes: notes, Next: "/@alice?before=1"})
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Render(io.Discard, "profile", p); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRemoteMediaPathAgrees: the pages load another server's file where the web surface
// serves it (federation/uris, which templates may not import).
func TestRemoteMediaPathAgrees(t *testing.T) {
	for _, u := range []string{"https://remote.example/media/a.png", "http://127.0.0.1:8080/x?y=1"} {
		if got, want := servedURL(u, false), uris.RemoteMediaPath(u); got != want {
			t.Errorf("pages load %s from %s; it is served at %s", u, got, want)
		}
		if got := servedURL(u, true); got != u {
			t.Errorf("a local file %s is loaded from %s", u, got)
		}
	}
}

// TestRemoteProfilePathAgrees: a signed-in reader's link to another server's account is the
// page the web surface serves for it (federation/uris, which templates may not import).
func TestRemoteProfilePathAgrees(t *testing.T) {
	viewer := &Page{Viewer: localViewer()}
	for _, a := range []*storage.Actor{
		{Username: "bob", Host: "b.example"},
		{Username: "bob.smith", Host: "127.0.0.1:8443"},
		{Username: "ünï", Host: "xn--bcher-kva.example"},
	} {
		if got, want := profileLink(viewer, a), uris.RemoteProfile(a.Username, a.Host); got != want {
			t.Errorf("pages link %s@%s at %s; it is served at %s", a.Username, a.Host, got, want)
		}
	}
}
