package web

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/outbox/media"
	"refuge/reader"
	"refuge/server/httpx"
	"refuge/storage"
	"refuge/templates"
)

// postNote publishes the compose form: text, content warning, audience, language, the
// note answered, and up to four files (one input, several files) with their descriptions.
// A form that cannot be posted comes back with what was typed, the reason, and the files
// already received kept as the viewer's pending uploads (pruned like the API's uploads that
// no post took), so that a second submit attaches them without sending them again. Files
// without a description are posted only when the form says so (without_descriptions=1):
// the first submit without it asks.
func (h *Handler) postNote(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	// A browser sends a textarea's line breaks as CRLF: one line break is one character, as
	// the page's counter and the API's clients count it.
	content := strings.ReplaceAll(r.PostFormValue("content"), "\r\n", "\n")
	in := outbox.NoteInput{Content: content, Summary: r.PostFormValue("summary"),
		Visibility: r.PostFormValue("visibility"), Language: strings.TrimSpace(r.PostFormValue("language"))}
	form := composeData()
	form.Content, form.Summary, form.Visibility, form.Language = in.Content, in.Summary, in.Visibility, in.Language
	translations, typed, badTranslation := translationsOf(r)
	in.ContentMap, form.Translations = translations, typed
	in.Poll = pollOf(r, form)
	in.QuotePolicy, form.QuotePolicy = r.PostFormValue("quote_policy"), r.PostFormValue("quote_policy")
	in.ReplyPolicy, form.ReplyPolicy = r.PostFormValue("reply_policy"), r.PostFormValue("reply_policy")
	if id := r.PostFormValue("quote"); id != "" {
		quoted, err := h.Read.NoteByID(ctx, reader.Local(viewer), reader.ParseID(id))
		if err != nil {
			return err
		}
		in.Quote, form.Quote = quoted.URI, quoted
	}
	if id := r.PostFormValue("in_reply_to"); id != "" {
		parent, err := h.replyTarget(r, viewer, id)
		if err != nil {
			return err
		}
		in.InReplyTo, form.ReplyTo = parent.URI, parent
	}
	kept, err := h.keptUploads(r, viewer)
	if err != nil {
		return err
	}
	form.Kept = kept
	files := formFiles(r, "media")
	if total := len(kept) + len(files); total > media.MaxAttachments {
		return h.composeAgain(w, r, form, storage.Errorf(storage.Invalid,
			"a post carries at most %d files, and this one had %d: remove some", media.MaxAttachments, total))
	}
	for i, fh := range files {
		m, err := h.saveFile(ctx, viewer, fh, r.PostFormValue("alt_"+strconv.Itoa(i+1)), h.Outbox.SaveUpload)
		if err != nil {
			return h.composeAgain(w, r, form, storage.Wrap(storage.KindOf(err), err,
				fmt.Sprintf("%s: %s", fh.Filename, storage.Message(err))))
		}
		form.Kept = append(form.Kept, *m)
	}
	in.Media = form.Kept
	if badTranslation != nil {
		return h.composeAgain(w, r, form, badTranslation)
	}
	if err := in.Check(); err != nil {
		return h.composeAgain(w, r, form, err) // said before the reminder, which would only come back to it
	}
	if r.PostFormValue("without_descriptions") != "1" && slices.ContainsFunc(in.Media, undescribed) {
		form.Remind = true
		return h.render(w, r, http.StatusOK, "compose", h.page(r, composeTitle(form), form), composeNotes(form)...)
	}
	n, _, err := h.Outbox.PostNote(ctx, viewer, in)
	if err != nil {
		return h.composeAgain(w, r, form, err)
	}
	h.flash(w, "posted")
	http.Redirect(w, r, h.noteLink(n), http.StatusSeeOther)
	return nil
}

// pollOf reads the compose form's poll (poll_option fields, poll_seconds, poll_multiple)
// into form, as typed, and returns it; nil when no option is filled in. The outbox checks
// it against the limits.
func pollOf(r *http.Request, form *templates.ComposeData) *outbox.PollInput {
	typed := r.PostForm["poll_option"]
	var options []string
	for i, o := range typed {
		if i < len(form.PollOptions) {
			form.PollOptions[i] = o
		}
		if strings.TrimSpace(o) != "" {
			options = append(options, o)
		}
	}
	if len(typed) > len(form.PollOptions) {
		options = typed // more than a poll may have: the outbox says so
	}
	form.PollMultiple = r.PostFormValue("poll_multiple") == "1"
	if s, err := strconv.Atoi(r.PostFormValue("poll_seconds")); err == nil {
		form.PollSeconds = min(max(s, -1), 1<<32) // beyond any duration taken, and no overflow
	}
	if len(options) == 0 {
		return nil
	}
	return &outbox.PollInput{Options: options, ExpiresIn: time.Duration(form.PollSeconds) * time.Second, Multiple: form.PollMultiple}
}

