package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/storage"
	"refuge/templates"
)

// postNote publishes the compose form: text, content warning, audience, language, the
// note answered, and up to four images with their descriptions. A form that cannot be
// posted comes back with what was typed and the reason.
func (h *Handler) postNote(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	in := outbox.NoteInput{Content: r.PostFormValue("content"), Summary: r.PostFormValue("summary"),
		Visibility: r.PostFormValue("visibility"), Language: strings.TrimSpace(r.PostFormValue("language"))}
	form := &templates.ComposeData{Content: in.Content, Summary: in.Summary, Visibility: in.Visibility, Language: in.Language}
	if id := r.PostFormValue("in_reply_to"); id != "" {
		parent, err := h.replyTarget(r, viewer, id)
		if err != nil {
			return err
		}
		in.InReplyTo, form.ReplyTo = parent.URI, parent
	}
	uploads, err := h.uploads(ctx, r, viewer, "media_", "alt_", media.MaxAttachments)
	if err == nil {
		in.Media = uploads
		var n *storage.Note
		if n, _, err = h.Outbox.PostNote(ctx, viewer, in); err == nil {
			h.flash(w, "posted")
			http.Redirect(w, r, h.noteLink(n), http.StatusSeeOther)
			return nil
		}
		h.discard(ctx, uploads)
	}
	switch storage.KindOf(err) {
	case storage.Invalid, storage.TooLarge:
		pg := h.page(r, "New post", form)
		pg.Error = "Not posted: " + storage.Message(err)
		status := http.StatusBadRequest
		if storage.KindOf(err) == storage.TooLarge {
			status = http.StatusRequestEntityTooLarge
		}
		var notes []*storage.Note
		if form.ReplyTo != nil {
			notes = append(notes, form.ReplyTo)
		}
		return h.render(w, r, status, "compose", pg, notes...)
	}
	return err
}

// uploads saves the images, video and audio of file fields prefix1..prefixN with their descriptions from
// altPrefix1..altPrefixN. Empty fields (no file chosen) are skipped. On error nothing stays
// stored.
func (h *Handler) uploads(ctx context.Context, r *http.Request, viewer *storage.Actor, prefix, altPrefix string, n int) ([]storage.Media, error) {
	var out []storage.Media
	for i := 1; i <= n; i++ {
		fh := formFile(r, prefix+strconv.Itoa(i))
		if fh == nil {
			continue
		}
		m, err := h.saveFile(ctx, viewer, fh, r.PostFormValue(altPrefix+strconv.Itoa(i)), h.Outbox.SaveUpload)
		if err != nil {
			h.discard(ctx, out)
			return nil, storage.Wrap(storage.KindOf(err), err, fmt.Sprintf("attachment %d: %s", i, storage.Message(err)))
		}
		out = append(out, *m)
	}
	return out, nil
}

// formFile is the file of a multipart field, or nil when none was chosen.
func formFile(r *http.Request, field string) *multipart.FileHeader {
	if r.MultipartForm == nil || len(r.MultipartForm.File[field]) == 0 {
		return nil
	}
	fh := r.MultipartForm.File[field][0]
	if fh.Size == 0 && fh.Filename == "" {
		return nil
	}
	return fh
}

// saver is how an upload is stored: outbox.Service.SaveUpload, or SaveImage for a picture only.
type saver func(ctx context.Context, dataDir string, owner *storage.Actor, r io.Reader, alt string) (*storage.Media, error)

func (h *Handler) saveFile(ctx context.Context, viewer *storage.Actor, fh *multipart.FileHeader, alt string, save saver) (*storage.Media, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "the upload could not be read")
	}
	defer f.Close()
	return save(ctx, h.DataDir, viewer, f, alt)
}

// discard removes uploads whose post or profile was not saved.
func (h *Handler) discard(ctx context.Context, uploads []storage.Media) {
	for i := range uploads {
		if err := h.Outbox.DiscardUpload(ctx, h.DataDir, &uploads[i]); err != nil {
			h.Log.Warn("discard upload", "media", uploads[i].ID, "err", err)
		}
	}
}

