package federation

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	vocab "github.com/go-ap/activitypub"

	"refuge/storage"
)

// Limits on what a peer may send. A real document is far below each of them; anything past
// them is refused before it can cost memory or time.
const (
	MaxDocument   = 1 << 20 // bytes
	maxDepth      = 32      // nesting of objects and arrays
	maxArray      = 20000   // elements of any one array, checked before parsing
	maxTags       = 1000    // tags, attachments, aliases
	maxRecipients = 10000   // entries in to, and in cc
)

// CheckJSON refuses what no parser should see: bodies over 1 MiB (TooLarge), invalid UTF-8,
// nesting deeper than 32, arrays longer than 20,000 elements and anything that is not JSON
// (Invalid). It runs in one pass and allocates nothing.
func CheckJSON(data []byte) error {
	if err := checkLimits(data); err != nil {
		return err
	}
	if !json.Valid(data) {
		return storage.Errorf(storage.Invalid, "document is not JSON")
	}
	return nil
}

// checkLimits is CheckJSON without the syntax check, for callers that hand the document to
// json.Unmarshal next, which checks the syntax itself before decoding anything.
func checkLimits(data []byte) error {
	if len(data) > MaxDocument {
		return storage.Errorf(storage.TooLarge, "document over %d bytes", MaxDocument)
	}
	if !utf8.Valid(data) {
		return storage.Errorf(storage.Invalid, "document is not valid UTF-8")
	}
	return checkShape(data)
}

// checkShape scans data for nesting depth and array length. It does not validate syntax
// (json.Valid does); it only has to be right about valid JSON and terminate on anything.
func checkShape(data []byte) error {
	var count [maxDepth + 1]int // elements so far in the array open at each depth; 0 for objects
	depth := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch c {
		case '"':
			i = stringEnd(data, i)
		case '{', '[':
			depth++
			if depth > maxDepth {
				return storage.Errorf(storage.Invalid, "document nested deeper than %d", maxDepth)
			}
			count[depth] = 0
			if c == '[' {
				count[depth] = 1
			}
		case '}', ']':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth > 0 && count[depth] > 0 {
				count[depth]++
				if count[depth] > maxArray {
					return tooMany("array elements", maxArray)
				}
			}
		}
	}
	return nil
}

// wireDoc is the hand-decoded pass over a document: every field go-ap drops or gets wrong,
// kept raw because peers send a field as a string, an object or an array.
type wireDoc struct {
	ID                json.RawMessage `json:"id"`
	Type              json.RawMessage `json:"type"`
	Target            json.RawMessage `json:"target"`
	Context           json.RawMessage `json:"@context"`
	Name              json.RawMessage `json:"name"`
	PreferredUsername json.RawMessage `json:"preferredUsername"`
	Summary           json.RawMessage `json:"summary"`
	Content           json.RawMessage `json:"content"`
	ContentMap        json.RawMessage `json:"contentMap"`
	URL               json.RawMessage `json:"url"`
	Icon              json.RawMessage `json:"icon"`
	Image             json.RawMessage `json:"image"`
	Published         json.RawMessage `json:"published"`
	Updated           json.RawMessage `json:"updated"`
	To                json.RawMessage `json:"to"`
	Cc                json.RawMessage `json:"cc"`
	Tag               json.RawMessage `json:"tag"`
	Attachment        json.RawMessage `json:"attachment"`
	Object            json.RawMessage `json:"object"`
	Actor             json.RawMessage `json:"actor"`
	AttributedTo      json.RawMessage `json:"attributedTo"`
	PublicKey         json.RawMessage `json:"publicKey"`
	InReplyTo         json.RawMessage `json:"inReplyTo"`
	Replies           json.RawMessage `json:"replies"`
	Inbox             json.RawMessage `json:"inbox"`
	Outbox            json.RawMessage `json:"outbox"`
	Followers         json.RawMessage `json:"followers"`
	Following         json.RawMessage `json:"following"`
	Endpoints         json.RawMessage `json:"endpoints"`

	// Mastodon and friends' extensions.
	ManuallyApprovesFollowers json.RawMessage `json:"manuallyApprovesFollowers"`
	Discoverable              json.RawMessage `json:"discoverable"`
	Indexable                 json.RawMessage `json:"indexable"`
	Suspended                 json.RawMessage `json:"suspended"`
	Featured                  json.RawMessage `json:"featured"`
	AlsoKnownAs               json.RawMessage `json:"alsoKnownAs"`
	MovedTo                   json.RawMessage `json:"movedTo"`
	Sensitive                 json.RawMessage `json:"sensitive"`
	Conversation              json.RawMessage `json:"conversation"`
	Generator                 json.RawMessage `json:"generator"`       // FEP-844e: what the actor's server implements
	AssertionMethod           json.RawMessage `json:"assertionMethod"` // FEP-521a: the actor's Multikeys
	// FEP-1b12's groups: the group a post or activity is in, and a group's rule that only
	// its moderators start threads (Lemmy's).
	Audience                json.RawMessage `json:"audience"`
	PostingRestrictedToMods json.RawMessage `json:"postingRestrictedToMods"`

	// A Question's (a poll's).
	OneOf       json.RawMessage `json:"oneOf"`
	AnyOf       json.RawMessage `json:"anyOf"`
	EndTime     json.RawMessage `json:"endTime"`
	Closed      json.RawMessage `json:"closed"`
	VotersCount json.RawMessage `json:"votersCount"`
	TotalItems  json.RawMessage `json:"totalItems"`

	// Quote posts (FEP-044f, and the forms before it), and interaction policies.
	Quote              json.RawMessage `json:"quote"`
	QuoteURI           json.RawMessage `json:"quoteUri"`
	QuoteURL           json.RawMessage `json:"quoteUrl"`
	MisskeyQuote       json.RawMessage `json:"_misskey_quote"`
	QuoteAuthorization json.RawMessage `json:"quoteAuthorization"`
	InteractionPolicy  json.RawMessage `json:"interactionPolicy"`
	InteractingObject  json.RawMessage `json:"interactingObject"`
	InteractionTarget  json.RawMessage `json:"interactionTarget"`
	Instrument         json.RawMessage `json:"instrument"`
	Result             json.RawMessage `json:"result"`
	ReplyAuthorization json.RawMessage `json:"replyAuthorization"`
	ApprovedBy         json.RawMessage `json:"approvedBy"`
	MisskeyReaction    json.RawMessage `json:"_misskey_reaction"`

	// What a card shows of an Event, a Video or an Audio (cards.go).
	StartTime json.RawMessage `json:"startTime"`
	Location  json.RawMessage `json:"location"`
	Duration  json.RawMessage `json:"duration"`
}

