// Package settings is the handler's configuration: every app setting in one table (All), and
// Load, which reads and validates them all up front.
package settings

import (
	"errors"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	_ "github.com/Azure/azure-sdk-for-go/sdk/data/aztables" // registers its service in the SDK's clouds

	"github.com/example/entra-tasks/handler/auth"
)

// Values are the settings Load read, validated and with their defaults filled in.
type Values struct {
	Port     int
	TenantID string // lower case: the home tenant, where the API is registered
	// AllowedTenants are the tenants whose tokens are accepted, lower case, never empty once
	// loaded: AZURE_ALLOWED_TENANTS, or the home tenant alone.
	AllowedTenants   []string
	APIClientID      string // lower case
	RequiredScope    string
	JWKSURL          string // the tenant's key set in AuthorityHost's cloud unless overridden
	AuthorityHost    string // the cloud's Entra host: https://<lower-case host>, nothing else
	TablesConnString string // shared key, Azurite
	TablesEndpoint   string // managed identity, Azure
	IdentityClientID string // user-assigned identity; empty: system-assigned
	InAzure          bool   // running on Azure Functions (a Platform variable is set): storage only through the managed identity
	Table            string
	TokenCacheSize   int    // verified tokens remembered; 0: every request is checked in full
	MaxTasksPerUser  int    // the most tasks one user may keep
	AdminAuthContext string // authentication context the admin erase requires ("c1"); empty: none
	UserIDKey        []byte // HMAC key of the pseudonymous user id in log lines; nil: a random one per process
}

// Load reads every setting through getenv and validates them all up front, so that a mistake
// stops start-up with one line naming the setting instead of surfacing as 401s or 503s later.
// The error names every bad setting. Messages never quote the connection string: it holds a
// key.
func Load(getenv func(string) string) (Values, error) {
	var v Values
	var errs []error
	bad := map[string]bool{}
	for _, s := range All() {
		value := strings.TrimSpace(getenv(s.Name))
		if value == "" {
			value = s.Default
		}
		if err := s.check(value, &v); err != nil {
			errs = append(errs, err)
			bad[s.Name] = true
		}
	}
	if len(v.AllowedTenants) == 0 && !bad["AZURE_TENANT_ID"] {
		v.AllowedTenants = []string{v.TenantID}
	}
	// The tenant's own key set, or in multi-tenant mode the tenant-independent one, once the
	// tenants and the cloud are known to be good.
	if v.JWKSURL == "" && !bad["AZURE_TENANT_ID"] && !bad["AZURE_ALLOWED_TENANTS"] && !bad["AZURE_AUTHORITY_HOST"] {
		v.JWKSURL = v.DefaultJWKSURL()
	}
	switch {
	case v.TablesConnString != "" && v.TablesEndpoint != "":
		errs = append(errs, errors.New("set only one of TABLES_CONNECTION_STRING (Azurite) and TABLES_ENDPOINT (managed identity)"))
	case v.TablesConnString == "" && v.TablesEndpoint == "":
		errs = append(errs, errors.New("set TABLES_CONNECTION_STRING (Azurite) or TABLES_ENDPOINT (managed identity)"))
	}
	for _, s := range Platform() {
		v.InAzure = v.InAzure || getenv(s.Name) != ""
	}
	return v, errors.Join(errs...)
}

// MultiTenant reports whether tokens of a tenant other than the home tenant are accepted.
func (v Values) MultiTenant() bool {
	return slices.ContainsFunc(v.AllowedTenants, func(t string) bool { return t != v.TenantID })
}

// DefaultJWKSURL is the key set the handler trusts unless ENTRA_JWKS_URL overrides it: the home
// tenant's, or in multi-tenant mode the tenant-independent key set at /common, which signs the
// tokens of every tenant (Microsoft Q&A, learn.microsoft.com/answers/questions/1283131: the common
// endpoint's keys "are globally available for all tenants"; only an app with its own signing key,
// which this API has not, needs a tenant's ?appid= key set). One key set for every tenant: the
// keys held do not grow with the list, and no tenant's token causes a download of its own.
func (v Values) DefaultJWKSURL() string {
	if v.MultiTenant() {
		return auth.DefaultJWKSURL(v.AuthorityHost, "common")
	}
	return auth.DefaultJWKSURL(v.AuthorityHost, v.TenantID)
}

// AzureCloud is the cloud of AZURE_AUTHORITY_HOST for the Azure SDK clients main builds
// (azidentity's authority; aztables requires its own service entry in any cloud it is given).
// The public, US Government and China clouds are the SDK's own configurations; any other
// host gets the SDK's public service settings with that authority.
//
// Azure China has a second authority host, login.partner.microsoftonline.cn (see auth's
// clouds.go): it is China too, and its storage accounts are China's (core.chinacloudapi.cn), so
// it gets the SDK's China services with that authority, not the public cloud's.
func (v Values) AzureCloud() cloud.Configuration {
	for _, c := range []cloud.Configuration{cloud.AzurePublic, cloud.AzureGovernment, cloud.AzureChina} {
		if strings.TrimSuffix(c.ActiveDirectoryAuthorityHost, "/") == v.AuthorityHost {
			return c
		}
	}
	c := cloud.AzurePublic
	if auth.IsChinaAuthority(v.AuthorityHost) {
		c = cloud.AzureChina
	}
	c.ActiveDirectoryAuthorityHost = v.AuthorityHost + "/"
	return c
}
