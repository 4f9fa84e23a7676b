// Package entra mints Entra-shaped access tokens with test keys and serves their key set,
// so that tests, benchmarks and the local-identity mode exercise the production verifier
// unchanged: only the key set URL differs from a real tenant.
//
// Nothing here may be used to accept tokens in Azure. The committed development key is
// public knowledge; it signs tokens only for a tenant and client id that exist nowhere.
package entra

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"
)

// The fixed identity of the local-identity mode: a tenant and an API registration that exist
// nowhere, so a token minted for them is worthless against any real deployment.
const (
	DevTenantID    = "11111111-1111-4111-8111-111111111111"
	DevAPIClientID = "22222222-2222-4222-8222-222222222222"
	DevUserOID     = "33333333-3333-4333-8333-333333333333"
	DevKeyID       = "local-dev-key-1"
)

// DevPartnerTenantID is the local-identity mode's second tenant (issue 27, multi-tenant mode): another
// organization that exists nowhere, whose users sign in to the same API registration
// (DevAPIClientID) and whose tokens the same development key signs, as Entra signs every tenant's
// tokens with the keys of its tenant-independent key set ({authority}/common/discovery/v2.0/keys,
// which the handler trusts in multi-tenant mode).
// `make start` lists it in AZURE_ALLOWED_TENANTS beside DevTenantID.
const DevPartnerTenantID = "55555555-5555-4555-8555-555555555555"

// InTenant turns the claims of a v2.0 token (V2Claims, AppV2Claims) into the same token issued by
// another tenant: its tid and its issuer https://login.microsoftonline.com/{tenant}/v2.0, as
// Entra issues a multi-tenant app's tokens from the user's own tenant. Everything else is kept.
func InTenant(claims map[string]any, tenant string) map[string]any {
	claims["tid"] = tenant
	claims["iss"] = "https://login.microsoftonline.com/" + tenant + "/v2.0"
	return claims
}

// The fixed identities of the Go tests and benchmarks; any GUIDs would do. Distinct from the
// local-identity mode's, so a token minted for one never passes the other.
//
// OtherTenant is a tenant the API under test does not trust; PartnerTenant is a second tenant
// that the multi-tenant tests allow beside TestTenant (AZURE_ALLOWED_TENANTS); ManagedIdentity
// is the client id of a user-assigned managed identity, as AZURE_CLIENT_ID names one.
const (
	TestTenant    = "9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d"
	TestClient    = "6f5e4d3c-2b1a-4098-8765-43210fedcba9"
	OtherTenant   = "0e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b"
	PartnerTenant = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
	UserA         = "aaaaaaaa-0000-4000-8000-00000000000a"
	UserB         = "bbbbbbbb-0000-4000-8000-00000000000b"

	ManagedIdentity = "0f0e0d0c-0b0a-4909-8807-060504030201"
)

//go:embed dev-signing-key.pem
var devKeyPEM []byte

// Key is an RSA signing key with the key id that tokens carry in their header.
type Key struct {
	ID      string
	Private *rsa.PrivateKey
}

// NewKey generates a fresh 2048-bit key, the size Entra uses.
func NewKey(id string) (*Key, error) {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate test key: %w", err)
	}
	return &Key{ID: id, Private: pk}, nil
}

// DevKey returns the committed, publicly known development key.
func DevKey() (*Key, error) {
	block, _ := pem.Decode(devKeyPEM)
	if block == nil {
		return nil, fmt.Errorf("dev key: no PEM block")
	}
	pk, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("dev key: %w", err)
	}
	return &Key{ID: DevKeyID, Private: pk}, nil
}

// Sign returns a compact JWS of claims with the given header fields added to
// {"typ":"JWT","alg":"RS256","kid":k.ID}. A nil value in header deletes that field.
func (k *Key) Sign(claims map[string]any, header map[string]any) (string, error) {
	h := map[string]any{"typ": "JWT", "alg": "RS256", "kid": k.ID}
	for name, v := range header {
		if v == nil {
			delete(h, name)
			continue
		}
		h[name] = v
	}
	return k.SignRaw(mustJSON(h), mustJSON(claims))
}

// SignRaw signs exact header and payload bytes, for tokens no map can express
// (duplicate members, odd encodings).
func (k *Key) SignRaw(header, payload []byte) (string, error) {
	signingInput := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(signingInput))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Private, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign test token: %w", err)
	}
	return signingInput + "." + b64(sig), nil
}

