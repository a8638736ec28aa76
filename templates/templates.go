package templates

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/language"

	"refuge/storage"
)

//go:embed *.html static/style.css static/refuge.js static/avatar.svg static/header.svg static/favicon.svg static/favicon.ico static/visibility.svg
var files embed.FS

// shared are the files every page is parsed with: the layout and the partials it calls.
var shared = []string{"layout.html", "partials.html", "post.html"}

// Page is what every page is rendered from. Body holds the page's own data; Render
// rejects a Body of the wrong type for the page, so a handler mix-up fails loudly.
type Page struct {
	Title    string         // the page's own title; the instance name is appended
	Lang     string         // language of the interface, "en" when empty
	Instance string         // the instance's name (or domain), shown in the header
	Viewer   *storage.Actor // the signed-in local account; nil when signed out
	CSRF     string         // the session's CSRF token, sent back in every POST form as "csrf"
	Notice   string         // a one-off success message ("Saved.")
	Unread   int            // the viewer's unread notifications, shown in the menu
	Error    string         // a one-off error message shown above the content
	Invites  bool           // the viewer may make invite links (the menu offers the page)
	Refresh  int            // when not 0, the page reloads itself after so many seconds (an import under way)

	UnreadConversations int // the viewer's unread conversations, shown in the menu

	Feeds        []Feed // RSS/Atom feeds offered with <link rel="alternate">
	Canonical    string // the page's canonical URL, if any
	ActivityJSON string // the ActivityPub id of what the page shows, if any

	// Liked, Boosted and Pinned hold the ids of the notes on this page that the viewer has
	// liked, boosted or pinned, so that posts offer unlike/unboost/unpin instead. Nil maps
	// are fine.
	Liked, Boosted, Pinned map[int64]bool
	Bookmarked             map[int64]bool // and bookmarked: posts offer to remove the bookmark
	// Votes are the options the viewer chose in the polls on this page, by note: a poll
	// voted in shows its results and the viewer's choices. Nil is fine.
	Votes map[int64][]int
	// Quotes are what the quote posts on this page show of what they quote, by the
	// quoting note's URI. Nil is fine: a quote then shows as a link.
	Quotes map[string]QuotedPost
	// Reactions are the emoji reactions to the notes on this page, grouped by emoji, by
	// note id. Nil is fine.
	Reactions map[int64][]storage.ReactionGroup
	// Prefer is what the reader reads, most wanted first (ReadingLanguages): a post in
	// several languages is shown in the best of them it has. Nil: in its main language.
	Prefer []language.Tag
	// Parents are the stored notes that the replies on this page answer and the viewer may
	// read, by URI, so that a reply names whom it answers. Nil is fine.
	Parents map[string]storage.ReplyParent

	Body any // *HomeData, *ProfileData, ... (see Render)

	// Translatable, when set, says whether a post in a language (its tag, "" when not
	// known) offers the Translate action to the viewer: set for a signed-in viewer when
	// translation is configured, and then true for posts not in the viewer's language.
	Translatable func(language string) bool

	// Current is the name of the page being rendered; Render sets it on its copy.
	Current string
}

// Feed is a feed offered by a page.
type Feed struct {
	Title string
	Type  string // "application/rss+xml" or "application/atom+xml"
	URL   string
}

// HomeData is the front page shown at / to visitors: what this is and the local timeline.
type HomeData struct {
	About      string // plain text about the instance; a default is shown when empty
	SignUp     bool   // sign-up is not closed: the page offers it
	Notes      []*storage.Note
	Next, Prev string // URLs of older and newer pages, or ""
	Trends     *Trends
}

// Trends are the hashtags used by the most accounts in the public posts of the last day
// and of the last week, most accounts first; nil shows nothing.
type Trends struct {
	Day, Week []storage.TagUse
}

// Relationship is how the viewer stands with an actor.
type Relationship = storage.Relationship

// ProfileData is an actor's profile with a page of their notes.
type ProfileData struct {
	Actor                      *storage.Actor
	Followers, Following       int
	Posts                      int
	FollowersURL, FollowingURL string          // HTML lists; the counts are plain text when empty
	Fields                     []storage.Field // usually Actor.Fields; values are shown as text
	Pinned                     []*storage.Note
	Notes                      []*storage.Note
	Next, Prev                 string
	Relationship               Relationship
	Limited                    bool // the account is silenced and the reader does not follow it: say so
	// MovedTo is the account Actor moved to (Actor.MovedTo), when it is stored here; the
	// profile then links to its page, else to its URI.
	MovedTo *storage.Actor
}

// NoteData is a note with the thread around it.
type NoteData struct {
	Ancestors []*storage.Note // oldest first; deleted ones show as such
	Note      *storage.Note
	Replies   []*storage.Note
}

// TimelineData is the signed-in home timeline. Items are shown, then Notes.
type TimelineData struct {
	Items      []storage.FeedItem
	Notes      []*storage.Note
	Next, Prev string
}

// TagData is the public timeline of a hashtag.
type TagData struct {
	Tag        string // without the leading #
	Notes      []*storage.Note
	Next, Prev string
	Followable bool      // a signed-in viewer may follow or unfollow it (a name Refuge links as a hashtag)
	Following  bool      // the signed-in viewer follows it
	Usage      *TagUsage // nil shows nothing
}

// TagUsage is how much a hashtag was used in public posts over the last days: on each
// day, today first, and in all (Accounts counts each author once over all the days).
type TagUsage struct {
	Days           []TagDay
	Uses, Accounts int
}

