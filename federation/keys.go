package federation

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"refuge/storage"
)

// keyBits is what Mastodon and GoToSocial generate; peers expect RSA-2048 and some refuse
// anything else.
const keyBits = 2048

// GenerateKey makes a new RSA-2048 key pair for an actor, returned as PEM: the private key
// as PKCS#8 "PRIVATE KEY", the public key as PKIX "PUBLIC KEY" (the form publicKeyPem
// carries in an actor document).
func GenerateKey() (privPEM, pubPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return "", "", fmt.Errorf("generate key: %w", err)
	}
	priv, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("marshal private key: %w", err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("marshal public key: %w", err)
	}
	privPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv}))
	pubPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
	return privPEM, pubPEM, nil
}

// ParsePrivateKey reads an RSA private key in PKCS#8 ("PRIVATE KEY") or PKCS#1
// ("RSA PRIVATE KEY") PEM form. It returns an Invalid error for anything else.
func ParsePrivateKey(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, storage.Errorf(storage.Invalid, "private key is not PEM")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, storage.Errorf(storage.Invalid, "private key is %T, not RSA", k)
		}
		return rk, nil
	}
	k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "private key is neither PKCS#8 nor PKCS#1")
	}
	return k, nil
}

// ParsePublicKey reads a public key in PKIX ("PUBLIC KEY", what Mastodon publishes) or
// PKCS#1 ("RSA PUBLIC KEY", what some older servers publish) PEM form. It returns an
// Invalid error for anything else.
func ParsePublicKey(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, storage.Errorf(storage.Invalid, "public key is not PEM")
	}
	if k, err := x509.ParsePKIXPublicKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		return nil, storage.Wrap(storage.Invalid, err, "public key is neither PKIX nor PKCS#1")
	}
	return k, nil
}

// LocalSigner reads the private key of the local actor a and makes the Signer of the
// requests sent on its behalf: fetches, and the deliveries of what it did.
func LocalSigner(ctx context.Context, db storage.CredentialReader, a *storage.Actor) (*Signer, error) {
	c, err := db.GetCredentials(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	key, err := ParsePrivateKey(c.PrivateKeyPEM)
	if err != nil {
		return nil, fmt.Errorf("key of %s: %w", a.URI, err)
	}
	return &Signer{KeyID: a.KeyID, Key: key}, nil
}
