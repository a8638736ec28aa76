package sqldb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

const public = "https://www.w3.org/ns/activitystreams#Public"

// searchFixture is a few thousand posts in Chinese, Japanese and English by local and remote
// authors who did and did not consent to be found, the posts the queries of the tests look
// for among them, and the interactions that let some be found anyway.
type searchFixture struct {
	alice, bob, erin *storage.Actor // local: alice and erin indexable, bob not
	carol, dave      *storage.Actor // remote: carol indexable, dave not
	notes            map[string]*storage.Note
	fillerWords      map[int64][]string // alice's public filler posts, with their words
}

// Filler words hold none of the characters or words the queries look for (猫 咪 园 艺 你 好
// 東 京 コーヒー cat garden refuge tokyo).
var fillerVocabularies = [][]string{
	{"今天", "天气", "不错", "我们", "一起", "去", "公园", "散步", "学习", "中文", "写字", "读书", "吃饭", "喝茶", "朋友", "电影", "音乐", "下雨"},
	{"今日", "は", "雨", "です", "電車", "で", "大阪", "へ", "行き", "ました", "本", "を", "読み", "ます", "ラーメン", "おいしい", "友達", "映画"},
	{"weather", "morning", "train", "coffee", "bread", "music", "reading", "walk", "river", "city", "friends", "movie", "rain", "sunny", "quiet", "market"},
}

