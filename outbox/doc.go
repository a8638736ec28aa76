// Package outbox owns what local accounts do: it validates an action (post, edit, delete,
// follow, react, pin, answer a follow request, update a profile, the client-to-server
// activities of Submit), and stores it together with the deliveries it needs in one
// transaction. It also owns the local accounts themselves (creation, the instance actor,
// keys, passwords, sign-in and sessions; accounts.go, password.go), the formatting of
// what people type into HTML (format.go), the ActivityStreams documents of local actors,
// notes and collections (documents.go, collections.go), and the rows of uploaded media.
//
// Two parts need none of that and live apart: outbox/delivery runs the workers that send
// the queued deliveries, and outbox/media makes uploaded images safe and keeps their files.
// Every local URL comes from federation/uris.
package outbox
