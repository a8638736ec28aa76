// Package outbox owns what local accounts do: it validates an action, stores it together
// with the deliveries it needs in one transaction, and runs the workers that deliver them.
// It also builds the ActivityStreams documents of local actors, notes and collections.
package outbox
