package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"refuge/storage"
	"refuge/storage/sqlite"
)

// Helpers for the end-to-end federation tests: C2S calls, reading a home feed and
// collections, counting rows in an instance's SQLite file, and recording the POSTs an
// instance receives (through Config.Observe, so nothing of ours is replaced).

// federationWait bounds every wait for something to travel between instances.
const federationWait = 10 * time.Second

// c2s POSTs an activity to name's outbox and returns the id from Location; anything but
// 201 fails the test.
func (in *instance) c2s(name, token string, activity any) string {
	in.t.Helper()
	status, body, h := in.do("POST", "/users/"+name+"/outbox", token, activity)
	if status != http.StatusCreated {
		in.t.Fatalf("C2S %v to %s: %d %s", activity, name, status, body)
	}
	loc := h.Get("Location")
	if loc == "" {
		in.t.Fatalf("C2S %v: no Location", activity)
	}
	return loc
}

// postNote publishes a note through C2S and returns the note's id (Location names its
// Create activity, the note's id + "/activity").
func (in *instance) postNote(name, token string, note map[string]any) string {
	in.t.Helper()
	note["type"] = "Note"
	return strings.TrimSuffix(in.c2s(name, token, note), "/activity")
}

// feedEntry is one item of a home feed, as GET /users/NAME/inbox serves it.
type feedEntry struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Content   string          `json:"content"`
	InReplyTo string          `json:"inReplyTo"`
	Actor     string          `json:"actor"`
	Object    json.RawMessage `json:"object"`
}

// homeFeed reads name's home feed with the owner's token.
func (in *instance) homeFeed(name, token string) []feedEntry {
	in.t.Helper()
	status, body, _ := in.do("GET", "/users/"+name+"/inbox", token, nil)
	if status != http.StatusOK {
		in.t.Fatalf("home feed of %s: %d %s", name, status, body)
	}
	var page struct{ OrderedItems []feedEntry }
	if err := json.Unmarshal(body, &page); err != nil {
		in.t.Fatalf("home feed of %s: %v", name, err)
	}
	return page.OrderedItems
}

// feedHas counts the notes with id uri in a feed.
func feedHas(feed []feedEntry, uri string) int {
	n := 0
	for _, e := range feed {
		if e.ID == uri {
			n++
		}
	}
	return n
}

// totalItems reads totalItems of a collection, as an anonymous reader.
func (in *instance) totalItems(path string) int {
	in.t.Helper()
	status, body, _ := in.do("GET", path, "", nil)
	if status != http.StatusOK {
		in.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var c struct{ TotalItems *int }
	if err := json.Unmarshal(body, &c); err != nil || c.TotalItems == nil {
		in.t.Fatalf("GET %s: no totalItems in %s", path, body)
	}
	return *c.TotalItems
}

// countRows counts the rows of table that match where ("" for all) in the instance's
// SQLite file, read through its read pool.
func (in *instance) countRows(table, where string, args ...any) int {
	in.t.Helper()
	n, err := in.app.db.(*sqlite.DB).CountWhere(context.Background(), table, where, args...)
	if err != nil {
		in.t.Fatal(err)
	}
	return n
}

// queueEmpty reports whether the instance has no delivery left to make.
func (in *instance) queueEmpty() bool {
	in.t.Helper()
	n, err := in.app.db.CountDeliveries(context.Background())
	if err != nil {
		in.t.Fatal(err)
	}
	return n == 0
}

// note returns the stored note uri, or nil when the instance has none.
func (in *instance) note(uri string) *storage.Note {
	in.t.Helper()
	n, err := in.app.db.GetNoteByURI(context.Background(), uri)
	if storage.KindOf(err) == storage.NotFound {
		return nil
	}
	if err != nil {
		in.t.Fatal(err)
	}
	return n
}

// followRemote makes name (with token, on in) follow target, an unlocked account on
// another instance, and waits until the follow is accepted on both sides. It returns the
// Follow's id.
func (in *instance) followRemote(name, token string, target *instance, targetName string) string {
	in.t.Helper()
	targetURI := target.base + "/users/" + targetName
	id := in.c2s(name, token, map[string]any{"type": "Follow", "object": targetURI})
	eventually(in.t, federationWait, name+"'s follow of "+targetName+" accepted", func() bool {
		f, err := in.app.db.GetFollowByURI(context.Background(), id)
		return err == nil && f.Accepted
	})
	eventually(in.t, federationWait, targetName+" has "+name+" as a follower", func() bool {
		f, err := target.app.db.GetFollowByURI(context.Background(), id)
		return err == nil && f.Accepted
	})
	return id
}

// inboxLog records the POSTs an instance receives: path and body.
type inboxLog struct {
	mu    sync.Mutex
	posts []loggedPost
}

type loggedPost struct {
	path string
	body []byte
}

// record is a startInstance option that logs every POST the instance receives.
func (l *inboxLog) record(c *Config) {
	c.Observe = func(r *http.Request) {
		if r.Method != http.MethodPost {
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 2<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.posts = append(l.posts, loggedPost{r.URL.Path, body})
		l.mu.Unlock()
	}
}

// count returns how many POSTs to path carried the activity with id activityID.
func (l *inboxLog) count(path, activityID string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, p := range l.posts {
		var head struct{ ID string }
		if p.path == path && json.Unmarshal(p.body, &head) == nil && head.ID == activityID {
			n++
		}
	}
	return n
}

// mentioning lists (as "path id") the POSTs whose body contains s, for failure messages.
func (l *inboxLog) mentioning(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var ids []string
	for _, p := range l.posts {
		if bytes.Contains(p.body, []byte(s)) {
			var head struct{ ID string }
			json.Unmarshal(p.body, &head)
			ids = append(ids, p.path+" "+head.ID)
		}
	}
	return ids
}