// noteAction likes, boosts, pins or deletes a note (or undoes the first three), then goes
// back to the page the button was on, at the post.
func (h *Handler) noteAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	n, err := h.Read.NoteByID(ctx, reader.Local(viewer), reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	action := mux.Vars(r)["action"]
	switch action {
	case "like":
		_, err = h.Outbox.React(ctx, viewer, "Like", n.URI)
	case "unlike":
		err = h.Outbox.Unreact(ctx, viewer, "Like", n.URI)
	case "boost":
		_, err = h.Outbox.React(ctx, viewer, "Announce", n.URI)
	case "unboost":
		err = h.Outbox.Unreact(ctx, viewer, "Announce", n.URI)
	case "pin", "unpin":
		err = h.Outbox.Pin(ctx, viewer, n.URI, action == "pin")
	case "bookmark", "unbookmark":
		err = h.Outbox.Bookmark(ctx, viewer, n.URI, action == "bookmark")
	case "delete":
		if err = h.Outbox.DeleteNote(ctx, viewer, n.URI); err != nil {
			return err
		}
		h.flash(w, "deleted")
		to := h.URIs.Path(r.Referer())
		if to == "" || to == h.noteLink(n) {
			to = h.URIs.Path(viewer.URL) // the post's own page is gone: go to the profile
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	}
	if err != nil && storage.KindOf(err) != storage.NotFound {
		return err // an undo of what was not done is no error: the page was stale
	}
	return h.back(w, r, h.noteLink(n), "#note-"+strconv.FormatInt(n.ID, 10))
}

// followAction follows or unfollows the account of the form's actor field (an actor URI).
func (h *Handler) followAction(follow bool) FormHandler {
	return func(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
		uri := strings.TrimSpace(r.PostFormValue("actor"))
		if storage.HostOf(uri) == "" {
			return storage.Errorf(storage.Invalid, "actor must be the address of an account")
		}
		var err error
		notice := "unfollowed"
		if follow {
			_, err = h.Outbox.Follow(r.Context(), viewer, uri)
			notice = "followed"
		} else if err = h.Outbox.Unfollow(r.Context(), viewer, uri); storage.KindOf(err) == storage.NotFound {
			err = nil // not following already
		}
		if err != nil {
			return err
		}
		h.flash(w, notice)
		fallback := "/search?q=" + url.QueryEscape(uri)
		if actor, err := h.Read.Actor(r.Context(), uri); err == nil && actor.Local {
			fallback = h.URIs.Path(actor.URL)
		}
		return h.back(w, r, fallback, "")
	}
}

// safetyAction mutes, unmutes, blocks or unblocks the account of the form's actor for the
// viewer (the outbox's rules: a block also ends the follows both ways and is sent to the
// other's server as Block). Undoing what was not done succeeds, as on Mastodon.
func (h *Handler) safetyAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	uri := strings.TrimSpace(r.PostFormValue("actor"))
	if storage.HostOf(uri) == "" {
		return storage.Errorf(storage.Invalid, "actor must be the address of an account")
	}
	action := mux.Vars(r)["action"]
	var err error
	switch action {
	case "mute":
		_, err = h.Outbox.Mute(ctx, viewer, uri, true, 0)
	case "unmute":
		err = h.Outbox.Unmute(ctx, viewer, uri)
	case "block":
		_, err = h.Outbox.Block(ctx, viewer, uri)
	case "unblock":
		err = h.Outbox.Unblock(ctx, viewer, uri)
	}
	if err != nil && !(strings.HasPrefix(action, "un") && storage.KindOf(err) == storage.NotFound) {
		return err
	}
	h.flash(w, safetyNotices[action])
	fallback := "/search?q=" + url.QueryEscape(uri)
	if actor, err := h.Read.Actor(ctx, uri); err == nil && actor.Local {
		fallback = h.URIs.Path(actor.URL)
	}
	return h.back(w, r, fallback, "")
}

// safetyNotices are the notices of safetyAction's actions, by action.
var safetyNotices = map[string]string{"mute": "muted", "unmute": "unmuted", "block": "blocked", "unblock": "unblocked"}

