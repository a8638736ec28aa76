package api_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// pushReceiver plays a push service and the browser behind it: it holds the subscriber's
// key pair and auth secret, checks each push's VAPID signature against the instance's
// public key, and decrypts the body (RFC 8291) with its own private key.
type pushReceiver struct {
	srv    *httptest.Server
	priv   *ecdh.PrivateKey
	auth   []byte
	vapid  *ecdsa.PublicKey
	status atomic.Int32 // what it answers
	fail   atomic.Int32 // how many pushes to come it answers 503 first
	got    chan map[string]any
	errs   chan error
}

func newPushReceiver(t *testing.T, vapidKey string) *pushReceiver {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(vapidKey)
	if err != nil {
		t.Fatalf("vapid key %q: %v", vapidKey, err)
	}
	vapid, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		t.Fatalf("vapid key: %v", err)
	}
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p := &pushReceiver{priv: priv, auth: make([]byte, 16), vapid: vapid, got: make(chan map[string]any, 16),
		errs: make(chan error, 16)}
	rand.Read(p.auth)
	p.status.Store(201)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve)) // on 127.0.0.1
	t.Cleanup(p.srv.Close)
	return p
}

func (p *pushReceiver) endpoint() string { return p.srv.URL + "/push/device-1" }

func (p *pushReceiver) keys() (p256dh, auth string) {
	return base64.RawURLEncoding.EncodeToString(p.priv.PublicKey().Bytes()), base64.RawURLEncoding.EncodeToString(p.auth)
}

func (p *pushReceiver) serve(w http.ResponseWriter, r *http.Request) {
	msg, err := p.open(r)
	if err != nil {
		p.errs <- err
		w.WriteHeader(400)
		return
	}
	p.got <- msg
	if p.fail.Add(-1) >= 0 {
		w.WriteHeader(503)
		return
	}
	w.WriteHeader(int(p.status.Load()))
}

// open checks a push's headers and VAPID token and decrypts its body.
func (p *pushReceiver) open(r *http.Request) (map[string]any, error) {
	if r.Method != "POST" || r.Header.Get("Content-Encoding") != "aes128gcm" || r.Header.Get("TTL") == "" ||
		r.Header.Get("Urgency") == "" {
		return nil, fmt.Errorf("%s with headers %v", r.Method, r.Header)
	}
	if err := p.checkVAPID(r.Header.Get("Authorization"), "http://"+r.Host); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	plain, err := p.decrypt(body)
	if err != nil {
		return nil, err
	}
	var msg map[string]any
	if err := json.Unmarshal(plain, &msg); err != nil {
		return nil, fmt.Errorf("payload %q: %v", plain, err)
	}
	return msg, nil
}

// checkVAPID verifies "vapid t=<JWT>, k=<key>" (RFC 8292): the key is the instance's, the
// JWT is ES256-signed by it, for this origin, not expired, with a contact.
func (p *pushReceiver) checkVAPID(header, origin string) error {
	rest, found := strings.CutPrefix(header, "vapid ")
	if !found {
		return fmt.Errorf("authorization %q", header)
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		params[k] = v
	}
	key, _ := base64.RawURLEncoding.DecodeString(params["k"])
	if want, _ := p.vapid.Bytes(); string(key) != string(want) {
		return fmt.Errorf("k=%s is not the instance's key", params["k"])
	}
	parts := strings.Split(params["t"], ".")
	if len(parts) != 3 {
		return fmt.Errorf("t=%q is not a JWT", params["t"])
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return fmt.Errorf("signature %q", parts[2])
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(p.vapid, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return fmt.Errorf("the VAPID signature does not verify")
	}
	var head, claims map[string]any
	for i, dst := range []*map[string]any{&head, &claims} {
		raw, _ := base64.RawURLEncoding.DecodeString(parts[i])
		if err := json.Unmarshal(raw, dst); err != nil {
			return fmt.Errorf("JWT part %d: %v", i, err)
		}
	}
	exp, _ := claims["exp"].(float64)
	sub, _ := claims["sub"].(string)
	switch {
	case head["alg"] != "ES256":
		return fmt.Errorf("alg %v", head["alg"])
	case claims["aud"] != origin:
		return fmt.Errorf("aud %v, want %s", claims["aud"], origin)
	case time.Unix(int64(exp), 0).Before(time.Now()) || time.Unix(int64(exp), 0).After(time.Now().Add(24*time.Hour)):
		return fmt.Errorf("exp %v", claims["exp"])
	case !strings.HasPrefix(sub, "mailto:") && !strings.HasPrefix(sub, "http"):
		return fmt.Errorf("sub %q", sub)
	}
	return nil
}

// decrypt opens an aes128gcm body (RFC 8188) with the keys RFC 8291 derives.
func (p *pushReceiver) decrypt(body []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, fmt.Errorf("body of %d bytes", len(body))
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if idlen != 65 || len(body) < 21+idlen || rs < 18 {
		return nil, fmt.Errorf("header: rs %d, idlen %d", rs, idlen)
	}
	asPublic, record := body[21:21+idlen], body[21+idlen:]
	if uint32(len(record)) > rs {
		return nil, fmt.Errorf("more than one record")
	}
	as, err := ecdh.P256().NewPublicKey(asPublic)
	if err != nil {
		return nil, err
	}
	shared, err := p.priv.ECDH(as)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), p.priv.PublicKey().Bytes()...), asPublic...)
	ikm, _ := hkdf.Key(sha256.New, shared, p.auth, string(info), 32)
	cek, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	nonce, _ := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, nonce, record, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypt: %v", err)
	}
	plain = []byte(strings.TrimRight(string(plain), "\x00"))
	if len(plain) == 0 || plain[len(plain)-1] != 2 {
		return nil, fmt.Errorf("no last-record delimiter")
	}
	return plain[:len(plain)-1], nil
}

