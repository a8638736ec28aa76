package reader

import (
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestFilterMatching: what a keyword filter finds in a note, and where it applies.
func TestFilterMatching(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const owner, other = 1, 2
	note := func(content string) *storage.Note { return &storage.Note{ActorID: other, Content: content} }
	kw := func(k string, whole bool) []storage.FilterKeyword {
		return []storage.FilterKeyword{{Keyword: k, WholeWord: whole}}
	}
	everywhere := storage.FilterContexts
	cases := []struct {
		name     string
		keywords []storage.FilterKeyword
		contexts []storage.FilterContext // everywhere when nil
		expires  time.Time
		context  storage.FilterContext // home when ""
		note     *storage.Note
		want     []string // the keywords that match; none when nil
	}{
		{"substring", kw("cat", false), nil, time.Time{}, "", note("<p>concatenate</p>"), []string{"cat"}},
		{"whole word in a sentence", kw("cat", true), nil, time.Time{}, "", note("<p>my cat, asleep</p>"), []string{"cat"}},
		{"whole word at the ends", kw("cat", true), nil, time.Time{}, "", note("cat"), []string{"cat"}},
		{"whole word not inside a word", kw("cat", true), nil, time.Time{}, "", note("<p>concatenate cats</p>"), nil},
		{"whole word beside an underscore", kw("cat", true), nil, time.Time{}, "", note("cat_photos"), nil},
		{"whole word after one miss", kw("cat", true), nil, time.Time{}, "", note("cats and a cat"), []string{"cat"}},
		{"case", kw("Cat", true), nil, time.Time{}, "", note("<p>CAT!</p>"), []string{"Cat"}},
		{"case beyond ASCII", kw("élan", true), nil, time.Time{}, "", note("<p>ÉLAN vital</p>"), []string{"élan"}},
		{"Greek word edges", kw("γάτα", true), nil, time.Time{}, "", note("μια γάτα εδώ"), []string{"γάτα"}},
		{"Greek inside a word", kw("γάτα", true), nil, time.Time{}, "", note("γάτακι"), nil},
		{"Cyrillic", kw("кот", true), nil, time.Time{}, "", note("<p>Мой КОТ спит</p>"), []string{"кот"}},
		{"Cyrillic inside a word", kw("кот", true), nil, time.Time{}, "", note("котлета"), nil},
		{"keyword starting with a sign", kw("#cat", true), nil, time.Time{}, "", note("see #cats"), nil},
		{"keyword starting with a sign, found", kw("#cat", true), nil, time.Time{}, "", note("see #cat!"), []string{"#cat"}},
		{"Chinese whole word inside a sentence", kw("猫", true), nil, time.Time{}, "", note("<p>我家的猫很可爱</p>"), []string{"猫"}},
		{"Japanese whole word inside a sentence", kw("ネタバレ", true), nil, time.Time{}, "", note("最終回のネタバレあり"), []string{"ネタバレ"}},
		{"Japanese with the long-vowel mark", kw("コーヒー", true), nil, time.Time{}, "", note("コーヒーを飲む"), []string{"コーヒー"}},
		{"Latin word in a Chinese sentence", kw("cat", true), nil, time.Time{}, "", note("我的cat很可爱"), []string{"cat"}},
		{"Latin word in Chinese, but longer", kw("cat", true), nil, time.Time{}, "", note("我的cats很可爱"), nil},
		{"Thai inside a sentence", kw("แมว", true), nil, time.Time{}, "", note("ฉันรักแมวมาก"), []string{"แมว"}},
		{"markup is not text", kw("span", false), nil, time.Time{}, "", note(`<p><span class="h-card">hi</span></p>`), nil},
		{"entities are text", kw("fish & chips", true), nil, time.Time{}, "", note("<p>fish &amp; chips</p>"), []string{"fish & chips"}},
		{"link text matches", kw("example", true), nil, time.Time{}, "", note(`<p><a href="https://x.example">an example</a></p>`), []string{"example"}},
		{"content warning", kw("spoiler", true), nil, time.Time{}, "",
			&storage.Note{ActorID: other, Summary: "Spoiler: finale", Content: "<p>he dies</p>"}, []string{"spoiler"}},
		{"media description", kw("spider", true), nil, time.Time{}, "",
			&storage.Note{ActorID: other, Content: "<p>look</p>", Media: []storage.Media{{Description: "A big spider"}}}, []string{"spider"}},
		{"several keywords, those found", []storage.FilterKeyword{{Keyword: "a1", WholeWord: true}, {Keyword: "b2"}, {Keyword: "c3"}},
			nil, time.Time{}, "", note("a1 and c3"), []string{"a1", "c3"}},
		{"expired", kw("cat", false), nil, now.Add(-time.Second), "", note("cat"), nil},
		{"not yet expired", kw("cat", false), nil, now.Add(time.Hour), "", note("cat"), []string{"cat"}},
		{"another context", kw("cat", false), []storage.FilterContext{storage.FilterPublic}, time.Time{}, storage.FilterHome, note("cat"), nil},
		{"its context", kw("cat", false), []storage.FilterContext{storage.FilterPublic}, time.Time{}, storage.FilterPublic, note("cat"), []string{"cat"}},
		{"own posts", kw("cat", false), nil, time.Time{}, "", &storage.Note{ActorID: owner, Content: "cat"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := &storage.Filter{ID: 7, Title: "t", Action: storage.FilterWarn, Keywords: c.keywords,
				Contexts: cmpOr(c.contexts, everywhere), Expires: c.expires}
			ctxt := c.context
			if ctxt == "" {
				ctxt = storage.FilterHome
			}
			fs := CompileFilters(owner, []*storage.Filter{f}, ctxt, now)
			var got []string
			for _, m := range fs.Match(c.note) {
				got = append(got, m.Keywords...)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("matched %q, want %q", got, c.want)
			}
		})
	}
}

func cmpOr(a, b []storage.FilterContext) []storage.FilterContext {
	if a == nil {
		return b
	}
	return a
}

// TestFilterActions: hide leaves a note out, with a boost of it and a notification about
// it; warn keeps it marked, on a copy, leaving the note read untouched.
func TestFilterActions(t *testing.T) {
	now := time.Now()
	filters := []*storage.Filter{
		{ID: 1, Title: "Hidden", Action: storage.FilterHide, Contexts: storage.FilterContexts,
			Keywords: []storage.FilterKeyword{{Keyword: "gore", WholeWord: true}}},
		{ID: 2, Title: "Spoilers", Action: storage.FilterWarn, Contexts: storage.FilterContexts,
			Keywords: []storage.FilterKeyword{{Keyword: "finale", WholeWord: true}}},
	}
	fs := CompileFilters(1, filters, storage.FilterHome, now)
	gore := &storage.Note{ID: 10, ActorID: 2, Content: "gore here"}
	spoiler := &storage.Note{ID: 11, ActorID: 2, Content: "the finale"}
	plain := &storage.Note{ID: 12, ActorID: 2, Content: "hello"}
	got := fs.Notes([]*storage.Note{gore, spoiler, plain})
	if len(got) != 2 || got[0].ID != 11 || got[1] != plain {
		t.Fatalf("notes: %+v", got)
	}
	if len(got[0].Filtered) != 1 || got[0].Filtered[0].Filter.Title != "Spoilers" || spoiler.Filtered != nil {
		t.Errorf("warned note %+v, the one read %+v", got[0].Filtered, spoiler.Filtered)
	}
	items := fs.items([]storage.FeedItem{{ID: 1, Note: gore, Booster: &storage.Actor{ID: 3}}, {ID: 2, Note: spoiler}})
	if len(items) != 1 || items[0].Note.ID != 11 || len(items[0].Note.Filtered) != 1 {
		t.Errorf("feed items: %+v", items)
	}
	list := fs.notifications([]*storage.Notification{{ID: 1, Note: gore}, {ID: 2, Note: spoiler}, {ID: 3}})
	if len(list) != 2 || list[0].ID != 2 || len(list[0].Note.Filtered) != 1 || list[1].ID != 3 {
		t.Errorf("notifications: %+v", list)
	}
	if m := fs.Mark(gore); len(m.Filtered) != 1 || m.Filtered[0].Filter.Action != storage.FilterHide {
		t.Errorf("a note asked for by itself is marked, not hidden: %+v", m)
	}
	var none *Filters
	if got := none.Notes([]*storage.Note{gore}); len(got) != 1 || none.Mark(gore) != gore {
		t.Errorf("no filters changed the list")
	}
}
