package federation

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"refuge/storage"
)

// TestGetMedia: a remote file comes whole through the guard, or fails with the kind a
// caller acts on; nothing is read past the cap, from a refused address or a blocked host.
func TestGetMedia(t *testing.T) {
	png := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 1000) // 4000 bytes
	stop := make(chan struct{})
	defer close(stop) // before the servers close: the trickle must end
	var r *rig
	h := http.NewServeMux()
	h.HandleFunc("/avatar.png", func(w http.ResponseWriter, req *http.Request) {
		if req.Header.Get("Accept") != AcceptMedia || req.Header.Get("Signature") != "" {
			w.WriteHeader(http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		w.Write(png)
	})
	h.HandleFunc("/declared-big", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		w.Header().Set("Content-Length", strconv.Itoa(50<<20))
		w.Write(png) // the rest never comes; the client must not wait for it
	})
	h.HandleFunc("/chunked", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "video/mp4")
		for i := 0; i < 4; i++ { // 16000 bytes in flushed chunks: no Content-Length
			w.Write(png)
			w.(http.Flusher).Flush()
		}
	})
	h.HandleFunc("/trickle", trickle(stop, "audio/ogg", 100*time.Millisecond))
	h.HandleFunc("/moved", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "/avatar.png", http.StatusFound)
	})
	h.HandleFunc("/to-refused", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "http://"+r.refusedHost+"/avatar.png", http.StatusFound)
	})
	h.HandleFunc("/to-blocked", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, "http://blocked.test:"+port(r.allowed)+"/avatar.png", http.StatusFound)
	})
	for _, code := range []int{401, 403, 404, 410, 500, 503, 400} {
		h.HandleFunc("/"+strconv.Itoa(code), func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) })
	}
	r = newRig(t, h, h)
	r.resolverExtra = map[string][]netip.Addr{"blocked.test": {netip.MustParseAddr("127.0.0.2")}}
	c := r.client(ClientConfig{
		HostBlocked: func(_ context.Context, host string) (bool, error) {
			return strings.HasPrefix(host, "blocked.test:"), nil
		},
	})
	base := "http://" + r.allowedHost

	readAll := func(got *[]byte) func(string, io.Reader) error {
		return func(_ string, body io.Reader) error {
			b, err := io.ReadAll(body)
			*got = b
			return err
		}
	}
	// swallow is a careless reader: it keeps what came and reports no error.
	swallow := func(_ string, body io.Reader) error {
		io.Copy(io.Discard, body)
		return nil
	}
	notImage := storage.Errorf(storage.Invalid, "not an image")
	tests := []struct {
		name     string
		url      string
		max      int64
		timeout  time.Duration
		read     func(string, io.Reader) error // nil: read it all into got
		wantBody []byte
		wantType string
		kind     storage.Kind // "" for success
		msg      string
		noRead   bool // read must not be called
	}{
		{name: "image arrives whole", url: base + "/avatar.png", max: 10 << 20, wantBody: png, wantType: "image/png"},
		{name: "after a redirect", url: base + "/moved", max: 10 << 20, wantBody: png, wantType: "image/png"},
		{name: "exactly the cap", url: base + "/chunked", max: 16000, wantBody: bytes.Repeat(png, 4), wantType: "video/mp4"},
		{name: "declared over the cap", url: base + "/declared-big", max: 10 << 20, kind: storage.TooLarge, msg: "body over 10485760 bytes", noRead: true},
		{name: "chunked over the cap", url: base + "/chunked", max: 15999, kind: storage.TooLarge, msg: "body over 15999 bytes"},
		{name: "over the cap, error swallowed", url: base + "/chunked", max: 5000, read: swallow, kind: storage.TooLarge, msg: "body over 5000 bytes"},
		{name: "slow trickle", url: base + "/trickle", max: 10 << 20, timeout: 500 * time.Millisecond, kind: storage.Transient, msg: "reading body failed"},
		{name: "read's own error", url: base + "/avatar.png", max: 10 << 20, read: func(string, io.Reader) error { return notImage }, kind: storage.Invalid, msg: "not an image"},
		{name: "redirect to refused address", url: base + "/to-refused", max: 10 << 20, kind: storage.Forbidden, msg: "address not allowed", noRead: true},
		{name: "refused address", url: "http://" + r.refusedHost + "/avatar.png", max: 10 << 20, kind: storage.Forbidden, msg: "address not allowed", noRead: true},
		{name: "blocked host", url: "http://blocked.test:" + port(r.allowed) + "/avatar.png", max: 10 << 20, kind: storage.Forbidden, msg: "is blocked", noRead: true},
		{name: "redirect to blocked host", url: base + "/to-blocked", max: 10 << 20, kind: storage.Forbidden, msg: "is blocked", noRead: true},
		{name: "401", url: base + "/401", max: 10 << 20, kind: storage.Forbidden, msg: "refused with status 401", noRead: true},
		{name: "403", url: base + "/403", max: 10 << 20, kind: storage.Forbidden, msg: "refused with status 403", noRead: true},
		{name: "404", url: base + "/404", max: 10 << 20, kind: storage.NotFound, msg: "not found", noRead: true},
		{name: "410", url: base + "/410", max: 10 << 20, kind: storage.Gone, msg: "gone", noRead: true},
		{name: "500", url: base + "/500", max: 10 << 20, kind: storage.Transient, msg: "status 500", noRead: true},
		{name: "503", url: base + "/503", max: 10 << 20, kind: storage.Transient, msg: "status 503", noRead: true},
		{name: "400", url: base + "/400", max: 10 << 20, kind: storage.Invalid, msg: "unexpected status 400", noRead: true},
		{name: "not http", url: "ftp://allowed.test/a.png", max: 10 << 20, kind: storage.Invalid, msg: "not an http(s) URL", noRead: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []byte
			var gotType string
			called := false
			read := tt.read
			if read == nil {
				read = readAll(&got)
			}
			start := time.Now()
			err := c.GetMedia(context.Background(), tt.url, tt.max, tt.timeout, func(ct string, body io.Reader) error {
				called, gotType = true, ct
				return read(ct, body)
			})
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
			if tt.kind == "" {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, tt.wantBody) || gotType != tt.wantType {
					t.Fatalf("got %d bytes of %q, want %d of %q", len(got), gotType, len(tt.wantBody), tt.wantType)
				}
				return
			}
			wantKind(t, err, tt.kind, tt.msg)
			if tt.noRead && called {
				t.Fatal("read was called")
			}
		})
	}
	if n := r.dialer.DialsTo("127.0.0.1"); n != 0 {
		t.Fatalf("dialed the refused address %d times", n)
	}
	// read's own error comes back as itself, not a copy with the same words.
	err := c.GetMedia(context.Background(), base+"/avatar.png", 0, 0, func(string, io.Reader) error { return notImage })
	if !errors.Is(err, notImage) {
		t.Fatalf("read's error: %v", err)
	}
}

// TestGetMediaHoldsSlot: the per-host slot stays taken while read runs, so a host's files
// count against MaxPerHost until they are stored, not only while their headers arrive.
func TestGetMediaHoldsSlot(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write([]byte("png"))
	})
	r := newRig(t, h, h)
	c := r.client(ClientConfig{MaxPerHost: 1})
	url := "http://" + r.allowedHost + "/a.png"
	var inner error
	err := c.GetMedia(context.Background(), url, 100, 0, func(string, io.Reader) error {
		inner = c.GetMedia(context.Background(), url, 100, 100*time.Millisecond, func(string, io.Reader) error { return nil })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantKind(t, inner, storage.Transient, "too many fetches")
	// Released after: the next fetch gets the slot.
	if err := c.GetMedia(context.Background(), url, 100, 0, func(string, io.Reader) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
