package auth_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/testkit/testenv"
)

const partner = entra.PartnerTenant

// tenantToken signs a token of version ver ("1.0" or "2.0") for tid, whose issuer is iss.
func tenantToken(t *testing.T, key *entra.Key, ver, tid, iss string) string {
	t.Helper()
	claims := entra.V2Claims(tid, client, user, time.Now())
	if ver == "1.0" {
		claims = entra.V1Claims(tid, client, user, time.Now())
	}
	claims["iss"] = iss
	return sign(t, key, claims, nil)
}

// With AZURE_ALLOWED_TENANTS, a token is checked against the issuers of its own tenant (tid),
// in every cloud and both token versions: a listed tenant's tokens pass with that tenant in the
// principal, an unlisted tenant's tokens are 401 "the tenant is not allowed", and a token whose
// iss names another tenant than its tid (even another allowed one) is refused.
func TestAllowedTenantsPerCloud(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	url := testenv.ServeKeys(t, entra.NewKeyServer(key))
	for _, host := range []string{"", "https://login.microsoftonline.us", "https://login.chinacloudapi.cn", "https://login.partner.microsoftonline.cn"} {
		_, v := startKeys(t, url, auth.KeySetOptions{}, auth.Config{AuthorityHost: host, AllowedTenants: []string{tenant, strings.ToUpper(partner)}})
		issuers := func(tid string) map[string][]string {
			v1, v2, err := auth.Issuers(host, tid)
			if err != nil {
				t.Fatal(err)
			}
			return map[string][]string{"1.0": {v1}, "2.0": v2}
		}
		for _, ver := range []string{"1.0", "2.0"} {
			for _, tid := range []string{tenant, partner} {
				for _, iss := range issuers(tid)[ver] {
					p, err := v.Verify(t.Context(), tenantToken(t, key, ver, tid, iss))
					if err != nil || p.TenantID != tid {
						t.Errorf("cloud %q: a v%s token of allowed tenant %s (iss %s): %v", host, ver, tid, iss, err)
					}
				}
			}
			for _, iss := range issuers(otherTenant)[ver] {
				err := verifyNow(v, tenantToken(t, key, ver, otherTenant, iss))
				if !invalidBecause(err, "the tenant is not allowed") {
					t.Errorf("cloud %q: a v%s token of an unlisted tenant: %v", host, ver, err)
				}
			}
			// tid says partner, iss says the home tenant (both allowed): not a token Entra issues.
			err := verifyNow(v, tenantToken(t, key, ver, partner, issuers(tenant)[ver][0]))
			if !invalidBecause(err, "the issuer is invalid") {
				t.Errorf("cloud %q: a v%s token with tid %s and the home tenant's issuer: %v", host, ver, partner, err)
			}
		}
	}
}

// Unset, the list is the home tenant alone (single-tenant, as before the setting existed); set,
// it is exactly the tenants listed, the home tenant only if it is one of them.
func TestAllowedTenantsDefaultAndExact(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	url := testenv.ServeKeys(t, entra.NewKeyServer(key))
	v2 := func(tid string) string {
		return tenantToken(t, key, "2.0", tid, "https://login.microsoftonline.com/"+tid+"/v2.0")
	}
	_, single := startKeys(t, url, auth.KeySetOptions{}, auth.Config{})
	if err := verifyNow(single, v2(tenant)); err != nil {
		t.Errorf("single-tenant: a home tenant token: %v", err)
	}
	if err := verifyNow(single, v2(partner)); !invalidBecause(err, "the tenant is not allowed") {
		t.Errorf("single-tenant: a partner token: %v", err)
	}
	_, partnerOnly := startKeys(t, url, auth.KeySetOptions{}, auth.Config{AllowedTenants: []string{partner}})
	if err := verifyNow(partnerOnly, v2(partner)); err != nil {
		t.Errorf("partner only: a partner token: %v", err)
	}
	if err := verifyNow(partnerOnly, v2(tenant)); !invalidBecause(err, "the tenant is not allowed") {
		t.Errorf("partner only: a home tenant token: %v", err)
	}
	for _, tid := range []any{nil, "", "common", "not-a-guid"} {
		claims := entra.V2Claims(tenant, client, user, time.Now())
		claims["tid"] = tid
		if tid == nil {
			delete(claims, "tid")
		}
		if err := verifyNow(single, sign(t, key, claims, nil)); !invalidBecause(err, "the tenant is invalid") {
			t.Errorf("tid %v: %v", tid, err)
		}
	}
	for _, bad := range []string{"common", "organizations", "contoso.onmicrosoft.com", ""} {
		_, err := auth.NewVerifier(auth.Config{TenantID: tenant, ClientID: client, RequiredScope: "access_as_user", AllowedTenants: []string{tenant, bad}}, nil)
		if err == nil || !strings.Contains(err.Error(), "is not a GUID") {
			t.Errorf("allowed tenant %q: NewVerifier err = %v", bad, err)
		}
	}
}

// A token of a tenant not on the list is refused before its key is looked up: however many
// tenants and kids an attacker invents, the handler downloads nothing. The same unknown kid from
// an allowed tenant does cause a refresh, which shows that the count below would see one.
func TestUnknownTenantCausesNoKeyDownload(t *testing.T) {
	key := testenv.MustKey(t, "key-1")
	ks := entra.NewKeyServer(key)
	url := testenv.ServeKeys(t, ks)
	_, v := startKeys(t, url, auth.KeySetOptions{UnknownKIDEvery: time.Nanosecond}, auth.Config{AllowedTenants: []string{tenant, partner}})
	before := ks.Fetches()
	var errs []error
	for i := range 20 {
		tid := strings.Replace(otherTenant, "0e1f", strings.Repeat(string(rune('a'+i%6)), 4), 1)
		claims := entra.V2Claims(tid, client, user, time.Now())
		tok := sign(t, key, claims, map[string]any{"kid": "invented-" + string(rune('a'+i))})
		errs = append(errs, verifyNow(v, tok))
	}
	if got := ks.Fetches(); got != before {
		t.Errorf("tokens of unlisted tenants caused %d key downloads", got-before)
	}
	for _, err := range errs {
		if !invalidBecause(err, "the tenant is not allowed") {
			t.Fatalf("a token of an unlisted tenant: %v", err)
		}
	}
	tok := sign(t, key, entra.V2Claims(partner, client, user, time.Now()), map[string]any{"kid": "invented-partner"})
	if err := verifyNow(v, tok); !invalidBecause(err, "the signature key was not found") {
		t.Fatalf("allowed tenant, unknown kid: %v", err)
	}
	if ks.Fetches() == before {
		t.Fatal("an unknown kid from an allowed tenant caused no refresh: the count above proves nothing")
	}
}

// invalidBecause reports whether err is a 401 invalid_token with description want.
func invalidBecause(err error, want string) bool {
	var inv *auth.InvalidTokenError
	return errors.As(err, &inv) && inv.Description == want
}
