package peer

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// Resolver maps host names to addresses; a name it does not know does not exist. Given to
// the code under test instead of the system resolver, it keeps every lookup off real DNS.
type Resolver map[string][]netip.Addr

// LookupNetIP answers from the map.
func (r Resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// Dialer dials for the code under test and records every address it was asked for. An
// address off loopback fails the test at once and is refused before a connection is made,
// so a broken address guard shows as a failing test, never as traffic.
type Dialer struct {
	t      testing.TB
	mu     sync.Mutex
	dialed []string
}

// NewDialer is a Dialer that fails t.
func NewDialer(t testing.TB) *Dialer { return &Dialer{t: t} }

// Dial connects to addr if it is a loopback address.
func (d *Dialer) Dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	ip, perr := netip.ParseAddr(host)
	if err != nil || perr != nil || !ip.Unmap().IsLoopback() {
		d.t.Errorf("tried to connect to %q, off loopback", addr)
		return nil, fmt.Errorf("test dialer: %q is off loopback", addr)
	}
	d.mu.Lock()
	d.dialed = append(d.dialed, addr)
	d.mu.Unlock()
	return (&net.Dialer{Timeout: 2 * time.Second}).DialContext(ctx, network, addr)
}

// Dialed lists the addresses connected to, in order.
func (d *Dialer) Dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.dialed...)
}

// DialsTo counts the connections made to ip.
func (d *Dialer) DialsTo(ip string) int {
	n := 0
	for _, a := range d.Dialed() {
		if h, _, _ := net.SplitHostPort(a); h == ip {
			n++
		}
	}
	return n
}
