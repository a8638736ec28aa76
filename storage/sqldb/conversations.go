package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"refuge/storage"
)

// Conversations (migration 0038): each local account's threads of direct notes. They are
// written here, where every note is stored (CreateNote) and deleted (tombstone), so that
// a post from the web, the client API or C2S and a note received by the inbox all keep
// them alike.

// maxThreadWalk bounds the walk up a thread for the root of a note that carries no
// conversation.
const maxThreadWalk = 100

// addToConversations puts the direct note n, just stored with its tags, in the
// conversation of its thread of every local account it involves: its author's, read (one
// who writes in a conversation has read it), and each local recipient's, unread. A
// conversation the account removed is made anew, holding n alone, as Mastodon does.
func (tx *Tx) addToConversations(ctx context.Context, n *storage.Note) error {
	key, err := tx.threadKey(ctx, n)
	if err != nil {
		return err
	}
	rows, err := tx.tx.QueryContext(ctx, `SELECT id FROM actors WHERE local = TRUE
		AND (id = ? OR uri IN (SELECT actor_uri FROM note_recipients WHERE note_id = ?))`, n.ActorID, n.ID)
	if err != nil {
		return fmt.Errorf("conversation accounts: %w", err)
	}
	var owners []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("conversation accounts: %w", err)
		}
		owners = append(owners, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("conversation accounts: %w", err)
	}
	for _, owner := range owners {
		var id int64
		err := tx.tx.QueryRowContext(ctx, `INSERT INTO conversations (actor_id, context, last_note_id, unread)
			VALUES (?,?,?,?) ON CONFLICT (actor_id, context) DO UPDATE SET last_note_id = excluded.last_note_id,
			unread = excluded.unread RETURNING id`, owner, key, n.ID, owner != n.ActorID).Scan(&id)
		if err != nil {
			return fmt.Errorf("conversation of %d: %w", owner, err)
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO conversation_notes (conversation_id, note_id) VALUES (?,?)
			ON CONFLICT DO NOTHING`, id, n.ID); err != nil {
			return fmt.Errorf("conversation note: %w", err)
		}
		tx.record(storage.Event{Kind: storage.EventConversation, AccountID: owner, NoteID: n.ID})
	}
	return nil
}

// threadKey is the thread a note is in: its conversation (a local reply carries its
// parent's, and Mastodon's notes their conversation's id), or else the root of the thread
// as far as it is stored.
func (tx *Tx) threadKey(ctx context.Context, n *storage.Note) (string, error) {
	if n.Conversation != "" {
		return n.Conversation, nil
	}
	key, parent := n.URI, n.InReplyToURI
	for range maxThreadWalk {
		if parent == "" {
			break
		}
		var conversation, next string
		err := tx.tx.QueryRowContext(ctx, `SELECT conversation, in_reply_to_uri FROM notes WHERE uri = ?`, parent).
			Scan(&conversation, &next)
		if errors.Is(err, sql.ErrNoRows) {
			return parent, nil // the oldest note of the thread known
		}
		if err != nil {
			return "", fmt.Errorf("thread of %s: %w", n.URI, err)
		}
		if conversation != "" {
			return conversation, nil
		}
		key, parent = parent, next
	}
	return key, nil
}

// conversationDeletes are the statements that take the notes of the subquery notes (of
// tombstone) out of the conversations: a conversation's newest note becomes the newest
// left, and one left without notes goes. Run before the notes are marked deleted.
func conversationDeletes(notes string) []string {
	return []string{
		`DELETE FROM conversation_notes WHERE note_id IN ` + notes,
		`DELETE FROM conversations WHERE last_note_id IN ` + notes + `
			AND NOT EXISTS (SELECT 1 FROM conversation_notes c WHERE c.conversation_id = conversations.id)`,
		`UPDATE conversations SET last_note_id = (SELECT max(c.note_id) FROM conversation_notes c
			WHERE c.conversation_id = conversations.id) WHERE last_note_id IN ` + notes,
	}
}

const conversationSelect = `SELECT c.id, c.actor_id, c.context, c.last_note_id, c.unread FROM conversations c`

// ListConversations returns a page of the account's conversations, newest last note first.
func (r reader) ListConversations(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Conversation, error) {
	return r.listConversations(ctx, accountID, p, r.fillConversations)
}

// ListConversationHeads returns the page ListConversations does, with participants and
// last notes bearing their ids alone.
func (r reader) ListConversationHeads(ctx context.Context, accountID int64, p storage.Page) ([]*storage.Conversation, error) {
	return r.listConversations(ctx, accountID, p, r.fillConversationHeads)
}

func (r reader) listConversations(ctx context.Context, accountID int64, p storage.Page,
	fill func(context.Context, []*storage.Conversation) error) ([]*storage.Conversation, error) {
	where := ` WHERE c.actor_id = :account`
	if p.Unread {
		where += ` AND c.unread = TRUE`
	}
	cond, args, order := pageClause(p, "c.last_note_id")
	out, err := r.conversationRows(ctx, conversationSelect+where+cond+order, append(args, sql.Named("account", accountID))...)
	if err == nil && len(out) > 0 {
		err = fill(ctx, out)
	}
	if err != nil {
		return nil, err
	}
	if ascending(p) {
		reverse(out)
	}
	return out, nil
}

// GetConversation returns the account's conversation id.
func (r reader) GetConversation(ctx context.Context, accountID, id int64) (*storage.Conversation, error) {
	return r.oneConversation(ctx, conversationSelect+` WHERE c.actor_id = ? AND c.id = ?`, accountID, id)
}

// NoteConversation returns the account's conversation holding note noteID.
func (r reader) NoteConversation(ctx context.Context, accountID, noteID int64) (*storage.Conversation, error) {
	return r.oneConversation(ctx, conversationSelect+` JOIN conversation_notes cn ON cn.conversation_id = c.id
		WHERE c.actor_id = ? AND cn.note_id = ?`, accountID, noteID)
}

func (r reader) oneConversation(ctx context.Context, query string, args ...any) (*storage.Conversation, error) {
	list, err := r.conversations(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, storage.Errorf(storage.NotFound, "conversation not found")
	}
	return list[0], nil
}

// conversations reads the conversations query selects, with their participants and last
// notes.
func (r reader) conversations(ctx context.Context, query string, args ...any) ([]*storage.Conversation, error) {
	out, err := r.conversationRows(ctx, query, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	return out, r.fillConversations(ctx, out)
}

// conversationRows reads the conversations query selects, as stored.
func (r reader) conversationRows(ctx context.Context, query string, args ...any) ([]*storage.Conversation, error) {
	rows, err := r.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	var out []*storage.Conversation
	for rows.Next() {
		c := &storage.Conversation{}
		if err := rows.Scan(&c.ID, &c.ActorID, &c.Context, &c.LastNoteID, &c.Unread); err != nil {
			rows.Close()
			return nil, fmt.Errorf("scan conversation: %w", err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return out, nil
}

// fillConversations reads the participants and the last notes of list, in a few queries: the
// participants are the authors of their notes and the actors those mention, other than the owner.
func (r reader) fillConversations(ctx context.Context, list []*storage.Conversation) error {
	in, args := conversationIDs(list)
	rows, err := r.q.QueryContext(ctx, participantsQuery(actorColumns, in), append(args, args...)...)
	if err != nil {
		return fmt.Errorf("conversation participants: %w", err)
	}
	add := participantAdder(list)
	for rows.Next() {
		var id int64
		a := &storage.Actor{}
		if err := scanActor(rows, a, &id); err != nil {
			rows.Close()
			return fmt.Errorf("scan participant: %w", err)
		}
		add(id, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("conversation participants: %w", err)
	}
	in, args = lastNoteIDs(list)
	last, err := collectNotes(r.q.QueryContext(ctx, noteSelect+` WHERE n.id IN `+in+` AND n.deleted_at = {never}`+authorShown, args...))
	if err != nil {
		return fmt.Errorf("conversation notes: %w", err)
	}
	if err := r.fillParts(ctx, last); err != nil {
		return err
	}
	for _, n := range last {
		setLast(list, n)
	}
	return nil
}

// fillConversationHeads reads what fillConversations does of list, but for ids alone: the
// participants' and those of the last notes that are shown.
func (r reader) fillConversationHeads(ctx context.Context, list []*storage.Conversation) error {
	in, args := conversationIDs(list)
	rows, err := r.q.QueryContext(ctx, participantsQuery("a.id", in), append(args, args...)...)
	if err != nil {
		return fmt.Errorf("conversation participants: %w", err)
	}
	add := participantAdder(list)
	for rows.Next() {
		var actor, id int64
		if err := rows.Scan(&actor, &id); err != nil {
			rows.Close()
			return fmt.Errorf("scan participant: %w", err)
		}
		add(id, &storage.Actor{ID: actor})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("conversation participants: %w", err)
	}
	in, args = lastNoteIDs(list)
	rows, err = r.q.QueryContext(ctx, `SELECT n.id FROM notes n JOIN actors a ON a.id = n.actor_id
		WHERE n.id IN `+in+` AND n.deleted_at = {never}`+authorShown, args...)
	if err != nil {
		return fmt.Errorf("conversation notes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		n := &storage.Note{}
		if err := rows.Scan(&n.ID); err != nil {
			return fmt.Errorf("scan conversation note: %w", err)
		}
		setLast(list, n)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("conversation notes: %w", err)
	}
	return nil
}

// participantsQuery selects columns of the participants of the conversations in (an
// inList of their ids, given twice), and the conversation's id.
//
// The mentions are read from the conversations' notes outward: CROSS JOIN keeps SQLite to
// that order (PostgreSQL plans it as a join). Joined with ON, SQLite (which has no
// statistics here) began at note_tags by its type index and read every mention of the
// instance on every page a signed-in account opened, for the menu's unread count.
func participantsQuery(columns, in string) string {
	return `SELECT ` + columns + `, cn.conversation_id FROM conversation_notes cn
		JOIN notes n ON n.id = cn.note_id JOIN actors a ON a.id = n.actor_id WHERE cn.conversation_id IN ` + in + `
		UNION ALL
		SELECT ` + columns + `, cn.conversation_id FROM conversation_notes cn CROSS JOIN note_tags t
		JOIN actors a ON a.uri = t.href
		WHERE t.note_id = cn.note_id AND t.type = 'Mention' AND cn.conversation_id IN ` + in
}

// conversationIDs is the inList of the ids of list.
func conversationIDs(list []*storage.Conversation) (string, []any) {
	ids := make([]int64, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return inList(ids)
}

// lastNoteIDs is the inList of the last notes' ids of list.
func lastNoteIDs(list []*storage.Conversation) (string, []any) {
	notes := make([]int64, 0, len(list))
	for _, c := range list {
		notes = append(notes, c.LastNoteID)
	}
	return inList(notes)
}

// participantAdder returns a function that adds a participant to the conversation of list
// with id id, once, and never its owner.
func participantAdder(list []*storage.Conversation) func(id int64, a *storage.Actor) {
	byID := make(map[int64]*storage.Conversation, len(list))
	for _, c := range list {
		byID[c.ID] = c
	}
	seen := map[[2]int64]bool{}
	return func(id int64, a *storage.Actor) {
		c := byID[id]
		if a.ID == c.ActorID || seen[[2]int64{id, a.ID}] {
			return
		}
		seen[[2]int64{id, a.ID}] = true
		c.Participants = append(c.Participants, a)
	}
}

// setLast makes n the last note of the conversations of list whose last note it is.
func setLast(list []*storage.Conversation, n *storage.Note) {
	for _, c := range list {
		if c.LastNoteID == n.ID {
			c.Last = n
		}
	}
}

// MarkConversationRead marks the account's conversation id read, and tells the account's
// streams of the change as Mastodon does.
func (tx *Tx) MarkConversationRead(ctx context.Context, accountID, id int64) error {
	var last int64
	err := tx.tx.QueryRowContext(ctx, `UPDATE conversations SET unread = FALSE WHERE actor_id = ? AND id = ?
		RETURNING last_note_id`, accountID, id).Scan(&last)
	if err != nil {
		return notFound("conversation", err)
	}
	tx.record(storage.Event{Kind: storage.EventConversation, AccountID: accountID, NoteID: last})
	return nil
}

// DeleteConversation removes the account's conversation id and its list of notes.
func (tx *Tx) DeleteConversation(ctx context.Context, accountID, id int64) error {
	if err := changedOne(tx.tx.ExecContext(ctx, `DELETE FROM conversations WHERE actor_id = ? AND id = ?`, accountID, id)); err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM conversation_notes WHERE conversation_id = ?`, id); err != nil {
		return fmt.Errorf("delete conversation %d: %w", id, err)
	}
	return nil
}

// changedOne is the error of a change that must touch one conversation: NotFound when it touched
// none.
func changedOne(res sql.Result, err error) error {
	if err != nil {
		return fmt.Errorf("conversation: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return storage.Errorf(storage.NotFound, "conversation not found")
	}
	return nil
}
