package server

import (
	"io"

	"refuge/outbox"
	"refuge/storage"
)

// outboxProfile is the profile input that keeps an account as it is (with its Locked flag).
func outboxProfile(a *storage.Actor) outbox.ProfileInput {
	return outbox.ProfileInput{Name: a.Name, Summary: a.Summary, Locked: a.Locked, Fields: a.Fields}
}

func copyLimited(w io.Writer, r io.Reader) (int64, error) {
	return io.Copy(w, io.LimitReader(r, 4<<20))
}
