// Package httpx is what every HTTP surface of Refuge shares: handlers that return errors
// and the one table from error kinds to statuses, who is asking (API token, web session or
// HTTP signature), rate limits, security headers, content negotiation and the writers of
// JSON answers. The surfaces (server/activitypub, server/web, and later the client API)
// build on it; it knows none of them.
package httpx
