package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/buckket/go-blurhash"
	"github.com/gorilla/mux"

	"refuge/outbox/media"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// remoteWait is how long a reader's request for a remote file not stored yet waits for its
// fetch before it gets a placeholder: a picture is usually there within it, and a page
// never waits for it (its images load on their own).
const remoteWait = 3 * time.Second

// serveRemoteMedia serves another server's file from the remote media cache, under the key
// of its URL, with the headers of an upload; thumb asks for its thumbnail (the file itself
// when it has none). A file not there — not fetched yet, pruned, or refused — is fetched
// now when it may be, and stands in meanwhile as the default avatar or header, or a blank
// picture that the page's style shows as a placeholder, never cached.
func (h *Handler) serveRemoteMedia(thumb bool) httpx.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if h.Media == nil {
			return httpx.ErrNotFound
		}
		ctx, cancel := context.WithTimeout(r.Context(), remoteWait)
		defer cancel()
		m, err := h.Media.Want(ctx, mux.Vars(r)["key"])
		if err != nil {
			if storage.KindOf(err) == storage.NotFound {
				return httpx.ErrNotFound
			}
			return err
		}
		f, name, err := h.Media.Open(m, thumb)
		if err != nil {
			return servePlaceholder(w, r, m)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return servePlaceholder(w, r, m)
		}
		setMediaHeaders(w, media.TypeOf(name))
		// Not immutable: a file pruned and fetched again may differ.
		w.Header().Set("Cache-Control", "public, max-age=604800")
		http.ServeContent(w, r, "", st.ModTime(), f)
		return nil
	}
}

// setMediaHeaders makes sure a browser shows a file as the picture, video or sound it is
// and never runs it, even opened on its own.
func setMediaHeaders(w http.ResponseWriter, contentType string) {
	hdr := w.Header()
	hdr.Set("Content-Type", contentType)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hdr.Set("Content-Disposition", "inline")
	hdr.Set("Cross-Origin-Resource-Policy", "cross-origin") // other servers' pages show our images
}

// servePlaceholder stands in for a remote file that is not here: an actor's default avatar
// or header, or for an attachment its blurhash drawn small (a blank picture without one) —
// 503 while it may still come, 404 once it was refused.
func servePlaceholder(w http.ResponseWriter, r *http.Request, m *storage.RemoteMedia) error {
	w.Header().Set("Cache-Control", "no-store")
	switch m.Kind {
	case storage.RemoteAvatar:
		http.Redirect(w, r, templates.StaticURL("avatar.svg"), http.StatusFound)
		return nil
	case storage.RemoteHeader:
		http.Redirect(w, r, templates.StaticURL("header.svg"), http.StatusFound)
		return nil
	}
	picture := blurred(m.Blurhash)
	setMediaHeaders(w, "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(len(picture)))
	if m.State == storage.RemoteFailed {
		w.WriteHeader(http.StatusNotFound)
	} else {
		w.Header().Set("Retry-After", "10")
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	if r.Method != http.MethodHead {
		w.Write(picture)
	}
	return nil
}

// blurredSide is the size of the picture a blurhash is drawn as: the page stretches it
// over the attachment's box, and a blur needs no more.
const blurredSide = 32

// blurred draws a blurhash as a small PNG, or is the blank picture when there is none or
// it cannot be read (it came from another server).
func blurred(hash string) []byte {
	if hash == "" {
		return blankPNG
	}
	img, err := blurhash.Decode(hash, blurredSide, blurredSide, 1)
	if err != nil {
		return blankPNG
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return blankPNG
	}
	return b.Bytes()
}

// blankPNG is one transparent pixel.
var blankPNG = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.Transparent)
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}()
