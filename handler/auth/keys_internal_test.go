package auth

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
)

// Holds follows the set: the key held under a kid (the first of the document under that kid,
// the one a token's lookup finds), whether given as the very key the lookup returned or as an
// equal one parsed anew; not another key, not another kid.
func TestHoldsFollowsTheSet(t *testing.T) {
	var keys []*entra.Key
	for _, id := range []string{"a", "b"} {
		k, err := entra.NewKey(id)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	second := keys[1].JWK()
	second["kid"] = "a" // b's key, published again under kid a, after a's own
	doc, err := json.Marshal(map[string]any{"keys": []any{keys[0].JWK(), second}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write(doc) }))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	k, err := NewRemoteKeys(ctx, srv.URL, KeySetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-k.Ready()
	looked := k.key("a")
	pubA, pubB := &keys[0].Private.PublicKey, &keys[1].Private.PublicKey
	if looked == nil || !looked.Equal(pubA) {
		t.Fatalf("kid a looks up %v, want a's key, the first under it", looked)
	}
	copyOfA := &rsa.PublicKey{N: pubA.N, E: pubA.E}
	if !k.Holds("a", looked) || !k.Holds("a", copyOfA) || k.Holds("a", pubB) || k.Holds("b", pubA) || k.Holds("a", (*rsa.PublicKey)(nil)) {
		t.Error("Holds does not follow the set")
	}
}