// decodeWire checks data and fills w; the document must be a JSON object. checked says data
// lies inside a document that passed the checks already (an embedded object), so that only
// its syntax is checked again, by json.Unmarshal.
func decodeWire(data []byte, w *wireDoc, checked bool) error {
	if !checked {
		if err := checkLimits(data); err != nil {
			return err
		}
	}
	// Unmarshal checks the syntax of the whole document before it decodes anything.
	err := json.Unmarshal(data, w)
	if _, bad := errors.AsType[*json.SyntaxError](err); bad {
		return storage.Wrap(storage.Invalid, err, "document is not JSON")
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return storage.Errorf(storage.Invalid, "document is not a JSON object")
	}
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "document is not JSON")
	}
	return nil
}

// apDecode runs go-ap's decoder for the core vocabulary on the fields named, reduced by
// apReduce: go-ap is shown nothing else of the document. It parses peer input with its own
// parser, so a panic there is turned into an Invalid error rather than taking the server
// down.
func apDecode(v json.Unmarshaler, fields ...apField) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = storage.Errorf(storage.Invalid, "malformed document")
		}
	}()
	if err := v.UnmarshalJSON(apDocument(fields)); err != nil {
		return storage.Wrap(storage.Invalid, err, "malformed document")
	}
	return nil
}

// apField is one member of a document for go-ap: its name and its raw value.
type apField struct {
	name string
	raw  json.RawMessage
}

// apDocument is a JSON object of fields, each value reduced by apReduce; absent ones left
// out. go-ap's decoder compares each element of an array with every element before it,
// parsing both as URLs each time (ItemCollection.Append): 10,000 recipients in to cost 25 s
// of CPU, a bto of 20,000 (which has no limit of its own) four times that, and the same
// inside any embedded object. We read every other field by hand, so go-ap sees only the
// fields it reads for us, each bounded.
func apDocument(fields []apField) []byte {
	b := []byte{'{'}
	for _, f := range fields {
		if isNull(f.raw) {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, f.name...)
		b = append(b, '"', ':')
		b = append(b, apReduce(f.raw, 0)...)
	}
	return append(b, '}')
}

// apKeep are the members of an embedded object that go-ap is shown: what a link, a key and
// an actor's endpoints are read from.
var apKeep = []string{"id", "type", "href", "owner", "publicKeyPem", "sharedInbox"}

