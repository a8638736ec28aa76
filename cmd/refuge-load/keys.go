package main

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"refuge/internal/testrig/peer"
)

// loadKeys returns n RSA-2048 keys, kept in cache/keys.pem so that a second run does not pay
// for key generation again (about 50 ms a key here; 10,000 would take minutes). The keys are
// only ever used on loopback against a test instance.
func loadKeys(cache string, n int) ([]*rsa.PrivateKey, error) {
	path := filepath.Join(cache, "keys.pem")
	var keys []*rsa.PrivateKey
	if data, err := os.ReadFile(path); err == nil {
		for len(keys) < n {
			var block *pem.Block
			if block, data = pem.Decode(data); block == nil {
				break
			}
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w (delete it to start over)", path, err)
			}
			keys = append(keys, k)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if len(keys) >= n {
		return keys[:n], nil
	}
	fresh, err := peer.NewKeys(n - len(keys))
	if err != nil {
		return nil, err
	}
	keys = append(keys, fresh...)
	var out []byte
	for _, k := range keys {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})...)
	}
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return nil, err
	}
	return keys, nil
}

// rsaKey is the key type every fake actor signs with.
type rsaKey = rsa.PrivateKey
