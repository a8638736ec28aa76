package translate

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"refuge/internal/testrig/fixture"
	"refuge/internal/testrig/translator"
	"refuge/storage"
)

// newNote stores a remote note in language lang and returns it as read back.
func newNote(t *testing.T, db storage.DB, content, summary, lang string, media ...storage.Media) *storage.Note {
	t.Helper()
	ctx := context.Background()
	a := &storage.Actor{URI: "https://peer.example/users/li", Type: "Person", Username: "li", Host: "peer.example",
		Inbox: "https://peer.example/users/li/inbox"}
	n := &storage.Note{URI: "https://peer.example/users/li/statuses/" + time.Now().Format("150405.000000000"), Content: content,
		Summary: summary, Language: lang, Visibility: storage.Public, Published: time.Now().Add(-time.Hour), Media: media}
	err := db.Update(ctx, func(tx storage.Tx) error {
		if got, err := tx.GetActorByURI(ctx, a.URI); err == nil {
			a = got
		} else if err := tx.CreateActor(ctx, a); err != nil {
			return err
		}
		n.ActorID = a.ID
		return tx.CreateNote(ctx, n)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetNoteByID(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestTranslateThroughTheStandIn: a note is translated once per version and language
// (the stand-in counts the calls), with the note's language as the source, or "auto" and
// the language the server detected when the note has none; the answer is sanitized; an
// edit is translated afresh; the api key is sent.
func TestTranslateThroughTheStandIn(t *testing.T) {
	ctx := context.Background()
	db := fixture.Open(t)
	lt := translator.Start(t)
	lt.RequireKey(true)
	s := &Service{DB: db, Client: &Client{URL: lt.URL, Key: translator.Key}}
	n := newNote(t, db, "<p>你好，世界</p>", "", "zh-Hans")

	tr, err := s.Translate(ctx, n, "en")
	if err != nil {
		t.Fatal(err)
	}
	if tr.Content != "<p>[en] 你好，世界</p>" || tr.Source != "zh-Hans" || tr.Provider != DefaultProvider {
		t.Errorf("translation: %+v", tr)
	}
	if last := lt.Last(); last.Source != "zh" || last.Target != "en" || last.Format != "html" || last.APIKey != translator.Key {
		t.Errorf("request: %+v", last)
	}
	if _, err := s.Translate(ctx, n, "en"); err != nil || lt.Translations() != 1 {
		t.Errorf("the second translation asked the server again: %d calls, %v", lt.Translations(), err)
	}
	if _, err := s.Translate(ctx, n, "fr"); err != nil || lt.Translations() != 2 {
		t.Errorf("another language: %d calls, %v", lt.Translations(), err)
	}
	if lt.LanguageLists() != 1 {
		t.Errorf("the languages were asked %d times", lt.LanguageLists())
	}

	// An edit makes a new version: translated afresh, with its content warning.
	n.Content, n.Summary, n.Updated = "<p>再见</p>", "剧透", time.Now()
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, n) }); err != nil {
		t.Fatal(err)
	}
	if n, err = db.GetNoteByID(ctx, n.ID); err != nil {
		t.Fatal(err)
	}
	before := lt.Translations()
	tr, err = s.Translate(ctx, n, "en")
	if err != nil || tr.Content != "<p>[en] 再见</p>" || tr.Summary != "[en] 剧透" || lt.Translations() != before+2 {
		t.Errorf("after an edit: %+v, %v, %d calls", tr, err, lt.Translations()-before)
	}

	// No language: the server detects it.
	m := newNote(t, db, "<p>bonjour</p>", "", "")
	if tr, err = s.Translate(ctx, m, "es"); err != nil || tr.Source != "en" || lt.Last().Source != "auto" {
		t.Errorf("detected: %+v, %v, %+v", tr, err, lt.Last())
	}

	// The attachments' descriptions are translated, those that have one.
	pics := newNote(t, db, "<p>猫</p>", "", "zh", storage.Media{URL: "https://peer.example/1.jpg", MediaType: "image/jpeg", Description: "一只猫"},
		storage.Media{URL: "https://peer.example/2.jpg", MediaType: "image/jpeg"})
	if tr, err = s.Translate(ctx, pics, "en"); err != nil || len(tr.Media) != 1 ||
		tr.Media[0] != (storage.TranslatedMedia{MediaID: pics.Media[0].ID, Description: "[en] 一只猫"}) {
		t.Errorf("media: %+v, %v", tr, err)
	}
	if again, err := s.Translate(ctx, pics, "en"); err != nil || len(again.Media) != 1 || again.Media[0] != tr.Media[0] {
		t.Errorf("media kept: %+v, %v", again, err)
	}

	// What the server answers is sanitized.
	lt.SetEvil(true)
	if tr, err = s.Translate(ctx, m, "ja"); err != nil || strings.Contains(tr.Content, "<script") || strings.Contains(tr.Content, "onerror") {
		t.Errorf("not sanitized: %+v, %v", tr, err)
	}
}

// TestTranslateRefusals: translation off, the note's own language, a target that is no
// language or one the server lacks, and a note with no text are refused without a call.
func TestTranslateRefusals(t *testing.T) {
	ctx := context.Background()
	db := fixture.Open(t)
	lt := translator.Start(t)
	on := &Service{DB: db, Client: &Client{URL: lt.URL}}
	n := newNote(t, db, "<p>hello</p>", "", "en-GB")
	empty := newNote(t, db, "<p> </p>", "", "en")
	rows := []struct {
		name   string
		s      *Service
		n      *storage.Note
		target string
		want   error
		kind   storage.Kind
	}{
		{"off", &Service{DB: db}, n, "zh", ErrOff, storage.Forbidden},
		{"nil service", nil, n, "zh", ErrOff, storage.Forbidden},
		{"same language", on, n, "en-US", ErrSameLanguage, storage.Forbidden},
		{"not a language", on, n, "<script>", nil, storage.Invalid},
		{"empty", on, n, "", nil, storage.Invalid},
		{"a language the server lacks", on, n, "ko", nil, storage.Forbidden},
		{"no text", on, empty, "fr", ErrNothing, storage.Forbidden},
	}
	for _, row := range rows {
		_, err := row.s.Translate(ctx, row.n, row.target)
		if storage.KindOf(err) != row.kind || (row.want != nil && !errors.Is(err, row.want)) {
			t.Errorf("%s: %v", row.name, err)
		}
	}
	if lt.Translations() != 0 {
		t.Errorf("%d translations asked", lt.Translations())
	}
}

// TestTranslateServerFailures: a server down, slow (beyond the time bound), answering
// nonsense or an error gives a Transient error with a message for the reader, within the
// bound, and keeps nothing.
func TestTranslateServerFailures(t *testing.T) {
	ctx := context.Background()
	db := fixture.Open(t)
	const bound = 300 * time.Millisecond
	rows := []struct {
		name  string
		setup func(lt *translator.Server)
		msg   string
	}{
		{"down", func(lt *translator.Server) { lt.Close() }, "unavailable"},
		{"slow", func(lt *translator.Server) { lt.SetDelay(20 * bound) }, "did not answer in time"},
		{"bad JSON", func(lt *translator.Server) { lt.SetBadJSON(true) }, "unavailable"},
		{"an error", func(lt *translator.Server) { lt.SetStatus(http.StatusTooManyRequests) }, "unavailable"},
	}
	n := newNote(t, db, "<p>hello</p>", "", "en")
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			lt := translator.Start(t)
			row.setup(lt)
			s := &Service{DB: db, Client: &Client{URL: lt.URL, Timeout: bound}}
			start := time.Now()
			_, err := s.Translate(ctx, n, "fr")
			if storage.KindOf(err) != storage.Transient || !strings.Contains(storage.Message(err), row.msg) {
				t.Errorf("error %v (%q)", err, storage.Message(err))
			}
			if took := time.Since(start); took > 10*bound { // generous: only that it did not wait for the server
				t.Errorf("took %s", took)
			}
			if _, err := db.GetTranslation(ctx, n.ID, Version(n), "fr"); storage.KindOf(err) != storage.NotFound {
				t.Errorf("something was kept: %v", err)
			}
		})
	}
}

