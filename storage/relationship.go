package storage

// Relationship is how a local account stands with another actor, as every surface shows it.
type Relationship struct {
	Following   bool // the account follows the other (accepted)
	Requested   bool // the account asked to follow and waits for an answer
	FollowsYou  bool // the other follows the account (accepted)
	RequestsYou bool // the other asked to follow the account and waits for its answer
}
