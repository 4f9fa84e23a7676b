package settings_test

import (
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"

	"github.com/example/entra-tasks/devstack/entra"
	"github.com/example/entra-tasks/handler/settings"
)

const azuriteString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=c2VjcmV0LWtleQ==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;"

func validEnv() map[string]string {
	return map[string]string{
		"AZURE_TENANT_ID":          strings.ToUpper(entra.TestTenant), // stored lowercase
		"AZURE_API_CLIENT_ID":      entra.TestClient,
		"TABLES_CONNECTION_STRING": azuriteString,
	}
}

func load(env map[string]string) (settings.Values, error) {
	return settings.Load(func(k string) string { return env[k] })
}

func TestSettingsDefaults(t *testing.T) {
	s, err := load(validEnv())
	if err != nil {
		t.Fatal(err)
	}
	if s.Port != 8080 || s.RequiredScope != "access_as_user" || s.Table != "tasks" ||
		s.TenantID != entra.TestTenant ||
		s.JWKSURL != "https://login.microsoftonline.com/"+entra.TestTenant+"/discovery/v2.0/keys" {
		t.Errorf("settings = %+v", s)
	}
	env := validEnv()
	delete(env, "TABLES_CONNECTION_STRING")
	env["TABLES_ENDPOINT"] = "https://acct.table.core.windows.net"
	env["AZURE_CLIENT_ID"] = entra.ManagedIdentity
	if _, err := load(env); err != nil {
		t.Errorf("managed identity settings: %v", err)
	}
}

func TestSettingsErrorsNameTheSetting(t *testing.T) {
	cases := map[string]map[string]string{
		"AZURE_TENANT_ID":              {"AZURE_TENANT_ID": "<your-tenant-id>"},
		"AZURE_API_CLIENT_ID":          {"AZURE_API_CLIENT_ID": "api://" + entra.TestClient},
		"API_REQUIRED_SCOPE":           {"API_REQUIRED_SCOPE": "api://x/access_as_user"},
		"ENTRA_JWKS_URL":               {"ENTRA_JWKS_URL": "http://keys.example.com/keys"},
		"FUNCTIONS_CUSTOMHANDLER_PORT": {"FUNCTIONS_CUSTOMHANDLER_PORT": "http"},
		"UseDevelopmentStorage":        {"TABLES_CONNECTION_STRING": "UseDevelopmentStorage=true"},
		"set only one":                 {"TABLES_ENDPOINT": "https://acct.table.core.windows.net"},
		"TABLES_ENDPOINT must":         {"TABLES_CONNECTION_STRING": "", "TABLES_ENDPOINT": "http://acct.table.core.windows.net"},
		"set TABLES_CONNECTION_STRING": {"TABLES_CONNECTION_STRING": ""},
		"AZURE_CLIENT_ID":              {"AZURE_CLIENT_ID": "my-identity"},
		"TASKS_TABLE":                  {"TASKS_TABLE": "my-tasks"},
		"TASKS_TABLE must be 3-58":     {"TASKS_TABLE": "t" + strings.Repeat("a", 58)},
		"AZURE_AUTHORITY_HOST":         {"AZURE_AUTHORITY_HOST": "login.microsoftonline.us"},
	}
	for want, changes := range cases {
		env := validEnv()
		for k, v := range changes {
			env[k] = v
		}
		_, err := load(env)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: err = %v, want it to mention %s", changes, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "c2VjcmV0LWtleQ") {
			t.Errorf("error message leaks the account key: %v", err)
		}
	}
}