// TestLanguages: the server's languages as Mastodon lists them, each without itself; none
// when translation is off; Transient when the server is down and never answered.
func TestLanguages(t *testing.T) {
	ctx := context.Background()
	lt := translator.Start(t)
	s := &Service{Client: &Client{URL: lt.URL}}
	langs, err := s.Languages(ctx)
	if err != nil || len(langs) != 6 || strings.Join(langs["en"], ",") != "es,fr,ja,zh,zt" {
		t.Errorf("languages: %v, %v", langs, err)
	}
	lt.Close()
	if again, err := s.Languages(ctx); err != nil || len(again) != 6 {
		t.Errorf("the list known before is used while the server is down: %v, %v", again, err)
	}
	if langs, err := (&Service{}).Languages(ctx); err != nil || len(langs) != 0 {
		t.Errorf("off: %v, %v", langs, err)
	}
	if _, err := (&Service{Client: &Client{URL: lt.URL}}).Languages(ctx); storage.KindOf(err) != storage.Transient {
		t.Errorf("down: %v", err)
	}
}

// TestLanguageTags: how tags compare and what a reader reads.
func TestLanguageTags(t *testing.T) {
	same := []struct {
		a, b string
		want bool
	}{
		{"en", "en-US", true}, {"en-GB", "EN_us", true}, {"zh-Hans", "zh-CN", true}, {"zh-Hant", "zh-TW", true},
		{"zh-Hans", "zh-Hant", false}, {"zh", "zh-TW", false}, {"en", "fr", false}, {"", "en", false}, {"", "", false},
	}
	for _, row := range same {
		if got := SameLanguage(row.a, row.b); got != row.want {
			t.Errorf("SameLanguage(%q, %q) = %v", row.a, row.b, got)
		}
	}
	langs := []Language{{Code: "en"}, {Code: "zh"}, {Code: "zt"}}
	codes := map[string]string{"en-US": "en", "zh-Hans": "zh", "zh-TW": "zt", "zh-Hant": "zt", "ko": "", "": ""}
	for tag, want := range codes {
		if got := codeIn(langs, tag); got != want {
			t.Errorf("codeIn(%q) = %q, want %q", tag, got, want)
		}
	}
	readers := []struct{ chosen, accept, want string }{
		{"zh-Hans", "en", "zh-Hans"}, {"", "fr-CH, fr;q=0.9, en;q=0.8", "fr-CH"}, {"", "en;q=0.5, ja", "ja"},
		{"", "", "en"}, {"", "*", "en"}, {"", "de;q=0", "en"},
	}
	for _, row := range readers {
		if got := ReaderLanguage(row.chosen, row.accept); got != row.want {
			t.Errorf("ReaderLanguage(%q, %q) = %q", row.chosen, row.accept, got)
		}
	}
}