// apMaxElements is how much of an array go-ap is shown: we only ever take the first link
// of a field, as itemLink does.
const apMaxElements = 8

// apReduce is raw cut down to what go-ap needs to read links from it: an array to its first
// apMaxElements elements, an object to the members in apKeep, each reduced the same way
// (nested at most a few levels deep; deeper values become null).
func apReduce(raw json.RawMessage, depth int) json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '[' && raw[0] != '{') {
		return raw
	}
	if depth >= 3 {
		return json.RawMessage("null")
	}
	var out any
	if raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return json.RawMessage("null")
		}
		list = list[:min(len(list), apMaxElements)]
		for i := range list {
			list[i] = apReduce(list[i], depth+1)
		}
		out = list
	} else {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return json.RawMessage("null")
		}
		kept := map[string]json.RawMessage{}
		for _, k := range apKeep {
			if v, ok := m[k]; ok {
				kept[k] = apReduce(v, depth+1)
			}
		}
		out = kept
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}

// itemLink is the id of a go-ap item: an IRI, an object's id, a Link's href, or the first
// of a collection of those.
func itemLink(it vocab.Item) string {
	if vocab.IsNil(it) {
		return ""
	}
	switch v := it.(type) {
	case vocab.ItemCollection:
		for _, e := range v {
			if s := itemLink(e); s != "" {
				return s
			}
		}
		return ""
	case *vocab.Link:
		if v.Href != "" {
			return string(v.Href)
		}
		return string(v.ID)
	}
	return string(it.GetLink())
}

// linkOr is go-ap's reading of a link field, or when go-ap found none (it drops objects of
// types it does not know, such as an actor of type "Bot") the id read by hand, if absolute.
func linkOr(it vocab.Item, raw json.RawMessage) string {
	if s := itemLink(it); s != "" {
		return s
	}
	s := idOf(raw)
	if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return s
}

// isNull reports whether raw is absent or JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || string(raw) == "null"
}

// plainString is raw's value when raw is a JSON string without escapes. Nearly every string
// a peer sends is one: inside a document json.Unmarshal accepted, it is its bytes between
// the quotes, which every JSON decoder reads alike.
func plainString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	n := len(raw)
	if n < 2 || raw[0] != '"' || raw[n-1] != '"' {
		return "", false
	}
	inner := raw[1 : n-1]
	if bytes.IndexByte(inner, '\\') >= 0 || bytes.IndexByte(inner, '"') >= 0 || !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// text is raw as a string when it is one, else "".
func text(raw json.RawMessage) string {
	if s, ok := plainString(raw); ok {
		return s
	}
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// elements is raw as a list: an array's elements, or a lone value as a list of one. It
// refuses more than max elements before decoding any of them.
func elements(raw json.RawMessage, max int, what string) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return nil, nil
	}
	if raw[0] != '[' {
		return []json.RawMessage{raw}, nil
	}
	// Each element but the last is followed by a top-level comma; count them first.
	if n := topLevelCommas(raw); n+1 > max {
		return nil, tooMany(what, max)
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "malformed "+what)
	}
	if len(list) > max {
		return nil, tooMany(what, max)
	}
	return list, nil
}

// tooMany is the error for a list over its limit, naming the limit.
func tooMany(what string, max int) error {
	return storage.Errorf(storage.Invalid, "too many %s (at most %d)", what, max)
}

// stringEnd returns the index of the quote that closes the JSON string opening at data[i]
// (or len(data) when there is none), so that scanners skip strings' contents.
func stringEnd(data []byte, i int) int {
	for i++; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data)
}

// topLevelCommas counts the commas directly inside the array raw (valid JSON).
func topLevelCommas(raw []byte) int {
	n, depth := 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case '"':
			i = stringEnd(raw, i)
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 1 {
				n++
			}
		}
	}
	return n
}

// idOf is the id a field names: a string, an object's "id" (or a Link's "href"), or the
// first of an array of those.
func idOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return ""
	}
	switch raw[0] {
	case '"':
		return text(raw)
	case '{':
		var o struct{ ID, Href json.RawMessage }
		if json.Unmarshal(raw, &o) != nil {
			return ""
		}
		if id := text(o.ID); id != "" {
			return id
		}
		return text(o.Href)
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return ""
		}
		for _, e := range list {
			if id := idOf(e); id != "" {
				return id
			}
		}
	}
	return ""
}

