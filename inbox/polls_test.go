package inbox

import (
	"slices"
	"testing"
	"time"

	"refuge/federation"
	"refuge/outbox"
	"refuge/storage"
)

// vote is a vote as Mastodon sends one: a Note of voter named by the option, replying to
// the poll, addressed to its author.
func vote(voter *storage.Actor, id, option string, poll *storage.Note) *federation.Note {
	return &federation.Note{ID: voter.URI + "#votes/" + id, Type: federation.TypeNote, AttributedTo: voter.URI,
		Name: option, InReplyTo: poll.URI, To: []string{poll.Author.URI}}
}

// counts is a poll's votes an option, and its voters, as stored.
func (r *rig) pollCounts(t *testing.T, uri string) ([]int, int) {
	t.Helper()
	n, err := r.db.GetNoteByURI(r.ctx, uri)
	if err != nil || n.Poll == nil {
		t.Fatalf("poll %s: %+v, %v", uri, n, err)
	}
	var votes []int
	for _, o := range n.Poll.Options {
		votes = append(votes, o.Votes)
	}
	return votes, n.Poll.Voters
}

func TestVotesInLocalPolls(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	dave := r.remote(remoteBase, "dave")
	carol := r.remote(remoteBase, "carol")
	follower := r.remote(remoteBase, "follower")
	r.follow(follower, alice, true)
	post := func(multiple bool, visibility string, options ...string) *storage.Note {
		t.Helper()
		n, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "which?", Visibility: visibility,
			Poll: &outbox.PollInput{Options: options, ExpiresIn: time.Hour, Multiple: multiple}})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	single := post(false, "public", "Yes", "No", "Maybe")
	several := post(true, "public", "A", "B")
	private := post(false, "followers", "Up", "Down")

	rows := []struct {
		name       string
		by         *storage.Actor
		vote       *federation.Note
		want       Result
		wantKind   storage.Kind
		poll       *storage.Note
		wantVotes  []int
		wantVoters int
	}{
		{"a vote is counted", dave, vote(dave, "1", "Yes", single), Stored, "", single, []int{1, 0, 0}, 1},
		{"a second choice in a single-choice poll is not", dave, vote(dave, "2", "No", single), Stored, "", single, []int{1, 0, 0}, 1},
		{"another voter is", carol, vote(carol, "1", "Maybe", single), Stored, "", single, []int{1, 0, 1}, 2},
		{"several choices in a poll that takes them", dave, vote(dave, "3", "A", several), Stored, "", several, []int{1, 0}, 1},
		{"each its own vote", dave, vote(dave, "4", "B", several), Stored, "", several, []int{1, 1}, 1},
		{"the same choice twice counts once", dave, vote(dave, "5", "B", several), Stored, "", several, []int{1, 1}, 1},
		{"a follower votes in a followers-only poll", follower, vote(follower, "1", "Down", private), Stored, "", private, []int{0, 1}, 1},
		{"someone who may not see the poll may not vote", dave, vote(dave, "6", "Up", private), "", storage.Forbidden, private, []int{0, 1}, 1},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			r.deliver(t, row.by, r.act(row.by, federation.TypeCreate), row.vote, row.want, row.wantKind)
			if _, err := r.db.GetNoteByURI(r.ctx, row.vote.ID); storage.KindOf(err) != storage.NotFound {
				t.Errorf("the vote was kept as a note: %v", err)
			}
			votes, voters := r.pollCounts(t, row.poll.URI)
			if !slices.Equal(votes, row.wantVotes) || voters != row.wantVoters {
				t.Errorf("counts %v, %d voters; want %v, %d", votes, voters, row.wantVotes, row.wantVoters)
			}
		})
	}

	t.Run("a reply named by no option is an ordinary reply", func(t *testing.T) {
		reply := vote(carol, "7", "Never", single)
		reply.Content = "<p>none of these</p>"
		r.deliver(t, carol, r.act(carol, federation.TypeCreate), reply, Stored, "")
		if n, err := r.db.GetNoteByURI(r.ctx, reply.ID); err != nil || n.InReplyToURI != single.URI {
			t.Errorf("reply stored %+v, %v", n, err)
		}
		if votes, _ := r.pollCounts(t, single.URI); !slices.Equal(votes, []int{1, 0, 1}) {
			t.Errorf("counts %v after a reply", votes)
		}
	})

	t.Run("results go out after the delay, to followers and voters", func(t *testing.T) {
		now := time.Now()
		if n, err := r.svc.SettlePolls(r.ctx, now); err != nil || n != 0 {
			t.Fatalf("settled %d, %v before the delay", n, err)
		}
		queue := r.queued()
		n, err := r.svc.SettlePolls(r.ctx, now.Add(outbox.PollResultsDelay))
		if err != nil || n != 3 {
			t.Fatalf("settled %d, %v; want the 3 polls voted in", n, err)
		}
		added := r.queued()
		for _, d := range queue {
			i := slices.Index(added, d)
			added = slices.Delete(added, i, i+1)
		}
		// One Update a poll: each to the shared inbox of the follower and voters (one server).
		if want := []string{"Update " + remoteBase + "/inbox", "Update " + remoteBase + "/inbox", "Update " + remoteBase + "/inbox"}; !slices.Equal(added, want) {
			t.Errorf("queued %v, want %v", added, want)
		}
		if n, err := r.svc.SettlePolls(r.ctx, now.Add(outbox.PollResultsDelay)); err != nil || n != 0 {
			t.Errorf("settled %d, %v again with nothing new", n, err)
		}
	})

	t.Run("at its end its author is told once, and later votes are not counted", func(t *testing.T) {
		end := time.Now().Add(2 * time.Hour)
		n, err := r.svc.SettlePolls(r.ctx, end)
		if err != nil || n != 3 {
			t.Fatalf("settled %d, %v; want 3 ended", n, err)
		}
		if n, err := r.svc.SettlePolls(r.ctx, end); err != nil || n != 0 {
			t.Errorf("settled %d, %v again", n, err)
		}
		if got := count(r.notices(alice), "poll "+alice.URI+" "+single.URI); got != 1 {
			t.Errorf("alice told %d times of her poll's end: %v", got, r.notices(alice))
		}
		doc := outbox.NoteDocument(r.note(t, single.URI))
		if doc.Type != federation.TypeQuestion || doc.Poll == nil || !doc.Poll.Closed {
			t.Errorf("the ended poll's document: %+v", doc.Poll)
		}
	})
}

