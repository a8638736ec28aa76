package api

// The entities of Mastodon's client API, as docs.joinmastodon.org documents them. They are
// plain values built from storage's structs (render.go), so that the streaming API can send
// the same JSON. An attribute Mastodon documents as nullable is a pointer (or any) without
// omitempty: it is present as null; one documented as optional has omitempty.
//
// Ids are the rows' ids as decimal strings (see parseID for why).

// Account is a local account or a remote actor.
type Account struct {
	ID             string   `json:"id"`
	Username       string   `json:"username"`
	Acct           string   `json:"acct"` // name for a local account, name@host for a remote one
	URL            string   `json:"url"`
	URI            string   `json:"uri"`
	DisplayName    string   `json:"display_name"`
	Note           string   `json:"note"`
	Avatar         string   `json:"avatar"`
	AvatarStatic   string   `json:"avatar_static"`
	Header         string   `json:"header"`
	HeaderStatic   string   `json:"header_static"`
	Locked         bool     `json:"locked"`
	Fields         []Field  `json:"fields"`
	Emojis         []Emoji  `json:"emojis"`
	Bot            bool     `json:"bot"`
	Group          bool     `json:"group"`
	Discoverable   *bool    `json:"discoverable"`
	Indexable      bool     `json:"indexable"` // its public posts may be found by anyone's full-text search
	CreatedAt      string   `json:"created_at"`
	LastStatusAt   *string  `json:"last_status_at"`
	StatusesCount  int      `json:"statuses_count"`
	FollowersCount int      `json:"followers_count"`
	FollowingCount int      `json:"following_count"`
	Moved          *Account `json:"moved,omitempty"` // set only for an account that moved
	// Suspended is there, true, only for a suspended account, as in Mastodon; such an
	// account shows its name and counts but no display name, bio, pictures or fields.
	Suspended bool `json:"suspended,omitempty"`
	// Limited is there, true, only for an account silenced here, on its own or with its
	// server, as Mastodon writes its `silenced` under this key.
	Limited bool `json:"limited,omitempty"`
	// Source is the owner's own view of its profile (verify_credentials only).
	Source *Source `json:"source,omitempty"`
}

// Field is a profile field; VerifiedAt is null until a link is verified, which Refuge does
// not do yet.
type Field struct {
	Name       string  `json:"name"`
	Value      string  `json:"value"`
	VerifiedAt *string `json:"verified_at"`
}

// Source is what the owner of an account typed, and its posting defaults.
type Source struct {
	Note                string  `json:"note"`
	Fields              []Field `json:"fields"` // as the owner typed them
	Privacy             string  `json:"privacy"`
	Sensitive           bool    `json:"sensitive"`
	Language            string  `json:"language"`
	Indexable           bool    `json:"indexable"`
	FollowRequestsCount int     `json:"follow_requests_count"`

	// AlsoKnownAs are the account's aliases, where GoToSocial gives them (Mastodon's API
	// has none), so that a client that sets them can show them.
	AlsoKnownAs []string `json:"also_known_as_uris,omitempty"`
}

// Emoji is a custom emoji: this instance's own, or another server's with its picture served
// from the remote media cache.
type Emoji struct {
	Shortcode       string `json:"shortcode"`
	URL             string `json:"url"`
	StaticURL       string `json:"static_url"`
	VisibleInPicker bool   `json:"visible_in_picker"`
}

