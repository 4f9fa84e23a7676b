package main

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	_ "github.com/Azure/azure-sdk-for-go/sdk/data/aztables" // registers its service in the SDK's clouds

	"github.com/example/entra-tasks/handler/auth"
)

// settings are the app settings of docs/design.md (the table is in README.md), read from the
// environment (app settings in Azure, local.settings.json Values under func start).
type settings struct {
	Port             int
	TenantID         string
	APIClientID      string
	RequiredScope    string
	JWKSURL          string
	AuthorityHost    string // the cloud's Entra host, without a trailing slash
	TablesConnString string // shared key, Azurite
	TablesEndpoint   string // managed identity, Azure
	IdentityClientID string // user-assigned identity; empty: system-assigned
	InAzure          bool   // running on Azure Functions (onAzureFunctions): storage only through the managed identity
	Table            string
	TokenCacheSize   int // verified tokens remembered; 0: every request is checked in full
}

// DefaultTokenCacheSize covers the tokens of a busy instance's active users (each SPA reuses
// one token for up to an hour) at a few MB at most: entries hold the token string.
const DefaultTokenCacheSize = 1024

const maxTokenCacheSize = 100_000

// tableName is a Table Storage name (3-63 letters and digits, starting with a letter) short
// enough that the users index and audit tables beside it, <name>users and <name>audit, are
// names too.
var tableName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,57}$`)

// loadSettings validates everything up front, so that a mistake stops start-up with one line
// naming the setting instead of surfacing as 401s or 503s later. Messages never quote
// the connection string: it holds a key.
func loadSettings(getenv func(string) string) (settings, error) {
	get := func(name string) string { return strings.TrimSpace(getenv(name)) }
	s := settings{
		TenantID:         strings.ToLower(get("AZURE_TENANT_ID")),
		APIClientID:      strings.ToLower(get("AZURE_API_CLIENT_ID")),
		RequiredScope:    orDefault(get("API_REQUIRED_SCOPE"), "access_as_user"),
		JWKSURL:          get("ENTRA_JWKS_URL"),
		AuthorityHost:    strings.TrimSuffix(orDefault(get("AZURE_AUTHORITY_HOST"), auth.DefaultAuthorityHost), "/"),
		TablesConnString: get("TABLES_CONNECTION_STRING"),
		TablesEndpoint:   get("TABLES_ENDPOINT"),
		IdentityClientID: get("AZURE_CLIENT_ID"),
		Table:            orDefault(get("TASKS_TABLE"), "tasks"),
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	port, err := strconv.Atoi(orDefault(get("FUNCTIONS_CUSTOMHANDLER_PORT"), "8080"))
	if err != nil || port < 1 || port > 65535 {
		bad("FUNCTIONS_CUSTOMHANDLER_PORT must be a TCP port number")
	}
	s.Port = port
	if !auth.IsGUID(s.TenantID) {
		bad("AZURE_TENANT_ID must be the tenant's GUID (got %q)", s.TenantID)
	}
	if !auth.IsGUID(s.APIClientID) {
		bad("AZURE_API_CLIENT_ID must be the API app registration's client id, a GUID (got %q)", s.APIClientID)
	}
	if strings.ContainsAny(s.RequiredScope, " \t\"\\/") {
		bad("API_REQUIRED_SCOPE must be one scope name such as access_as_user, without the api:// prefix")
	}
	authorityOK := auth.CheckAuthorityHost(s.AuthorityHost) == nil
	if !authorityOK {
		bad("AZURE_AUTHORITY_HOST must be the cloud's Entra host, such as %s (got %q)", auth.DefaultAuthorityHost, s.AuthorityHost)
	}
	if s.JWKSURL == "" && auth.IsGUID(s.TenantID) && authorityOK {
		s.JWKSURL = auth.DefaultJWKSURL(s.AuthorityHost, s.TenantID)
	}
	if s.JWKSURL != "" {
		if err := auth.CheckJWKSURL(s.JWKSURL); err != nil {
			bad("ENTRA_JWKS_URL: %v", err)
		}
	}
	switch {
	case s.TablesConnString != "" && s.TablesEndpoint != "":
		bad("set only one of TABLES_CONNECTION_STRING (Azurite) and TABLES_ENDPOINT (managed identity)")
	case s.TablesConnString == "" && s.TablesEndpoint == "":
		bad("set TABLES_CONNECTION_STRING (Azurite) or TABLES_ENDPOINT (managed identity)")
	case s.TablesConnString != "" && strings.EqualFold(s.TablesConnString, "UseDevelopmentStorage=true"):
		bad("TABLES_CONNECTION_STRING: the Azure SDK for Go does not understand UseDevelopmentStorage=true; use the full Azurite connection string")
	case s.TablesEndpoint != "":
		if u, err := url.Parse(s.TablesEndpoint); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("TABLES_ENDPOINT must be https://<account>.table.core.windows.net (managed identity needs TLS)")
		}
	}
	if s.IdentityClientID != "" && !auth.IsGUID(s.IdentityClientID) {
		bad("AZURE_CLIENT_ID must be the user-assigned identity's client id, a GUID")
	}
	cacheSize, err := strconv.Atoi(orDefault(get("AUTH_TOKEN_CACHE_SIZE"), strconv.Itoa(DefaultTokenCacheSize)))
	if err != nil || cacheSize < 0 || cacheSize > maxTokenCacheSize {
		bad("AUTH_TOKEN_CACHE_SIZE must be a number of tokens from 0 (no cache) to %d", maxTokenCacheSize)
	}
	s.TokenCacheSize = cacheSize
	if !tableName.MatchString(s.Table) {
		bad("TASKS_TABLE must be 3-58 letters and digits, starting with a letter (the tables <name>users and <name>audit sit beside it)")
	}
	return s, errors.Join(errs...)
}

func orDefault(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

// AzureCloud is the cloud of AZURE_AUTHORITY_HOST for the Azure SDK clients main builds
// (azidentity's authority; aztables requires its own service entry in any cloud it is given).
// The public, US Government and China clouds are the SDK's own configurations; any other
// host gets the SDK's public service settings with that authority.
func (s settings) AzureCloud() cloud.Configuration {
	for _, c := range []cloud.Configuration{cloud.AzurePublic, cloud.AzureGovernment, cloud.AzureChina} {
		if strings.TrimSuffix(c.ActiveDirectoryAuthorityHost, "/") == s.AuthorityHost {
			return c
		}
	}
	c := cloud.AzurePublic
	c.ActiveDirectoryAuthorityHost = s.AuthorityHost + "/"
	return c
}
