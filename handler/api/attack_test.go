package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/testkit/testenv"
)

// The attack table: crafted tokens and requests against the real handler binary, each with
// the status and WWW-Authenticate challenge RFC 6750 §3 and docs/design.md's auth rules demand.
// Accepted cases also check which user the API then acts for.

const (
	atkLeeway = 2 * time.Minute // auth.DefaultLeeway, what the binary uses
	atkScope  = "api://" + entra.TestClient + "/access_as_user"
)

// Challenges, exactly as a client receives them.
func bareChallenge() string {
	return `Bearer realm="tasks-api", scope="` + atkScope + `"`
}

func invalidToken(description string) string {
	return `Bearer realm="tasks-api", error="invalid_token", error_description="` + description + `", scope="` + atkScope + `"`
}

func invalidRequest(description string) string {
	return `Bearer realm="tasks-api", error="invalid_request", error_description="` + description + `", scope="` + atkScope + `"`
}

func insufficientScope() string {
	return `Bearer realm="tasks-api", error="insufficient_scope", scope="` + atkScope + `"`
}

// attackKit mints the tokens: ours and second are in the served key set; stranger is another
// tenant's (or an attacker's) key that is not.
type attackKit struct {
	t                      *testing.T
	ours, second, stranger *entra.Key
}

func (k attackKit) v2(oid string) map[string]any {
	return entra.V2Claims(entra.TestTenant, entra.TestClient, oid, time.Now())
}

func (k attackKit) v1(oid string) map[string]any {
	return entra.V1Claims(entra.TestTenant, entra.TestClient, oid, time.Now())
}

// edit returns a v2 token's claims for user A with changes (nil deletes a claim).
func (k attackKit) edit(changes map[string]any) map[string]any {
	return withMembers(k.v2(entra.UserA), changes)
}

func (k attackKit) sign(key *entra.Key, claims, header map[string]any) string {
	tok, err := key.Sign(claims, header)
	if err != nil {
		k.t.Fatal(err)
	}
	return tok
}

func (k attackKit) signRaw(key *entra.Key, header, payload string) string {
	tok, err := key.SignRaw([]byte(header), []byte(payload))
	if err != nil {
		k.t.Fatal(err)
	}
	return tok
}

// withLib signs with golang-jwt for algorithms devstack/entra does not speak.
func (k attackKit) withLib(method jwt.SigningMethod, key any, kid string, claims map[string]any) string {
	tok := jwt.NewWithClaims(method, jwt.MapClaims(claims))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		k.t.Fatal(err)
	}
	return s
}

func (k attackKit) good() string { return k.sign(k.ours, k.v2(entra.UserA), nil) }

func rawJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

type attack struct {
	name      string
	auth      func() []string // Authorization header values; nil: none
	method    string          // default GET
	path      string          // default /api/me
	body      string
	bodyType  string
	extra     http.Header
	status    int
	challenge string // "" means no WWW-Authenticate at all
	user      string // for 200: the oid the API must act for
}

