package federation

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	vocab "github.com/go-ap/activitypub"
)

// TestPlainHeadMatchesGoAP: where decodeActivity reads id, type, actor and target itself
// (plain strings), it must read what go-ap reads.
func TestPlainHeadMatchesGoAP(t *testing.T) {
	bodies := []string{
		`{"id":"https://a.example/1","type":"Create","actor":"https://a.example/u","object":{"id":"https://a.example/n","type":"Note"}}`,
		`{"id":"https://a.example/1","type":"Add","actor":"https://a.example/u","object":"https://a.example/n","target":"https://a.example/c"}`,
		`{"id":"https://a.example/1","type":"Add","actor":"https://a.example/u","target":"/relative"}`,
		`{"id":"https://a.example/1","type":"Add","actor":"https://a.example/u","target":null}`,
		`{"id":"https://a.example/1","type":"Follow","actor":"/relative"}`,
		`{"id":"https://a.example/1","type":"Follow","actor":"https://a.example"}`,
		`{"id":"https://a.example/1","type":"Follow","actor":"mailto:someone@a.example"}`,
		`{"id":"https://a.example/1","type":"Follow","actor":"https://a.example/ü/ñ?x=1#k"}`,
		`{"id":"https://a.example/1","type":"Follow","actor":" https://a.example/u "}`,
		`{"id":"","type":"","actor":""}`,
		`{"id":"relative/id","type":"Whatever","actor":"http://127.0.0.1:8080/users/x"}`,
	}
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, string(data))
	}
	for _, body := range bodies {
		var w wireDoc
		if err := decodeWire([]byte(body), &w, false); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		var fast Activity
		if !fast.plainHead(&w) {
			continue // go-ap reads it
		}
		var ap vocab.Activity
		if err := ap.UnmarshalJSON([]byte(body)); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		slow := Activity{ID: string(ap.ID), Type: string(ap.Type), Actor: linkOr(ap.Actor, w.Actor), Target: itemLink(ap.Target)}
		if fast.ID != slow.ID || fast.Type != slow.Type || fast.Actor != slow.Actor || fast.Target != slow.Target {
			t.Errorf("%.80s: read %q %q %q %q, go-ap %q %q %q %q", body, fast.ID, fast.Type, fast.Actor, fast.Target,
				slow.ID, slow.Type, slow.Actor, slow.Target)
		}
	}
}

// TestReducedDocumentMatchesGoAP: go-ap is shown only the fields it reads for us, cut down
// (apDocument); on real documents it must read from them what it reads from the whole.
func TestReducedDocumentMatchesGoAP(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w wireDoc
		if err := decodeWire(data, &w, false); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// The object of an activity is read as a note when it is one.
		docs := [][]byte{data}
		var inner wireDoc
		if obj, err := objectOf(w.Object); err == nil && obj.Raw != nil && decodeWire(obj.Raw, &inner, true) == nil {
			docs = append(docs, obj.Raw)
		}
		for i, doc := range docs {
			w := w
			if i > 0 {
				w = inner
			}
			var wholeAct, partAct vocab.Activity
			var wholeActor, partActor vocab.Actor
			if wholeAct.UnmarshalJSON(doc) != nil || wholeActor.UnmarshalJSON(doc) != nil {
				t.Fatalf("%s: go-ap cannot read it", f)
			}
			if err := apDecode(&partAct, apField{"id", w.ID}, apField{"type", w.Type}, apField{"actor", w.Actor},
				apField{"target", w.Target}, apField{"attributedTo", w.AttributedTo}, apField{"inReplyTo", w.InReplyTo},
				apField{"replies", w.Replies}); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if err := apDecode(&partActor, apField{"id", w.ID}, apField{"type", w.Type}, apField{"inbox", w.Inbox},
				apField{"outbox", w.Outbox}, apField{"followers", w.Followers}, apField{"following", w.Following},
				apField{"publicKey", w.PublicKey}, apField{"endpoints", w.Endpoints}); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			read := func(a *vocab.Activity, p *vocab.Actor) []string {
				out := []string{string(a.ID), string(a.Type), itemLink(a.Actor), itemLink(a.Target), itemLink(a.AttributedTo),
					itemLink(a.InReplyTo), itemLink(a.Replies), itemLink(p.Inbox), itemLink(p.Outbox), itemLink(p.Followers),
					itemLink(p.Following), string(p.PublicKey.ID), string(p.PublicKey.Owner), p.PublicKey.PublicKeyPem}
				if p.Endpoints != nil {
					out = append(out, itemLink(p.Endpoints.SharedInbox))
				}
				return out
			}
			whole, part := read(&wholeAct, &wholeActor), read(&partAct, &partActor)
			if strings.Join(whole, "\n") != strings.Join(part, "\n") {
				t.Errorf("%s (document %d): the whole reads\n%q\nthe reduced one\n%q", f, i, whole, part)
			}
		}
	}
}
