package settings_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/example/entra-tasks/devstack/entra"
)

// AZURE_ALLOWED_TENANTS: unset is the home tenant alone with the home tenant's key set, as
// before the setting existed; naming another tenant is multi-tenant mode, whose key set is the
// tenant-independent one at /common (in the configured cloud); the list is exactly what it names.
func TestAllowedTenantsSetting(t *testing.T) {
	single, err := load(validEnv())
	if err != nil || !slices.Equal(single.AllowedTenants, []string{entra.TestTenant}) || single.MultiTenant() {
		t.Fatalf("unset: %v %v multi=%v", single.AllowedTenants, err, single.MultiTenant())
	}
	env := validEnv()
	env["AZURE_ALLOWED_TENANTS"] = " " + entra.TestTenant + " ,  "
	if onlyHome, err := load(env); err == nil {
		t.Errorf("a trailing empty entry was accepted: %v", onlyHome.AllowedTenants)
	}
	env["AZURE_ALLOWED_TENANTS"] = strings.ToUpper(entra.TestTenant)
	onlyHome, err := load(env)
	if err != nil || onlyHome.MultiTenant() || onlyHome.JWKSURL != single.JWKSURL {
		t.Errorf("the home tenant alone is single-tenant: %+v %v", onlyHome, err)
	}
	env["AZURE_ALLOWED_TENANTS"] = entra.TestTenant + ", " + strings.ToUpper(entra.PartnerTenant) + "," + entra.PartnerTenant
	multi, err := load(env)
	if err != nil || !slices.Equal(multi.AllowedTenants, []string{entra.TestTenant, entra.PartnerTenant}) || !multi.MultiTenant() {
		t.Fatalf("two tenants: %v %v multi=%v", multi.AllowedTenants, err, multi.MultiTenant())
	}
	if multi.JWKSURL != "https://login.microsoftonline.com/common/discovery/v2.0/keys" {
		t.Errorf("multi-tenant key set %q", multi.JWKSURL)
	}
	env["AZURE_AUTHORITY_HOST"] = "https://login.microsoftonline.us"
	if us, err := load(env); err != nil || us.JWKSURL != "https://login.microsoftonline.us/common/discovery/v2.0/keys" {
		t.Errorf("US Government multi-tenant key set %q %v", us.JWKSURL, err)
	}
	delete(env, "AZURE_AUTHORITY_HOST")
	env["AZURE_ALLOWED_TENANTS"] = entra.PartnerTenant
	partnerOnly, err := load(env)
	if err != nil || !partnerOnly.MultiTenant() || !slices.Equal(partnerOnly.AllowedTenants, []string{entra.PartnerTenant}) {
		t.Errorf("partner only: %v %v", partnerOnly.AllowedTenants, err)
	}
	for _, bad := range []string{"common", "organizations", entra.TestTenant + ",contoso.onmicrosoft.com", entra.TestTenant + ";" + entra.PartnerTenant, ","} {
		env["AZURE_ALLOWED_TENANTS"] = bad
		_, err := load(env)
		if err == nil || !strings.Contains(err.Error(), "AZURE_ALLOWED_TENANTS") || !strings.Contains(err.Error(), "is not a tenant id") {
			t.Errorf("%q: err = %v", bad, err)
		}
	}
}
