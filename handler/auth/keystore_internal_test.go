package auth

import (
	"context"
	"crypto"
	"crypto/rsa"
	"testing"

	"github.com/MicahParks/jwkset"

	"github.com/example/entra-tasks/devstack/entra"
)

func rsaJWK(t *testing.T, pub *rsa.PublicKey, kid string) jwkset.JWK {
	t.Helper()
	jwk, err := jwkset.NewJWKFromKey(pub, jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, USE: jwkset.UseSig, ALG: jwkset.AlgRS256}})
	if err != nil {
		t.Fatal(err)
	}
	return jwk
}

// Holds reads the set through signingKeys' index, not KeyRead: the index must name, for every
// kid, the key KeyRead finds (the first under that kid), and nothing once the set drops it,
// after every kind of change of the set.
func TestKeyIndexFollowsTheSet(t *testing.T) {
	ctx := context.Background()
	var pubs []*rsa.PublicKey
	for _, id := range []string{"a", "b", "c"} {
		k, err := entra.NewKey(id)
		if err != nil {
			t.Fatal(err)
		}
		pubs = append(pubs, &k.Private.PublicKey)
	}
	s := &signingKeys{MemoryJWKSet: jwkset.NewMemoryStorage()}
	same := func(step string, kids ...string) {
		t.Helper()
		for _, kid := range kids {
			var want crypto.PublicKey
			if jwk, err := s.KeyRead(ctx, kid); err == nil {
				want = jwk.Key()
			}
			if got := s.key(kid); got != want {
				t.Errorf("%s: index has %v under %q, KeyRead %v", step, got, kid, want)
			}
		}
	}
	same("empty", "a", "")
	if err := s.KeyReplaceAll(ctx, []jwkset.JWK{rsaJWK(t, pubs[0], "a"), rsaJWK(t, pubs[1], "a"), rsaJWK(t, pubs[2], "c")}); err != nil {
		t.Fatal(err)
	}
	same("replaced, kid a twice", "a", "b", "c")
	if s.key("a") != crypto.PublicKey(pubs[0]) {
		t.Error("kid a: want the first key under it, as KeyRead finds it")
	}
	if err := s.KeyWrite(ctx, rsaJWK(t, pubs[1], "b")); err != nil {
		t.Fatal(err)
	}
	same("written", "a", "b", "c")
	if _, err := s.KeyDelete(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	same("deleted", "a", "b", "c")
	if s.key("c") != nil {
		t.Error("a deleted key is still in the index")
	}
	if err := s.KeyReplaceAll(ctx, []jwkset.JWK{rsaJWK(t, pubs[2], "b")}); err != nil {
		t.Fatal(err)
	}
	same("replaced again", "a", "b", "c")

	// RemoteKeys.Holds: the same key object, an equal key parsed anew, another key, another kid.
	k := &RemoteKeys{store: s}
	copyOf := &rsa.PublicKey{N: pubs[2].N, E: pubs[2].E}
	if !k.Holds("b", pubs[2]) || !k.Holds("b", copyOf) || k.Holds("b", pubs[0]) || k.Holds("a", pubs[0]) {
		t.Error("Holds does not follow the set")
	}
}
