package sqldb

import (
	"context"
	"slices"
	"testing"
	"time"

	"refuge/storage"
)

// TestProfileImagesAreNoOrphans: the uploads a local profile shows (its header, its avatar
// by the thumbnail) are no orphans, however old; once replaced they are.
func TestProfileImagesAreNoOrphans(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	alice := mustActor(t, db, "alice", "refuge.example", true)
	base := "https://refuge.example/media/"
	old := time.Now().Add(-48 * time.Hour)
	uploads := map[string]*storage.Media{
		"avatar": {ActorID: alice.ID, URL: base + "a.png", Path: "a.png", ThumbPath: "a.thumb.jpg", MediaType: "image/png", Created: old},
		"header": {ActorID: alice.ID, URL: base + "h.png", Path: "h.png", ThumbPath: "h.thumb.jpg", MediaType: "image/png", Created: old},
		"orphan": {ActorID: alice.ID, URL: base + "o.png", Path: "o.png", ThumbPath: "o.thumb.jpg", MediaType: "image/png", Created: old},
	}
	alice.IconURL, alice.ImageURL = base+"a.thumb.jpg", base+"h.png"
	err := db.Update(ctx, func(tx storage.Tx) error {
		for _, m := range uploads {
			if err := tx.CreateMedia(ctx, m); err != nil {
				return err
			}
		}
		return tx.UpdateActor(ctx, alice)
	})
	if err != nil {
		t.Fatal(err)
	}
	sweep := func() []string {
		t.Helper()
		var gone []storage.Media
		if err := db.Update(ctx, func(tx storage.Tx) (err error) {
			gone, err = tx.DeleteOrphanMedia(ctx, time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, m := range gone {
			paths = append(paths, m.Path)
		}
		slices.Sort(paths)
		return paths
	}
	if got := sweep(); !slices.Equal(got, []string{"o.png"}) {
		t.Errorf("swept %v, want only the orphan", got)
	}
	alice.IconURL, alice.ImageURL = "", ""
	if err := db.Update(ctx, func(tx storage.Tx) error { return tx.UpdateActor(ctx, alice) }); err != nil {
		t.Fatal(err)
	}
	if got := sweep(); !slices.Equal(got, []string{"a.png", "h.png"}) {
		t.Errorf("swept %v after the profile dropped them, want the avatar and the header", got)
	}
}