// TagDay is a hashtag's use on one day (UTC): its public posts and their distinct authors.
type TagDay struct {
	Day            time.Time
	Uses, Accounts int
}

// FollowedTagsData is the hashtags the viewer follows, newest follow first, a page of them.
type FollowedTagsData struct {
	Tags       []storage.FollowedTag
	Next, Prev string
}

// NotificationsData is the viewer's notifications.
type NotificationsData struct {
	Notifications []*storage.Notification
	Next, Prev    string
}

// ComposeData fills the compose form.
type ComposeData struct {
	ReplyTo    *storage.Note // the note answered, or nil
	Visibility string        // preselected visibility, "public" when empty
	Language   string        // preselected language; empty, the outbox chooses (posting default or detection)
	Content    string        // prefilled text, such as the mentions of a reply
	Summary    string        // prefilled content warning
	MaxChars   int           // the longest text the server takes, in characters
	MaxFiles   int           // how many files a post may carry
	// Kept are the viewer's uploads that a refused submit already received: the form
	// shows them again, by id, so that they need not be chosen again.
	Kept []storage.Media
	// Translations are the post in other languages, as typed.
	Translations []Translation
	// Remind asks, after a submit with files without a description, to describe them or
	// to post without.
	Remind bool
	// PollOptions are the poll's options as typed (as many fields as a poll may have, the
	// empty ones left out of the poll); PollSeconds its duration; PollMultiple whether it
	// takes several choices. A post has a poll when any option is filled in.
	PollOptions  []string
	PollSeconds  int
	PollMultiple bool
	PollChars    int // the longest option, in characters
	// Quote is the post quoted, or nil; QuotePolicy who may quote the new post, and
	// ReplyPolicy who may reply to it.
	Quote       *storage.Note
	QuotePolicy string
	ReplyPolicy string
}

// QuotedPost is what a quote post shows of what it quotes: the quoted post when its quote
// stands and the reader may read it; else only the state (storage.QuoteState, "deleted" or
// "unauthorized").
type QuotedPost struct {
	State string
	Note  *storage.Note
}

// PollDurations are the durations the compose form offers for a poll, in seconds, with
// their names; within Mastodon's limits (5 minutes to 30 days).
var PollDurations = []struct {
	Seconds int
	Name    string
}{{300, "5 minutes"}, {1800, "30 minutes"}, {3600, "1 hour"}, {21600, "6 hours"}, {43200, "12 hours"},
	{86400, "1 day"}, {259200, "3 days"}, {604800, "7 days"}, {2592000, "30 days"}}

// Durations are the poll durations offered, for the template.
func (d *ComposeData) Durations() any { return PollDurations }

// FollowsData is a list of actors: followers, following, or pending follow requests.
type FollowsData struct {
	Actor      *storage.Actor // whose list it is
	Title      string         // "Followers", "Following", "Follow requests"
	Actors     []*storage.Actor
	Pending    bool // the actors asked to follow the viewer: offer approve/reject
	Next, Prev string
}

// SearchData is the search form and what it found: accounts (with the viewer's
// relationship with each), hashtags and posts.
type SearchData struct {
	Query         string
	Accounts      []*storage.Actor
	Relationships map[int64]Relationship // by actor id
	Tags          []string               // lower case, without '#'
	Notes         []*storage.Note
	ByRelevance   bool // posts best first rather than newest first
}

// EditProfileData fills the profile form of the viewer. Summary and the fields' values are
// the text the viewer typed, never the HTML made from it, so that saving the form as it is
// changes nothing.
type EditProfileData struct {
	Actor   *storage.Actor
	Summary string
	Fields  []storage.Field
	// TwoFactor says the account signs in with a code after its password.
	TwoFactor bool
	// DomainBlocks are the servers the account blocks, newest first.
	DomainBlocks []string
}

// MigrationData is the page of moving accounts: the aliases of the signed-in account
// (accounts it also is, which may move here) and the form that moves it away.
type MigrationData struct {
	Actor   *storage.Actor
	Aliases []string // Actor.AlsoKnownAs, as URIs
	// MovedTo is the account Actor moved to, when it moved and that one is stored here.
	MovedTo *storage.Actor
	// NextMove is when the account may move again; zero when it may now.
	NextMove time.Time
}

// TwoFactorData is the setting up of two-factor sign-in: the secret to give the
// authenticator app and its otpauth:// URI, with the form for the first code; or, once it
// is on, the recovery codes, shown this once.
type TwoFactorData struct {
	Secret string
	// URI is the otpauth:// link, made by outbox.SetUpTwoFactor; typed as a URL that is
	// safe because html/template would refuse its scheme.
	URI           template.URL
	RecoveryCodes []string
}

