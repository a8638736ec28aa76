package translate

import (
	"strconv"
	"strings"
)

// isTag reports whether s looks like a BCP 47 language tag: letters and digits in parts
// of one to eight joined by hyphens, the first of two or three letters.
func isTag(s string) bool {
	if s == "" || len(s) > 35 {
		return false
	}
	for i, part := range strings.Split(strings.ReplaceAll(s, "_", "-"), "-") {
		if len(part) == 0 || len(part) > 8 || (i == 0 && (len(part) < 2 || len(part) > 3)) {
			return false
		}
		for _, c := range part {
			letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}

// norm is a tag in lower case with hyphens.
func norm(tag string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(tag), "_", "-"))
}

// primary is a tag's language subtag.
func primary(tag string) string {
	p, _, _ := strings.Cut(norm(tag), "-")
	return p
}

// chineseScript is "hant" for traditional Chinese (by script, or by the regions that
// write it), "hans" otherwise.
func chineseScript(tag string) string {
	for _, part := range strings.Split(norm(tag), "-")[1:] {
		switch part {
		case "hant", "tw", "hk", "mo":
			return "hant"
		}
	}
	return "hans"
}

// SameLanguage reports whether two tags name the same language for a reader: en-US and
// en-GB do, zh-Hans and zh-Hant do not (a reader of one may want the other). A tag not
// known ("") is the same as none.
func SameLanguage(a, b string) bool {
	if norm(a) == "" || norm(b) == "" {
		return false
	}
	if primary(a) != primary(b) {
		return false
	}
	return primary(a) != "zh" || chineseScript(a) == chineseScript(b)
}

// codeIn is the server's code for the language tag names: the code itself, else for
// Chinese the server's code of its script (LibreTranslate's zh and zt, or zh-Hans and
// zh-Hant), else the code of its primary subtag; "" when the server has none.
func codeIn(langs []Language, tag string) string {
	if norm(tag) == "" {
		return ""
	}
	want := []string{norm(tag)}
	if primary(tag) == "zh" {
		if chineseScript(tag) == "hant" {
			want = append(want, "zh-hant", "zt", "zh-tw")
		} else {
			want = append(want, "zh-hans", "zh", "zh-cn")
		}
	} else {
		want = append(want, primary(tag))
	}
	for _, w := range want {
		for _, l := range langs {
			if norm(l.Code) == w {
				return l.Code
			}
		}
	}
	return ""
}

// canTranslate reports whether the server translates source into target.
func canTranslate(langs []Language, source, target string) bool {
	for _, l := range langs {
		if l.Code == source {
			for _, t := range l.Targets {
				if t == target {
					return true
				}
			}
			return false
		}
	}
	return false
}

// ReaderLanguage is the language a reader reads: the one it posts in when it chose one,
// else the first of its browser's or app's Accept-Language, else English.
func ReaderLanguage(chosen, acceptLanguage string) string {
	if chosen = strings.TrimSpace(chosen); isTag(chosen) {
		return chosen
	}
	best, bestQ := "", -1.0
	for _, item := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(item), ";")
		tag = strings.TrimSpace(tag)
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if isTag(tag) && q > bestQ && q > 0 {
			best, bestQ = tag, q
		}
	}
	if best != "" {
		return best
	}
	return "en"
}