// AZURE_AUTHORITY_HOST (the Azure SDKs' own variable) picks the cloud: the default key set URL
// and, for main, azidentity's and aztables' cloud configuration.
func TestSettingsAuthorityHost(t *testing.T) {
	for host, want := range map[string]struct{ jwks, authority, tables string }{
		"":                                  {"https://login.microsoftonline.com/", "https://login.microsoftonline.com/", "https://cosmos.azure.com"},
		"https://login.microsoftonline.us/": {"https://login.microsoftonline.us/", "https://login.microsoftonline.us/", "https://cosmos.azure.us"},
		"https://login.chinacloudapi.cn":    {"https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/", "https://cosmos.azure.cn"},
		// As a user may type it: the same cloud, not the public one.
		"HTTPS://LOGIN.CHINACLOUDAPI.CN:443/": {"https://login.chinacloudapi.cn/", "https://login.chinacloudapi.cn/", "https://cosmos.azure.cn"},
		// China's other authority host is China too: its storage is China's.
		"https://login.partner.microsoftonline.cn": {"https://login.partner.microsoftonline.cn/", "https://login.partner.microsoftonline.cn/", "https://cosmos.azure.cn"},
		"https://login.example.net":                {"https://login.example.net/", "https://login.example.net/", "https://cosmos.azure.com"},
	} {
		env := validEnv()
		env["AZURE_AUTHORITY_HOST"] = host
		s, err := load(env)
		if err != nil {
			t.Fatalf("%q: %v", host, err)
		}
		if s.JWKSURL != want.jwks+entra.TestTenant+"/discovery/v2.0/keys" {
			t.Errorf("%q: key set URL %s", host, s.JWKSURL)
		}
		cloud := s.AzureCloud()
		if cloud.ActiveDirectoryAuthorityHost != want.authority {
			t.Errorf("%q: azidentity authority %s", host, cloud.ActiveDirectoryAuthorityHost)
		}
		if _, ok := cloud.Services[aztables.ServiceName]; !ok {
			t.Errorf("%q: the cloud configuration has no aztables entry; aztables.NewClient would refuse it", host)
		}
		// The cloud's own services (aztables' entry decides the audience for Cosmos DB for Table).
		if got := cloud.Services[aztables.ServiceName].Audience; got != want.tables {
			t.Errorf("%q: the tables audience is %q, want %q", host, got, want.tables)
		}
	}
	// Anything but an https URL of a host is refused at start-up, naming the setting.
	for _, bad := range []string{"https://login.microsoftonline.com///", "https://login.microsoftonline.com/?", "https://login.microsoftonline.com#", "http://login.microsoftonline.com", "https://login.microsoftonline.com:8443", "https://x@login.microsoftonline.com"} {
		env := validEnv()
		env["AZURE_AUTHORITY_HOST"] = bad
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), "AZURE_AUTHORITY_HOST") {
			t.Errorf("%q: err = %v, want a refusal naming AZURE_AUTHORITY_HOST", bad, err)
		}
	}
}

// One start-up attempt names every mistake, not only the first: fixing app settings one
// restart at a time is slow in Azure.
func TestSettingsErrorNamesEveryBadSetting(t *testing.T) {
	env := validEnv()
	env["AZURE_TENANT_ID"] = "contoso.onmicrosoft.com"
	env["TASKS_TABLE"] = "my-tasks"
	env["AUTH_TOKEN_CACHE_SIZE"] = "lots"
	env["TABLES_ENDPOINT"] = "https://acct.table.core.windows.net"
	_, err := load(env)
	for _, want := range []string{"AZURE_TENANT_ID", "TASKS_TABLE", "AUTH_TOKEN_CACHE_SIZE", "set only one"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to mention %s", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), "c2VjcmV0LWtleQ") {
		t.Errorf("error message leaks the account key: %v", err)
	}
}

// ADMIN_AUTH_CONTEXT is off when unset or blank, an authentication context id (c1..c99) when
// set, and anything else stops start-up naming the setting.
func TestAdminAuthContext(t *testing.T) {
	for value, want := range map[string]string{"": "", "  ": "", "c1": "c1", " c25 ": "c25", "c99": "c99"} {
		env := validEnv()
		env["ADMIN_AUTH_CONTEXT"] = value
		s, err := load(env)
		if err != nil || s.AdminAuthContext != want {
			t.Errorf("ADMIN_AUTH_CONTEXT=%q: %q, %v; want %q", value, s.AdminAuthContext, err, want)
		}
	}
	for _, value := range []string{"C1", "c0", "c100", "1", "c1,c2", "mfa", `c1"`} {
		env := validEnv()
		env["ADMIN_AUTH_CONTEXT"] = value
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), "ADMIN_AUTH_CONTEXT") {
			t.Errorf("ADMIN_AUTH_CONTEXT=%q: %v, want an error naming the setting", value, err)
		}
	}
}