// JWK is the public half of k as Entra publishes it: kty, use, kid, n, e, and no alg.
func (k *Key) JWK() map[string]any {
	pub := k.Private.PublicKey
	return map[string]any{
		"kty": "RSA",
		"use": "sig",
		"kid": k.ID,
		"n":   b64(pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
	}
}

// JWKS renders a key set document holding the public halves of keys.
func JWKS(keys ...*Key) []byte {
	set := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		set = append(set, k.JWK())
	}
	return mustJSON(map[string]any{"keys": set})
}

// V2Claims are the claims of a delegated v2.0 access token for the API client id in tenant,
// valid for an hour from now, for the user oid, with the access_as_user scope.
func V2Claims(tenant, apiClientID, oid string, now time.Time) map[string]any {
	return map[string]any{
		"aud":                apiClientID,
		"iss":                "https://login.microsoftonline.com/" + tenant + "/v2.0",
		"iat":                now.Unix(),
		"nbf":                now.Unix(),
		"exp":                now.Add(time.Hour).Unix(),
		"ver":                "2.0",
		"tid":                tenant,
		"oid":                oid,
		"sub":                "sub-" + oid,
		"azp":                "44444444-4444-4444-8444-444444444444",
		"scp":                "access_as_user",
		"name":               "Ada Lovelace",
		"preferred_username": "ada@example.com",
	}
}

// V1Claims are V2Claims in the v1.0 shape: the sts.windows.net issuer, the api:// audience
// and upn/unique_name instead of preferred_username.
func V1Claims(tenant, apiClientID, oid string, now time.Time) map[string]any {
	c := V2Claims(tenant, apiClientID, oid, now)
	c["aud"] = "api://" + apiClientID
	c["iss"] = "https://sts.windows.net/" + tenant + "/"
	c["ver"] = "1.0"
	c["appid"] = c["azp"]
	delete(c, "azp")
	delete(c, "preferred_username")
	c["upn"] = "ada@example.com"
	c["unique_name"] = "ada@example.com"
	return c
}

// The fixed identities of an app calling as itself in the Go tests: the client (application) id
// of a daemon's registration, and the object id of its service principal in TestTenant.
const (
	DaemonApp = "5a5a5a5a-0000-4000-8000-0000000000a1"
	DaemonSP  = "5b5b5b5b-0000-4000-8000-0000000000b1"
)

// AppV2Claims are the claims of an app-only v2.0 access token (client credentials: a daemon, or a
// managed identity) for the API client id in tenant, valid for an hour from now: the client app
// appID calling as itself, whose service principal is spOID, holding the application permissions
// roles. Such a token has no scp and no name or username, and its oid and sub are both the
// service principal's object id (learn.microsoft.com/entra/identity-platform/access-token-claims-reference;
// scenario-protected-web-api-verification-scope-app-roles). idtyp is absent, as it is unless the
// API's registration asks for it: set claims["idtyp"] = "app" for that.
func AppV2Claims(tenant, apiClientID, appID, spOID string, roles []string, now time.Time) map[string]any {
	c := V2Claims(tenant, apiClientID, spOID, now)
	delete(c, "scp")
	delete(c, "name")
	delete(c, "preferred_username")
	c["sub"] = spOID
	c["azp"] = appID
	c["azpacr"] = "2"
	if roles != nil { // nil: no roles claim at all (Entra sends none when nothing was granted)
		c["roles"] = roles
	}
	return c
}

// AppV1Claims are AppV2Claims in the v1.0 shape: the sts.windows.net issuer, the api:// audience
// and appid instead of azp.
func AppV1Claims(tenant, apiClientID, appID, spOID string, roles []string, now time.Time) map[string]any {
	c := AppV2Claims(tenant, apiClientID, appID, spOID, roles, now)
	c["aud"] = "api://" + apiClientID
	c["iss"] = "https://sts.windows.net/" + tenant + "/"
	c["ver"] = "1.0"
	c["appid"], c["appidacr"] = appID, "2"
	delete(c, "azp")
	delete(c, "azpacr")
	return c
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("entra: marshal: %v", err)) // only plain maps reach here
	}
	return b
}
