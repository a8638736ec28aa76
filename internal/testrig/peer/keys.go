package peer

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"runtime"
	"sync"
)

// keys are made once per process: key generation is slow (tens of milliseconds a key),
// and actors on fake peers can share keys, each under its own keyId.
var keys = sync.OnceValues(func() (*rsa.PrivateKey, *rsa.PrivateKey) {
	k, err := NewKeys(2)
	if err != nil {
		panic(err) // only when the system's random source fails
	}
	return k[0], k[1]
})

// Keys returns two RSA-2048 keys, the same two for the whole process.
func Keys() (*rsa.PrivateKey, *rsa.PrivateKey) { return keys() }

// NewKeys makes n RSA-2048 keys, on every core.
func NewKeys(n int) ([]*rsa.PrivateKey, error) {
	out := make([]*rsa.PrivateKey, n)
	errs := make([]error, min(n, runtime.NumCPU()))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := w; i < n; i += len(errs) {
				if out[i], errs[w] = rsa.GenerateKey(rand.Reader, 2048); errs[w] != nil {
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// PublicPEM is the PKIX PEM of k's public half, as an actor document publishes it.
func PublicPEM(k *rsa.PrivateKey) string {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		panic(err) // an RSA public key always marshals
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}
