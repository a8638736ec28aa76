package httpx

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchWords make the posts' text: varied enough that it compresses like prose.
var benchWords = strings.Fields(`the a federated server instance follows posts replies timeline morning coffee
	garden rain river mountain library bicycle kitchen window evening music photograph travel
	station market winter summer friend neighbour letter question answer project release bug
	fix test database query index cache network signature key actor inbox outbox delivery
	retry schedule moderation report block mute language translation accessibility image
	description video sound poll vote result weekend holiday book chapter author reading`)

// benchText is n words of pseudo-random text, the same for the same seed.
func benchText(seed, n int) string {
	words := make([]string, n)
	x := uint32(seed*2654435761 + 1)
	for i := range words {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		words[i] = benchWords[x%uint32(len(benchWords))]
	}
	return strings.Join(words, " ")
}

// benchPage is an HTML page of about 28 KB like a profile page with its posts: the frame,
// then posts that differ in their text but share their markup.
func benchPage() []byte {
	var b bytes.Buffer
	b.WriteString(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>alice</title>` +
		`<link rel="stylesheet" href="/static/style.css?v=0123456789ab"></head><body><header><nav><ul>` +
		`<li><a href="/">Home</a></li><li><a href="/notifications">Notifications</a></li></ul></nav></header><main>`)
	for i := 0; b.Len() < 28<<10; i++ {
		fmt.Fprintf(&b, `<article class="post" id="n%d"><header><a class="author" href="https://example.social/@alice">`+
			`<img class="avatar" src="/static/avatar.svg" alt="" width="48" height="48"> Alice</a> `+
			`<a class="time" href="https://example.social/users/alice/statuses/%d"><time datetime="2026-11-%02dT10:%02d:00Z">%d Nov</time></a></header>`+
			`<div class="content"><p>Post number %d: %s, with a <a href="https://example.social/tags/go">#go</a> tag.</p></div>`+
			`<footer><form method="post" action="/web/notes/%d/like"><button class="act" type="submit">★ Like %d</button></form></footer></article>`+"\n",
			i, 1000+i, i%28+1, i%60, i%28+1, i, benchText(i, 30+i%40), 1000+i, i%9)
	}
	b.WriteString(`</main></body></html>`)
	return b.Bytes()
}

// BenchmarkCompress measures the middleware serving benchPage for each encoding.
func BenchmarkCompress(b *testing.B) {
	page := benchPage()
	h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(page)
	}))
	for _, enc := range []string{"identity", "gzip", "zstd"} {
		b.Run(enc, func(b *testing.B) {
			r := httptest.NewRequest("GET", "/@alice", nil)
			r.Header.Set("Accept-Encoding", enc)
			var out countingWriter
			b.ReportAllocs()
			b.SetBytes(int64(len(page)))
			for b.Loop() {
				out.n = 0
				out.h = http.Header{}
				h.ServeHTTP(&out, r)
			}
			b.ReportMetric(float64(out.n), "bytes/answer")
		})
	}
}

// countingWriter is a ResponseWriter that counts the body's bytes and keeps none.
type countingWriter struct {
	h http.Header
	n int
}

func (c *countingWriter) Header() http.Header         { return c.h }
func (c *countingWriter) WriteHeader(int)             {}
func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
