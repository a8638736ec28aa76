package federation

import (
	"strings"
	"sync"
	"testing"
)

func TestSanitizeHTML(t *testing.T) {
	const rel = `rel="nofollow noreferrer noopener" target="_blank"`
	tests := []struct {
		name, in, want string
	}{
		{"script", `<p>hi<script>alert(1)</script></p>`, `<p>hi</p>`},
		{"style element", `<style>body{display:none}</style><p>x</p>`, `<p>x</p>`},
		{"style attribute", `<p style="position:fixed">x</p>`, `<p>x</p>`},
		{"onerror", `<img src="x" onerror="alert(1)">ok`, `ok`},
		{"onclick", `<span onclick="steal()">x</span>`, `<span>x</span>`},
		{"javascript href", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"data href", `<a href="data:text/html,<script>alert(1)</script>">x</a>`, `x`},
		{"iframe", `<iframe src="https://evil.example"></iframe>x`, `x`},
		{"form", `<form action="https://evil.example"><input name="p"></form>x`, `x`},
		{"svg", `<svg onload="alert(1)"><circle/></svg>x`, `x`},
		{"unknown class dropped", `<span class="evil">x</span>`, `<span>x</span>`},
		{"link gets rel", `<a href="https://e.example/x" rel="me">l</a>`, `<a href="https://e.example/x" ` + rel + `>l</a>`},
		{"formatting kept", `<p><strong>a</strong> <em>b</em> <code>c</code></p><blockquote><ul><li>d</li></ul></blockquote><pre>e</pre><del>f</del>`,
			`<p><strong>a</strong> <em>b</em> <code>c</code></p><blockquote><ul><li>d</li></ul></blockquote><pre>e</pre><del>f</del>`},
		{"mastodon mention", `<p><span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span></p>`,
			`<p><span class="h-card"><a href="https://m.example/@bob" class="u-url mention" ` + rel + `>@<span>bob</span></a></span></p>`},
		{"mastodon hashtag", `<a href="https://m.example/tags/go" class="mention hashtag" rel="tag">#<span>go</span></a>`,
			`<a href="https://m.example/tags/go" class="mention hashtag" ` + rel + `>#<span>go</span></a>`},
		{"mastodon link", `<a href="https://e.example/a/long/path"><span class="invisible">https://</span><span class="ellipsis">e.example/a/lo</span><span class="invisible">ng/path</span></a>`,
			`<a href="https://e.example/a/long/path" ` + rel + `><span class="invisible">https://</span><span class="ellipsis">e.example/a/lo</span><span class="invisible">ng/path</span></a>`},
	}
	for _, tt := range tests {
		if got := SanitizeHTML(tt.in); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

// TestSanitizeConcurrent: the shared policy is used from many goroutines (go test -race).
func TestSanitizeConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				if out := SanitizeHTML(`<p onclick="x">a<script>b</script></p>`); out != `<p>a</p>` {
					t.Errorf("got %q", out)
				}
			}
		}()
	}
	wg.Wait()
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<p>a &amp; b<br>c</p><p>d &lt;x&gt;</p>`, "a & b\nc\nd <x>"},
		{`<p><span class="h-card"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> hi</p>`, "@bob hi"},
		{`<script>alert(1)</script>text`, "text"},
		{`plain`, "plain"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.in); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(PlainText(tt.in), "<script") {
			t.Errorf("script survived")
		}
	}
}