// note is the stored note uri.
func (r *rig) note(t *testing.T, uri string) *storage.Note {
	t.Helper()
	n, err := r.db.GetNoteByURI(r.ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRemotePolls(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	erin := r.local("erin", false)
	bob := r.remote(remoteBase, "bob")
	r.follow(alice, bob, true)
	r.follow(erin, bob, true)
	to, cc := public(bob)
	question := noteDoc(bob, "poll", "<p>Tea or coffee?</p>", to, cc)
	question.Type = federation.TypeQuestion
	question.Poll = &federation.Poll{Options: []federation.PollOption{{Name: "Tea", Votes: 3}, {Name: "Coffee", Votes: 5}},
		EndTime: time.Now().Add(time.Hour), Voters: 8}
	r.deliver(t, bob, r.act(bob, federation.TypeCreate), question, Stored, "")
	if votes, voters := r.pollCounts(t, question.ID); !slices.Equal(votes, []int{3, 5}) || voters != 8 {
		t.Fatalf("stored %v, %d voters", votes, voters)
	}

	t.Run("a local vote is counted at once and sent to the author", func(t *testing.T) {
		if _, err := r.svc.Vote(r.ctx, alice, question.ID, []int{0}); err != nil {
			t.Fatal(err)
		}
		if votes, voters := r.pollCounts(t, question.ID); !slices.Equal(votes, []int{4, 5}) || voters != 9 {
			t.Errorf("counts %v, %d voters after alice's vote", votes, voters)
		}
		if got := count(r.queued(), "Create "+bob.Inbox); got != 1 {
			t.Errorf("%d votes queued to bob's inbox: %v", got, r.queued())
		}
	})

	t.Run("refusals", func(t *testing.T) {
		for _, c := range []struct {
			name    string
			voter   *storage.Actor
			choices []int
			kind    storage.Kind
		}{
			{"a second vote", alice, []int{1}, storage.Invalid},
			{"no choice", erin, nil, storage.Invalid},
			{"an option that is not there", erin, []int{2}, storage.Invalid},
			{"two choices in a single-choice poll", erin, []int{0, 1}, storage.Invalid},
		} {
			before := r.counts()
			if _, err := r.svc.Vote(r.ctx, c.voter, question.ID, c.choices); storage.KindOf(err) != c.kind {
				t.Errorf("%s: %v, want %s", c.name, err, c.kind)
			}
			r.unchanged(t, before)
		}
	})

	t.Run("its author's Update brings its counts, and is no edit", func(t *testing.T) {
		updated := *question
		updated.Poll = &federation.Poll{Options: []federation.PollOption{{Name: "Tea", Votes: 6}, {Name: "Coffee", Votes: 6}},
			EndTime: question.Poll.EndTime, Voters: 12}
		r.deliver(t, bob, r.act(bob, federation.TypeUpdate), &updated, Stored, "")
		if votes, voters := r.pollCounts(t, question.ID); !slices.Equal(votes, []int{6, 6}) || voters != 12 {
			t.Errorf("counts %v, %d voters after the Update", votes, voters)
		}
		if n := r.note(t, question.ID); n.Updated.After(n.Published) {
			t.Errorf("counts alone made an edit: updated %v", n.Updated)
		}
	})

	t.Run("at its end its voters here are told, once", func(t *testing.T) {
		end := time.Now().Add(2 * time.Hour)
		if n, err := r.svc.SettlePolls(r.ctx, end); err != nil || n != 1 {
			t.Fatalf("settled %d, %v", n, err)
		}
		if n, err := r.svc.SettlePolls(r.ctx, end); err != nil || n != 0 {
			t.Errorf("settled %d, %v again", n, err)
		}
		if got := count(r.notices(alice), "poll "+bob.URI+" "+question.ID); got != 1 {
			t.Errorf("alice told %d times: %v", got, r.notices(alice))
		}
		if got := r.notices(erin); len(got) != 0 {
			t.Errorf("erin, who did not vote, was told: %v", got)
		}
		if _, err := r.svc.Vote(r.ctx, erin, question.ID, []int{1}); storage.KindOf(err) != storage.Invalid {
			t.Errorf("a vote after the end: %v", err)
		}
	})

	t.Run("its own author may not vote in a local poll", func(t *testing.T) {
		n, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "mine",
			Poll: &outbox.PollInput{Options: []string{"x", "y"}, ExpiresIn: time.Hour}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.svc.Vote(r.ctx, alice, n.URI, []int{0}); storage.KindOf(err) != storage.Invalid {
			t.Errorf("own vote: %v", err)
		}
	})
}

func TestPollInput(t *testing.T) {
	r := newRig(t)
	alice := r.local("alice", false)
	long := string(make([]rune, storage.MaxPollOptionChars+1))
	for _, c := range []struct {
		name string
		poll outbox.PollInput
	}{
		{"one option", outbox.PollInput{Options: []string{"a"}, ExpiresIn: time.Hour}},
		{"five options", outbox.PollInput{Options: []string{"a", "b", "c", "d", "e"}, ExpiresIn: time.Hour}},
		{"an empty option", outbox.PollInput{Options: []string{"a", " "}, ExpiresIn: time.Hour}},
		{"an option too long", outbox.PollInput{Options: []string{"a", long}, ExpiresIn: time.Hour}},
		{"the same option twice", outbox.PollInput{Options: []string{"a", "a"}, ExpiresIn: time.Hour}},
		{"too short", outbox.PollInput{Options: []string{"a", "b"}, ExpiresIn: time.Minute}},
		{"too long", outbox.PollInput{Options: []string{"a", "b"}, ExpiresIn: 31 * 24 * time.Hour}},
	} {
		before := r.counts()
		poll := c.poll
		if _, _, err := r.svc.PostNote(r.ctx, alice, outbox.NoteInput{Content: "q", Poll: &poll}); storage.KindOf(err) != storage.Invalid {
			t.Errorf("%s: %v, want Invalid", c.name, err)
		}
		r.unchanged(t, before)
	}
}
