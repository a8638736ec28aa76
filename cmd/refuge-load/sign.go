package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync"
	"time"

	"refuge/federation"
	"refuge/internal/testrig/peer"
)

// signedPost is a delivery signed ahead of time, so that the load is not bounded by our own
// signing (an RSA-2048 signature costs more than Refuge's whole check of it).
type signedPost struct {
	url    string
	body   []byte
	header http.Header
}

// signPost signs body for url as actor, the way a Mastodon server delivers.
func signPost(url string, body []byte, a *remoteActor) (*signedPost, error) {
	req, err := peer.SignedPost(url, body, a.KeyID, a.Key, peer.Sig{})
	if err != nil {
		return nil, err
	}
	return &signedPost{url: url, body: body, header: req.Header}, nil
}

// signAll signs the n deliveries build describes (inbox URL, body, sender), on every core.
func signAll(n int, build func(i int) (string, []byte, *remoteActor)) ([]*signedPost, error) {
	out := make([]*signedPost, n)
	workers := runtime.NumCPU()
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < n; i += workers {
				url, body, a := build(i)
				if out[i], errs[w] = signPost(url, body, a); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// send makes the request; the answer's body is drained so the connection is reused.
func (p *signedPost) send(ctx context.Context, c *http.Client) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(p.body))
	if err != nil {
		return 0, err
	}
	for k, v := range p.header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// activityJSON writes an activity document with the ActivityStreams context.
func activityJSON(v map[string]any) []byte {
	v["@context"] = federation.ActivityStreamsContext
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal activity: %v", err)) // only maps of strings and slices here
	}
	return b
}

// createNote is a Create{Note} as Mastodon sends one: public, to the author's followers.
func createNote(a *remoteActor, id string, at time.Time) []byte {
	return activityJSON(createNoteDoc(a, id, at))
}

// createNoteDoc is createNote's activity before it is written, its object a map[string]any
// to add to.
func createNoteDoc(a *remoteActor, id string, at time.Time) map[string]any {
	note := a.URI + "/statuses/" + id
	return map[string]any{
		"id": note + "/activity", "type": "Create", "actor": a.URI,
		"published": at.UTC().Format(time.RFC3339),
		"to":        []string{federation.PublicCollection}, "cc": []string{a.URI + "/followers"},
		"object": map[string]any{
			"id": note, "type": "Note", "attributedTo": a.URI, "url": a.host.base + "/@" + a.Name + "/" + id,
			"published": at.UTC().Format(time.RFC3339),
			"to":        []string{federation.PublicCollection}, "cc": []string{a.URI + "/followers"},
			"content":   "<p>Load note " + id + " from " + a.Name + ", with a <a href=\"" + a.host.base + "/tags/load\" class=\"mention hashtag\" rel=\"tag\">#<span>load</span></a> tag.</p>",
			"tag":       []map[string]string{{"type": "Hashtag", "href": a.host.base + "/tags/load", "name": "#load"}},
			"sensitive": false,
		},
	}
}
