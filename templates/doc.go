// Package templates holds the HTML templates and CSS of Refuge's pages, embedded in the
// binary, and the helpers that render them.
//
// Every page is rendered by [Renderer.Render] from a [Page], whose Body is the page's own
// data struct (see the page list on Render). The pages need no JavaScript: they load
// /static/refuge.js, which makes some of them better (a character counter, previews of
// chosen files, likes without a reload), and nothing but /static/style.css, images, video
// and sound besides, all from this instance (another server's through the remote media
// cache: see servedURL), so they run under the CSP
//
//	default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self';
//	media-src 'self'; style-src 'self'
//
// Feeds of notes are written by [RSS] and [Atom].
package templates
