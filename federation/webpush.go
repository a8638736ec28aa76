package federation

import (
	"context"
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
	"net/http"
	"strconv"
	"strings"
	"time"

	"refuge/storage"
)

// Web Push (RFC 8030) as browsers and phone apps take it: the message encrypted for the
// subscriber's keys (RFC 8291, aes128gcm) and the request signed with the instance's VAPID
// key (RFC 8292). Written here on the standard library rather than taken from a library:
// the libraries send through an http.Client of their own making, and every request Refuge
// makes must go through the one guarded Client; what is left is a few lines of crypto.

// VAPIDKey is the instance's key pair for VAPID: push services tell its pushes apart by its
// public key, which apps read from the instance and give the browser when they subscribe.
type VAPIDKey struct{ key *ecdsa.PrivateKey }

// NewVAPIDKey makes a new P-256 key pair.
func NewVAPIDKey() (*VAPIDKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	return &VAPIDKey{k}, nil
}

// ParseVAPIDKey reads a private key as String wrote it.
func ParseVAPIDKey(s string) (*VAPIDKey, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	return &VAPIDKey{k}, nil
}

// String is the private key, base64url: what is stored. Never log it.
func (k *VAPIDKey) String() string {
	raw, err := k.key.Bytes()
	if err != nil { // only for keys on curves ecdsa cannot encode; ours is P-256
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// PublicKey is the public key as apps take it: the uncompressed point, base64url.
func (k *VAPIDKey) PublicKey() string {
	raw, err := k.key.PublicKey.Bytes()
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// authorization is the Authorization header of a push to endpoint (RFC 8292): a JWT for
// the endpoint's origin, signed ES256, valid for twelve hours, with contact as its subject
// (a mailto: or https: URL the push service may reach the sender at).
func (k *VAPIDKey) authorization(endpoint, contact string, now time.Time) (string, error) {
	u, err := parseHTTPURL(endpoint)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	header := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"ES256"}`))
	claims, err := json.Marshal(map[string]any{"aud": u.Scheme + "://" + u.Host, "exp": now.Add(12 * time.Hour).Unix(), "sub": contact})
	if err != nil {
		return "", err
	}
	signed := header + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	r, s, err := ecdsa.Sign(rand.Reader, k.key, digest[:])
	if err != nil {
		return "", fmt.Errorf("vapid signature: %w", err)
	}
	sig := make([]byte, 64) // JWS's ES256: r and s, 32 bytes each
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return "vapid t=" + signed + "." + enc.EncodeToString(sig) + ", k=" + k.PublicKey(), nil
}

// pushRecordSize is the size of the one record a push is sent in.
const pushRecordSize = 4096

// MaxPushPayload is the most a push's message may hold: push services take 4096 bytes of
// body, less the header (86 bytes), the record's delimiter and the AEAD tag.
const MaxPushPayload = pushRecordSize - 86 - 17

// EncryptPush encrypts message for a subscriber whose public key is p256dh (an uncompressed
// P-256 point) and auth secret is auth, as RFC 8291 says: an ephemeral ECDH key, the
// secrets mixed by HKDF, and one aes128gcm record (RFC 8188) headed by the salt and our
// ephemeral public key.
func EncryptPush(message, p256dh, auth []byte) ([]byte, error) {
	if len(message) > MaxPushPayload {
		return nil, storage.Errorf(storage.Invalid, "a push holds at most %d bytes", MaxPushPayload)
	}
	as, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return encryptPush(message, p256dh, auth, as, salt)
}

// encryptPush is EncryptPush with the ephemeral key and the salt given: fresh ones for each
// push, or RFC 8291's example's in a test.
func encryptPush(message, p256dh, auth []byte, as *ecdh.PrivateKey, salt []byte) ([]byte, error) {
	ua, err := ecdh.P256().NewPublicKey(p256dh)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "bad p256dh key")
	}
	shared, err := as.ECDH(ua)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "bad p256dh key")
	}
	asPublic := as.PublicKey().Bytes()
	cek, nonce, err := pushKeys(shared, auth, salt, p256dh, asPublic)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	head := make([]byte, 0, 16+4+1+len(asPublic))
	head = append(head, salt...)
	head = binary.BigEndian.AppendUint32(head, pushRecordSize)
	head = append(head, byte(len(asPublic)))
	head = append(head, asPublic...)
	plain := append(append([]byte{}, message...), 2) // 2: the last record, no padding
	return gcm.Seal(head, nonce, plain, nil), nil
}

// pushKeys derives a push's content key and nonce (RFC 8291 section 3.4) from the ECDH
// secret, the subscriber's auth secret, the record's salt and both public keys, the
// subscriber's first. The receiving side derives the same from its own private key.
func pushKeys(shared, auth, salt, uaPublic, asPublic []byte) (cek, nonce []byte, err error) {
	info := append(append([]byte("WebPush: info\x00"), uaPublic...), asPublic...)
	ikm, err := hkdf.Key(sha256.New, shared, auth, string(info), 32)
	if err != nil {
		return nil, nil, err
	}
	if cek, err = hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16); err != nil {
		return nil, nil, err
	}
	if nonce, err = hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12); err != nil {
		return nil, nil, err
	}
	return cek, nonce, nil
}

// Push is one message for a push service: the encrypted body and how long the service
// should keep it for a subscriber who is offline.
type Push struct {
	Endpoint string
	Body     []byte // from EncryptPush
	TTL      time.Duration
	Urgency  string // very-low, low, normal or high
}

// PostPush sends p to its push service with the instance's VAPID key and contact, through
// the same guard as every request. It returns the service's status; err is only for
// failures to get one, as Post's.
func (c *Client) PostPush(ctx context.Context, p Push, key *VAPIDKey, contact string) (status int, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	u, err := parseHTTPURL(p.Endpoint)
	if err != nil {
		return 0, err
	}
	auth, err := key.authorization(p.Endpoint, contact, time.Now())
	if err != nil {
		return 0, err
	}
	h := http.Header{}
	h.Set("Authorization", auth)
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Encoding", "aes128gcm")
	h.Set("TTL", strconv.Itoa(int(p.TTL/time.Second)))
	h.Set("Urgency", p.Urgency)
	resp, err := c.send(ctx, http.MethodPost, u, "", p.Body, nil, h)
	if err != nil {
		return 0, err
	}
	drain(resp.Body)
	return resp.StatusCode, nil
}

// DecodeKey reads a subscriber's key or auth secret: base64url with or without padding, as
// browsers send it, or standard base64, as some apps do.
func DecodeKey(s string) ([]byte, error) {
	s = strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimRight(s, "="))
	return base64.RawURLEncoding.DecodeString(s)
}
