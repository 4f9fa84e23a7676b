package settings

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/example/entra-tasks/handler/auth"
	"github.com/example/entra-tasks/handler/tasks"
)

// Setting is one app setting the handler reads: app settings in Azure, environment variables
// (or local.settings.json Values) locally. docs/settings.md's table is a checked copy of
// All: same names, meanings and defaults.
type Setting struct {
	Name    string
	Meaning string // one line, as docs/settings.md words it
	// Required settings have no default: start-up stops without them.
	Required bool
	// Default is the value used when the setting is unset or blank; "" when there is none.
	Default string
	// WhenUnset is docs/settings.md's default column for an optional setting without a Default:
	// what leaving it out means.
	WhenUnset string
	// NotInAzure is empty when the deployment (infra/app/api.bicep) sets the setting on the
	// function app; otherwise it says why Azure must not set it.
	NotInAzure string
	// check validates the trimmed value (Default when unset) and stores it in v. Its error
	// names the setting and never quotes a secret.
	check func(value string, v *Values) error
}

// DefaultText is the setting's default as docs/settings.md's table shows it.
func (s Setting) DefaultText() string {
	switch {
	case s.Required:
		return "required"
	case s.Default != "":
		return "`" + s.Default + "`"
	case s.WhenUnset != "":
		return s.WhenUnset
	}
	return "unset"
}

// HostPort is the setting the Functions host sets to tell the handler its port.
const HostPort = "FUNCTIONS_CUSTOMHANDLER_PORT"

// DefaultTokenCacheSize covers the tokens of a busy instance's active users (each SPA reuses
// one token for up to an hour) at a few MB at most: entries hold the token string.
const DefaultTokenCacheSize = 1024

const maxTokenCacheSize = 100_000

// maxTasksPerUser keeps the per-user limit where an erase of one user still fits a few requests.
const maxTasksPerUser = 1_000_000

// userIDKeyBytes is the least USER_ID_KEY length: SHA-256's output size, below which an HMAC
// key is weaker than the hash (RFC 2104 §3).
const userIDKeyBytes = 32