// idList is the ids a field names, string or object or array, at most max of them.
// firstID is the first id of a field that may be one or a list (an audience); "" for none.
func firstID(raw json.RawMessage) string {
	if ids, err := idList(raw, maxTags, "ids"); err == nil && len(ids) > 0 {
		return ids[0]
	}
	return ""
}

func idList(raw json.RawMessage, max int, what string) ([]string, error) {
	list, err := elements(raw, max, what)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range list {
		if id := idOf(e); id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// recipients is an addressing field with the compacted forms of the public collection
// ("as:Public", "Public", which JSON-LD allows and some servers send) expanded.
func recipients(raw json.RawMessage) ([]string, error) {
	ids, err := idList(raw, maxRecipients, "recipients")
	for i, id := range ids {
		if id == "as:Public" || id == "Public" {
			ids[i] = PublicCollection
		}
	}
	return ids, err
}

// hrefOf is a URL field: a string, a Link's href (or an object's url or id), or from an
// array the text/html link if there is one, else the first.
func hrefOf(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return ""
	}
	switch raw[0] {
	case '"':
		return text(raw)
	case '{':
		var o struct{ Href, URL, ID json.RawMessage }
		if json.Unmarshal(raw, &o) != nil {
			return ""
		}
		for _, f := range []json.RawMessage{o.Href, o.URL, o.ID} {
			if s := hrefOf(f); s != "" {
				return s
			}
		}
	case '[':
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return ""
		}
		first := ""
		for _, e := range list {
			var o struct{ MediaType string }
			if json.Unmarshal(e, &o) == nil && o.MediaType == "text/html" {
				return hrefOf(e)
			}
			if first == "" {
				first = hrefOf(e)
			}
		}
		return first
	}
	return ""
}

// boolOf accepts true and "true"; anything else is false.
func boolOf(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s == "true" || s == `"true"`
}

// intOf accepts a number or a numeric string.
func intOf(raw json.RawMessage) int {
	s := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1<<31 {
		return int(f)
	}
	return 0
}

// durationOf reads an xsd:duration of hours, minutes and seconds ("PT1H2M3.5S", as
// ActivityStreams writes durations; PeerTube's "PT88S"), or a plain number of seconds, as
// seconds; 0 when absent, unreadable, or of days or more (no attachment is that long).
func durationOf(raw json.RawMessage) float64 {
	s := strings.TrimSpace(text(raw))
	if s == "" {
		if f, err := strconv.ParseFloat(string(bytes.TrimSpace(raw)), 64); err == nil && f > 0 && f < 1e7 {
			return f
		}
		return 0
	}
	rest, ok := strings.CutPrefix(s, "PT")
	if !ok || len(rest) > 40 {
		return 0
	}
	var total float64
	for _, unit := range []struct {
		suffix  string
		seconds float64
	}{{"H", 3600}, {"M", 60}, {"S", 1}} {
		before, after, found := strings.Cut(rest, unit.suffix)
		if !found {
			continue
		}
		f, err := strconv.ParseFloat(before, 64)
		if err != nil || f < 0 || strings.ContainsAny(before, "eEInN+") {
			return 0
		}
		total, rest = total+f*unit.seconds, after
	}
	if rest != "" || total >= 1e7 {
		return 0
	}
	return total
}

// timeLayouts are the date forms peers send: RFC 3339 with or without fractions, and
// without a zone (taken as UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"}

// timeOf parses a date field tolerantly; the zero time when absent or unreadable.
func timeOf(raw json.RawMessage) time.Time {
	s := strings.TrimSpace(text(raw))
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// contentOf returns content, or when only contentMap is given the "en" value or else the
// value of the first language in sorted order, plus the map itself.
func contentOf(content, contentMap json.RawMessage) (string, map[string]string) {
	var m map[string]string
	if !isNull(contentMap) {
		var raw map[string]json.RawMessage
		if json.Unmarshal(contentMap, &raw) == nil {
			for lang, v := range raw {
				if s := text(v); s != "" {
					if m == nil {
						m = map[string]string{}
					}
					m[lang] = s
				}
			}
		}
	}
	if s := text(content); s != "" || len(m) == 0 {
		return s, m
	}
	if s, ok := m["en"]; ok {
		return s, m
	}
	langs := make([]string, 0, len(m))
	for lang := range m {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	return m[langs[0]], m
}

// tagsOf reads tag: Mention, Hashtag, Emoji and unknown kinds alike (Type tells). An
// Emoji's Href is its image URL, which is what rendering it needs.
func tagsOf(raw json.RawMessage) ([]Tag, error) {
	list, err := elements(raw, maxTags, "tags")
	if err != nil {
		return nil, err
	}
	var tags []Tag
	for _, e := range list {
		var w struct{ Type, Name, Href, Icon json.RawMessage }
		if json.Unmarshal(e, &w) != nil {
			continue // a bare string or number is not a tag we can use
		}
		t := Tag{Type: text(w.Type), Name: text(w.Name), Href: hrefOf(w.Href)}
		if t.Type == TypeEmoji {
			t.Href = imageURL(w.Icon)
		}
		if t.Type != "" || t.Name != "" || t.Href != "" {
			tags = append(tags, t)
		}
	}
	return tags, nil
}

// imageURL reads icon and image: a URL, an Image object whose url may itself be a string,
// a Link or an array, or an array of images (the first wins).
func imageURL(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return ""
	}
	if raw[0] == '[' {
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
			return ""
		}
		return imageURL(list[0])
	}
	return hrefOf(raw)
}