// undescribed tells a file without a description.
func undescribed(m storage.Media) bool { return strings.TrimSpace(m.Description) == "" }

// keptUploads are the uploads an earlier submit of the compose form left pending (its kept
// fields), with the descriptions typed for them now; those the writer removed (drop) are
// deleted. An id that is not the viewer's pending upload is NotFound: nothing else can be
// attached or deleted through the form.
func (h *Handler) keptUploads(r *http.Request, viewer *storage.Actor) ([]storage.Media, error) {
	ctx := r.Context()
	ids := r.PostForm["kept"]
	if len(ids) > media.MaxAttachments {
		return nil, storage.Errorf(storage.Invalid, "a post carries at most %d files", media.MaxAttachments)
	}
	var kept []storage.Media
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			continue // named twice, attached once
		}
		m, err := h.Outbox.PendingUpload(ctx, viewer, reader.ParseID(id))
		if err != nil {
			return nil, storage.Wrap(storage.KindOf(err), err, "a file of this form is not one you sent: reload the page and try again")
		}
		if slices.Contains(r.PostForm["drop"], id) {
			h.discard(ctx, []storage.Media{*m})
			continue
		}
		if alt, ok := r.PostForm["kept_alt_"+id]; ok && len(alt) > 0 {
			m.Description = strings.TrimSpace(alt[0])
		}
		kept = append(kept, *m)
	}
	return kept, nil
}

// composeAgain answers a refused compose form: the form again, as it was sent, with the
// reason, when the writer can mend it; err itself otherwise. The files received stay
// pending either way: the form names them, or they are pruned with other unposted uploads.
func (h *Handler) composeAgain(w http.ResponseWriter, r *http.Request, form *templates.ComposeData, err error) error {
	status := http.StatusBadRequest
	switch storage.KindOf(err) {
	case storage.Invalid:
	case storage.TooLarge:
		status = http.StatusRequestEntityTooLarge
	case storage.TooMany:
		status = http.StatusTooManyRequests
	default:
		return err
	}
	pg := h.page(r, composeTitle(form), form)
	pg.Error = "Not posted: " + storage.Message(err)
	return h.render(w, r, status, "compose", pg, composeNotes(form)...)
}

// formFiles are the files of a multipart field that takes several, without the empty part
// a browser sends when none was chosen.
func formFiles(r *http.Request, field string) []*multipart.FileHeader {
	if r.MultipartForm == nil {
		return nil
	}
	var out []*multipart.FileHeader
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Size > 0 || fh.Filename != "" {
			out = append(out, fh)
		}
	}
	return out
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

// noteAction likes, boosts, reacts to, pins or deletes a note (or undoes the first four), then goes
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
	case "react":
		err = h.Outbox.EmojiReact(ctx, viewer, n.URI, r.PostFormValue("emoji"))
	case "unreact":
		err = h.Outbox.EmojiUnreact(ctx, viewer, n.URI, r.PostFormValue("emoji"))
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
	if action != "pin" && action != "unpin" && action != "react" && action != "unreact" && wantsJSON(r) {
		return h.reactionState(w, r, viewer, n.ID)
	}
	return h.back(w, r, h.noteLink(n), "#note-"+strconv.FormatInt(n.ID, 10))
}

// voteAction votes in the poll of a note with the form's choice fields (the options'
// positions), then goes back to the post.
func (h *Handler) voteAction(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, _ *storage.Token) error {
	ctx := r.Context()
	n, err := h.Read.NoteByID(ctx, reader.Local(viewer), reader.ParseID(mux.Vars(r)["id"]))
	if err != nil {
		return err
	}
	var choices []int
	for _, c := range r.PostForm["choice"] {
		i, err := strconv.Atoi(c)
		if err != nil {
			return storage.Errorf(storage.Invalid, "choice %q is not an option", c)
		}
		choices = append(choices, i)
	}
	if len(choices) == 0 {
		return storage.Errorf(storage.Invalid, "choose an option to vote")
	}
	if _, err := h.Outbox.Vote(ctx, viewer, n.URI, choices); err != nil {
		return err
	}
	return h.back(w, r, h.noteLink(n), "#note-"+strconv.FormatInt(n.ID, 10))
}

// wantsJSON tells a form sent by the page's script, which asks for JSON to update the page
// in place, from one sent by the browser, which follows a redirect to a page.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// reactionState answers, for the page's script, whether the viewer now likes and boosts the
// note id and how many do: what the post's buttons show.
func (h *Handler) reactionState(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, id int64) error {
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), id)
	if err != nil {
		return err
	}
	st, err := h.Read.ViewerState(r.Context(), viewer, []*storage.Note{n})
	if err != nil {
		return err
	}
	w.Header().Set("Vary", "Accept, Cookie")
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, "application/json", map[string]any{
		"liked": st.Liked[n.ID], "boosted": st.Boosted[n.ID], "likes": n.Likes, "boosts": n.Announces})
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
	indexable := r.PostFormValue("indexable") == "1"
	in.Indexable = &indexable
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
