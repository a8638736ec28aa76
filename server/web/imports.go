package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"

	"github.com/gorilla/mux"

	"refuge/outbox/imports"
	"refuge/storage"
	"refuge/templates"
)

// importLabels name the kinds of import as the form offers them.
var importLabels = map[storage.ImportKind]string{
	storage.ImportFollows:      "Following list",
	storage.ImportLists:        "Lists",
	storage.ImportMutes:        "Muted accounts",
	storage.ImportBlocks:       "Blocked accounts",
	storage.ImportDomainBlocks: "Blocked servers",
	storage.ImportBookmarks:    "Bookmarks",
	storage.ImportArchive:      "Archive of your posts (Mastodon's)",
}

// importPage is the import form and the account's recent imports; while one is under way
// the page reloads itself every few seconds, so that its progress shows without script.
func (h *Handler) importPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	jobs, err := h.Imports.Jobs(r.Context(), viewer.ID, 10)
	if err != nil {
		return err
	}
	d := &templates.ImportData{Jobs: jobs, MaxSize: sizeText(imports.MaxCSVBytes)}
	for _, k := range append(storage.ImportKinds, storage.ImportArchive) {
		if h.Imports.Has(k) {
			d.Kinds = append(d.Kinds, templates.Choice{Value: string(k), Label: importLabels[k], Checked: r.URL.Query().Get("kind") == string(k)})
		}
	}
	pg := h.page(r, "Import", d)
	for _, j := range jobs {
		if j.State == storage.ImportQueued || j.State == storage.ImportRunning {
			pg.Refresh = 3
		}
	}
	return h.render(w, r, http.StatusOK, "import", pg)
}

// sizeText says a number of bytes in MiB.
func sizeText(n int64) string { return fmt.Sprintf("%d MiB", n>>20) }

// importUpload queues an import of the uploaded file. It reads the multipart form as it
// arrives, without h.Form's parsing, so that the file goes straight to disk (Runner.Enqueue)
// and is never held in memory: the token, kind and mode come before the file in the form.
func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) error {
	viewer, sess := h.Auth.Session(r)
	if viewer == nil {
		return storage.Errorf(storage.Unauthorized, "sign in first: your session has ended or you are signed out")
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.Imports.Largest()+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return storage.Wrap(storage.Invalid, err, "the form must be sent as multipart/form-data, with a file")
	}
	fields := map[string]string{}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return storage.Errorf(storage.Invalid, "choose a file to import")
		}
		if err != nil {
			return formError(err)
		}
		name := part.FormName()
		if name != "file" {
			v, err := io.ReadAll(io.LimitReader(part, 4<<10))
			if err != nil {
				return formError(err)
			}
			fields[name] = string(v)
			continue
		}
		return h.enqueueImport(w, r, viewer, sess, fields, part)
	}
}

// enqueueImport checks the form's token and queues the file part.
func (h *Handler) enqueueImport(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token, fields map[string]string, file *multipart.Part) error {
	if err := h.checkCSRFToken(r, fields["csrf"], sess.CSRF); err != nil {
		return err
	}
	if file.FileName() == "" {
		return storage.Errorf(storage.Invalid, "choose a file to import")
	}
	mode := storage.ImportMode(fields["mode"])
	if mode == "" {
		mode = storage.ImportMerge
	}
	_, err := h.Imports.Enqueue(r.Context(), viewer.ID, storage.ImportKind(fields["kind"]), mode, file)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return storage.Errorf(storage.TooLarge, "the file is too large to import")
	}
	if err != nil {
		return err
	}
	h.flash(w, "import-queued")
	http.Redirect(w, r, "/settings/import", http.StatusSeeOther)
	return nil
}

// exportPage offers the account's CSV lists and its archive for download.
func (h *Handler) exportPage(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	d := &templates.ExportData{}
	for _, k := range storage.ImportKinds {
		d.Files = append(d.Files, templates.Choice{Value: "/settings/export/" + string(k) + ".csv",
			Label: importLabels[k] + " (" + imports.ExportName(k) + ")"})
	}
	return h.render(w, r, http.StatusOK, "export", h.page(r, "Export", d))
}

// exportCSV downloads one of the account's CSV lists, as Mastodon names and writes it.
func (h *Handler) exportCSV(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	k := storage.ImportKind(mux.Vars(r)["kind"])
	// Written whole before the answer starts (an account's lists are small), so that a
	// failed read is an error page, not half a file.
	var buf bytes.Buffer
	if err := imports.Export(r.Context(), h.Read.DB, k, viewer, &buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+imports.ExportName(k)+`"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err := w.Write(buf.Bytes())
	return err
}
