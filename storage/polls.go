package storage

import (
	"context"
	"time"
)

// Mastodon's limits on a poll, which its clients read from the instance's configuration and
// which Refuge holds local polls to. A remote poll is kept as its server sent it, within
// MaxRemotePollOptions.
const (
	MaxPollOptions       = 4
	MaxPollOptionChars   = 50
	MinPollDuration      = 5 * time.Minute
	MaxPollDuration      = 30 * 24 * time.Hour
	MaxRemotePollOptions = 20 // Pleroma allows up to 20, others fewer
)

// Poll is the poll of a note (an ActivityStreams Question): its options in order, with their
// counts. A remote poll's counts are those its server last sent, plus local votes since.
type Poll struct {
	Multiple  bool
	ExpiresAt time.Time // zero when it has no end
	Options   []PollOption
	Voters    int // the accounts that voted
	// EndedAt is when this server saw the poll end: its voters here were told, and a local
	// poll's final results were sent. Zero before.
	EndedAt time.Time
}

// PollOption is one choice of a poll and the votes it has.
type PollOption struct {
	Title string `json:"title"`
	Votes int    `json:"votes"`
}

// Closed reports whether the poll takes no more votes at now.
func (p *Poll) Closed(now time.Time) bool {
	return !p.EndedAt.IsZero() || !p.ExpiresAt.IsZero() && !now.Before(p.ExpiresAt)
}

// Votes is the number of votes cast in all: the voters, or more in a multiple-choice poll.
func (p *Poll) Votes() int {
	total := 0
	for _, o := range p.Options {
		total += o.Votes
	}
	return total
}

// PollDue is a poll that needs this server's attention: it ended and its end was not
// handled yet (Ended), or it is a local poll whose results changed since they were last
// sent.
type PollDue struct {
	NoteID int64
	Local  bool
	Ended  bool
}

// PollReader reads votes and the polls due for attention. A note's poll itself comes with
// the note (Note.Poll).
type PollReader interface {
	// OwnVotes returns, for each note among noteIDs whose poll viewer voted in, the
	// positions of the options viewer chose, in order.
	OwnVotes(ctx context.Context, viewer int64, noteIDs []int64) (map[int64][]int, error)
	// PollVoters lists the accounts that voted in the poll of note noteID.
	PollVoters(ctx context.Context, noteID int64) ([]*Actor, error)
	// PollsDue lists up to limit polls due at now: those whose end passed and was not
	// handled, and local ones whose results changed at or before changedBy and were not
	// sent since. Deleted notes' polls are left out.
	PollsDue(ctx context.Context, now, changedBy time.Time, limit int) ([]PollDue, error)
}

// PollWriter records votes and what was done about a poll. A note's poll is stored with the
// note (CreateNote, and UpdateNote for a remote note whose server sent new counts).
type PollWriter interface {
	// Vote records that actor chose the options at choices (positions) in the poll of
	// note noteID, and adds them to its counts (a local poll is marked changed, for
	// PollsDue). It returns how many
	// choices were new: an option an account chose already is not counted again, nor is
	// any choice in a single-choice poll the account voted in already. Invalid for a
	// choice that is not an option, or several in a single-choice poll; NotFound when the
	// note has no poll.
	Vote(ctx context.Context, noteID, actorID int64, choices []int, at time.Time) (int, error)
	// EndPoll records that the poll's end was handled at at; false when it had been
	// already (by another process, or an earlier run).
	EndPoll(ctx context.Context, noteID int64, at time.Time) (bool, error)
	// PollSent records that a local poll's results were sent (in the transaction that
	// read them): it is not due again until a vote changes them.
	PollSent(ctx context.Context, noteID int64) error
}