// next waits for one push, failing on a bad one or none in time.
func (p *pushReceiver) next(t *testing.T) map[string]any {
	t.Helper()
	select {
	case m := <-p.got:
		return m
	case err := <-p.errs:
		t.Fatalf("bad push: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("no push came")
	}
	return nil
}

// none checks that no push comes for a while.
func (p *pushReceiver) none(t *testing.T, wait time.Duration) {
	t.Helper()
	select {
	case m := <-p.got:
		t.Fatalf("unexpected push %v", m)
	case err := <-p.errs:
		t.Fatalf("bad push: %v", err)
	case <-time.After(wait):
	}
}

var webPushSubscriptionShape = map[string]string{"id": "string", "endpoint": "string", "standard": "bool",
	"alerts": "object", "server_key": "string", "policy": "string"}

// TestPush subscribes alice's app to Web Push over HTTP, checks the subscription endpoints
// (their refusals storing nothing), and has a receiver on loopback, playing the push
// service, decrypt what a mention pushes; one that answers 410 is unsubscribed.
func TestPush(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	in := w.in
	_, inst, _ := get(t, in, "/api/v2/instance", "")
	conf, _ := inst.(map[string]any)["configuration"].(map[string]any)
	vapid, _ := conf["vapid"].(map[string]any)
	shape(t, "Instance configuration.vapid", conf["vapid"], map[string]string{"public_key": "string"})
	serverKey, _ := vapid["public_key"].(string)
	rcv := newPushReceiver(t, serverKey)
	p256dh, auth := rcv.keys()
	app := w.oauthToken(t, "alice", "read push")
	subscribe := func(token string, form url.Values) request {
		return request{method: "POST", path: "/api/v1/push/subscription", token: token, body: form}
	}
	form := func(endpoint, key, secret string, more ...string) url.Values {
		v := url.Values{"subscription[endpoint]": {endpoint}, "subscription[keys][p256dh]": {key},
			"subscription[keys][auth]": {secret}}
		for i := 0; i+1 < len(more); i += 2 {
			v.Set(more[i], more[i+1])
		}
		return v
	}
	good := form(rcv.endpoint(), p256dh, auth, "data[alerts][mention]", "true", "data[alerts][follow]", "true")
	notOnCurve := base64.RawURLEncoding.EncodeToString(append([]byte{4}, make([]byte, 64)...))
	sub := func(policy string, alerts ...string) func(v any) bool {
		return func(v any) bool {
			shape(t, "WebPushSubscription", v, webPushSubscriptionShape)
			m, _ := v.(map[string]any)
			on, _ := m["alerts"].(map[string]any)
			for _, a := range []string{"mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
				"update", "admin.sign_up", "admin.report"} {
				if want := strings.Contains(" "+strings.Join(alerts, " ")+" ", " "+a+" "); on[a] != want {
					return false
				}
			}
			return m["policy"] == policy && m["server_key"] == serverKey && m["endpoint"] == rcv.endpoint() && m["standard"] == true
		}
	}
	put := func(form url.Values) request {
		return request{method: "PUT", path: "/api/v1/push/subscription", token: app, body: form}
	}
	runWrites(t, in, []writeCase{
		{"no token", subscribe("", good), 401, nil},
		{"without the push scope", subscribe(w.oauthToken(t, "alice", "read write"), good), 403, nil},
		{"none yet", getReq("/api/v1/push/subscription", app), 404, nil},
		{"nothing to update", put(url.Values{"data[policy]": {"none"}}), 404, nil},
		{"http endpoint elsewhere", subscribe(app, form("http://push.example/x", p256dh, auth)), 422, nil},
		{"not a URL", subscribe(app, form("push me", p256dh, auth)), 422, nil},
		{"no endpoint", subscribe(app, form("", p256dh, auth)), 422, nil},
		{"short key", subscribe(app, form(rcv.endpoint(), p256dh[:40], auth)), 422, nil},
		{"key off the curve", subscribe(app, form(rcv.endpoint(), notOnCurve, auth)), 422, nil},
		{"auth of 15 bytes", subscribe(app, form(rcv.endpoint(), p256dh, base64.RawURLEncoding.EncodeToString(make([]byte, 15)))), 422, nil},
		{"unknown policy", subscribe(app, form(rcv.endpoint(), p256dh, auth, "data[policy]", "sometimes")), 422, nil},
		{"subscribe", subscribe(app, good), 200, sub("all", "mention", "follow")},
		{"read it", getReq("/api/v1/push/subscription", app), 200, sub("all", "mention", "follow")},
		{"bad policy update", put(url.Values{"data[policy]": {"often"}}), 422, nil},
	})
	if n := in.RowCounts()["push_subscriptions"]; n != 1 {
		t.Fatalf("%d subscriptions, want 1", n)
	}

	// mention has carol mention alice, and returns alice's newest notification's id.
	mention := func(token, text string) string {
		t.Helper()
		if status, v := send(t, in, request{method: "POST", path: "/api/v1/statuses", token: token,
			body: url.Values{"status": {"@alice " + text}}}); status != 200 {
			t.Fatalf("post: %d %v", status, v)
		}
		_, list, _ := get(t, in, "/api/v1/notifications?limit=1", w.aliceTok)
		return idOf(list.([]any)[0])
	}
	t.Run("a mention is pushed once", func(t *testing.T) {
		id := mention(w.carolTok, "are you coming tonight?")
		msg := rcv.next(t)
		if fmt.Sprint(msg["notification_id"]) != id || msg["notification_type"] != "mention" ||
			msg["access_token"] != app || msg["preferred_locale"] == nil ||
			!strings.Contains(fmt.Sprint(msg["title"]), "mentioned you") ||
			!strings.Contains(fmt.Sprint(msg["body"]), "are you coming tonight?") || fmt.Sprint(msg["icon"]) == "" {
			t.Errorf("push %v, want the mention %s", msg, id)
		}
		rcv.none(t, 2*time.Second)
	})
	t.Run("a push the service cannot take yet is retried", func(t *testing.T) {
		rcv.fail.Store(2)
		id := mention(w.carolTok, "try again")
		for i := range 3 { // twice answered 503, then taken
			if msg := rcv.next(t); fmt.Sprint(msg["notification_id"]) != id {
				t.Errorf("attempt %d: push %v, want %s", i+1, msg, id)
			}
		}
		rcv.none(t, 1500*time.Millisecond)
		if n := in.RowCounts()["pushes"]; n != 0 {
			t.Errorf("%d pushes still queued", n)
		}
	})
	queued := func(t *testing.T) {
		t.Helper()
		if n := in.RowCounts()["pushes"]; n != 0 {
			t.Errorf("%d pushes queued, want none", n)
		}
		rcv.none(t, 500*time.Millisecond)
	}
	t.Run("alerts without mention push none", func(t *testing.T) {
		runWrites(t, in, []writeCase{{"favourites only", put(url.Values{"data[alerts][mention]": {"false"},
			"data[alerts][favourite]": {"true"}}), 200, sub("all", "favourite")}})
		mention(w.carolTok, "hello?")
		queued(t)
	})
	t.Run("policy none pushes none", func(t *testing.T) {
		runWrites(t, in, []writeCase{{"policy none", put(url.Values{"data[alerts][mention]": {"true"},
			"data[policy]": {"none"}}), 200, sub("none", "mention")}})
		mention(w.carolTok, "anyone?")
		queued(t)
	})
	t.Run("policy follower pushes only followers'", func(t *testing.T) {
		runWrites(t, in, []writeCase{{"policy follower", put(url.Values{"data[policy]": {"follower"}}), 200,
			sub("follower", "mention")}})
		mention(w.carolTok, "not a follower")
		queued(t)
		id := mention(w.bobTok, "a follower")
		if msg := rcv.next(t); fmt.Sprint(msg["notification_id"]) != id {
			t.Errorf("push %v, want bob's mention %s", msg, id)
		}
	})
	t.Run("a receiver that answers 410 is unsubscribed", func(t *testing.T) {
		runWrites(t, in, []writeCase{{"policy all", put(url.Values{"data[policy]": {"all"}}), 200, sub("all", "mention")}})
		rcv.status.Store(410)
		mention(w.carolTok, "gone?")
		rcv.next(t)
		deadline := time.Now().Add(10 * time.Second)
		for {
			status, _, _ := get(t, in, "/api/v1/push/subscription", app)
			if status == 404 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still subscribed after a 410: %d", status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if c := in.RowCounts(); c["push_subscriptions"] != 0 || c["pushes"] != 0 {
			t.Errorf("left behind: %v", c)
		}
	})
	t.Run("subscribe again, replace, unsubscribe", func(t *testing.T) {
		rcv.status.Store(201)
		_, first := send(t, in, subscribe(app, good))
		runWrites(t, in, []writeCase{
			{"replaced", subscribe(app, form(rcv.endpoint(), p256dh, auth, "data[policy]", "followed")), 200,
				func(v any) bool { return idOf(v) != idOf(first) && sub("followed")(v) }},
			{"unsubscribe", request{method: "DELETE", path: "/api/v1/push/subscription", token: app}, 200,
				func(v any) bool { m, _ := v.(map[string]any); return m != nil && len(m) == 0 }},
			{"gone", getReq("/api/v1/push/subscription", app), 404, nil},
		})
		if n := in.RowCounts()["push_subscriptions"]; n != 0 {
			t.Errorf("%d subscriptions left", n)
		}
	})
}

// TestPushAcrossInstances: bob on B mentions alice on A, whom she follows; her app, with
// the followed policy, gets one push from A for the mention that came through federation.
func TestPushAcrossInstances(t *testing.T) {
	t.Parallel()
	x := newAcross(t)
	_, inst, _ := get(t, x.a, "/api/v2/instance", "")
	serverKey, _ := inst.(map[string]any)["configuration"].(map[string]any)["vapid"].(map[string]any)["public_key"].(string)
	rcv := newPushReceiver(t, serverKey)
	p256dh, auth := rcv.keys()
	if status, v := send(t, x.a, request{method: "POST", path: "/api/v1/push/subscription", token: x.aliceTok,
		body: map[string]any{"subscription": map[string]any{"endpoint": rcv.endpoint(),
			"keys": map[string]any{"p256dh": p256dh, "auth": auth}},
			"data": map[string]any{"alerts": map[string]any{"mention": true}, "policy": "followed"}}}); status != 200 {
		t.Fatalf("subscribe: %d %v", status, v)
	}
	if status, v := send(t, x.b, request{method: "POST", path: "/api/v1/statuses", token: x.bobTok,
		body: url.Values{"status": {"@alice@" + x.a.Cfg.Domain + " see you at eight"}}}); status != 200 {
		t.Fatalf("post on B: %d %v", status, v)
	}
	msg := rcv.next(t)
	_, list, _ := get(t, x.a, "/api/v1/notifications?types[]=mention", x.aliceTok)
	notes, _ := list.([]any)
	if len(notes) != 1 || fmt.Sprint(msg["notification_id"]) != idOf(notes[0]) || msg["notification_type"] != "mention" ||
		msg["title"] != "bob mentioned you" || !strings.Contains(fmt.Sprint(msg["body"]), "see you at eight") {
		t.Errorf("push %v, notifications %v", msg, list)
	}
	rcv.none(t, time.Second)
}
