// Package federation is the wire: ActivityStreams types and tolerant decoding, HTTP
// signatures, WebFinger, the one outgoing HTTP client with its address guard.
//
// Everything a peer sends is hostile until checked: documents pass CheckJSON before any
// parser sees them, signatures are verified against the raw body, and every outgoing
// connection goes through Client, which resolves names itself and refuses private
// addresses on every redirect hop. Errors are *storage.Error values so that callers can map
// their kind to a status without guessing.
package federation