// tableName is a Table Storage name (3-63 letters and digits, starting with a letter) short
// enough that the users index and audit tables beside it, <name>users and <name>audit, are
// names too.
var tableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,57}$`)

// All returns every app setting, in docs/settings.md's order. Rules between settings (exactly one
// of the TABLES_* settings; the key set URL that follows the tenant) are in Load.
func All() []Setting {
	return []Setting{
		{
			Name: "AZURE_TENANT_ID", Meaning: "tenant GUID of the API registration", Required: true,
			check: func(value string, v *Values) error {
				v.TenantID = strings.ToLower(value)
				if !auth.IsGUID(v.TenantID) {
					return fmt.Errorf("AZURE_TENANT_ID must be the tenant's GUID (got %q)", v.TenantID)
				}
				return nil
			},
		},
		{
			Name: "AZURE_ALLOWED_TENANTS",
			Meaning: "tenants whose tokens are accepted: comma-separated tenant GUIDs, the home tenant only if listed; " +
				"naming any other tenant turns multi-tenant mode on (docs/multi-tenant.md)",
			WhenUnset: "`AZURE_TENANT_ID` alone (single-tenant)",
			check: func(value string, v *Values) error {
				tenants, err := parseTenants(value)
				if err != nil {
					return fmt.Errorf("AZURE_ALLOWED_TENANTS: %w", err)
				}
				v.AllowedTenants = tenants
				return nil
			},
		},
		{
			Name: "AZURE_API_CLIENT_ID", Meaning: "API app registration's client id", Required: true,
			check: func(value string, v *Values) error {
				v.APIClientID = strings.ToLower(value)
				if !auth.IsGUID(v.APIClientID) {
					return fmt.Errorf("AZURE_API_CLIENT_ID must be the API app registration's client id, a GUID (got %q)", v.APIClientID)
				}
				return nil
			},
		},
		{
			Name: "API_REQUIRED_SCOPE", Meaning: "delegated scope that must be in `scp`", Default: "access_as_user",
			check: func(value string, v *Values) error {
				v.RequiredScope = value
				if strings.ContainsAny(value, " \t\"\\/") {
					return errors.New("API_REQUIRED_SCOPE must be one scope name such as access_as_user, without the api:// prefix")
				}
				return nil
			},
		},
		{
			Name: "AZURE_AUTHORITY_HOST",
			Meaning: "the cloud's Entra host (the Azure SDKs' own variable): decides the token issuers, the default key set URL " +
				"and azidentity's authority; `https://login.microsoftonline.us` (US Government), `https://login.chinacloudapi.cn` (China)",
			Default: auth.DefaultAuthorityHost,
			check: func(value string, v *Values) error {
				host, err := auth.NormalizeAuthorityHost(value)
				if err != nil {
					return fmt.Errorf("AZURE_AUTHORITY_HOST: %w", err)
				}
				v.AuthorityHost = host
				return nil
			},
		},
		{
			Name:       "ENTRA_JWKS_URL",
			Meaning:    "key set URL override (tests, local identity); https, or http on loopback only",
			WhenUnset:  "`{AZURE_AUTHORITY_HOST}/{tenant}/discovery/v2.0/keys`; multi-tenant: `{AZURE_AUTHORITY_HOST}/common/discovery/v2.0/keys`",
			NotInAzure: "the handler defaults to the tenant's v2 key set",
			check: func(value string, v *Values) error {
				v.JWKSURL = value
				if value == "" {
					return nil // Load derives it from the tenant and the cloud
				}
				if err := auth.CheckJWKSURL(value); err != nil {
					return fmt.Errorf("ENTRA_JWKS_URL: %w", err)
				}
				return nil
			},
		},
		{
			Name:       "TABLES_CONNECTION_STRING",
			Meaning:    "shared-key connection string (Azurite); the full string, not `UseDevelopmentStorage=true`",
			NotInAzure: "local Azurite only; the handler refuses to start when both TABLES_* are set",
			check: func(value string, v *Values) error {
				v.TablesConnString = value
				if strings.EqualFold(value, "UseDevelopmentStorage=true") {
					return errors.New("TABLES_CONNECTION_STRING: the Azure SDK for Go does not understand UseDevelopmentStorage=true; use the full Azurite connection string")
				}
				return nil // never quote it: it holds the account key
			},
		},
		{
			Name: "TABLES_ENDPOINT",
			Meaning: "`https://<account>.table.core.windows.net`: in Azure reached with the managed identity only; " +
				"locally with your `azd auth login`, else `az login` (one start-up line names the credential)",
			check: func(value string, v *Values) error {
				v.TablesEndpoint = value
				if value == "" {
					return nil
				}
				if u, err := url.Parse(value); err != nil || u.Scheme != "https" || u.Host == "" {
					return errors.New("TABLES_ENDPOINT must be https://<account>.table.core.windows.net (managed identity needs TLS)")
				}
				return nil
			},
		},
		{
			Name: "AZURE_CLIENT_ID", Meaning: "client id of the user-assigned identity used with `TABLES_ENDPOINT`",
			WhenUnset: "unset (system identity)",
			check: func(value string, v *Values) error {
				v.IdentityClientID = value
				if value != "" && !auth.IsGUID(value) {
					return errors.New("AZURE_CLIENT_ID must be the user-assigned identity's client id, a GUID")
				}
				return nil
			},
		},
		{
			Name: "TASKS_TABLE", Default: "tasks",
			Meaning: "table name (at most 58 characters: the users index `<name>users` and audit log `<name>audit` sit beside it)",
			check: func(value string, v *Values) error {
				v.Table = value
				if !tableName.MatchString(value) {
					return errors.New("TASKS_TABLE must be 3-58 letters and digits, starting with a letter (the tables <name>users and <name>audit sit beside it)")
				}
				return nil
			},
		},
		{
			Name: "AUTH_TOKEN_CACHE_SIZE", Default: strconv.Itoa(DefaultTokenCacheSize),
			Meaning:    "verified tokens remembered (keyed by the whole token, until `exp`, at most 10 min; failures never cached); `0` turns it off",
			NotInAzure: "a tuning knob; the handler's default suits Azure",
			check: func(value string, v *Values) error {
				size, err := strconv.Atoi(value)
				if err != nil || size < 0 || size > maxTokenCacheSize {
					return fmt.Errorf("AUTH_TOKEN_CACHE_SIZE must be a number of tokens from 0 (no cache) to %d", maxTokenCacheSize)
				}
				v.TokenCacheSize = size
				return nil
			},
		},
		{
			Name: "TASKS_PER_USER_LIMIT", Default: strconv.Itoa(tasks.DefaultMaxTasksPerUser),
			Meaning:    "the most tasks one user may keep; a create beyond it is answered 409 (it bounds each user's storage and the time an erase takes)",
			NotInAzure: "a tuning knob; the handler's default suits Azure",
			check: func(value string, v *Values) error {
				n, err := strconv.Atoi(value)
				if err != nil || n < 1 || n > maxTasksPerUser {
					return fmt.Errorf("TASKS_PER_USER_LIMIT must be a number of tasks from 1 to %d", maxTasksPerUser)
				}
				v.MaxTasksPerUser = n
				return nil
			},
		},
		{
			Name: "ADMIN_AUTH_CONTEXT",
			Meaning: "Conditional Access authentication context (`c1`..`c99`) an admin erase needs in the token's `acrs` claim; " +
				"without it the API answers 401 with an `insufficient_claims` challenge (docs/security.md, \"Step-up\")",
			WhenUnset: "unset (no step-up)",
			check: func(value string, v *Values) error {
				v.AdminAuthContext = value
				if value == "" {
					return nil
				}
				if err := auth.CheckAuthContextID(value); err != nil {
					return fmt.Errorf("ADMIN_AUTH_CONTEXT: %w; create the authentication context in Entra first (docs/security.md)", err)
				}
				return nil
			},
		},
		{
			Name: "USER_ID_KEY",
			Meaning: "base64 key (at least 32 bytes) of the pseudonymous user id on log lines (HMAC-SHA256 of tid/oid); " +
				"the same key on every instance lets one user's requests be followed across them",
			WhenUnset:  "a random key per process (ids correlate within one instance only)",
			NotInAzure: "not provisioned by infra yet: each instance then draws its own key and says so in a WARN line",
			check: func(value string, v *Values) error {
				if value == "" {
					return nil
				}
				key, err := base64.StdEncoding.DecodeString(value)
				if err != nil || len(key) < userIDKeyBytes {
					// Never quote it: it is a secret.
					return fmt.Errorf("USER_ID_KEY must be at least %d random bytes in base64 (openssl rand -base64 32)", userIDKeyBytes)
				}
				v.UserIDKey = key
				return nil
			},
		},
		{
			Name: HostPort, Default: "8080",
			Meaning:    "the port the handler listens on (127.0.0.1): the Functions host sets it; set it yourself only to run the handler without the host",
			NotInAzure: "set by the Functions host itself",
			check: func(value string, v *Values) error {
				port, err := strconv.Atoi(value)
				if err != nil || port < 1 || port > 65535 {
					return errors.New("FUNCTIONS_CUSTOMHANDLER_PORT must be a TCP port number")
				}
				v.Port = port
				return nil
			},
		},
	}
}