// Status is a post, or a boost of one (Reblog set).
type Status struct {
	hidden bool // a filter of the viewer hides it: a page leaves it out (storage.Note.Hidden)

	ID                 string            `json:"id"`
	URI                string            `json:"uri"`
	URL                *string           `json:"url"`
	Account            *Account          `json:"account"`
	InReplyToID        *string           `json:"in_reply_to_id"`
	InReplyToAccountID *string           `json:"in_reply_to_account_id"`
	Reblog             *Status           `json:"reblog"`
	Content            string            `json:"content"`
	CreatedAt          string            `json:"created_at"`
	EditedAt           *string           `json:"edited_at"`
	Emojis             []Emoji           `json:"emojis"`
	RepliesCount       int               `json:"replies_count"`
	ReblogsCount       int               `json:"reblogs_count"`
	FavouritesCount    int               `json:"favourites_count"`
	Favourited         *bool             `json:"favourited,omitempty"` // the viewer's own state; absent without one
	Reblogged          *bool             `json:"reblogged,omitempty"`
	Muted              *bool             `json:"muted,omitempty"`
	Bookmarked         *bool             `json:"bookmarked,omitempty"`
	Pinned             *bool             `json:"pinned,omitempty"`
	Sensitive          bool              `json:"sensitive"`
	SpoilerText        string            `json:"spoiler_text"`
	Visibility         string            `json:"visibility"`
	Language           *string           `json:"language"`
	MediaAttachments   []MediaAttachment `json:"media_attachments"`
	Mentions           []Mention         `json:"mentions"`
	Tags               []Tag             `json:"tags"`
	Card               any               `json:"card"` // always null: no link previews yet
	Poll               *Poll             `json:"poll"`
	Quote              *Quote            `json:"quote"`
	QuoteApproval      *QuoteApproval    `json:"quote_approval,omitempty"`
	// InteractionPolicy is GoToSocial's: who may reply, like and boost.
	InteractionPolicy *InteractionPolicy `json:"interaction_policy,omitempty"`
	Text              *string            `json:"text,omitempty"` // the source, only as a deleted status answers, to redraft
	// Filtered is the viewer's warn filters this status matched where it is shown; absent
	// without a viewer.
	Filtered *[]FilterResult `json:"filtered,omitempty"`
	// Pleroma is Pleroma's extension, which Pleroma-family apps read: the emoji reactions.
	// Mastodon apps ignore it.
	Pleroma *StatusPleroma `json:"pleroma,omitempty"`
}

// StatusPleroma is the part of Pleroma's extension of a status that Refuge fills.
type StatusPleroma struct {
	EmojiReactions []EmojiReaction `json:"emoji_reactions"`
}

// EmojiReaction is one emoji's reactions to a status, as Pleroma and Akkoma give them: Name
// is the Unicode emoji, or a custom one's shortcode without its colons, whose picture URL
// and StaticURL are (null for Unicode), served from here. Accounts is only in the list of
// who reacted (GET .../reactions).
type EmojiReaction struct {
	Name      string     `json:"name"`
	Count     int        `json:"count"`
	Me        bool       `json:"me"`
	URL       *string    `json:"url"`
	StaticURL *string    `json:"static_url"`
	Accounts  []*Account `json:"accounts,omitempty"`
}

// MediaAttachment is a picture, video or sound on a post. PreviewURL is null for video and
// audio, of which there is no still picture.
type MediaAttachment struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	URL         string    `json:"url"`
	PreviewURL  *string   `json:"preview_url"`
	RemoteURL   *string   `json:"remote_url"`
	Meta        MediaMeta `json:"meta"`
	Description *string   `json:"description"`
	Blurhash    *string   `json:"blurhash"`
}

// MediaMeta holds what is known of an attachment: its sizes, and the length of a video or
// audio file, in seconds and as Mastodon writes it ("0:01:28.65").
type MediaMeta struct {
	Length   string     `json:"length,omitempty"`
	Duration float64    `json:"duration,omitempty"`
	Original *MediaSize `json:"original,omitempty"`
	Small    *MediaSize `json:"small,omitempty"`
}

// MediaSize is one size of an image, or what is known of a video or audio file as uploaded:
// each attribute only when known (an audio file has no picture, so no width).
type MediaSize struct {
	Width     int     `json:"width,omitempty"`
	Height    int     `json:"height,omitempty"`
	Size      string  `json:"size,omitempty"`
	Aspect    float64 `json:"aspect,omitempty"`
	FrameRate string  `json:"frame_rate,omitempty"` // a fraction, "30/1"
	Duration  float64 `json:"duration,omitempty"`   // seconds
}

// Mention is an account a post mentions.
type Mention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