// SecretGroups is the secret in groups of four characters, easier to read and type; apps
// take it with the spaces or without.
func (d *TwoFactorData) SecretGroups() string {
	var b strings.Builder
	for i, r := range d.Secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// SignInStepData is the second step of signing in: the code.
type SignInStepData struct {
	Next string // the local path to go to after signing in, or ""
}

// SignInData fills the sign-in form again after a failed attempt.
type SignInData struct {
	Username string
	Next     string // the local path to go to after signing in, or ""
	// Mail is set when the instance sends mail: the form offers "Forgot your password?".
	Mail bool
	// Unconfirmed is set when the right password was refused for an address not confirmed
	// yet: the page offers a new confirmation link.
	Unconfirmed bool
	SignUp      bool // sign-up is not closed: the page offers it
}

// MailRequestData is a form that asks for a mail: a password reset link (Reset) or a new
// confirmation link. Sent is the answer after the form, the same whether or not an account
// has the address.
type MailRequestData struct {
	Reset bool
	Email string
	Sent  bool
}

// PasswordEditData is the form of a new password, reached by a reset link whose secret is
// Token.
type PasswordEditData struct {
	Token    string
	Username string
}

// EmailData is the signed-in person's e-mail address setting.
type EmailData struct {
	Email     string
	Confirmed bool
	Pending   string // a new address waiting for its link to be followed
	Mail      bool   // the instance sends mail, so a new address is confirmed by a link
}

// SignUpData is the sign-up form, or why there is none.
type SignUpData struct {
	// Refusal, when set, is why nobody may sign up here now (closed, by invitation, a bad
	// invite): the page says it instead of showing the form.
	Refusal string
	// Approval asks why they want to join: an admin approves the account before it works.
	Approval   bool
	InviteCode string // the invite the form was opened with, sent back with it
	// What was typed before the form came back with problems (never the password).
	Username, Email, Reason string
	Agreement               bool
	Problems                []string // what is wrong with what was typed
	Rules                   []storage.Rule
	Domain                  string // the instance's host: the new address is @name@Domain
}

// InvitesData lists invite links with the form that makes one.
type InvitesData struct {
	Invites  []InviteItem
	All      bool   // everyone's invites (an admin's view), with their makers
	Base     string // scheme://domain, which the links start with
	Expiries []Choice
	Uses     []Choice
	Now      time.Time // to tell which invites are still usable
}

// InviteItem is one invite link and who made it.
type InviteItem struct {
	*storage.Invite
	Maker *storage.Actor
}

// ErrorData is an error page.
type ErrorData struct {
	Status  int
	Message string // safe to show; shown as a sentence, capitalised
	Back    string // the page of this instance the reader came from, if any
}

// InteractData is the remote-interaction page: what a visitor from elsewhere asked to
// follow, like, boost or answer, fetched by its URI.
type InteractData struct {
	URI          string
	Next         string // for a visitor: this page, to come back to after signing in
	Note         *storage.Note
	Actor        *storage.Actor
	Relationship Relationship
}

// AuthorizeData is the OAuth approval page: the app, what it asks for and where the answer
// goes back to; with Code set, the code to copy into an app that takes no redirect.
type AuthorizeData struct {
	App         *storage.App
	Scopes      []string // what the app asks for, one by one
	Scope       string   // the same, as sent back by the form
	RedirectURI string
	State       string
	Challenge   string
	Method      string
	Code        string
}

// AppsData lists the apps that hold tokens of the signed-in account.
type AppsData struct {
	Apps []*storage.App
}

// ReportsData is the admins' queue of open reports, newest first.
type ReportsData struct {
	Reports    []ReportItem
	Next, Prev string
}

// ReportItem is one report with the accounts and posts it names.
type ReportItem struct {
	Report   *storage.Report
	Target   *storage.Actor
	Reporter *storage.Actor
	Notes    []*storage.Note
}

// AccountsData lists the local accounts for an admin; Reset, when set, is a password the
// admin just gave an account, shown this once.
type AccountsData struct {
	Accounts []AccountItem
	Pending  []AccountItem // sign-ups waiting for approval, oldest first
	Reset    *PasswordReset
	Silenced []*storage.Actor // the accounts, local and remote, silenced one by one
}

// AccountItem is one local account in the admins' list.
type AccountItem struct {
	Actor     *storage.Actor
	TwoFactor bool
	Email     string
	SignUp    *storage.SignUp // what it told when signing up; nil when made otherwise
}

// PasswordReset is a new password an admin gave the account Username.
type PasswordReset struct {
	Username, Password string
}

// CustomEmojisData lists the instance's custom emoji, for the admin to add and remove.
type CustomEmojisData struct {
	Emojis []storage.CustomEmoji
}

// DomainBlocksData lists the instance-level blocks, oldest first, with their severities
// and both comments.
type DomainBlocksData struct {
	Blocks []storage.Block
}

// FiltersData is the viewer's keyword filters, with the form to add one or to change one.
type FiltersData struct {
	Filters []*storage.Filter
	Labels  map[storage.FilterContext]string // what each context is called here
	Now     time.Time                        // to tell the expired filters
	Form    FilterForm
}

// FilterForm fills the filter form: empty to add a filter, or a filter's to change it.
type FilterForm struct {
	ID        int64 // 0: a new filter
	Title     string
	Keywords  string // one a line
	WholeWord bool
	Hide      bool
	Contexts  []Choice // the checkboxes of the contexts
	Expiry    []Choice // the choices of expiry
}

// Choice is one checkbox, radio button or option of a form.
type Choice struct {
	Value, Label string
	Checked      bool
}

// AboutData is the about page: the instance's settings and rules, and the servers it
// blocks or limits with their public reasons.
type AboutData struct {
	storage.Settings
	Rules  []storage.Rule
	Blocks []storage.Block
}

// SettingsData is the admins' settings page: the settings as stored (Name "" when never
// set) and the rules.
type SettingsData struct {
	storage.Settings
	Rules []storage.Rule
}

// EditNoteData is the form that edits one of the viewer's posts: what it holds now, or what
// was typed when the form came back with a problem. Media are the post's attachments in
// order, each with the description the form shows for it; an edit changes their
// descriptions, never which they are, nor the post's audience.
type EditNoteData struct {
	Note      *storage.Note
	Content   string // the text as its author typed it, not the HTML made from it
	Summary   string
	Sensitive bool
	Language  string
	Media     []storage.Media
	// Translations are the post in its other languages: their text as the form shows it.
	Translations []Translation
}

// Translation is one more language of a post being written or edited: its language tag
// and its text as typed.
type Translation struct {
	Language, Text string
}

// TranslationFields is how many translations the compose and edit forms take: a post is
// written in at most eight languages (outbox.MaxTranslations), its main one included.
const TranslationFields = 7

// translationSlots are a form's translation fields, numbered from 1: those typed or
// stored, and one empty to add another, up to max.
func translationSlots(typed []Translation, max int) []Translation {
	out := slices.Clone(typed)
	if len(out) < max {
		out = append(out, Translation{})
	}
	return out
}

// TranslateData is a post and its translation into the reader's language, or the reason
// there is none (the service is off, down or slow).
type TranslateData struct {
	Note        *storage.Note
	Target      string               // the language asked for
	Translation *storage.Translation // nil when Error says why not
	Error       string
}

// HistoryData is the versions of a post, newest first: the last of them is the original.
type HistoryData struct {
	Note     *storage.Note
	Versions []storage.NoteEdit
}

// PublicData is a public timeline of a signed-in reader: the local one (the public posts
// of this instance's accounts) or the federated one (every public post known here).
type PublicData struct {
	Local      bool
	Notes      []*storage.Note
	Next, Prev string
}

// MediaData is the viewer page of one attachment of a post: the file shown large with its
// description, the post's author, and the pages of the post's other attachments.
type MediaData struct {
	Note       *storage.Note
	Media      storage.Media
	N, Count   int    // the attachment's number, from 1, and how many the post has
	Prev, Next string // the viewer pages of the attachments before and after it, or ""
}

// ImportData is the import settings: the form (the kinds the instance imports, the
// largest file) and the account's recent imports with their progress and reports.
type ImportData struct {
	Kinds   []Choice
	MaxSize string
	Jobs    []*storage.ImportJob
}

// ExportData is the export settings: a download per CSV list, and the archive's place.
type ExportData struct {
	Files []Choice // Value is the download's path, Label what it holds
}

// bodyTypes says which Body each page takes.
var bodyTypes = map[string]func(any) bool{
	"home":          is[HomeData],
	"profile":       is[ProfileData],
	"note":          is[NoteData],
	"tag":           is[TagData],
	"timeline":      is[TimelineData],
	"notifications": is[NotificationsData],
	"compose":       is[ComposeData],
	"signin":        is[SignInData],
	"signin_step":   is[SignInStepData],
	"mail_request":  is[MailRequestData],
	"password_edit": is[PasswordEditData],
	"email":         is[EmailData],
	"two_factor":    is[TwoFactorData],
	"migration":     is[MigrationData],
	"follows":       is[FollowsData],
	"edit_profile":  is[EditProfileData],
	"search":        is[SearchData],
	"error":         is[ErrorData],
	"interact":      is[InteractData],
	"authorize":     is[AuthorizeData],
	"apps":          is[AppsData],
	"reports":       is[ReportsData],
	"accounts":      is[AccountsData],
	"domain_blocks": is[DomainBlocksData],
	"custom_emojis": is[CustomEmojisData],
	"filters":       is[FiltersData],
	"followed_tags": is[FollowedTagsData],
	"about":         is[AboutData],
	"settings":      is[SettingsData],
	"sign_up":       is[SignUpData],
	"invites":       is[InvitesData],
	// Editing posts and their history.
	"edit_note": is[EditNoteData],
	"history":   is[HistoryData],
	"translate": is[TranslateData],

	"lists":         is[ListsData],
	"list":          is[ListData],
	"saved":         is[SavedData],
	"conversations": is[ConversationsData],
	// The public timelines and the media viewer.
	"public": is[PublicData],
	"media":  is[MediaData],
	// Import and export.
	"import": is[ImportData],
	"export": is[ExportData],
}

// is reports whether v is a non-nil *T.
func is[T any](v any) bool {
	t, ok := v.(*T)
	return ok && t != nil
}

// Renderer holds the parsed templates; it is safe for concurrent use.
type Renderer struct {
	pages map[string]*template.Template
}

// New parses every page once.
func New() (*Renderer, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(files, shared...)
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	r := &Renderer{pages: make(map[string]*template.Template, len(bodyTypes))}
	for name := range bodyTypes {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(files, name+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("templates: page %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Render writes page, one of the pages in bodyTypes, to w. p.Body must be the type
// bodyTypes names for it (*HomeData for home, ...). The page is rendered in full before
// anything is written, so a template error leaves w untouched and the caller can still send
// an error page. Headers (Content-Type, status) are the caller's to set.
func (r *Renderer) Render(w io.Writer, page string, p *Page) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("templates: no page %q", page)
	}
	if p == nil || !bodyTypes[page](p.Body) {
		return fmt.Errorf("templates: page %q given the wrong body", page)
	}
	v := *p
	v.Current = page
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 1<<20 {
			buffers.Put(buf)
		}
	}()
	if err := t.ExecuteTemplate(buf, "layout", &v); err != nil {
		return fmt.Errorf("templates: page %s: %w", page, err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

var funcs = template.FuncMap{
	"trusted":          trusted,
	"name":             displayName,
	"handle":           handle,
	"avatar":           avatar,
	"profileURL":       profileURL,
	"link":             profileLink,
	"person":           newPerson,
	"noteURL":          noteURL,
	"viewURL":          viewURL,
	"iso":              iso,
	"date":             date,
	"plain":            PlainText,
	"emojiName":        emojiName,
	"emojiText":        emojiText,
	"excerpt":          func(n *storage.Note) string { return excerpt(n, 140) },
	"post":             newPost,
	"follow":           newFollow,
	"notes":            notesOf,
	"seq":              seq,
	"ordinal":          ordinal,
	"inc":              func(i int) int { return i + 1 },
	"translationSlots": func(typed []Translation) []Translation { return translationSlots(typed, TranslationFields) },
	"sentence":         sentence,
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"fields4":    fields4,
	"isImage":    func(m storage.Media) bool { return strings.HasPrefix(m.MediaType, "image/") || m.MediaType == "" },
	"isVideo":    func(m storage.Media) bool { return strings.HasPrefix(m.MediaType, "video/") },
	"isAudio":    func(m storage.Media) bool { return strings.HasPrefix(m.MediaType, "audio/") },
	"thumb":      thumb,
	"served":     func(url string) string { return servedURL(url, false) }, // another server's picture, from the cache
	"mediaURL":   mediaURL,
	"viewerURL":  viewerPath,
	"banner":     banner,
	"srcset":     srcset,
	"statusText": http.StatusText,
	"static":     StaticURL,
	"feedType":   feedType,
	"adminPage":  func(page string) bool { return adminPages[page] },
	"paragraphs": paragraphs,
}

// adminPages are the admins' pages: the main menu has one link to them all, and each shows
// the admin menu (partials.html, "adminnav"), so that the main menu stays on one line.
var adminPages = map[string]bool{"reports": true, "accounts": true, "domain_blocks": true, "settings": true, "custom_emojis": true}

// notesOf is a page of notes as shown: without those a filter of the viewer hides, which
// the page keeps only so that its bounds are the list's (storage.Note.Hidden). A page of
// hidden notes only says so rather than that there is nothing.
func notesOf(p *Page, notes []*storage.Note, empty string) noteList {
	var kept []*storage.Note
	for _, n := range notes {
		if !n.Hidden {
			kept = append(kept, n)
		}
	}
	if len(kept) == 0 && len(notes) > 0 {
		empty = "Your filters hide every post on this page."
	}
	return noteList{p, kept, empty}
}

// paragraphs splits plain text at its empty lines.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func iso(t time.Time) string  { return t.UTC().Format(time.RFC3339) }
func date(t time.Time) string { return t.UTC().Format("2 Jan 2006, 15:04 UTC") }

func cmp(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// trusted marks s as safe HTML. Only Note.Content read from storage may go through it: it
// is sanitized when it enters storage (federation on ingest, outbox when a local note is
// written). Never pass it anything a remote server or a user sent that was not sanitized.
func trusted(s string) template.HTML { return template.HTML(s) }

// feedType is the type attribute of a feed link, written out whole because html/template
// would escape the "+" of a MIME type in an attribute; only the two feed types pass.
func feedType(t string) template.HTMLAttr {
	switch t {
	case "application/rss+xml", "application/atom+xml":
		return template.HTMLAttr(`type="` + t + `"`)
	}
	return ""
}

// unknownActor stands in for a missing author so that a page still renders.
var unknownActor = &storage.Actor{Username: "unknown"}

func actorOr(a *storage.Actor) *storage.Actor {
	if a == nil {
		return unknownActor
	}
	return a
}

func displayName(a *storage.Actor) string {
	a = actorOr(a)
	return cmp(a.Name, a.Username)
}

func handle(a *storage.Actor) string {
	a = actorOr(a)
	if a.Host == "" {
		return "@" + a.Username
	}
	return "@" + a.Username + "@" + a.Host
}

func avatar(a *storage.Actor) string {
	if a != nil && a.IconURL != "" {
		return servedURL(a.IconURL, a.Local)
	}
	return StaticURL("avatar.svg")
}

// banner is where an actor's header picture is loaded from; "" when it has none.
func banner(a *storage.Actor) string {
	if a == nil || a.ImageURL == "" {
		return ""
	}
	return servedURL(a.ImageURL, a.Local)
}

// remoteMediaPath is where the remote media cache serves another server's files, by the
// key of their URL (federation/uris.RemoteMediaPath, which templates may not import, says
// the same; a test holds them together). Pages load nothing from other servers: readers'
// addresses reach no one else, and a picture outlives its server.
const remoteMediaPath = "/media/remote/"

// servedURL is where a picture or file at url is loaded from: from the cache when it is
// another server's.
func servedURL(url string, local bool) string {
	if local {
		return url
	}
	return remoteMediaPath + storage.MediaKey(url)
}

// mediaURL is where an attachment is loaded from: an upload of ours where it is, another
// server's from the cache.
func mediaURL(m storage.Media) string { return servedURL(m.URL, m.Path != "") }

// thumb is where an attachment's thumbnail is loaded from (the file itself when it has
// none).
func thumb(m storage.Media) string {
	if m.Path != "" {
		return m.ThumbURL()
	}
	return remoteMediaPath + storage.MediaKey(m.URL) + "/small"
}

// profileURL is where an actor's name links: its profile page when that is on its own
// host, else its id (an actor stored before its url was checked may say otherwise).
func profileURL(a *storage.Actor) string {
	a = actorOr(a)
	if !storage.SameHost(a.URL, a.URI) {
		return a.URI
	}
	return a.URL
}

func noteURL(n *storage.Note) string { return cmp(n.URL, n.URI) }

// viewURL is where a note is read on this instance: a local note at its own URL, a remote
// one at /notes/ID, with its thread as stored here.
func viewURL(n *storage.Note) string {
	if n.Local || n.ID == 0 {
		return noteURL(n)
	}
	return storedNotePath(n.ID)
}

// cmpVisibility is a note's visibility, public when it has none stored.
func cmpVisibility(v storage.Visibility) storage.Visibility {
	if v == "" {
		return storage.Public
	}
	return v
}

// historyURL is the page of a note's versions here, local or remote, as server/web routes
// it next to the note's own page at /notes/ID.
func historyURL(n *storage.Note) string { return storedNotePath(n.ID) + "/history" }

// thumbnailSide is the longer side of the thumbnails outbox.SaveUpload makes.
const thumbnailSide = 400

// srcset offers the browser the thumbnail and the full image of a local upload, so that a
// phone loads the small one; "" when there is no thumbnail.
func srcset(m storage.Media) string {
	small, full := thumb(m), mediaURL(m)
	if small == full || m.Width <= thumbnailSide && m.Height <= thumbnailSide || m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	tw := thumbnailSide
	if m.Height > m.Width {
		tw = max(1, m.Width*thumbnailSide/m.Height)
	}
	return small + " " + strconv.Itoa(tw) + "w, " + full + " " + strconv.Itoa(m.Width) + "w"
}

// post is what the "post" template draws: a note in the context of a page. Everything the
// template shows of it is worked out here, once, as plain fields: a page of twenty posts
// drawn by calling the template's functions and methods per note spent most of its time in
// text/template's reflective calls and in looking up the fields promoted from an embedded
// Note.
type post struct {
	Note                   *storage.Note
	Anchor                 string // the article's id, unique on the page
	Page                   *Page
	Signed                 bool   // a signed-in viewer: the post offers its actions
	Author                 byline // never empty
	Booster                *byline
	Own, Boostable         bool
	Liked, Boosted, Pinned bool
	Bookmarked             bool
	Deleted                bool
	Translatable           bool   // the post offers the Translate action (Page.Translatable)
	ViewURL, OriginURL     string // where it is read here, and on its own server
	ISO, Date              string // when it was published, for the machine and the reader
	Content                template.HTML
	// Lang is the language Content is in: the note's, or for a post in several languages
	// the one chosen for the reader; Others are its other versions, for the switch.
	Lang   string
	Others []version
	// Edited says the post was changed after it was published, EditedISO and EditedDate
	// when it last was; HistoryURL lists its versions.
	Edited                bool
	EditedISO, EditedDate string
	HistoryURL            string
	// Rest is the part of a long post shown with "Show more", Content then being its lead
	// (collapse.go); empty for a post shown whole.
	Rest       template.HTML
	Visibility visibility
	ReplyTo    *replyTo  // nil for a post that answers nothing
	Poll       *pollView // nil for a post without a poll
	// Quote is what the post quotes, nil for none; Quotable that the reader may quote it.
	Quote    *quoteView
	Quotable bool
	// ReplyState is, for a reply that needed the approval of the author of what it
	// answers, whether it has it: "pending", "rejected"; "" otherwise.
	ReplyState string
	// RepliesLimited says who may reply when not everyone may: "" when anyone may.
	RepliesLimited string
	Reactions      []reaction
	// Card is how a remote Article, Page, Event, Video or Audio is shown (cards.go); nil
	// for a note.
	Card *cardView
}

// quoteView is a quote post's quote as shown: the quoted post, small, or why it is not.
type quoteView struct {
	State   string
	URI     string // the quoted post's, as a link when it is not shown
	Author  byline
	Content template.HTML
	ViewURL string
	Lang    string
}

func quoteViewOf(p *Page, n *storage.Note) *quoteView {
	if n.Quote == nil {
		return nil
	}
	v := &quoteView{State: string(n.Quote.State), URI: n.Quote.URI}
	q, ok := p.Quotes[n.URI]
	if !ok {
		return v
	}
	v.State = q.State
	if q.Note != nil {
		v.Author, v.Content, v.ViewURL, v.Lang = bylineOf(p, q.Note.Author), emojify(q.Note.Content, q.Note.Tags, p.Instance), viewURL(q.Note), q.Note.Language
	}
	return v
}

// quotable tells whether the reader may be offered to quote n: its author, or anyone its
// policy lets ask for a public or unlisted post (the outbox decides in the end).
func quotable(p *Page, n *storage.Note) bool {
	if p.Viewer == nil || n.Deleted() {
		return false
	}
	if n.ActorID == p.Viewer.ID {
		return true
	}
	if n.Visibility != storage.Public && n.Visibility != storage.Unlisted {
		return false
	}
	return n.QuotePolicy == storage.QuotePublic || n.QuotePolicy == storage.QuoteFollowers || n.QuotePolicy == storage.QuoteManual
}

// repliesLimited says, by a post's reply policy (its own, or what its server said), who may
// reply to it when not everyone may.
var repliesLimited = map[storage.QuotePolicy]string{
	storage.QuoteFollowers: "Only the author's followers and people mentioned can reply.",
	storage.QuoteNobody:    "Only people mentioned can reply.",
	storage.QuoteManual:    "Replies wait for the author's approval.",
}

// pollView is a poll as a post shows it: a form to vote while the viewer may, else the
// results, each option's share of the votes (of the voters, in a poll of several choices,
// as Mastodon counts them) and the viewer's own choices.
type pollView struct {
	NoteID   int64
	Page     *Page
	Multiple bool
	CanVote  bool
	Closed   bool
	Voters   int
	Options  []pollOptionView
	// EndsISO and Ends are when it ends or ended; empty for a poll without an end.
	EndsISO, Ends string
}

type pollOptionView struct {
	Index          int
	Title          string
	Votes, Percent int
	Chosen         bool
}

func pollViewOf(p *Page, n *storage.Note, own bool) *pollView {
	poll := n.Poll
	if poll == nil {
		return nil
	}
	chosen := p.Votes[n.ID]
	v := &pollView{NoteID: n.ID, Page: p, Multiple: poll.Multiple, Closed: poll.Closed(time.Now()), Voters: poll.Voters}
	v.CanVote = p.Viewer != nil && !own && !v.Closed && len(chosen) == 0
	if !poll.ExpiresAt.IsZero() {
		v.EndsISO, v.Ends = iso(poll.ExpiresAt), date(poll.ExpiresAt)
	}
	total := poll.Votes()
	if poll.Multiple && poll.Voters > 0 {
		total = poll.Voters
	}
	for i, o := range poll.Options {
		ov := pollOptionView{Index: i, Title: o.Title, Votes: o.Votes, Chosen: slices.Contains(chosen, i)}
		if total > 0 {
			ov.Percent = min(100, (o.Votes*100+total/2)/total)
		}
		v.Options = append(v.Options, ov)
	}
	return v
}

// reaction is one emoji's reactions to a post as it shows them: a Unicode emoji as text, a
// custom one as its picture from the remote media cache (Image; the pages load nothing
// from other servers), its shortcode standing in when the picture is not there.
type reaction struct {
	Emoji, Image string
	Count        int
	Me           bool // the viewer is one of them: the button takes the reaction back
	Custom       bool // a picture: shown, never offered, as local accounts react with Unicode
}

func reactionsOf(p *Page, n *storage.Note) []reaction {
	groups := p.Reactions[n.ID]
	if len(groups) == 0 {
		return nil
	}
	out := make([]reaction, 0, len(groups))
	for _, g := range groups {
		x := reaction{Emoji: g.Emoji, Count: g.Count, Me: g.Me}
		if g.ImageURL != "" {
			x.Custom, x.Image = true, servedURL(g.ImageURL, false)
		}
		out = append(out, x)
	}
	return out
}

// visibility is a post's audience as its badge shows it.
type visibility struct {
	Class, Label string
}

var visibilities = map[storage.Visibility]visibility{
	storage.Public:    {"public", "Public"},
	storage.Unlisted:  {"unlisted", "Unlisted"},
	storage.Followers: {"followers", "Followers only"},
	storage.Direct:    {"direct", "Mentioned people only"},
}

// replyTo is the post a reply answers: its page here and its author's name (NameHTML: with
// its custom emoji, as the byline shows it) when it is stored and the viewer may read it;
// else its address, and no name.
type replyTo struct {
	URL, Name string
	NameHTML  template.HTML
}

func replyOf(p *Page, n *storage.Note) *replyTo {
	if n.InReplyToURI == "" {
		return nil
	}
	if parent, ok := p.Parents[n.InReplyToURI]; ok {
		return &replyTo{URL: storedNotePath(parent.ID), Name: displayName(parent.Author), NameHTML: emojiName(parent.Author)}
	}
	return &replyTo{URL: n.InReplyToURI}
}

// storedNotePath is where a stored note is read here by its row id (a local one is sent on
// to its own address).
func storedNotePath(id int64) string { return "/notes/" + strconv.FormatInt(id, 10) }

// viewerPath is where attachment number i (from 1) of note id is shown large.
func viewerPath(id int64, i int) string {
	return storedNotePath(id) + "/media/" + strconv.Itoa(i)
}

// byline is an actor as a post names it; NameHTML is its name with its custom emoji.
type byline struct {
	Name, Handle, URL, Avatar string
	NameHTML                  template.HTML
}

func bylineOf(p *Page, a *storage.Actor) byline {
	return byline{Name: displayName(a), NameHTML: emojiName(a), Handle: handle(a), URL: profileLink(p, a), Avatar: avatar(a)}
}

func newPost(p *Page, n *storage.Note, booster *storage.Actor) post {
	v := post{Note: n, Anchor: "note-" + strconv.FormatInt(n.ID, 10), Author: bylineOf(p, n.Author), Page: p,
		Signed: p.Viewer != nil, Liked: p.Liked[n.ID], Boosted: p.Boosted[n.ID], Pinned: p.Pinned[n.ID],
		Bookmarked: p.Bookmarked[n.ID],
		Boostable:  n.Visibility == storage.Public || n.Visibility == storage.Unlisted || n.Visibility == "",
		Deleted:    n.Deleted(), ViewURL: viewURL(n), OriginURL: noteURL(n), ISO: iso(n.Published), Date: date(n.Published),
		Lang: n.Language}
	content := n.Content
	if len(n.ContentMap) > 1 {
		shown, others := chooseLanguage(n, p.Prefer)
		v.Lang, content, v.Others = shown, n.ContentMap[shown], versionsOf(n, others, v.ViewURL)
	}
	v.Content = emojify(content, n.Tags, p.Instance)
	if booster != nil {
		b := bylineOf(p, booster)
		v.Booster = &b
	}
	v.Own = p.Viewer != nil && n.ActorID == p.Viewer.ID
	v.Translatable = p.Viewer != nil && p.Translatable != nil && !v.Deleted && translatable(n, p.Translatable)
	v.Visibility = visibilities[cmpVisibility(n.Visibility)]
	v.ReplyTo = replyOf(p, n)
	v.Poll = pollViewOf(p, n, v.Own)
	v.Quote, v.Quotable = quoteViewOf(p, n), quotable(p, n)
	if n.Reply != nil && n.Reply.State != storage.QuoteAccepted {
		v.ReplyState = string(n.Reply.State)
	}
	v.RepliesLimited = repliesLimited[n.ReplyPolicy]
	v.Reactions = reactionsOf(p, n)
	if v.Card = cardViewOf(n, content); v.Card != nil && v.Card.Excerpt != "" {
		v.Content, v.Rest = "", trusted(content) // the card's excerpt leads; the whole text is one click away
	} else if n.Summary == "" { // behind a content warning, a post is shown whole once opened, as Mastodon does
		if lead, rest, ok := splitLong(content); ok {
			v.Content, v.Rest = emojify(string(lead), n.Tags, p.Instance), emojify(string(rest), n.Tags, p.Instance)
		}
	}
	if n.Updated.After(n.Published) { // as the API's edited_at
		v.Edited, v.EditedISO, v.EditedDate = true, iso(n.Updated), date(n.Updated)
		if pub, upd := n.Published.UTC(), n.Updated.UTC(); pub.Year() == upd.Year() && pub.YearDay() == upd.YearDay() {
			v.EditedDate = upd.Format("15:04 UTC") // the day is the one beside it
		}
		v.HistoryURL = historyURL(n)
	}
	return v
}

// noteList is what the "notes" template draws: notes, or a line saying there are none.
type noteList struct {
	Page  *Page
	Notes []*storage.Note
	Empty string
}

// seq is 1, 2, ... n.
// NewSlots numbers the files that may still be chosen besides those kept, for their
// description fields.
func (d *ComposeData) NewSlots() []int { return seq(max(0, d.MaxFiles-len(d.Kept))) }

// ordinal is 1st, 2nd, 3rd, 4th… of n.
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i + 1
	}
	return s
}

// InPinned is the post as shown in a profile's pinned list, which repeats notes of the
// list below it: its anchor must differ.
func (p post) InPinned() post {
	p.Anchor = "pinned-" + p.Anchor
	return p
}

// follow is what the "follow" template draws: the follow controls for an actor.
type follow struct {
	Page  *Page
	Actor *storage.Actor
	Rel   Relationship
	Self  bool
}

func newFollow(p *Page, a *storage.Actor, rel Relationship) follow {
	return follow{Page: p, Actor: a, Rel: rel, Self: p.Viewer != nil && a != nil && p.Viewer.ID == a.ID}
}

// fields4 pads or cuts profile fields to the four the edit form offers.
func fields4(f []storage.Field) []storage.Field {
	out := make([]storage.Field, 4)
	copy(out, f)
	return out
}

// sentence is msg as a sentence: errors are worded in lower case for logs and the API
// ("account not found"), pages start them with a capital. A message that starts with a
// name (redirect_uri, @alice, a URL) is left as it is.
func sentence(msg string) string {
	first, _, _ := strings.Cut(msg, " ")
	if first == "" || strings.IndexFunc(first, func(r rune) bool { return !unicode.IsLower(r) }) >= 0 {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	return string(unicode.ToUpper(r)) + msg[n:]
}

// ListsData is the viewer's lists (/lists), each with the choices of its settings form.
type ListsData struct {
	Lists []ListEntry
}

// ListEntry is one list on the lists page.
type ListEntry struct {
	List     *storage.List
	Policies []Choice // the replies policies, the list's checked
}

// ListData is a list's timeline (/lists/ID), with its members and the accounts the viewer
// follows that are not, to add.
type ListData struct {
	List       *storage.List
	Items      []storage.FeedItem
	Next, Prev string
	Members    []*storage.Actor
	Candidates []*storage.Actor
}

// SavedData is a page of the posts the viewer liked (Favourites) or bookmarked.
type SavedData struct {
	Heading    string // the page's heading
	Empty      string // what is said when there are none
	Notes      []*storage.Note
	Next, Prev string
}

// remoteProfilePath begins the path of the page where this server shows another server's
// account, /@user@host (federation/uris.RemoteProfile, which templates may not import, says
// the same; a test holds them together).
const remoteProfilePath = "/@"

// OriginalProfile is where an account's own profile is, on its own server.
func OriginalProfile(a *storage.Actor) string { return profileURL(a) }

// profileLink is where a name links on page p: for a signed-in viewer, another server's
// account links to its page here, where they follow, mute or block it and read its posts
// as stored here; for a visitor, and for a local account, it is profileURL. Visitors are
// never led to this server's pages of other servers' accounts (those send them on).
func profileLink(p *Page, a *storage.Actor) string {
	if p == nil || p.Viewer == nil || a == nil || a.Local || a.Host == "" || a.Username == "" {
		return profileURL(a)
	}
	return remoteProfilePath + url.PathEscape(a.Username) + "@" + url.PathEscape(a.Host)
}

// person is what the "person" template draws: an actor's card on a page, its name linking
// where profileLink says.
type person struct {
	Actor *storage.Actor
	URL   string
}

func newPerson(p *Page, a *storage.Actor) person { return person{Actor: a, URL: profileLink(p, a)} }

// ConversationsData is the viewer's conversations of direct messages, the newest first;
// those the reader marked hidden are left out by the handler.
type ConversationsData struct {
	Conversations []*storage.Conversation
	Next, Prev    string // URLs of older and newer pages, or ""
}

// translatable says whether post n offers the Translate action, by the viewer's test of a
// language: not when it is written in the viewer's language, in any of its versions.
func translatable(n *storage.Note, offer func(language string) bool) bool {
	if !offer(n.Language) {
		return false
	}
	for lang := range n.ContentMap {
		if !offer(lang) {
			return false
		}
	}
	return true
}
