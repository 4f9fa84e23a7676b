package auth_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
)

// benchFixture is a realistic v2 token and the production key path (RemoteKeys over a loopback
// key set), so that the full check is measured as the handler runs it.
type benchFixture struct {
	key      *entra.Key
	token    string
	verifier *auth.Verifier
}

func newBenchFixture(b *testing.B, cacheSize int) benchFixture {
	b.Helper()
	key, err := entra.NewKey("bench-key-1")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(entra.NewKeyServer(key))
	b.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	keys, err := auth.NewRemoteKeys(ctx, srv.URL+"/keys", auth.KeySetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	<-keys.Ready()
	v, err := auth.NewVerifier(auth.Config{
		TenantID: entra.TestTenant, ClientID: entra.TestClient, RequiredScope: "access_as_user",
		CacheSize: cacheSize,
	}, keys)
	if err != nil {
		b.Fatal(err)
	}
	token, err := key.Sign(entra.V2Claims(entra.TestTenant, entra.TestClient, entra.UserA, time.Now()), nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := v.Verify(ctx, token); err != nil {
		b.Fatalf("the benchmark token does not verify: %v", err)
	}
	return benchFixture{key: key, token: token, verifier: v}
}

// BenchmarkVerify is the full check of a valid token without the cache: parse, key lookup,
// RS256 signature, Entra claims and scope. Compare with BenchmarkRSAVerify (target <= 1.3x).
func BenchmarkVerify(b *testing.B) {
	f := newBenchFixture(b, 0)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.verifier.Verify(ctx, f.token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyCached is the same check for a token seen before (the SPA reuses one token
// for up to an hour), answered by the verified-token cache.
func BenchmarkVerifyCached(b *testing.B) {
	f := newBenchFixture(b, 1024)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.verifier.Verify(ctx, f.token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRSAVerify is the floor: the bare rsa.VerifyPKCS1v15 of the same signature with the
// same key, the SHA-256 digest computed once outside the loop.
func BenchmarkRSAVerify(b *testing.B) {
	f := newBenchFixture(b, 0)
	dot := strings.LastIndexByte(f.token, '.')
	sig, err := base64.RawURLEncoding.DecodeString(f.token[dot+1:])
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte(f.token[:dot]))
	pub := &f.key.Private.PublicKey
	b.ReportAllocs()
	for b.Loop() {
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
			b.Fatal(err)
		}
	}
}
