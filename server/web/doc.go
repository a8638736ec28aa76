// Package web is Refuge's web interface: the public pages (front page, profiles, threads,
// tags), the pages and forms of a signed-in account (home, notifications, follow requests,
// compose, search, profile editing), sign-in and sessions with their CSRF tokens, RSS and
// Atom feeds, uploaded media, and remote follow. Handlers are thin: reads go through
// reader, actions through outbox, rendering through templates. Anonymous profile pages are
// kept for a moment while nothing changes (pagecache.go).
package web