func TestAttackTable(t *testing.T) {
	k := attackKit{t: t, ours: atkKey(t, "ours-1"), second: atkKey(t, "ours-2"), stranger: atkKey(t, "stranger-1")}
	var attackerHits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attackerHits.Add(1)
		w.Write(entra.JWKS(k.stranger))
	}))
	t.Cleanup(attacker.Close)
	// Beside our two keys, the set holds keys that must never verify a signature (RFC 7517
	// §4.2-4.4): an encryption key, one whose key_ops say encrypt, one for another algorithm.
	encKey, encOpsKey, rs512Key := atkKey(t, "enc-1"), atkKey(t, "enc-ops-1"), atkKey(t, "rs512-1")
	badX5CKey, badUseKey := atkKey(t, "bad-x5c"), atkKey(t, "bad-use")
	keySet := entra.NewKeyServer()
	keySet.SetBody(jwksOf(k.ours.JWK(), k.second.JWK(),
		withMembers(encKey.JWK(), map[string]any{"use": "enc"}),
		withMembers(encOpsKey.JWK(), map[string]any{"use": nil, "key_ops": []string{"encrypt"}}),
		withMembers(rs512Key.JWK(), map[string]any{"alg": "RS512"}),
		// Keys that cannot be parsed, which once failed the whole download (a 503 for every row
		// below): they are skipped with a WARN, and every valid row still verifies.
		withMembers(badX5CKey.JWK(), map[string]any{"x5c": []string{"AAAA"}}),
		withMembers(badUseKey.JWK(), map[string]any{"use": "SIG"}),
		map[string]any{"kty": "EC", "kid": "bad-ec", "crv": "P-256", "x": "AAAA", "y": "AAAA"}))
	az := testenv.StartAzurite(t)
	h := testenv.StartHandler(t, map[string]string{
		"AZURE_TENANT_ID":          entra.TestTenant,
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"ENTRA_JWKS_URL":           testenv.ServeKeys(t, keySet),
		"TABLES_CONNECTION_STRING": az.ConnectionString(),
	})

	one := func(f func() string) func() []string { return func() []string { return []string{f()} } }
	bearer := func(f func() string) func() []string { return one(func() string { return "Bearer " + f() }) }
	claims := func(changes map[string]any) func() []string {
		return bearer(func() string { return k.sign(k.ours, k.edit(changes), nil) })
	}
	header := func(h map[string]any) func() []string {
		return bearer(func() string { return k.sign(k.ours, k.v2(entra.UserA), h) })
	}
	// payload builds the claims JSON text by hand, for duplicate and case-variant members.
	payload := func(edit func(text string) string) func() []string {
		return bearer(func() string {
			return k.signRaw(k.ours, `{"typ":"JWT","alg":"RS256","kid":"ours-1"}`, edit(rawJSON(t, k.v2(entra.UserA))))
		})
	}
	prepend := func(member string) func(string) string {
		return func(text string) string { return "{" + member + "," + text[1:] }
	}
	appendM := func(member string) func(string) string {
		return func(text string) string { return text[:len(text)-1] + "," + member + "}" }
	}
	now := func() time.Time { return time.Now() }
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&k.ours.Private.PublicKey))})
	ecKey := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	huge := strings.Repeat("A", 20<<10)

	cases := []attack{
		// The header itself (RFC 6750 §2.1, RFC 9110 §11).
		{name: "valid v2 token", auth: bearer(k.good), status: 200, user: entra.UserA},
		{name: "valid v1 token, api:// audience", auth: bearer(func() string { return k.sign(k.ours, k.v1(entra.UserB), nil) }), status: 200, user: entra.UserB},
		{name: "v1 token with the client id as audience", auth: bearer(func() string {
			c := k.v1(entra.UserA)
			c["aud"] = entra.TestClient
			return k.sign(k.ours, c, nil)
		}), status: 200, user: entra.UserA},
		{name: "no Authorization header", status: 401, challenge: bareChallenge()},
		{name: "empty Authorization header", auth: one(func() string { return "" }), status: 401, challenge: bareChallenge()},
		{name: "Basic credentials", auth: one(func() string { return "Basic dXNlcjpwYXNz" }), status: 401, challenge: bareChallenge()},
		{name: "Bearer with no token", auth: one(func() string { return "Bearer" }), status: 400, challenge: invalidRequest("the Bearer scheme carries no token")},
		{name: "lowercase bearer (scheme is case-insensitive)", auth: one(func() string { return "bearer " + k.good() }), status: 200, user: entra.UserA},
		{name: "uppercase BEARER", auth: one(func() string { return "BEARER " + k.good() }), status: 200, user: entra.UserA},
		{name: "several spaces after Bearer", auth: one(func() string { return "Bearer    " + k.good() }), status: 200, user: entra.UserA},
		{name: "two Authorization headers, both valid", auth: func() []string { return []string{"Bearer " + k.good(), "Bearer " + k.good()} },
			status: 400, challenge: invalidRequest("more than one Authorization header")},
		{name: "two Authorization headers, Bearer and Basic", auth: func() []string { return []string{"Bearer " + k.good(), "Basic dXNlcjpwYXNz"} },
			status: 400, challenge: invalidRequest("more than one Authorization header")},
		{name: "token in the query string is ignored", path: "/api/me?access_token=" + k.good(), status: 401, challenge: bareChallenge()},
		{name: "query token does not rescue a bad header", auth: one(func() string { return "Bearer not.a.token" }), path: "/api/me?access_token=" + k.good(),
			status: 401, challenge: invalidToken("the token is malformed")},
		{name: "token in a form body is ignored", method: "POST", path: "/api/tasks", body: "access_token=" + k.good(),
			bodyType: "application/x-www-form-urlencoded", status: 401, challenge: bareChallenge()},
		{name: "token followed by junk", auth: one(func() string { return "Bearer " + k.good() + " junk" }), status: 401, challenge: invalidToken("the token is malformed")},
		{name: "20 KiB token", auth: one(func() string { return "Bearer " + huge }), status: 401, challenge: invalidToken("the token is too large")},
		{name: "40 KiB Authorization header", auth: one(func() string { return "Bearer " + huge + huge }), status: 431},
		{name: "64 KiB of other headers beside a valid token", auth: bearer(k.good), extra: bulkHeaders(64), status: 431},

		// Algorithms: RS256 only.
		{name: "alg none, no signature", auth: bearer(func() string {
			return seg(`{"typ":"JWT","alg":"none","kid":"ours-1"}`) + "." + seg(rawJSON(t, k.v2(entra.UserA))) + "."
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		// golang-jwt knows no method "None", so it reports no key for it.
		{name: "alg None with the real signature", auth: bearer(func() string {
			parts := strings.Split(k.good(), ".")
			return seg(`{"typ":"JWT","alg":"None","kid":"ours-1"}`) + "." + parts[1] + "." + parts[2]
		}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "HS256 keyed with our RSA public key (PEM)", auth: bearer(func() string {
			return k.withLib(jwt.SigningMethodHS256, pubPEM, "ours-1", k.v2(entra.UserA))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "HS256 keyed with the JWK modulus", auth: bearer(func() string {
			return k.withLib(jwt.SigningMethodHS256, k.ours.Private.PublicKey.N.Bytes(), "ours-1", k.v2(entra.UserA))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "RS512 with our key", auth: bearer(func() string {
			return k.withLib(jwt.SigningMethodRS512, k.ours.Private, "ours-1", k.v2(entra.UserA))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "PS256 with our key", auth: bearer(func() string {
			return k.withLib(jwt.SigningMethodPS256, k.ours.Private, "ours-1", k.v2(entra.UserA))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "ES256 with an EC key", auth: bearer(func() string {
			return k.withLib(jwt.SigningMethodES256, ecKey, "ours-1", k.v2(entra.UserA))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "duplicate alg member, last one none", auth: bearer(func() string {
			return k.signRaw(k.ours, `{"alg":"RS256","kid":"ours-1","alg":"none"}`, rawJSON(t, k.v2(entra.UserA)))
		}), status: 401, challenge: invalidToken("the signature is invalid")},

		// Keys: only the configured set, chosen by kid; header key hints ignored.
		{name: "kid of the set's other key", auth: header(map[string]any{"kid": "ours-2"}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "duplicate kid member, last one the other key", auth: bearer(func() string {
			return k.signRaw(k.ours, `{"alg":"RS256","kid":"ours-1","kid":"ours-2"}`, rawJSON(t, k.v2(entra.UserA)))
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "our kid, signed by a stranger's key", auth: bearer(func() string {
			return k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"kid": "ours-1"})
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "another tenant's key and claims, another user", auth: bearer(func() string {
			return k.sign(k.stranger, entra.V2Claims(entra.OtherTenant, entra.TestClient, entra.UserB, now()), nil)
		}), status: 401, challenge: invalidToken("the tenant is not allowed")},
		{name: "another tenant's key with our tenant's claims", auth: bearer(func() string {
			return k.sign(k.stranger, k.v2(entra.UserB), nil)
		}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "no kid", auth: header(map[string]any{"kid": nil}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid path traversal", auth: header(map[string]any{"kid": "../../../../dev/null"}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid with a path around ours", auth: header(map[string]any{"kid": "x/../ours-1"}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid with trailing space", auth: header(map[string]any{"kid": "ours-1 "}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid with a NUL", auth: header(map[string]any{"kid": "ours-1\x00"}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid as a number", auth: header(map[string]any{"kid": 1}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "jku to the attacker's key set, signed by the attacker", auth: bearer(func() string {
			return k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"jku": attacker.URL})
		}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "x5u to the attacker, signed by the attacker", auth: bearer(func() string {
			return k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"x5u": attacker.URL})
		}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "embedded jwk of the attacker's key", auth: bearer(func() string {
			return k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"jwk": k.stranger.JWK()})
		}), status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "embedded jwk under our kid", auth: bearer(func() string {
			jwk := k.stranger.JWK()
			jwk["kid"] = "ours-1"
			return k.sign(k.stranger, k.v2(entra.UserA), map[string]any{"kid": "ours-1", "jwk": jwk})
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "jku on a token we did sign is ignored", auth: header(map[string]any{"jku": attacker.URL, "x5u": attacker.URL}), status: 200, user: entra.UserA},
		{name: "crit extension", auth: header(map[string]any{"crit": []string{"exp"}, "exp": 1}), status: 401,
			challenge: invalidToken("the token uses an unsupported critical extension")},
		{name: "signature bit flipped", auth: bearer(func() string {
			// Change one signature character to another base64url letter (a plain bit flip can
			// leave the alphabet, which is "malformed" rather than "bad signature").
			tok := []byte(k.good())
			if tok[len(tok)-10] == 'A' {
				tok[len(tok)-10] = 'B'
			} else {
				tok[len(tok)-10] = 'A'
			}
			return string(tok)
		}), status: 401, challenge: invalidToken("the signature is invalid")},
		{name: "payload swapped for user B's under A's signature", auth: bearer(func() string {
			a, b := strings.Split(k.good(), "."), strings.Split(k.sign(k.ours, k.v2(entra.UserB), nil), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}), status: 401, challenge: invalidToken("the signature is invalid")},

		// Audience.
		{name: "another API's audience", auth: claims(map[string]any{"aud": "00000003-0000-0000-c000-000000000000"}), status: 401, challenge: invalidToken("the audience is invalid")},
		{name: "aud array with ours and others (RFC 7519 §4.1.3)", auth: claims(map[string]any{"aud": []string{"00000003-0000-0000-c000-000000000000", entra.TestClient}}), status: 200, user: entra.UserA},
		{name: "aud array without ours", auth: claims(map[string]any{"aud": []string{"a", "b"}}), status: 401, challenge: invalidToken("the audience is invalid")},
		{name: "aud in upper case", auth: claims(map[string]any{"aud": strings.ToUpper(entra.TestClient)}), status: 401, challenge: invalidToken("the audience is invalid")},
		{name: "aud missing", auth: claims(map[string]any{"aud": nil}), status: 401, challenge: invalidToken("a required claim is missing")},

		// Issuer, version, tenant.
		{name: "issuer host in upper case", auth: claims(map[string]any{"iss": "https://LOGIN.MICROSOFTONLINE.COM/" + entra.TestTenant + "/v2.0"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "issuer tenant in upper case", auth: claims(map[string]any{"iss": "https://login.microsoftonline.com/" + strings.ToUpper(entra.TestTenant) + "/v2.0"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "v2 issuer with a trailing slash", auth: claims(map[string]any{"iss": "https://login.microsoftonline.com/" + entra.TestTenant + "/v2.0/"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "v1 issuer without its trailing slash", auth: bearer(func() string {
			c := k.v1(entra.UserA)
			c["iss"] = "https://sts.windows.net/" + entra.TestTenant
			return k.sign(k.ours, c, nil)
		}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "v1 issuer with ver 2.0", auth: claims(map[string]any{"iss": "https://sts.windows.net/" + entra.TestTenant + "/"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "v2 issuer with ver 1.0", auth: claims(map[string]any{"ver": "1.0"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "ver missing", auth: claims(map[string]any{"ver": nil}), status: 401, challenge: invalidToken("the token version is invalid")},
		{name: "another tenant's issuer", auth: claims(map[string]any{"iss": "https://login.microsoftonline.com/" + entra.OtherTenant + "/v2.0"}), status: 401, challenge: invalidToken("the issuer is invalid")},
		{name: "tid of another tenant", auth: claims(map[string]any{"tid": entra.OtherTenant}), status: 401, challenge: invalidToken("the tenant is not allowed")},
		{name: "tid missing", auth: claims(map[string]any{"tid": nil}), status: 401, challenge: invalidToken("the tenant is invalid")},

		// Time: 2 minutes of leeway and not a second more.
		{name: "expired 1 s beyond the leeway", auth: func() []string {
			return claims(map[string]any{"exp": now().Add(-atkLeeway - time.Second).Unix()})()
		}, status: 401, challenge: invalidToken("the token is expired")},
		{name: "expired but within the leeway", auth: func() []string {
			return claims(map[string]any{"exp": now().Add(-atkLeeway + 30*time.Second).Unix()})()
		}, status: 200, user: entra.UserA},
		{name: "exp missing", auth: claims(map[string]any{"exp": nil}), status: 401, challenge: invalidToken("a required claim is missing")},
		{name: "exp as text", auth: claims(map[string]any{"exp": "tomorrow"}), status: 401, challenge: invalidToken("the token is malformed")},
		// RFC 7519 §2: a NumericDate is a JSON number; digits in a string are not one.
		{name: "exp as a numeric string", auth: func() []string {
			return claims(map[string]any{"exp": strconv.FormatInt(now().Add(time.Hour).Unix(), 10)})()
		}, status: 401, challenge: invalidToken("the token is malformed")},
		{name: "nbf as a numeric string", auth: func() []string {
			return claims(map[string]any{"nbf": strconv.FormatInt(now().Add(-time.Hour).Unix(), 10)})()
		}, status: 401, challenge: invalidToken("the token is malformed")},
		{name: "iat null", auth: claims(map[string]any{"iat": json.RawMessage("null")}), status: 401, challenge: invalidToken("the token is malformed")},
		{name: "nbf in the future beyond the leeway", auth: func() []string {
			return claims(map[string]any{"nbf": now().Add(atkLeeway + 5*time.Second).Unix()})()
		}, status: 401, challenge: invalidToken("the token is not yet valid")},
		{name: "iat in the future beyond the leeway", auth: func() []string {
			return claims(map[string]any{"iat": now().Add(atkLeeway + 5*time.Second).Unix()})()
		}, status: 401, challenge: invalidToken("the token is not yet valid")},
		{name: "nbf at the end of time (float overflow)", auth: claims(map[string]any{"nbf": 1e300}), status: 401, challenge: invalidToken("the token is malformed")},
		{name: "negative exp", auth: claims(map[string]any{"exp": -1}), status: 401, challenge: invalidToken("the token is malformed")},

		// Identity claims: exact names, last duplicate wins everywhere (RFC 7519 §4).
		{name: "oid missing", auth: claims(map[string]any{"oid": nil}), status: 401, challenge: invalidToken("the token has no valid oid")},
		{name: "oid not a GUID", auth: claims(map[string]any{"oid": "aaaaaaaa"}), status: 401, challenge: invalidToken("the token has no valid oid")},
		{name: "OID in another case beside the real oid is ignored", auth: payload(prepend(`"OID":"` + entra.UserB + `"`)), status: 200, user: entra.UserA},
		{name: "OID after the real oid is ignored too", auth: payload(appendM(`"Oid":"` + entra.UserB + `"`)), status: 200, user: entra.UserA},
		{name: "only an OID in another case", auth: payload(func(text string) string {
			return strings.Replace(text, `"oid":`, `"OID":`, 1)
		}), status: 401, challenge: invalidToken("the token has no valid oid")},
		{name: "Aud in another case does not stand in for aud", auth: payload(func(text string) string {
			return appendM(`"Aud":"` + entra.TestClient + `"`)(strings.Replace(text, `"aud":"`+entra.TestClient+`"`, `"aud":"someone-else"`, 1))
		}), status: 401, challenge: invalidToken("the audience is invalid")},
		{name: "duplicate oid, the last one counts", auth: payload(appendM(`"oid":"` + entra.UserB + `"`)), status: 200, user: entra.UserB},
		{name: "duplicate aud, last one foreign", auth: payload(appendM(`"aud":"someone-else"`)), status: 401, challenge: invalidToken("the audience is invalid")},
		{name: "duplicate tid, last one foreign", auth: payload(appendM(`"tid":"` + entra.OtherTenant + `"`)), status: 401, challenge: invalidToken("the tenant is not allowed")},
		{name: "duplicate tid, last one ours", auth: payload(prepend(`"tid":"` + entra.OtherTenant + `"`)), status: 200, user: entra.UserA},

		// Scope: a valid token without it is 403, not 401.
		// Without idtyp, a token is app-only only when it has no scp and its oid is its sub
		// (learn.microsoft.com/entra/identity-platform/scenario-protected-web-api-verification-scope-app-roles):
		// V2Claims' sub is not its oid, so this is a user's token without the scope.
		{name: "no scp, oid not its sub: a user without the scope", auth: claims(map[string]any{"scp": nil, "roles": []string{"Tasks.ReadWrite.All"}}), status: 403, challenge: insufficientScope()},
		{name: "app-only token (oid = sub, no scp) with an application permission", auth: claims(map[string]any{"scp": nil, "sub": entra.UserA, "roles": []string{"Tasks.Read.All"}}), status: 200, user: entra.UserA},
		{name: "app-only token without an application permission of ours", auth: claims(map[string]any{"scp": nil, "sub": entra.UserA, "roles": []string{"Admin"}}), status: 403,
			challenge: `Bearer realm="tasks-api", error="insufficient_scope", scope="api://` + entra.TestClient + `/.default"`},
		{name: "idtyp app with scp", auth: claims(map[string]any{"idtyp": "app", "roles": []string{"Tasks.Read.All"}}), status: 401, challenge: invalidToken("an app-only token carries no scp")},
		{name: "idtyp neither app nor user", auth: claims(map[string]any{"idtyp": "device"}), status: 401, challenge: invalidToken("the token type (idtyp) is invalid")},
		{name: "app-only token without its client app", auth: claims(map[string]any{"idtyp": "app", "scp": nil, "azp": nil, "roles": []string{"Tasks.Read.All"}}), status: 401,
			challenge: invalidToken("the token has no valid client app id")},
		{name: "scope in another case", auth: claims(map[string]any{"scp": "ACCESS_AS_USER"}), status: 403, challenge: insufficientScope()},
		{name: "scope with a suffix", auth: claims(map[string]any{"scp": "access_as_user_admin"}), status: 403, challenge: insufficientScope()},
		{name: "scp as an array", auth: claims(map[string]any{"scp": []string{"access_as_user"}}), status: 401, challenge: invalidToken("the token is malformed")},
		{name: "our scope among others", auth: claims(map[string]any{"scp": "User.Read access_as_user openid"}), status: 200, user: entra.UserA},
		// RFC 6749 §3.3: U+0020 separates scopes; other white space is part of a scope-token.
		{name: "scopes separated by a tab", auth: claims(map[string]any{"scp": "User.Read\taccess_as_user"}), status: 403, challenge: insufficientScope()},
		{name: "scopes separated by a no-break space", auth: claims(map[string]any{"scp": "User.Read\u00a0access_as_user"}), status: 403, challenge: insufficientScope()},
		{name: "scopes separated by NEL", auth: claims(map[string]any{"scp": "User.Read\u0085access_as_user"}), status: 403, challenge: insufficientScope()},

		// Which keys may verify: only RS256 signature keys in the set.
		{name: "signed by the set's encryption key (use enc)", auth: bearer(func() string { return k.sign(encKey, k.v2(entra.UserA), nil) }),
			status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "signed by the set's key_ops encrypt key", auth: bearer(func() string { return k.sign(encOpsKey, k.v2(entra.UserA), nil) }),
			status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "signed by the set's RS512 key as RS256", auth: bearer(func() string { return k.sign(rs512Key, k.v2(entra.UserA), nil) }),
			status: 401, challenge: invalidToken("the signature key was not found")},
		// A key jwkset cannot parse is skipped, neither trusted nor fatal to the rest of the set
		// (docs/security.md, "only signature keys verify").
		{name: "signed by the set's key with x5c [AAAA]", auth: bearer(func() string { return k.sign(badX5CKey, k.v2(entra.UserA), nil) }),
			status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "signed by the set's key with use SIG", auth: bearer(func() string { return k.sign(badUseKey, k.v2(entra.UserA), nil) }),
			status: 401, challenge: invalidToken("the signature key was not found")},
		{name: "kid naming the set's unparsable EC key", auth: header(map[string]any{"kid": "bad-ec"}),
			status: 401, challenge: invalidToken("the signature key was not found")},

		// Client values that would reach storage: checked first (a 4xx problem, no challenge).
		{name: "DELETE with If-Match x on a missing task", method: "DELETE", path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", auth: bearer(k.good),
			extra: http.Header{"If-Match": {"x"}}, status: 400},
		{name: "DELETE with an unquoted weak If-Match", method: "DELETE", path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", auth: bearer(k.good),
			extra: http.Header{"If-Match": {"W/x"}}, status: 400},
		{name: "PATCH with If-Match * and a tag", method: "PATCH", path: "/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", auth: bearer(k.good),
			body: `{"completed":true}`, bodyType: "application/json", extra: http.Header{"If-Match": {`*, "a"`}}, status: 400},
		{name: "list with a malformed query string", path: "/api/tasks?limit=%zz", auth: bearer(k.good), status: 400},
		{name: "list with a lone % in the query", path: "/api/tasks?%", auth: bearer(k.good), status: 400},
		{name: "list with a semicolon in the query", path: "/api/tasks?limit=5;next=x", auth: bearer(k.good), status: 400},
		{name: "list with limit twice", path: "/api/tasks?limit=1&limit=200", auth: bearer(k.good), status: 400},
		{name: "body in latin1", method: "POST", path: "/api/tasks", auth: bearer(k.good), body: `{"title":"x"}`,
			bodyType: "application/json; charset=latin1", status: 415},
		{name: "body bytes not UTF-8", method: "POST", path: "/api/tasks", auth: bearer(k.good), body: "{\"title\":\"caf\xe9\"}",
			bodyType: "application/json", status: 400},
		// Titles that would display other than they read.
		{name: "title with a right-to-left override", method: "POST", path: "/api/tasks", auth: bearer(k.good),
			body: `{"title":"invoice\u202egnp.exe"}`, bodyType: "application/json", status: 400},
		{name: "title of zero-width characters only", method: "POST", path: "/api/tasks", auth: bearer(k.good),
			body: `{"title":"\u200b\u200d\ufeff"}`, bodyType: "application/json", status: 400},
		{name: "title of a Hangul filler only", method: "POST", path: "/api/tasks", auth: bearer(k.good),
			body: `{"title":"\u3164"}`, bodyType: "application/json", status: 400},
	}
	if len(cases) < 40 {
		t.Fatalf("only %d attacks", len(cases))
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			method, path := cmpOr(c.method, "GET"), cmpOr(c.path, "/api/me")
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			req, err := http.NewRequest(method, h.URL()+path, body)
			if err != nil {
				t.Fatal(err)
			}
			if c.bodyType != "" {
				req.Header.Set("Content-Type", c.bodyType)
			}
			for name, values := range c.extra {
				req.Header[name] = values
			}
			if c.auth != nil {
				req.Header["Authorization"] = c.auth()
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("no answer: %v", err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, raw)
			}
			if got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | "); got != c.challenge {
				t.Errorf("WWW-Authenticate\n got %s\nwant %s", got, c.challenge)
			}
			// 431 comes from net/http's server before any handler runs; it cannot be a problem.
			if c.status >= 400 && c.status != 431 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("a %d answered as %q, want a problem", c.status, resp.Header.Get("Content-Type"))
			}
			if c.status == 200 {
				var me struct{ ID string }
				if err := json.Unmarshal(raw, &me); err != nil || me.ID != c.user {
					t.Errorf("acting for %q, want %q (%s)", me.ID, c.user, raw)
				}
			}
		})
	}
	if n := attackerHits.Load(); n != 0 {
		t.Errorf("the handler fetched keys from a URL named in a token header %d times", n)
	}
	// Nothing above may have hurt the server.
	r, err := client.Get(h.URL() + "/")
	if err != nil || r.StatusCode != 200 {
		t.Fatalf("server unhealthy after the attacks: %v", err)
	}
	r.Body.Close()
}

// bulkHeaders is kib KiB of harmless headers.
func bulkHeaders(kib int) http.Header {
	h := http.Header{}
	for i := range kib {
		h.Set("X-Padding-"+strings.Repeat("p", 4)+string(rune('a'+i%26))+string(rune('a'+i/26)), strings.Repeat("x", 1000))
	}
	return h
}

func atkKey(t *testing.T, kid string) *entra.Key {
	k, err := entra.NewKey(kid)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func cmpOr(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

func jwksOf(keys ...map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		panic(err)
	}
	return b
}

// withMembers sets members of a JSON object, a JWK or claims (nil deletes one).
func withMembers(jwk map[string]any, members map[string]any) map[string]any {
	for name, v := range members {
		if v == nil {
			delete(jwk, name)
			continue
		}
		jwk[name] = v
	}
	return jwk
}
