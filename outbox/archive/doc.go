// Package archive is the Mastodon account archive: reading it to import an account's posts
// into a local account, and writing one to export them.
//
// The format is what Mastodon's "Request your archive" makes (app/services/backup_service.rb;
// followed as of Mastodon 4.3, which writes a .zip, and as written from 2.3 to 4.1, a .tar.gz
// with the media first): actor.json (the actor, its icon and image naming files avatar.* and
// header.* beside it), outbox.json (an OrderedCollection of Create activities of Notes and
// Questions, and of Announces whose object is a bare URL; an attachment's url is the path of
// its file in the archive, media_attachments/files/...), likes.json and bookmarks.json
// (OrderedCollections of note URIs). It has no published specification.
package archive
