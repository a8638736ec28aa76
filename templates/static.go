package templates

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"time"
)

// asset is an embedded static file with what is needed to serve it.
type asset struct {
	body    []byte
	ctype   string
	version string // a short hash of body, for cache busting and the ETag
}

// assets are the files under /static/, loaded once: the embedded ones cannot change.
var assets = loadAssets(map[string]string{
	"style.css": "text/css; charset=utf-8",
	// The one script: first-party progressive enhancement; every page works without it.
	"refuge.js":  "text/javascript; charset=utf-8",
	"avatar.svg": "image/svg+xml",
	"header.svg": "image/svg+xml",
	// The instance's icon: pages link the SVG (and the ICO for browsers without SVG
	// icons); /favicon.ico is the ICO too, for clients that ask without looking.
	"favicon.svg": "image/svg+xml",
	"favicon.ico": "image/x-icon",
	// The icons of a post's audience side by side, 16 pixels each (public, unlisted,
	// followers, direct): style.css shows the one of each badge.
	"visibility.svg": "image/svg+xml",
})

// built is the Last-Modified of the assets: the process start, as they come with the binary.
var built = time.Now()

func loadAssets(types map[string]string) map[string]*asset {
	m := make(map[string]*asset, len(types))
	for name, ctype := range types {
		b, err := files.ReadFile("static/" + name)
		if err != nil {
			panic("templates: missing embedded static/" + name) // a build mistake, caught by any test
		}
		sum := sha256.Sum256(b)
		m[name] = &asset{body: b, ctype: ctype, version: hex.EncodeToString(sum[:6])}
	}
	return m
}

// StaticURL is the path of a static file, versioned by its content so that browsers may
// cache it for a year and still see a new version after an upgrade.
func StaticURL(name string) string {
	if a, ok := assets[name]; ok {
		return "/static/" + name + "?v=" + a.version
	}
	return "/static/" + name
}

// StaticHandler serves the embedded files under /static/ (style.css, avatar.svg) with
// their Content-Type and a one-year immutable cache: pages link them with a ?v= content
// hash. Mount it at "/static/"; anything else is a 404.
func StaticHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/static/")
		if !ok || path.Base(name) != name {
			name = ""
		}
		serveAsset(w, r, name, "public, max-age=31536000, immutable")
	})
}

// FaviconHandler serves /favicon.ico, which browsers and feed readers ask for by that
// name. The name has no version to bust, so it is kept for a day, not a year.
func FaviconHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serveAsset(w, r, "favicon.ico", "public, max-age=86400")
	})
}

func serveAsset(w http.ResponseWriter, r *http.Request, name, cacheControl string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	a := assets[name]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", cacheControl)
	h.Set("ETag", `"`+a.version+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, built, bytes.NewReader(a.body))
}
