package templates

import (
	"html/template"
	"strings"

	"refuge/storage"
)

// Custom emoji: a post's, name's, bio's or profile field's :shortcode: shown as its picture,
// this instance's own from here and another server's from the remote media cache (the pages
// load nothing from other servers), with the shortcode as its text for whoever cannot see
// it.

// emojify replaces, in the text of safe HTML (never inside a tag, where a picture would break
// the markup), each :shortcode: that tags name with its picture: this instance's own (on
// host instance) where it is, another server's from the cache.
func emojify(html string, tags []storage.Tag, instance string) template.HTML {
	pictures := map[string]string{}
	for _, t := range tags {
		if t.Type == storage.TagEmoji {
			pictures[t.Name] = servedURL(t.Href, instance != "" && storage.HostOf(t.Href) == instance)
		}
	}
	if len(pictures) == 0 || !strings.Contains(html, ":") {
		return template.HTML(html)
	}
	var b strings.Builder
	for html != "" {
		lt := strings.IndexByte(html, '<')
		if lt < 0 {
			lt = len(html)
		}
		b.WriteString(replaceShortcodes(html[:lt], pictures))
		html = html[lt:]
		if gt := strings.IndexByte(html, '>'); gt >= 0 {
			b.WriteString(html[:gt+1])
			html = html[gt+1:]
		} else {
			b.WriteString(html)
			html = ""
		}
	}
	return template.HTML(b.String())
}

// replaceShortcodes replaces the :shortcode:s of text (HTML text, no tags) that pictures has.
func replaceShortcodes(text string, pictures map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, ':')
		if i < 0 {
			break
		}
		j := strings.IndexByte(text[i+1:], ':')
		if j < 0 {
			break
		}
		code := text[i : i+j+2]
		src, ok := pictures[code]
		if !ok {
			b.WriteString(text[:i+1]) // the second colon may open the next shortcode
			text = text[i+1:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteString(`<img class="emoji" src="` + template.HTMLEscapeString(src) + `" alt="` + template.HTMLEscapeString(code) +
			`" title="` + template.HTMLEscapeString(code) + `" width="20" height="20" loading="lazy">`)
		text = text[i+j+2:]
	}
	b.WriteString(text)
	return b.String()
}

// emojiName is an actor's display name, escaped, with its custom emoji as pictures.
func emojiName(a *storage.Actor) template.HTML {
	name := template.HTMLEscapeString(displayName(a))
	if a == nil {
		return template.HTML(name)
	}
	return emojify(name, a.Emojis, emojiHost(a))
}

// emojiText is plain text of a's (its bio, a profile field), escaped, with a's custom emoji
// as pictures.
func emojiText(text string, a *storage.Actor) template.HTML {
	if a == nil {
		return template.HTML(template.HTMLEscapeString(text))
	}
	return emojify(template.HTMLEscapeString(text), a.Emojis, emojiHost(a))
}

// emojiHost is the host whose emoji pictures a's name, bio and fields load from here: a
// local account's emoji are this instance's own, and on its host; another server's account
// has none of ours, and its pictures come from the cache.
func emojiHost(a *storage.Actor) string {
	if !a.Local {
		return ""
	}
	return storage.HostOf(a.URI)
}