// Tag is a hashtag of a post, with the address of its local timeline page.
type Tag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Relationship is how the viewer stands with another account. Refuge has no domain blocks
// of accounts, notes on accounts, endorsements, notifying follows or follows by language
// yet: those are false, or "", or empty.
type Relationship struct {
	ID                  string   `json:"id"`
	Following           bool     `json:"following"`
	ShowingReblogs      bool     `json:"showing_reblogs"`
	Notifying           bool     `json:"notifying"`
	Languages           []string `json:"languages"`
	FollowedBy          bool     `json:"followed_by"`
	Blocking            bool     `json:"blocking"`
	BlockedBy           bool     `json:"blocked_by"`
	Muting              bool     `json:"muting"`
	MutingNotifications bool     `json:"muting_notifications"`
	Requested           bool     `json:"requested"`
	RequestedBy         bool     `json:"requested_by"`
	DomainBlocking      bool     `json:"domain_blocking"`
	Endorsed            bool     `json:"endorsed"`
	Note                string   `json:"note"`
}

// Context is the conversation around a post.
type Context struct {
	Ancestors   []*Status `json:"ancestors"`
	Descendants []*Status `json:"descendants"`
}

// Notification tells an account what someone did concerning it.
type Notification struct {
	ID        string   `json:"id"`
	Type      string   `json:"type"`
	GroupKey  string   `json:"group_key"`
	CreatedAt string   `json:"created_at"`
	Account   *Account `json:"account"`
	Status    *Status  `json:"status,omitempty"` // only for the kinds about a post
	// Emoji and EmojiURL are a reaction's (type pleroma:emoji_reaction), as Pleroma's.
	Emoji    *string `json:"emoji,omitempty"`
	EmojiURL *string `json:"emoji_url,omitempty"`
}

// InstanceV1 describes the instance, as /api/v1/instance always did.
type InstanceV1 struct {
	URI              string            `json:"uri"`
	Title            string            `json:"title"`
	ShortDescription string            `json:"short_description"`
	Description      string            `json:"description"`
	Email            string            `json:"email"`
	Version          string            `json:"version"`
	URLs             map[string]string `json:"urls"`
	Stats            InstanceStats     `json:"stats"`
	Thumbnail        *string           `json:"thumbnail"`
	Languages        []string          `json:"languages"`
	Registrations    bool              `json:"registrations"`
	ApprovalRequired bool              `json:"approval_required"`
	InvitesEnabled   bool              `json:"invites_enabled"`
	Configuration    Configuration     `json:"configuration"`
	ContactAccount   *Account          `json:"contact_account"`
	Rules            []Rule            `json:"rules"`
}

// InstanceStats counts what the instance holds.
type InstanceStats struct {
	UserCount   int `json:"user_count"`
	StatusCount int `json:"status_count"`
	DomainCount int `json:"domain_count"`
}

// InstanceV2 describes the instance, as /api/v2/instance does.
type InstanceV2 struct {
	Domain        string                `json:"domain"`
	Title         string                `json:"title"`
	Version       string                `json:"version"`
	SourceURL     string                `json:"source_url"`
	Description   string                `json:"description"`
	Usage         InstanceUsage         `json:"usage"`
	Thumbnail     InstanceThumbnail     `json:"thumbnail"`
	Languages     []string              `json:"languages"`
	Configuration Configuration         `json:"configuration"`
	Registrations InstanceRegistrations `json:"registrations"`
	Contact       InstanceContact       `json:"contact"`
	Rules         []Rule                `json:"rules"`
}

// InstanceUsage is how much the instance is used.
type InstanceUsage struct {
	Users struct {
		ActiveMonth int `json:"active_month"`
	} `json:"users"`
}

// InstanceThumbnail is the instance's picture.
type InstanceThumbnail struct {
	URL string `json:"url"`
}

// InstanceRegistrations says whether and how people may sign up. Message (a closed
// server's word to those who would join) and URL (a sign-up page elsewhere) are null: Refuge
// has neither.
type InstanceRegistrations struct {
	Enabled          bool    `json:"enabled"`
	ApprovalRequired bool    `json:"approval_required"`
	Message          *string `json:"message"`
	URL              *string `json:"url"`
}

