package federation

// ActivityStreams types, as a document's "type" spells them. They are untyped constants so
// that they compare with, and assign to, the plain strings that decoding yields.
const (
	// Activities.
	TypeCreate   = "Create"
	TypeUpdate   = "Update"
	TypeDelete   = "Delete"
	TypeFollow   = "Follow"
	TypeAccept   = "Accept"
	TypeReject   = "Reject"
	TypeUndo     = "Undo"
	TypeLike     = "Like"
	TypeAnnounce = "Announce"
	TypeBlock    = "Block"
	TypeFlag     = "Flag"
	TypeMove     = "Move"
	// TypeEmojiReact is LitePub's emoji reaction (Pleroma, Akkoma, honk): a Like whose
	// content is the emoji.
	TypeEmojiReact = "EmojiReact"

	// Actors.
	TypePerson       = "Person"
	TypeService      = "Service"
	TypeGroup        = "Group"
	TypeOrganization = "Organization"
	TypeApplication  = "Application"

	// Objects: posts, media, deleted posts and collections.
	TypeNote                  = "Note"
	TypeArticle               = "Article"
	TypePage                  = "Page"
	TypeQuestion              = "Question"
	TypeVideo                 = "Video"
	TypeImage                 = "Image"
	TypeAudio                 = "Audio"
	TypeEvent                 = "Event"
	TypeDocument              = "Document"
	TypeTombstone             = "Tombstone"
	TypeCollection            = "Collection"
	TypeOrderedCollection     = "OrderedCollection"
	TypeOrderedCollectionPage = "OrderedCollectionPage"

	// Tags and profile fields, Mastodon's extensions among them.
	TypeMention       = "Mention"
	TypeHashtag       = "Hashtag"
	TypeEmoji         = "Emoji"
	TypePropertyValue = "PropertyValue"
)
