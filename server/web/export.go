package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"refuge/outbox/archive"
	"refuge/storage"
)

// exportArchive streams the signed-in account's archive (Mastodon's format, a zip) as a
// download. It is limited per account (httpx.Limits.Exports): each one reads every post and
// copies every file.
func (h *Handler) exportArchive(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	if r.Method == http.MethodHead {
		// What a download manager asks before the download: the headers, without the work
		// or a turn of the limit.
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+archiveFileName(viewer.Username, h.Domain, time.Now())+`"`)
		w.WriteHeader(http.StatusOK)
		return nil
	}
	if h.Limits != nil && h.Limits.Exports != nil {
		if err := h.Limits.Exports.Limit(r.Context(), strconv.FormatInt(viewer.ID, 10), time.Now(),
			"Your archive was downloaded a moment ago: try again in five minutes."); err != nil {
			return err
		}
	}
	name := archiveFileName(viewer.Username, h.Domain, time.Now())
	out := &downloadWriter{w: w, rc: http.NewResponseController(w), header: func() {
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "private, no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}}
	// Nothing is written before the export has checked the account, so that a refusal is
	// answered as a page, not as a broken zip.
	_, err := archive.NewExporter(h.Outbox).Export(r.Context(), viewer, out)
	if err != nil && out.started && h.Log != nil {
		h.Log.Warn("archive download cut short", "account", viewer.Username, "err", err)
	}
	return err
}

// archiveFileName is the name a download is saved under: the account's handle and the day,
// in characters every file system takes.
func archiveFileName(username, domain string, now time.Time) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' || r == '@' {
			return r
		}
		return '_'
	}, username+"@"+domain)
	return fmt.Sprintf("archive-%s-%s.zip", clean, now.UTC().Format("2006-01-02"))
}

// downloadWriter sends the headers with the first bytes, and keeps pushing the connection's
// write deadline on while the download moves: the server's WriteTimeout is for pages, and a
// large archive takes longer than that, but a stalled reader is still let go.
type downloadWriter struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	header   func()
	started  bool
	deadline time.Time
}

// downloadStall is how long a download may make no progress before it is given up.
const downloadStall = time.Minute

func (d *downloadWriter) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		d.header()
	}
	if now := time.Now(); now.After(d.deadline.Add(-downloadStall / 2)) {
		d.deadline = now.Add(downloadStall)
		_ = d.rc.SetWriteDeadline(d.deadline) // not every writer has one; then the server's stands
	}
	return d.w.Write(p)
}