// attachmentsOf splits attachment into profile fields (PropertyValue) and media.
func attachmentsOf(raw json.RawMessage) ([]Field, []Attachment, error) {
	list, err := elements(raw, maxTags, "attachments")
	if err != nil {
		return nil, nil, err
	}
	var fields []Field
	var atts []Attachment
	for _, e := range list {
		var w struct {
			Type, MediaType, URL, Href, Name, Summary, Value, Blurhash, Width, Height, Duration json.RawMessage
		}
		if json.Unmarshal(e, &w) != nil {
			continue
		}
		if text(w.Type) == TypePropertyValue {
			fields = append(fields, Field{Name: text(w.Name), Value: text(w.Value)})
			continue
		}
		// The description is summary where a server sends one (GoToSocial sends it only
		// there; honk sends the file's name in name and the description in summary), else
		// name (Mastodon's).
		alt := text(w.Summary)
		if strings.TrimSpace(alt) == "" {
			alt = text(w.Name)
		}
		a := Attachment{Type: text(w.Type), MediaType: text(w.MediaType), URL: hrefOf(w.URL),
			Name: alt, Blurhash: text(w.Blurhash), Width: intOf(w.Width), Height: intOf(w.Height),
			Duration: durationOf(w.Duration)}
		if a.URL == "" {
			a.URL = hrefOf(w.Href)
		}
		if a.URL != "" {
			atts = append(atts, a)
		}
	}
	return fields, atts, nil
}

// objectOf reads an activity's object: a link (an id) or an embedded thing kept raw.
func objectOf(raw json.RawMessage) (Object, error) {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return Object{}, nil
	}
	switch raw[0] {
	case '"':
		return Object{ID: text(raw)}, nil
	case '{':
		// One pass for what idOf would read (id, else href) and the type.
		var w struct{ ID, Href, Type json.RawMessage }
		if err := json.Unmarshal(raw, &w); err != nil {
			return Object{}, storage.Wrap(storage.Invalid, err, "malformed object")
		}
		typ := text(w.Type)
		if typ == "" { // JSON-LD allows a list of types; the first is the one that matters
			var types []string
			if json.Unmarshal(w.Type, &types) == nil && len(types) > 0 {
				typ = types[0]
			}
		}
		id := text(w.ID)
		if id == "" {
			id = text(w.Href)
		}
		return Object{ID: id, Type: typ, Raw: bytes.Clone(raw), checked: true}, nil
	case '[':
		list, err := elements(raw, 1, "objects") // peers must not send arrays; take a lone one
		if err != nil || len(list) == 0 {
			return Object{}, storage.Errorf(storage.Invalid, "object is an array")
		}
		return objectOf(list[0])
	}
	return Object{}, storage.Errorf(storage.Invalid, "malformed object")
}

// firstKey reads the first of an array of public keys when go-ap found none, since a few
// servers publish publicKey as an array.
func firstKey(raw json.RawMessage) PublicKey {
	list, err := elements(raw, maxTags, "keys")
	if err != nil {
		return PublicKey{}
	}
	for _, e := range list {
		var k struct{ ID, Owner, PublicKeyPem json.RawMessage }
		if json.Unmarshal(e, &k) == nil && text(k.PublicKeyPem) != "" {
			return PublicKey{ID: text(k.ID), Owner: text(k.Owner), PEM: text(k.PublicKeyPem)}
		}
	}
	return PublicKey{}
}

// need returns an Invalid error naming the first empty required field.
func need(what string, fields ...[2]string) error {
	for _, f := range fields {
		if f[1] == "" {
			return storage.Errorf(storage.Invalid, "%s has no %s", what, f[0])
		}
	}
	return nil
}
