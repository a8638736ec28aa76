// Package templates holds the HTML templates and CSS of Refuge's pages, embedded in the
// binary, and the helpers that render them.
//
// Every page is rendered by [Renderer.Render] from a [Page], whose Body is the page's own
// data struct (see the page list on Render). The pages need no JavaScript and load
// nothing but /static/style.css, images, video and sound, all from this instance (another
// server's through the remote media cache: see servedURL), so they run under the CSP
//
//	default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self'
//
// Feeds of notes are written by [RSS] and [Atom].
package templates
