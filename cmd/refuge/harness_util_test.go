package main

import (
	"refuge/outbox"
	"refuge/storage"
)

// outboxProfile is the profile input that keeps an account as it is (with its Locked flag).
func outboxProfile(a *storage.Actor) outbox.ProfileInput {
	return outbox.ProfileInput{Name: a.Name, Summary: a.Summary, Locked: a.Locked, Fields: a.Fields}
}