// Platform returns the variables the platform sets that tell the handler it runs on Azure
// Functions, those the Functions host reads to tell its plan (Azure/azure-functions-host
// src/WebJobs.Script/Environment/EnvironmentExtensions.cs): WEBSITE_SKU on every plan
// (IsFlexConsumptionSku compares it with "FlexConsumption"), WEBSITE_INSTANCE_ID on App
// Service plans (IsAppService; Flex Consumption does not set it). Neither exists on a
// developer's machine, and nobody configures them: they describe the machine, not the app,
// so they are not in All and are never validated.
func Platform() []Setting {
	return []Setting{
		{Name: "WEBSITE_SKU", Meaning: "the plan's SKU, set on every Azure Functions plan",
			NotInAzure: "set by the platform; tells the handler it runs in Azure (managed identity only)"},
		{Name: "WEBSITE_INSTANCE_ID", Meaning: "the instance's id, set on App Service plans",
			NotInAzure: "set by the platform on App Service plans; same meaning as WEBSITE_SKU"},
	}
}

// parseTenants reads AZURE_ALLOWED_TENANTS: tenant GUIDs separated by commas, spaces around
// them allowed, case and repeats ignored. Only tenant ids: "common" or "organizations" would
// mean every tenant on Earth, and a domain name is not what tokens carry in tid. Empty: nil.
func parseTenants(value string) ([]string, error) {
	if value == "" {
		return nil, nil
	}
	var tenants []string
	for _, item := range strings.Split(value, ",") {
		t := strings.ToLower(strings.TrimSpace(item))
		if !auth.IsGUID(t) {
			return nil, fmt.Errorf("%q is not a tenant id: list tenant GUIDs separated by commas (not common, organizations or a domain name)", strings.TrimSpace(item))
		}
		if !slices.Contains(tenants, t) {
			tenants = append(tenants, t)
		}
	}
	return tenants, nil
}
