// Package testhtml checks HTML that tests get back: whether what was cut to a length is
// still well-formed. It imports nothing of this module, so that any package's internal
// tests can use it.
package testhtml

import (
	"io"
	"strings"

	"golang.org/x/net/html"
)

// WellFormed says why s is not well-formed HTML (an end tag that closes nothing open, an
// element left open, a tag or an entity cut in half), or "" when it is. <br> is the one void
// element it knows, the only one remote HTML keeps.
func WellFormed(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	for {
		switch z.Next() {
		case html.ErrorToken:
			if z.Err() != io.EOF {
				return z.Err().Error()
			}
			if len(open) > 0 {
				return "left open: " + strings.Join(open, ",")
			}
			return ""
		case html.StartTagToken:
			if name, _ := z.TagName(); string(name) != "br" {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				return "stray </" + string(name) + ">"
			}
			open = open[:len(open)-1]
		case html.TextToken:
			raw := string(z.Raw())
			if strings.ContainsAny(raw, "<>") {
				return "a tag cut in half: " + raw
			}
			if amp := strings.LastIndexByte(raw, '&'); amp >= 0 && !strings.Contains(raw[amp:], ";") {
				return "an entity cut in half: " + raw[amp:]
			}
		}
	}
}