// domainBlockAction blocks or unblocks the whole server of the form's domain for the viewer
// (outbox.BlockDomain's rules); unblocking one not blocked succeeds, as on Mastodon.
func (h *Handler) domainBlockAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	domain := r.PostFormValue("domain")
	action := mux.Vars(r)["action"]
	var err error
	if action == "domain_block" {
		_, err = h.Outbox.BlockDomain(r.Context(), viewer, domain)
	} else if err = h.Outbox.UnblockDomain(r.Context(), viewer, domain); storage.KindOf(err) == storage.NotFound {
		err = nil
	}
	if err != nil {
		return err
	}
	h.flash(w, action+"ed")
	return h.back(w, r, "/edit_profile", "")
}

// answerFollowRequest approves or rejects a pending follow of the viewer.
func (h *Handler) answerFollowRequest(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	id, err := routeID(r, "id")
	if err != nil {
		return err
	}
	follower, err := h.Read.ActorByID(r.Context(), id)
	if err != nil {
		return err
	}
	approve := mux.Vars(r)["answer"] == "approve"
	if _, err := h.Outbox.AnswerFollowRequest(r.Context(), viewer, follower.URI, approve); err != nil {
		if storage.KindOf(err) == storage.NotFound {
			return storage.Errorf(storage.NotFound, "that follow request was withdrawn or answered already")
		}
		return err
	}
	h.flash(w, map[bool]string{true: "approved", false: "rejected"}[approve])
	return h.back(w, r, "/follow_requests", "")
}

// saveProfile saves the profile form, with a new avatar or header image when one was chosen.
func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	in := outbox.ProfileInput{Name: strings.TrimSpace(r.PostFormValue("display_name")), Summary: r.PostFormValue("summary"),
		Locked: r.PostFormValue("locked") == "1", RemoveIcon: r.PostFormValue("remove_avatar") == "1",
		RemoveImage: r.PostFormValue("remove_header") == "1"}
	names, values := r.PostForm["field_name"], r.PostForm["field_value"]
	for i := 0; i < len(names) && i < len(values) && i < 4; i++ {
		in.Fields = append(in.Fields, storage.Field{Name: strings.TrimSpace(names[i]), Value: strings.TrimSpace(values[i])})
	}
	if _, err := h.Outbox.UpdateProfileImages(ctx, h.DataDir, viewer, in, formFile(r, "avatar"), formFile(r, "header")); err != nil {
		return err
	}
	h.flash(w, "saved")
	http.Redirect(w, r, h.URIs.Path(viewer.URL), http.StatusSeeOther)
	return nil
}

// changePassword gives the viewer the new password typed twice, given the current one. Every
// other session of the account is signed out; this one stays.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, sess *storage.Token) error {
	ctx := r.Context()
	next := r.PostFormValue("password")
	if next != r.PostFormValue("password_confirmation") {
		return storage.Errorf(storage.Invalid, "the new password and its repetition differ")
	}
	a, err := h.Outbox.Authenticate(ctx, viewer.Username, r.PostFormValue("current_password"))
	if err != nil {
		return err
	}
	if a == nil || a.ID != viewer.ID {
		return storage.Errorf(storage.Forbidden, "the current password is wrong")
	}
	if err := h.Outbox.ChangePassword(ctx, viewer, next, sess.Hash); err != nil {
		return err
	}
	h.flash(w, "password")
	http.Redirect(w, r, "/edit_profile", http.StatusSeeOther)
	return nil
}

// deleteAccount deletes the viewer's account for good, given its password (a wrong one is
// 403 and does nothing), and leaves the browser signed out with a notice.
func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	a, err := h.Outbox.Authenticate(ctx, viewer.Username, r.PostFormValue("current_password"))
	if err != nil {
		return err
	}
	if a == nil || a.ID != viewer.ID {
		return storage.Errorf(storage.Forbidden, "the password is wrong: your account is not deleted")
	}
	if _, err := h.Outbox.DeleteAccount(ctx, viewer); err != nil {
		return err
	}
	h.clearSession(w)
	h.flash(w, "accountdeleted")
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}
