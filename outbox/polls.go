package outbox

import (
	"context"
	"fmt"
	"slices"
	"time"

	"refuge/federation"
	"refuge/federation/uris"
	"refuge/storage"
)

// Vote records a local account's choices (options' positions) in the poll of note noteURI.
// A remote poll's author is sent each choice as Mastodon sends it: a Create of a Note named
// by the option, in reply to the poll, addressed to the author alone. Refusals are Invalid
// with Mastodon's words, which clients show; NotFound for a note the voter cannot see or
// that has no poll.
func (s *Service) Vote(ctx context.Context, voter *storage.Actor, noteURI string, choices []int) (*storage.Note, error) {
	n, err := s.DB.GetNoteByURI(ctx, noteURI)
	if err != nil {
		return nil, err
	}
	if ok, _ := s.DB.CanSee(ctx, n.ID, voter.ID); !ok || n.Deleted() || n.Poll == nil {
		return nil, storage.Errorf(storage.NotFound, "poll not found")
	}
	if n.ActorID == voter.ID {
		return nil, storage.Errorf(storage.Invalid, "You cannot vote in your own poll")
	}
	now := s.now()
	if n.Poll.Closed(now) {
		return nil, storage.Errorf(storage.Invalid, "The poll has already ended")
	}
	err = s.DB.Update(ctx, func(tx storage.Tx) error {
		added, err := tx.Vote(ctx, n.ID, voter.ID, choices, now)
		if err != nil {
			return err
		}
		if added == 0 {
			return storage.Errorf(storage.Invalid, "You have already voted on this poll")
		}
		if n.Author.Local {
			return nil // its results go out with the next Update (SettlePolls)
		}
		var sent []int
		for _, c := range choices {
			if slices.Contains(sent, c) {
				continue
			}
			sent = append(sent, c)
			vote := &federation.Note{ID: uris.Vote(voter.URI, fmt.Sprintf("%d-%d", n.ID, c)), Type: federation.TypeNote,
				AttributedTo: voter.URI, Name: n.Poll.Options[c].Title, InReplyTo: n.URI,
				To: []string{n.Author.URI}, Published: now}
			act := &federation.Activity{ID: uris.NoteActivity(vote.ID), Type: federation.TypeCreate, To: vote.To, Published: now}
			if _, err := s.emit(ctx, tx, voter, act, vote, 0, storage.Direct, []string{n.Author.Inbox}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	return s.DB.GetNoteByID(ctx, n.ID)
}

// PollResultsDelay is how long a local poll's votes gather before its results are sent as
// an Update: one Update a poll a minute at most, however many vote (Mastodon waits three).
const PollResultsDelay = time.Minute

// pollsAtOnce bounds the polls one SettlePolls takes; the next takes the rest.
const pollsAtOnce = 100

// SettlePolls does what polls due at now need: a poll that ended has its voters here (and
// its author, when local) notified once, and a local poll whose results changed at least
// PollResultsDelay ago, or that ended, has them sent as an Update to everyone who was sent
// the poll and to its voters. It returns how many polls it settled.
func (s *Service) SettlePolls(ctx context.Context, now time.Time) (int, error) {
	due, err := s.DB.PollsDue(ctx, now, now.Add(-PollResultsDelay), pollsAtOnce)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, d := range due {
		if err := s.DB.Update(ctx, func(tx storage.Tx) error { return s.settlePoll(ctx, tx, d, now) }); err != nil {
			return done, fmt.Errorf("poll of note %d: %w", d.NoteID, err)
		}
		done++
	}
	if done > 0 {
		s.wake()
	}
	return done, nil
}

func (s *Service) settlePoll(ctx context.Context, tx storage.Tx, d storage.PollDue, now time.Time) error {
	n, err := tx.GetNoteByID(ctx, d.NoteID)
	if err != nil {
		return err
	}
	if n.Deleted() || n.Poll == nil {
		return nil
	}
	voters, err := tx.PollVoters(ctx, n.ID)
	if err != nil {
		return err
	}
	if d.Ended {
		first, err := tx.EndPoll(ctx, n.ID, now)
		if err != nil {
			return err
		}
		if !first && !n.Local {
			return nil
		}
		n.Poll.EndedAt = now
		for _, v := range voters {
			if first && v.Local && v.ID != n.ActorID {
				if err := tx.Notify(ctx, v.ID, storage.NotificationPoll, n.ActorID, n.ID, now); err != nil {
					return err
				}
			}
		}
		if first && n.Author.Local {
			if err := tx.Notify(ctx, n.ActorID, storage.NotificationPoll, n.ActorID, n.ID, now); err != nil {
				return err
			}
		}
	}
	if !n.Local {
		return nil
	}
	var inboxes []string
	for _, v := range voters {
		if !v.Local && v.DeletedAt.IsZero() {
			inboxes = append(inboxes, v.DeliveryInbox())
		}
	}
	act := &federation.Activity{ID: uris.Update(n.URI, newID(now)), Type: federation.TypeUpdate, To: n.To, Cc: n.Cc, Published: now}
	stored, err := s.emit(ctx, tx, n.Author, act, NoteDocument(n), n.ID, storage.Direct, inboxes)
	if err != nil {
		return err
	}
	if err := s.distribute(ctx, tx, n.Author, n, stored.ID, nil, false); err != nil {
		return err
	}
	return tx.PollSent(ctx, n.ID)
}
