package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"refuge/outbox"
	"refuge/reader"
	"refuge/storage"
)

// Poll is Mastodon's Poll entity. Its id is the row id of its status's note. Voted and
// OwnVotes are the viewer's, absent without one.
type Poll struct {
	ID          string       `json:"id"`
	ExpiresAt   *string      `json:"expires_at"`
	Expired     bool         `json:"expired"`
	Multiple    bool         `json:"multiple"`
	VotesCount  int          `json:"votes_count"`
	VotersCount int          `json:"voters_count"`
	Options     []PollOption `json:"options"`
	Emojis      []Emoji      `json:"emojis"`
	Voted       *bool        `json:"voted,omitempty"`
	OwnVotes    *[]int       `json:"own_votes,omitempty"`
}

// PollOption is one choice of a Poll.
type PollOption struct {
	Title      string `json:"title"`
	VotesCount int    `json:"votes_count"`
}

// pollOf is the Poll entity of note n's poll, without the viewer's part.
func pollOf(n *storage.Note, now time.Time) *Poll {
	p := n.Poll
	out := &Poll{ID: rowID(n.ID), Expired: p.Closed(now), Multiple: p.Multiple, VotesCount: p.Votes(),
		VotersCount: p.Voters, Options: make([]PollOption, len(p.Options)), Emojis: []Emoji{}}
	if !p.ExpiresAt.IsZero() {
		out.ExpiresAt = ptr(timeOf(p.ExpiresAt))
	}
	for i, o := range p.Options {
		out.Options[i] = PollOption{Title: o.Title, VotesCount: o.Votes}
	}
	return out
}

// withVotes adds what the viewer chose (none: an empty list) to a poll entity.
func (p *Poll) withVotes(votes []int) *Poll {
	if votes == nil {
		votes = []int{}
	}
	p.Voted, p.OwnVotes = ptr(len(votes) > 0), &votes
	return p
}

// pollParam reads the poll a new status asks for (poll[options][], poll[expires_in],
// poll[multiple]); nil when it asks for none. outbox checks it against the limits.
func pollParam(q url.Values) (*outbox.PollInput, error) {
	options, err := listParam(q, "poll[options]", storage.MaxPollOptions+1)
	if err != nil {
		return nil, err
	}
	if len(options) == 0 && !q.Has("poll[expires_in]") {
		return nil, nil
	}
	seconds, err := strconv.ParseInt(q.Get("poll[expires_in]"), 10, 64)
	if err != nil {
		return nil, storage.Errorf(storage.Invalid, "poll[expires_in] must be a number of seconds")
	}
	return &outbox.PollInput{Options: options, ExpiresIn: time.Duration(min(max(seconds, -1), 1<<32)) * time.Second,
		Multiple: boolParam(q, "poll[multiple]")}, nil
}

// pollNote finds the note whose poll the path's id names, as the viewer may see it.
func (h *Handler) pollNote(r *http.Request, viewer *storage.Actor) (*storage.Note, error) {
	row, good := plainRow(mux.Vars(r)["id"])
	if !good {
		return nil, storage.Errorf(storage.NotFound, "no such poll")
	}
	n, err := h.Read.NoteByID(r.Context(), reader.Local(viewer), row)
	if err != nil {
		return nil, err
	}
	if n.Poll == nil {
		return nil, storage.Errorf(storage.NotFound, "no such poll")
	}
	return n, nil
}

// poll answers GET /api/v1/polls/{id}.
func (h *Handler) poll(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.pollNote(r, viewer)
	if err != nil {
		return err
	}
	return h.answerPoll(w, r, viewer, n)
}

// vote answers POST /api/v1/polls/{id}/votes: choices[] are the options' positions.
func (h *Handler) vote(w http.ResponseWriter, r *http.Request, viewer *storage.Actor) error {
	n, err := h.pollNote(r, viewer)
	if err != nil {
		return err
	}
	q, err := params(w, r, maxParamsBytes)
	if err != nil {
		return err
	}
	raw, err := listParam(q, "choices", storage.MaxRemotePollOptions)
	if err != nil {
		return err
	}
	choices := make([]int, 0, len(raw))
	for _, c := range raw {
		i, err := strconv.Atoi(c)
		if err != nil {
			return storage.Errorf(storage.Invalid, "choices: %q is not an option's number", c)
		}
		choices = append(choices, i)
	}
	if n, err = h.Outbox.Vote(r.Context(), viewer, n.URI, choices); err != nil {
		return err
	}
	return h.answerPoll(w, r, viewer, n)
}

func (h *Handler) answerPoll(w http.ResponseWriter, r *http.Request, viewer *storage.Actor, n *storage.Note) error {
	p := pollOf(n, time.Now())
	if viewer != nil {
		st, err := h.Read.ViewerState(r.Context(), viewer, []*storage.Note{n})
		if err != nil {
			return err
		}
		p.withVotes(st.Votes[n.ID])
	}
	return ok(w, p)
}
