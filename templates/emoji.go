package templates

import (
	"html/template"
	"strings"

	"refuge/storage"
)

// Custom emoji: a remote post's, name's or bio's :shortcode: shown as its picture, from the
// remote media cache (the pages load nothing from other servers), with the shortcode as its
// text for whoever cannot see it.

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

// emojiName is a remote actor's display name, escaped, with its custom emoji as pictures.
func emojiName(a *storage.Actor) template.HTML {
	name := template.HTMLEscapeString(displayName(a))
	if a == nil {
		return template.HTML(name)
	}
	return emojify(name, a.Emojis, "")
}

// emojiText is plain text, escaped, with the custom emoji of tags as pictures.
func emojiText(text string, tags []storage.Tag) template.HTML {
	return emojify(template.HTMLEscapeString(text), tags, "")
}
