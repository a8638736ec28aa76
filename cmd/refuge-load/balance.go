package main

import (
	"net/http"
	"sync/atomic"
)

// balancer spreads the requests to an instance of several processes over them, one after
// the other, as a load balancer in front of them would: a request to the instance's domain
// goes to the next process's port and keeps the domain as its Host, which signatures cover.
// Requests to any other host (the fake remote servers) pass through.
type balancer struct {
	rt     http.RoundTripper
	domain string   // 127.0.0.1:PORT, what URLs of the instance name
	addrs  []string // where its processes listen
	next   atomic.Uint64
}

func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != b.domain || len(b.addrs) < 2 {
		return b.rt.RoundTrip(req)
	}
	addr := b.addrs[(b.next.Add(1)-1)%uint64(len(b.addrs))]
	r := req.Clone(req.Context())
	r.URL.Host, r.Host = addr, b.domain
	return b.rt.RoundTrip(r)
}
