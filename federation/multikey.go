package federation

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
)

// Ed25519 keys as FEP-521a publishes them beside the RSA publicKey: an actor's
// assertionMethod lists Multikey objects, each with the key as publicKeyMultibase. Servers
// that have them (Mitra, and Fedify's actors) may sign RFC 9421 requests with one; Refuge
// keeps an actor's first Ed25519 key to check those.

// multicodecEd25519 is the multicodec prefix of an Ed25519 public key.
var multicodecEd25519 = []byte{0xed, 0x01}

// ed25519KeyOf reads the first Ed25519 Multikey of an actor's assertionMethod whose
// controller is the actor and whose id is on its host, as a PublicKey with a PKIX PEM (as
// ParsePublicKey reads it); the zero PublicKey when there is none.
func ed25519KeyOf(raw json.RawMessage, actorID string) PublicKey {
	list, err := elements(raw, maxTags, "keys")
	if err != nil {
		return PublicKey{}
	}
	for _, e := range list {
		var k struct{ ID, Type, Controller, PublicKeyMultibase json.RawMessage }
		if json.Unmarshal(e, &k) != nil || text(k.Type) != "Multikey" || text(k.Controller) != actorID {
			continue
		}
		key, ok := decodeEd25519Multibase(text(k.PublicKeyMultibase))
		if !ok {
			continue
		}
		der, err := x509.MarshalPKIXPublicKey(key)
		if err != nil {
			continue
		}
		return PublicKey{ID: text(k.ID), Owner: actorID,
			PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
	}
	return PublicKey{}
}

// decodeEd25519Multibase reads a multibase (base58btc, "z…") multicodec Ed25519 public key.
func decodeEd25519Multibase(s string) (ed25519.PublicKey, bool) {
	rest, ok := strings.CutPrefix(s, "z")
	if !ok || len(rest) > 64 {
		return nil, false
	}
	b, ok := base58Decode(rest)
	if !ok || len(b) != len(multicodecEd25519)+ed25519.PublicKeySize || b[0] != multicodecEd25519[0] || b[1] != multicodecEd25519[1] {
		return nil, false
	}
	return ed25519.PublicKey(b[2:]), true
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Decode decodes Bitcoin's base58, each leading '1' a zero byte. Keys are short, so
// big.Int's arithmetic is cost enough.
func base58Decode(s string) ([]byte, bool) {
	n := new(big.Int)
	radix := big.NewInt(58)
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	for _, c := range []byte(s) {
		i := strings.IndexByte(base58Alphabet, c)
		if i < 0 {
			return nil, false
		}
		n.Mul(n, radix).Add(n, big.NewInt(int64(i)))
	}
	return append(make([]byte, zeros), n.Bytes()...), true
}
