package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"refuge/internal/testrig"
	"refuge/outbox"
	"refuge/storage"
)

// scriptOff turns the page's script off (or on again) in the window, as for a reader whose
// browser runs none: what follows must work all the same.
func scriptOff(t *testing.T, ctx context.Context, off bool) {
	t.Helper()
	do(t, ctx, "script off "+strconv.FormatBool(off), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: off})
		return err
	}))
}

// TestBrowserCompose drives the compose page in Chromium with its script: the counter
// counts as one types and warns past the limit, a reply starts in the parent's language,
// chosen files show with their own description fields and a fifth is refused, the reminder
// of descriptions stops the first submit and the second posts; a like changes the count
// without a reload, and a reload shows it stored. Then the same with script off.
func TestBrowserCompose(t *testing.T) {
	in := testrig.Start(t)
	const password = "alice's long password"
	in.LocalAccount("alice", password)
	ctx := newBrowser(t, 1280, 900)
	db := in.App.DB()
	alice := in.LocalActor("alice")
	latest := func() *storage.Note {
		t.Helper()
		list, err := db.ListActorNotes(context.Background(), alice.ID, alice.ID, storage.Page{Limit: 1})
		if err != nil || len(list) == 0 {
			t.Fatalf("alice's latest post: %v", err)
		}
		n, err := db.GetNoteByURI(context.Background(), list[0].URI)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	openPage(t, ctx, in.Base+"/signin")
	signInForm(t, ctx, "alice", password)

	// The counter.
	openPage(t, ctx, in.Base+"/compose")
	counter := func() string { return pageText(t, ctx, ".counter") }
	if got, want := counter(), strconv.Itoa(outbox.MaxNoteChars)+" characters left of "+strconv.Itoa(outbox.MaxNoteChars); got != want {
		t.Errorf("counter on an empty form %q, want %q", got, want)
	}
	if live := eval[string](t, ctx, `document.querySelector(".counter").getAttribute("aria-live")`); live != "polite" {
		t.Errorf("the counter's aria-live %q", live)
	}
	do(t, ctx, "type", chromedp.SendKeys(chromedp.CSS("#content"), "Grüße\nhttps://example.org/a/long/link"))
	// Counted as the server counts: characters, the line break one, the link as long as it is.
	if got, want := counter(), strconv.Itoa(outbox.MaxNoteChars-len([]rune("Grüße\nhttps://example.org/a/long/link")))+" characters left of "+strconv.Itoa(outbox.MaxNoteChars); got != want {
		t.Errorf("counter after typing %q, want %q", got, want)
	}
	eval[bool](t, ctx, `(() => { const t = document.querySelector("#content"); t.value = "x".repeat(`+strconv.Itoa(outbox.MaxNoteChars)+`); `+
		`t.dispatchEvent(new Event("input")); return true })()`)
	do(t, ctx, "type past the limit", chromedp.SendKeys(chromedp.CSS("#content"), "yz"))
	if got := counter(); !strings.HasPrefix(got, "2 characters too many") || !eval[bool](t, ctx, `document.querySelector(".counter").classList.contains("over")`) {
		t.Errorf("past the limit the counter says %q", got)
	}
	// Sent anyway, the server refuses it with the reason, and the text stays.
	if status := submitStatus(t, ctx, "form.compose button[type=submit]"); status != http.StatusBadRequest {
		t.Errorf("an over-long post answered %d", status)
	}
	if got := pageText(t, ctx, ".alert"); !strings.Contains(got, "longer than") {
		t.Errorf("the refusal says %q", got)
	}

	// A reply starts in the parent's language.
	first, _, err := in.App.Outbox().PostNote(context.Background(), alice, outbox.NoteInput{Content: "Bonjour à tous", Language: "fr"})
	if err != nil {
		t.Fatal(err)
	}
	parent := first.ID
	openPage(t, ctx, in.Base+"/compose?reply_to="+strconv.FormatInt(parent, 10))
	if lang := eval[string](t, ctx, `document.querySelector("#language").value`); lang != "fr" {
		t.Errorf("the reply's language %q, want the parent's fr", lang)
	}
	do(t, ctx, "write the reply", chromedp.SendKeys(chromedp.CSS("#content"), "Bonjour !"))
	submit(t, ctx, "form.compose button[type=submit]")
	if n := latest(); n.Language != "fr" || n.InReplyToURI == "" {
		t.Errorf("the reply: language %q, in reply to %q", n.Language, n.InReplyToURI)
	}

	// Files: each chosen one shows with its own description; a fifth is refused; Remove
	// takes one off.
	picture := writePNG(t, 320, 200)
	openPage(t, ctx, in.Base+"/compose")
	do(t, ctx, "write", chromedp.SendKeys(chromedp.CSS("#content"), "Two flags"))
	do(t, ctx, "choose three files", chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{picture, picture, picture}))
	previews := func() int { return eval[int](t, ctx, `document.querySelectorAll(".preview").length`) }
	if n := previews(); n != 3 {
		t.Fatalf("%d previews of three files", n)
	}
	if eval[bool](t, ctx, `!document.querySelector(".alts").hidden`) {
		t.Error("the description fields without script still show")
	}
	do(t, ctx, "choose two more", chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{picture, picture}))
	if got := pageText(t, ctx, ".files-problem"); !strings.Contains(got, "At most 4 files") || previews() != 3 {
		t.Errorf("five files: %d previews, the page says %q", previews(), got)
	}
	do(t, ctx, "remove the third", chromedp.Click(chromedp.CSS(".preview:nth-child(3) button"), chromedp.NodeVisible))
	if n := previews(); n != 2 || eval[int](t, ctx, `document.querySelector("#media").files.length`) != 2 {
		t.Fatalf("after Remove: %d previews", n)
	}
	do(t, ctx, "describe the first", chromedp.SendKeys(chromedp.CSS(".preview #alt-chosen-1"), "A red and blue flag"))

	// The reminder: the first submit stays on the page with the message, the second posts.
	eval[bool](t, ctx, `window.refugeMark = true`)
	do(t, ctx, "post", chromedp.Click(chromedp.CSS("form.compose button[type=submit]"), chromedp.NodeVisible))
	if got := pageText(t, ctx, ".reminder"); !strings.Contains(got, "1 file has no description") || !eval[bool](t, ctx, `window.refugeMark === true`) {
		t.Fatalf("no reminder on the first submit: %q", got)
	}
	if focused := eval[string](t, ctx, `document.activeElement.id`); focused != "alt-chosen-2" {
		t.Errorf("the reminder focuses %q, want the field without a description", focused)
	}
	submit(t, ctx, "form.compose button[type=submit]")
	n := latest()
	if len(n.Media) != 2 || n.Media[0].Description != "A red and blue flag" || n.Media[1].Description != "" {
		t.Fatalf("posted %q with %+v", n.Source, n.Media)
	}

	// Like without a reload: the window keeps its mark, the button and count change, and
	// the page loaded again shows the like stored.
	article := "#note-" + strconv.FormatInt(n.ID, 10)
	openPage(t, ctx, in.Base+"/@alice")
	eval[bool](t, ctx, `window.refugeMark = true`)
	clickUntil(t, ctx, article+` form[action$="/like"] button`, `!!document.querySelector("`+article+` form[action$='/unlike']")`)
	if !eval[bool](t, ctx, `window.refugeMark === true`) {
		t.Error("the like reloaded the page")
	}
	if got := pageText(t, ctx, article+` form[action$="/unlike"] .count`); got != "1" {
		t.Errorf("like count %q after the like", got)
	}
	if got := pageText(t, ctx, article+` form[action$="/unlike"] .label`); got != "Unlike" {
		t.Errorf("the button says %q after the like", got)
	}
	clickUntil(t, ctx, article+` form[action$="/boost"] button`, `!!document.querySelector("`+article+` form[action$='/unboost']")`)
	openPage(t, ctx, in.Base+"/@alice")
	if eval[bool](t, ctx, `window.refugeMark === true`) {
		t.Fatal("the reload kept the mark: it was no reload")
	}
	if got := pageText(t, ctx, article+` form[action$="/unlike"] .count`); got != "1" {
		t.Errorf("after a reload the like count is %q, want the stored 1", got)
	}
	if got := pageText(t, ctx, article+` form[action$="/unboost"] .count`); got != "1" {
		t.Errorf("after a reload the boost count is %q, want the stored 1", got)
	}

	// Without script: the page still says the limit, takes several files in its one input
	// with a description field for each, reminds on the server, keeps the files, and posts.
	scriptOff(t, ctx, true)
	openPage(t, ctx, in.Base+"/compose?reply_to="+strconv.FormatInt(parent, 10))
	if got := pageText(t, ctx, "#content-limit"); got != "Up to "+strconv.Itoa(outbox.MaxNoteChars)+" characters." {
		t.Errorf("without script the limit reads %q", got)
	}
	if lang := eval[string](t, ctx, `document.querySelector("#language").value`); lang != "fr" {
		t.Errorf("without script the reply's language %q", lang)
	}
	do(t, ctx, "fill the form without script", chromedp.SendKeys(chromedp.CSS("#content"), "Sans script"),
		chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{picture, picture}),
		chromedp.SendKeys(chromedp.CSS("#alt-1"), "The first flag"))
	if status := submitStatus(t, ctx, "form.compose button[type=submit]"); status != http.StatusOK {
		t.Fatalf("the reminder answered %d", status)
	}
	if got := pageText(t, ctx, ".reminder"); !strings.Contains(got, "Some files have no description") {
		t.Fatalf("no reminder from the server: %q", got)
	}
	if kept := eval[int](t, ctx, `document.querySelectorAll(".kept-file").length`); kept != 2 {
		t.Fatalf("%d files kept by the reminder", kept)
	}
	do(t, ctx, "describe the second", chromedp.SendKeys(chromedp.CSS(".kept-file:nth-child(2) input[type=text]"), "The second flag"))
	submit(t, ctx, "form.compose button[type=submit]")
	n = latest()
	if len(n.Media) != 2 || n.Media[0].Description != "The first flag" || n.Media[1].Description != "The second flag" || n.Language != "fr" {
		t.Fatalf("posted without script: %q %q with %+v", n.Source, n.Language, n.Media)
	}
	// The reminder answered with its own button: posted without a description.
	openPage(t, ctx, in.Base+"/compose")
	do(t, ctx, "fill the form without script", chromedp.SendKeys(chromedp.CSS("#content"), "Undescribed"),
		chromedp.SetUploadFiles(chromedp.CSS("#media"), []string{picture}))
	submitStatus(t, ctx, "form.compose button[type=submit]")
	submit(t, ctx, `form.compose button[name="without_descriptions"]`)
	if n = latest(); n.Source != "Undescribed" || len(n.Media) != 1 {
		t.Fatalf("posted %q with %+v", n.Source, n.Media)
	}
	// A like without script is the ordinary form: it leads back to the page.
	article = "#note-" + strconv.FormatInt(n.ID, 10)
	openPage(t, ctx, in.Base+"/@alice")
	submit(t, ctx, article+` form[action$="/like"] button`)
	if got := pageText(t, ctx, article+` form[action$="/unlike"] .count`); got != "1" {
		t.Errorf("like without script: count %q", got)
	}
	scriptOff(t, ctx, false)
}
