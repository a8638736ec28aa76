package sqldb

import (
	"encoding/json"
	"fmt"
	"time"

	"refuge/storage"
)

// cardRow is a card's text and times as stored in notes.card_json; its picture is
// notes.card_image (see migration 0051). The names are the stored document's, kept apart
// from the model so that renaming a field in Go changes nothing stored.
type cardRow struct {
	Type    string `json:"type"`
	Title   string `json:"title,omitempty"`
	Summary string `json:"summary,omitempty"`
	Link    string `json:"link,omitempty"`
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Place   string `json:"place,omitempty"`
	Address string `json:"address,omitempty"`
}

// cardColumns are card_json and card_image for c: both "" for none.
func cardColumns(c *storage.Card) (string, string) {
	if c == nil {
		return "", ""
	}
	row := cardRow{Type: c.Type, Title: c.Title, Summary: c.Summary, Link: c.Link, Place: c.Place, Address: c.Address}
	if !c.Start.IsZero() {
		row.Start = c.Start.UTC().Format(time.RFC3339)
	}
	if !c.End.IsZero() {
		row.End = c.End.UTC().Format(time.RFC3339)
	}
	return mustJSON(row, cardRow{}), c.Image
}

// cardOf reads a card back from its columns; nil when the note has none.
func cardOf(js, image string) (*storage.Card, error) {
	if js == "" {
		return nil, nil
	}
	var row cardRow
	if err := json.Unmarshal([]byte(js), &row); err != nil {
		return nil, fmt.Errorf("card: %w", err)
	}
	c := &storage.Card{Type: row.Type, Title: row.Title, Summary: row.Summary, Image: image, Link: row.Link,
		Place: row.Place, Address: row.Address}
	c.Start, _ = time.Parse(time.RFC3339, row.Start) // zero when absent
	c.End, _ = time.Parse(time.RFC3339, row.End)
	return c, nil
}
