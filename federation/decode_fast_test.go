package federation

import (
	"os"
	"path/filepath"
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
		if err := apDecode([]byte(body), &ap); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		slow := Activity{ID: string(ap.ID), Type: string(ap.Type), Actor: linkOr(ap.Actor, w.Actor), Target: itemLink(ap.Target)}
		if fast.ID != slow.ID || fast.Type != slow.Type || fast.Actor != slow.Actor || fast.Target != slow.Target {
			t.Errorf("%.80s: read %q %q %q %q, go-ap %q %q %q %q", body, fast.ID, fast.Type, fast.Actor, fast.Target,
				slow.ID, slow.Type, slow.Actor, slow.Target)
		}
	}
}