func fillSearch(t *testing.T, db *DB) *searchFixture {
	t.Helper()
	ctx := context.Background()
	f := &searchFixture{notes: map[string]*storage.Note{}, fillerWords: map[int64][]string{}}
	actor := func(name, host string, local, indexable bool) *storage.Actor {
		a := mustActor(t, db, name, host, local)
		a.Indexable = indexable
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, a) }); err != nil {
			t.Fatal(err)
		}
		return a
	}
	f.alice = actor("alice", "refuge.example", true, true)
	f.bob = actor("bob", "refuge.example", true, false)
	f.erin = actor("erin", "refuge.example", true, false)
	f.carol = actor("carol", "peer.example", false, true)
	f.dave = actor("dave", "peer.example", false, false)

	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(19, 19))
	authors := []*storage.Actor{f.alice, f.bob, f.carol, f.dave, f.erin}
	visibilities := []storage.Visibility{storage.Public, storage.Public, storage.Unlisted, storage.Followers}
	err := db.Update(ctx, func(tx storage.Tx) error {
		for i := range 3000 {
			vocab := fillerVocabularies[i%3]
			var words []string
			for range 3 + rng.IntN(6) {
				words = append(words, vocab[rng.IntN(len(vocab))])
			}
			sep := " "
			if i%3 != 2 {
				sep = map[bool]string{true: "，", false: ""}[rng.IntN(2) == 0]
			}
			author, vis := authors[rng.IntN(len(authors))], visibilities[rng.IntN(len(visibilities))]
			n := &storage.Note{URI: fmt.Sprintf("%s/filler/%d", author.URI, i), ActorID: author.ID, Local: author.Local,
				Content: "<p>" + strings.Join(words, sep) + "</p>", Visibility: vis, Published: at.Add(time.Duration(i) * time.Second)}
			if vis == storage.Public {
				n.To = []string{public}
			}
			if err := tx.CreateNote(ctx, n); err != nil {
				return err
			}
			if author == f.alice && vis == storage.Public {
				f.fillerWords[n.ID] = words
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	at = at.Add(time.Hour)
	post := func(label string, author *storage.Actor, vis storage.Visibility, content string, to []*storage.Actor, tags ...storage.Tag) {
		t.Helper()
		n := &storage.Note{URI: author.URI + "/statuses/" + label, ActorID: author.ID, Local: author.Local,
			Content: content, Visibility: vis, Published: at, Tags: tags}
		at = at.Add(time.Minute)
		switch vis {
		case storage.Public:
			n.To = []string{public}
		case storage.Followers:
			n.To = []string{author.FollowersURI}
		}
		for _, a := range to {
			n.To = append(n.To, a.URI)
			n.Tags = append(n.Tags, storage.Tag{Type: "Mention", Name: "@" + a.Username + "@" + a.Host, Href: a.URI})
		}
		if err := db.Update(ctx, func(tx storage.Tx) error { return tx.CreateNote(ctx, n) }); err != nil {
			t.Fatal(err)
		}
		f.notes[label] = n
	}
	hashtag := func(name string) storage.Tag {
		return storage.Tag{Type: "Hashtag", Name: "#" + strings.ToLower(name), Href: "https://refuge.example/tags/" + name}
	}
	post("a1", f.alice, storage.Public, "<p>我家的猫咪很可爱</p>", nil)
	post("a2", f.alice, storage.Public, "<p>周末学园艺</p>", nil)
	post("a3", f.alice, storage.Followers, "<p>猫咪在睡觉</p>", nil)
	post("a4", f.alice, storage.Direct, "<p>你好，猫咪</p>", []*storage.Actor{f.erin})
	post("b1", f.bob, storage.Public, "<p>我的猫咪</p>", nil)
	post("c1", f.carol, storage.Public, "<p>東京のコーヒーが好き</p>", nil)
	post("d1", f.dave, storage.Public, `<p>Cats and gardening <a href="https://peer.example/tags/refuge" class="mention hashtag" rel="tag">#<span>Refuge</span></a></p>`,
		nil, hashtag("refuge"))
	post("e1", f.alice, storage.Public, "<p>My CATS love Gardening #Refuge</p>", nil, hashtag("Refuge"))
	post("e2", f.carol, storage.Public, "<p>A cat in Tokyo, 東京</p>", nil)
	post("r1", f.erin, storage.Public, "<p>回复：你的猫咪真好看</p>", nil)
	post("a5", f.alice, storage.Public, "<p>猫咪，猫咪，猫咪！</p>", nil)
	post("u1", f.carol, storage.Unlisted, "<p>东京的猫咪 unlisted</p>", nil)
	post("m1", f.dave, storage.Public, "<p>hello erin, the cats say hi</p>", []*storage.Actor{f.erin})
	post("w1", f.alice, storage.Public, "<p>a photo</p>", nil)
	f.notes["r1"].InReplyToURI = f.notes["b1"].URI
	err = db.Update(ctx, func(tx storage.Tx) error {
		// erin's reply answers bob's post; erin liked dave's post; bob follows alice.
		if _, err := tx.(*Tx).tx.ExecContext(ctx, `UPDATE notes SET in_reply_to_uri = ? WHERE id = ?`,
			f.notes["b1"].URI, f.notes["r1"].ID); err != nil {
			return err
		}
		if _, err := tx.PutReaction(ctx, storage.Like, &storage.Reaction{URI: f.erin.URI + "#likes/1", ActorID: f.erin.ID,
			NoteID: f.notes["d1"].ID, Created: at}); err != nil {
			return err
		}
		if err := tx.Bookmark(ctx, f.bob.ID, f.notes["c1"].ID, true, at); err != nil {
			return err
		}
		if err := tx.PutFollow(ctx, &storage.Follow{URI: f.bob.URI + "#follows/1", FollowerID: f.bob.ID,
			FolloweeID: f.alice.ID, Accepted: true, Created: at}); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The alt text of an attachment is searched too; an edit of a note reindexes it.
	w1 := f.notes["w1"]
	w1.Media = []storage.Media{{URL: "https://refuge.example/media/w1.png", MediaType: "image/png", Description: "一只橘猫咪", Created: at}}
	w1.Updated = at
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, w1) }); err != nil {
		t.Fatal(err)
	}
	return f
}

// searchIDs runs a search and names the notes found by their labels (filler by "filler").
func (f *searchFixture) search(t *testing.T, db *DB, q storage.NoteSearch) []string {
	t.Helper()
	notes, err := db.SearchNotes(context.Background(), q)
	if err != nil {
		t.Fatalf("SearchNotes(%+v): %v", q, err)
	}
	out := []string{}
	for _, n := range notes {
		label := "filler"
		for l, m := range f.notes {
			if m.ID == n.ID {
				label = l
			}
		}
		out = append(out, label)
	}
	return out
}

// TestSearchNotes is the acceptance test of the full-text search: a table of queries over
// a few thousand posts in Chinese, Japanese and English, with the exact posts each finds,
// for a visitor and for local accounts who may see and find different ones.
func TestSearchNotes(t *testing.T) {
	db := openTest(t)
	f := fillSearch(t, db)
	for _, row := range []struct {
		name   string
		viewer *storage.Actor // nil: a visitor
		text   string
		want   []string // newest first
	}{
		{"a visitor finds public posts of indexable local accounts", nil, "猫咪", []string{"w1", "a5", "a1"}},
		{"a visitor, in English", nil, "cats", []string{"e1"}},
		{"a visitor, not remote posts", nil, "東京", []string{}},
		{"the author finds all her own", f.alice, "猫咪", []string{"w1", "a5", "a4", "a3", "a1"}},
		{"one character", f.alice, "猫", []string{"w1", "a5", "a4", "a3", "a1"}},
		{"one character, the last of a run", f.alice, "艺", []string{"a2"}},
		{"a three-character word", f.alice, "学园艺", []string{"a2"}},
		{"characters not next to each other", f.alice, "猫可爱", []string{}},
		{"Japanese, an indexable remote author", f.alice, "東京", []string{"e2", "c1"}},
		{"katakana", f.alice, "コーヒー", []string{"c1"}},
		{"English, any case and plural", f.alice, "CAT", []string{"e2", "e1"}},
		{"terms ANDed", f.alice, "gardening cats", []string{"e1"}},
		{"terms ANDed across scripts", f.alice, "cat 東京", []string{"e2"}},
		{"a hashtag", f.alice, "#REFUGE", []string{"e1"}},
		{"a hashtag's word", f.alice, "refuge", []string{"e1"}},
		{"a mention", f.erin, "@erin@refuge.example", []string{"m1", "a4"}},
		{"a mention without its host", f.erin, "@erin", []string{"m1", "a4"}},
		{"mentioned, replied to, liked", f.erin, "猫咪", []string{"w1", "a5", "r1", "b1", "a4", "a1"}},
		{"liked", f.erin, "cats", []string{"m1", "e2", "e1", "d1"}},
		{"a follower finds no followers-only post by consent alone", f.bob, "猫咪", []string{"w1", "a5", "b1", "a1"}},
		{"bookmarked", f.bob, "コーヒー", []string{"c1"}},
		{"unlisted posts of others are not found", f.bob, "东京", []string{}},
		{"but their author finds them", f.carol, "东京", []string{"u1"}},
		{"nothing to search", f.alice, "?!", []string{}},
		{"a word nobody wrote", f.alice, "zebra", []string{}},
	} {
		q := storage.NoteSearch{Text: row.text, Limit: 40}
		if row.viewer != nil {
			q.ActorID = row.viewer.ID
		}
		if got := f.search(t, db, q); !slices.Equal(got, row.want) {
			t.Errorf("%s: %q = %v, want %v", row.name, row.text, got, row.want)
		}
	}

	// Relevance: the post that is nothing but the word comes first, and the same posts are found.
	got := f.search(t, db, storage.NoteSearch{Text: "猫咪", ActorID: f.alice.ID, ByRelevance: true, Limit: 40})
	if len(got) != 5 || got[0] != "a5" {
		t.Errorf("by relevance: %v, want a5 first of 5", got)
	}
	// By relevance, each searcher finds the same posts as newest first, and pages through
	// them in one order.
	for _, viewer := range []*storage.Actor{nil, f.erin, f.bob} {
		q := storage.NoteSearch{Text: "猫咪", Limit: 40}
		if viewer != nil {
			q.ActorID = viewer.ID
		}
		newest := f.search(t, db, q)
		q.ByRelevance = true
		best := f.search(t, db, q)
		if !sameSet(best, newest) || len(best) == 0 {
			t.Errorf("viewer %v: by relevance %v, newest first %v: not the same posts", viewer, best, newest)
		}
		q.Limit, q.Offset = 2, 1
		if got := f.search(t, db, q); !slices.Equal(got, best[1:min(3, len(best))]) {
			t.Errorf("viewer %v: by relevance, limit 2 offset 1: %v, want %v", viewer, got, best[1:min(3, len(best))])
		}
	}
	// Only one author's; pages.
	if got := f.search(t, db, storage.NoteSearch{Text: "猫咪", ActorID: f.erin.ID, AuthorID: f.bob.ID, Limit: 40}); !slices.Equal(got, []string{"b1"}) {
		t.Errorf("only bob's: %v", got)
	}
	if got := f.search(t, db, storage.NoteSearch{Text: "猫咪", ActorID: f.alice.ID, Limit: 2, Offset: 1}); !slices.Equal(got, []string{"a5", "a4"}) {
		t.Errorf("limit 2 offset 1: %v", got)
	}
	if got := f.search(t, db, storage.NoteSearch{Text: "猫咪", ActorID: f.alice.ID, Before: f.notes["a4"].ID, After: f.notes["a1"].ID, Limit: 40}); !slices.Equal(got, []string{"a3"}) {
		t.Errorf("between a1 and a4: %v", got)
	}

	// The filler: every word a visitor searches finds exactly alice's public posts holding
	// it (paged through, newest first).
	for _, vocab := range fillerVocabularies {
		for _, word := range []string{vocab[0], vocab[len(vocab)/2], vocab[len(vocab)-1]} {
			var want []int64
			for id, words := range f.fillerWords {
				if slices.Contains(words, word) {
					want = append(want, id)
				}
			}
			slices.SortFunc(want, func(a, b int64) int { return int(b - a) })
			var got []int64
			for offset := 0; ; offset += 100 {
				notes, err := db.SearchNotes(context.Background(), storage.NoteSearch{Text: word, Limit: 100, Offset: offset})
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range notes {
					got = append(got, n.ID)
				}
				if len(notes) < 100 {
					break
				}
			}
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("filler word %q: found %d posts, want %d", word, len(got), len(want))
			}
		}
	}
}

// TestSearchIndexKept: the index follows a note's edit and deletion, and its author's
// deletion, in the transaction that makes them; a rebuild, and the backfill of an emptied
// index, give the same answers.
func TestSearchIndexKept(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	f := fillSearch(t, db)
	find := func(viewer *storage.Actor, text string) []string {
		return f.search(t, db, storage.NoteSearch{Text: text, ActorID: viewer.ID, Limit: 40})
	}

	a1 := f.notes["a1"]
	a1.Content, a1.Updated = "<p>我家的狗很可爱</p>", time.Now()
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, a1) }); err != nil {
		t.Fatal(err)
	}
	if got := find(f.alice, "猫咪"); slices.Contains(got, "a1") {
		t.Errorf("after the edit, 猫咪 still finds a1: %v", got)
	}
	if got := find(f.alice, "狗"); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("after the edit, 狗 = %v", got)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, f.notes["a2"].ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if got := find(f.alice, "园艺"); len(got) != 0 {
		t.Errorf("a deleted note is found: %v", got)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.MarkActorDeleted(ctx, f.carol.ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if got := find(f.alice, "東京"); len(got) != 0 {
		t.Errorf("the notes of a deleted actor are found: %v", got)
	}
	var rows int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM note_search`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	var live int
	if err := db.reader.q.QueryRowContext(ctx, `SELECT count(*) FROM notes WHERE deleted_at = {never}`).Scan(&live); err != nil {
		t.Fatal(err)
	}
	if rows != live {
		t.Errorf("the index has %d rows for %d live notes", rows, live)
	}

	before := map[string][]string{}
	queries := []string{"猫咪", "狗", "cats", "#refuge", "コーヒー", "weather", "ラーメン"}
	for _, q := range queries {
		before[q] = find(f.erin, q)
	}
	// A rebuild over the index as it is, with progress.
	var calls, last int
	if err := db.ReindexNotes(ctx, func(done, total int) { calls, last = calls+1, done }); err != nil {
		t.Fatal(err)
	}
	if calls < 2 || last != live {
		t.Errorf("progress: %d calls, last %d, want several up to %d", calls, last, live)
	}
	// The backfill of an emptied index, as after the migration that makes it.
	if err := db.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.(*Tx).tx.ExecContext(ctx, `DELETE FROM note_search`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := find(f.erin, "猫咪"); len(got) != 0 {
		t.Fatalf("an emptied index finds %v", got)
	}
	if err := db.backfillSearch(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range queries {
		if got := find(f.erin, q); !slices.Equal(got, before[q]) {
			t.Errorf("after the backfill, %q = %v, want %v", q, got, before[q])
		}
	}
}

// TestVisitorIndexKept: the visitors' index holds exactly the live public posts of local
// indexable accounts, through an account's change of indexable, a note's edit and deletion,
// and the backfill of an emptied index.
func TestVisitorIndexKept(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	f := fillSearch(t, db)
	visit := func(text string) []string { return f.search(t, db, storage.NoteSearch{Text: text, Limit: 40}) }
	rowsMatch := func(when string) {
		t.Helper()
		var rows, want int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM note_search_open`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if err := db.reader.q.QueryRowContext(ctx, `SELECT count(*) FROM notes n JOIN actors a ON a.id = n.actor_id
			WHERE a.local = TRUE AND a.indexable = TRUE AND n.visibility = 'public' AND n.deleted_at = {never}`).Scan(&want); err != nil {
			t.Fatal(err)
		}
		if rows != want || want == 0 && when == "at first" {
			t.Errorf("%s: the visitors' index has %d rows for %d public posts of indexable local accounts", when, rows, want)
		}
	}
	setIndexable := func(on bool) {
		t.Helper()
		err := db.Update(ctx, func(tx storage.Tx) error {
			a, err := tx.GetActorByID(ctx, f.alice.ID)
			if err != nil {
				return err
			}
			a.Indexable = on
			return tx.UpdateActor(ctx, a)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	rowsMatch("at first")
	want := []string{"w1", "a5", "a1"}
	if got := visit("猫咪"); !slices.Equal(got, want) {
		t.Fatalf("a visitor finds %v, want %v", got, want)
	}

	setIndexable(false)
	if got := visit("猫咪"); len(got) != 0 {
		t.Errorf("alice is not indexable, and a visitor finds %v", got)
	}
	if got := f.search(t, db, storage.NoteSearch{Text: "猫咪", ActorID: f.alice.ID, Limit: 40}); len(got) != 5 {
		t.Errorf("alice still finds her own: %v", got)
	}
	rowsMatch("not indexable")
	setIndexable(true)
	if got := visit("猫咪"); !slices.Equal(got, want) {
		t.Errorf("indexable again, a visitor finds %v, want %v", got, want)
	}
	rowsMatch("indexable again")

	a1 := f.notes["a1"]
	a1.Content, a1.Updated = "<p>我家的狗很可爱</p>", time.Now()
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateNote(ctx, a1) }); err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.DeleteNote(ctx, f.notes["a5"].ID, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	if got := visit("猫咪"); !slices.Equal(got, []string{"w1"}) {
		t.Errorf("after an edit and a deletion, 猫咪 = %v, want w1", got)
	}
	if got := visit("狗"); !slices.Equal(got, []string{"a1"}) {
		t.Errorf("after the edit, 狗 = %v, want a1", got)
	}
	rowsMatch("after an edit and a deletion")

	before := visit("cats")
	if err := db.Update(ctx, func(tx storage.Tx) error {
		_, err := tx.(*Tx).tx.ExecContext(ctx, `DELETE FROM note_search_open`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.backfillSearch(ctx); err != nil {
		t.Fatal(err)
	}
	rowsMatch("after the backfill")
	if got := visit("cats"); len(before) == 0 || !slices.Equal(got, before) {
		t.Errorf("after the backfill, cats = %v, want %v", got, before)
	}
}

// sameSet reports whether a and b hold the same labels, in any order.
func sameSet(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}