// InstanceContact is whom to ask about the instance.
type InstanceContact struct {
	Email   string   `json:"email"`
	Account *Account `json:"account"`
}

// Rule is one of the instance's rules.
type Rule struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	Hint string `json:"hint"`
}

// Configuration is the limits a client must respect when it posts.
type Configuration struct {
	URLs             map[string]string  `json:"urls,omitempty"` // v2 only: streaming
	Accounts         ConfigAccounts     `json:"accounts"`
	Statuses         ConfigStatuses     `json:"statuses"`
	MediaAttachments ConfigMedia        `json:"media_attachments"`
	Polls            ConfigPolls        `json:"polls"`
	Translation      *ConfigTranslation `json:"translation,omitempty"` // v2 only
	VAPID            *ConfigVAPID       `json:"vapid,omitempty"`       // v2 only
}

// ConfigVAPID is the instance's key for Web Push, which apps give the browser.
type ConfigVAPID struct {
	PublicKey string `json:"public_key"`
}

// ConfigAccounts limits profiles.
type ConfigAccounts struct {
	MaxFeaturedTags   int `json:"max_featured_tags"`
	MaxPinnedStatuses int `json:"max_pinned_statuses"`
}

// ConfigStatuses limits posts.
type ConfigStatuses struct {
	MaxCharacters            int `json:"max_characters"`
	MaxMediaAttachments      int `json:"max_media_attachments"`
	CharactersReservedPerURL int `json:"characters_reserved_per_url"`
}

// ConfigMedia limits attachments.
type ConfigMedia struct {
	SupportedMIMETypes  []string `json:"supported_mime_types"`
	ImageSizeLimit      int      `json:"image_size_limit"`
	ImageMatrixLimit    int      `json:"image_matrix_limit"`
	VideoSizeLimit      int      `json:"video_size_limit"`
	VideoFrameRateLimit int      `json:"video_frame_rate_limit"`
	VideoMatrixLimit    int      `json:"video_matrix_limit"`
}

// ConfigPolls limits polls (storage's limits, Mastodon's).
type ConfigPolls struct {
	MaxOptions             int `json:"max_options"`
	MaxCharactersPerOption int `json:"max_characters_per_option"`
	MinExpiration          int `json:"min_expiration"`
	MaxExpiration          int `json:"max_expiration"`
}

// ConfigTranslation says whether the instance translates posts.
type ConfigTranslation struct {
	Enabled bool `json:"enabled"`
}

// Filter is a keyword filter of the viewer's (Mastodon's v2 Filter). Refuge filters by
// keywords only: statuses is always empty.
type Filter struct {
	ID           string          `json:"id"`
	Title        string          `json:"title"`
	Context      []string        `json:"context"`
	ExpiresAt    *string         `json:"expires_at"`
	FilterAction string          `json:"filter_action"`
	Keywords     []FilterKeyword `json:"keywords"`
	Statuses     []FilterStatus  `json:"statuses"`
}

// FilterKeyword is one keyword of a Filter.
type FilterKeyword struct {
	ID        string `json:"id"`
	Keyword   string `json:"keyword"`
	WholeWord bool   `json:"whole_word"`
}

// FilterStatus is a status a Filter names by id; Refuge's filters name none.
type FilterStatus struct {
	ID       string `json:"id"`
	StatusID string `json:"status_id"`
}

// FilterResult says which filter a status matched, and by which keywords.
type FilterResult struct {
	Filter         Filter   `json:"filter"`
	KeywordMatches []string `json:"keyword_matches"`
	StatusMatches  []string `json:"status_matches"`
}

// FilterV1 is a keyword as the first filters API showed it: one keyword each, with its
// filter's settings (Mastodon's V1::Filter; its id is the keyword's).
type FilterV1 struct {
	ID           string   `json:"id"`
	Phrase       string   `json:"phrase"`
	Context      []string `json:"context"`
	WholeWord    bool     `json:"whole_word"`
	ExpiresAt    *string  `json:"expires_at"`
	Irreversible bool     `json:"irreversible"`
}
