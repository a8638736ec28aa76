package sqldb

import (
	"fmt"
	"strconv"
	"strings"

	"refuge/storage"
)

// Events. A write transaction records what a streaming client may want to hear of (record);
// the events are published only once it commits, so that nobody is told of what was rolled
// back. On SQLite the one process calls the function given to OnEvents itself, after the
// commit; on PostgreSQL the events go out with the commit as notifications on
// eventsChannel (their ids only: a notification's payload is limited to 8000 bytes), and
// every process's listener, this one's included, hands them on, so that a client
// connected to any process hears what any process wrote.

// eventsChannel is the NOTIFY channel events are published on.
const eventsChannel = "refuge_events"

// maxEventsPayload bounds one notification's payload, under PostgreSQL's 8000 bytes.
const maxEventsPayload = 7000

// OnEvents has fn called with the events of every commit (on PostgreSQL, of every
// process's commits) once it is done; fn must not block.
func (db *DB) OnEvents(fn func([]storage.Event)) {
	db.events.Store(&fn)
}

// publish hands committed events on.
func (db *DB) publish(events []storage.Event) {
	if fn := db.events.Load(); fn != nil && len(events) > 0 {
		(*fn)(events)
	}
}

// record keeps an event of the transaction, to be published after its commit.
func (tx *Tx) record(e storage.Event) {
	tx.events = append(tx.events, e)
}

// encodeEvents writes events as lines of numbers, in payloads of at most maxEventsPayload
// bytes.
func encodeEvents(events []storage.Event) []string {
	var out []string
	var b strings.Builder
	for _, e := range events {
		pub := 0
		if e.Public {
			pub = 1
		}
		line := fmt.Sprintf("%s %d %d %d %d %d %d\n", e.Kind, e.AccountID, e.NoteID, e.AnnounceID, e.NotificationID, e.ActorID, pub)
		if b.Len()+len(line) > maxEventsPayload {
			out = append(out, b.String())
			b.Reset()
		}
		b.WriteString(line)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// decodeEvents reads what encodeEvents wrote; a line it cannot read is skipped.
func decodeEvents(payload string) []storage.Event {
	var events []storage.Event
	for _, line := range strings.Split(payload, "\n") {
		f := strings.Fields(line)
		if len(f) != 7 {
			continue
		}
		var n [6]int64
		bad := false
		for i := range n {
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			n[i], bad = v, bad || err != nil
		}
		if bad {
			continue
		}
		events = append(events, storage.Event{Kind: storage.EventKind(f[0]), AccountID: n[0], NoteID: n[1],
			AnnounceID: n[2], NotificationID: n[3], ActorID: n[4], Public: n[5] == 1})
	}
	return events
}
