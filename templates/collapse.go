package templates

import (
	"html/template"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Long posts are collapsed as Mastodon's web interface collapses them: it measures the
// rendered text and collapses a post without a content warning taller than 32 lines, showing
// about its first 15 lines with "Show more". A page has no script to measure with, so the
// lines are estimated here: each paragraph or line break starts a line, a line wraps every
// charsPerLine characters (a post's column at the size of its text), and a paragraph is
// followed by a blank line.
const (
	charsPerLine   = 60
	collapseAbove  = 32 // lines: a post longer than this is collapsed
	collapsedLines = 15 // lines shown of a collapsed post, at most
	minLeadLines   = 5  // a lead ending at a paragraph shorter than this is cut in its text instead
)

// blocks are the elements after which the text goes on on a new line.
var blocks = map[string]bool{"p": true, "div": true, "blockquote": true, "li": true, "pre": true,
	"ul": true, "ol": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true}

// splitLong cuts the sanitized HTML of a long post in two: the lead shown at first and the
// rest shown with "Show more". It cuts after a paragraph or a line break when one ends the
// lead's lines late enough, else in the text at a space; the elements open at the cut are
// closed in the lead and opened again in the rest. ok is false for a post that is not long,
// which is shown whole.
func splitLong(content string) (lead, rest template.HTML, ok bool) {
	type token struct {
		raw   string
		tok   html.Token
		lines int  // estimated lines before the token
		col   int  // characters on the current line before the token
		pre   bool // in a <pre>, where the text's line breaks are the page's
	}
	var toks []token
	lines, col := 0, 0
	endLine := func() {
		lines += max(1, (col+charsPerLine-1)/charsPerLine)
		col = 0
	}
	pre := 0 // inside <pre>, where a line break in the text is one on the page
	z := html.NewTokenizer(strings.NewReader(content))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		raw := string(z.Raw())
		t := z.Token()
		toks = append(toks, token{raw: raw, tok: t, lines: lines, col: col, pre: pre > 0})
		switch {
		case tt == html.TextToken && pre > 0:
			rows := strings.Split(t.Data, "\n")
			for _, row := range rows[:len(rows)-1] {
				col += utf8.RuneCountInString(row)
				endLine()
			}
			col += utf8.RuneCountInString(rows[len(rows)-1])
		case tt == html.TextToken:
			col += utf8.RuneCountInString(t.Data)
		case t.Data == "pre" && tt == html.StartTagToken:
			pre++
		case t.Data == "br" && (tt == html.StartTagToken || tt == html.SelfClosingTagToken):
			endLine()
		case tt == html.EndTagToken && blocks[t.Data]:
			if t.Data == "pre" && pre > 0 {
				pre--
			}
			if col > 0 {
				endLine()
			}
			lines++ // the margin after a paragraph
		}
	}
	if col > 0 {
		endLine()
	}
	if lines <= collapseAbove {
		return "", "", false
	}

	// The cut: the last paragraph end or line break within the lead's lines, when it leaves
	// a lead long enough; else in the text token where the lead's lines run out.
	cut, cutText := -1, -1
	for i, t := range toks {
		if t.lines > collapsedLines || t.lines == collapsedLines && t.col > 0 {
			break
		}
		isBreak := t.tok.Type == html.EndTagToken && blocks[t.tok.Data] ||
			t.tok.Data == "br" && (t.tok.Type == html.StartTagToken || t.tok.Type == html.SelfClosingTagToken)
		if isBreak && t.lines >= minLeadLines-1 {
			cut = i + 1
		}
	}
	at := 0 // in the text token cutText, the byte where the rest starts
	if cut < 0 {
		budget := collapsedLines * charsPerLine
		for i, t := range toks {
			if t.tok.Type != html.TextToken {
				continue
			}
			text := t.tok.Data
			if t.pre {
				// Cut at the line break where the lead's lines run out.
				at = preCut(text, t.lines, t.col)
				if at < 0 {
					continue
				}
			} else {
				seen := t.lines*charsPerLine + t.col
				if seen+utf8.RuneCountInString(text) <= budget {
					continue
				}
				// Cut at the last space before the budget runs out (or the first after it).
				keep := byteOffset(text, max(0, budget-seen))
				at = strings.LastIndexByte(text[:keep], ' ')
				if at <= 0 {
					at = strings.IndexByte(text[keep:], ' ')
					if at < 0 {
						continue
					}
					at += keep
				}
			}
			cutText = i
			break
		}
		if cutText < 0 {
			return "", "", false // no place to cut: shown whole
		}
		cut = cutText
	}

	// The elements open at the cut, to close in the lead and open again in the rest.
	var open []html.Token
	var l, r strings.Builder
	for i, t := range toks {
		if i >= cut {
			break
		}
		l.WriteString(t.raw)
		switch t.tok.Type {
		case html.StartTagToken:
			if !voidElements[t.tok.Data] {
				open = append(open, t.tok)
			}
		case html.EndTagToken:
			for j := len(open) - 1; j >= 0; j-- {
				if open[j].Data == t.tok.Data {
					open = open[:j]
					break
				}
			}
		}
	}
	if cutText >= 0 {
		text := toks[cutText].tok.Data
		l.WriteString(html.EscapeString(strings.TrimRight(text[:at], " ")))
		l.WriteString("…")
	}
	for j := len(open) - 1; j >= 0; j-- {
		l.WriteString("</" + open[j].Data + ">")
	}
	for _, t := range open {
		r.WriteString(t.String())
	}
	start := cut
	if cutText >= 0 {
		r.WriteString(html.EscapeString(strings.TrimLeft(toks[cutText].tok.Data[at:], " \n")))
		start = cutText + 1
	}
	for _, t := range toks[start:] {
		r.WriteString(t.raw)
	}
	// Both halves are made of the tokens of sanitized HTML and tags copied from it.
	return template.HTML(l.String()), template.HTML(r.String()), true
}

// preCut is the byte in the text of a <pre>, which starts after lines lines and col
// characters, where the lead's lines run out: the start of a line; -1 when they do not.
func preCut(text string, lines, col int) int {
	at := 0
	for {
		end := strings.IndexByte(text[at:], '\n')
		if end < 0 {
			return -1
		}
		lines += max(1, (col+utf8.RuneCountInString(text[at:at+end])+charsPerLine-1)/charsPerLine)
		col = 0
		at += end + 1
		if lines >= collapsedLines && at < len(text) {
			return at
		}
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"br": true, "img": true, "hr": true, "wbr": true}

// byteOffset is the byte offset in s of its rune number n (len(s) when it has fewer).
func byteOffset(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}
