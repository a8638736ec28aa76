package federation

import (
	"slices"
	"testing"
)

// TestActorMoveRoundTrip: an actor's aliases and the account it moved to survive encoding
// and decoding, as Mastodon and GoToSocial read them (alsoKnownAs and movedTo, ids).
func TestActorMoveRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name    string
		aka     []string
		movedTo string
	}{
		{"neither", nil, ""},
		{"aliases", []string{"https://old.example/users/a", "https://older.example/@a"}, ""},
		{"moved", []string{"https://old.example/users/a"}, "https://new.example/users/a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := EncodeActor(&Actor{ID: "https://refuge.example/users/a", Type: TypePerson,
				AlsoKnownAs: tc.aka, MovedTo: tc.movedTo})
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeActor(doc)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(back.AlsoKnownAs, tc.aka) || back.MovedTo != tc.movedTo {
				t.Errorf("decoded aliases %v, movedTo %q; want %v, %q (from %s)", back.AlsoKnownAs, back.MovedTo, tc.aka, tc.movedTo, doc)
			}
		})
	}
}
