// Package onbehalfof gets a token for a downstream API, such as Microsoft Graph, on behalf of
// the user who called this API (the OAuth 2.0 on-behalf-of flow), with no secret anywhere: the
// API's app registration proves itself with a client assertion that is the function app's
// user-assigned managed identity's own token, which a federated identity credential on the
// registration trusts (infra: AZURE_ON_BEHALF_OF; docs/on-behalf-of.md).
//
// The API makes no Graph call of its own, so nothing wires this package today: it is the
// documented, tested way to add one. A handler that needs Graph for the signed-in user passes the
// bearer token it was called with to Exchanger.Credential and hands the result to a Graph client
// (any azcore.TokenCredential consumer).
//
// Sources: the flow, learn.microsoft.com/entra/identity-platform/v2-oauth2-on-behalf-of-flow; the
// managed identity as a credential of an app registration (issuer, subject, audiences),
// learn.microsoft.com/entra/workload-id/workload-identity-federation-config-app-trust-managed-identity;
// the calls, azidentity v1.15.0 on_behalf_of_credential.go (NewOnBehalfOfCredentialWithClientAssertions)
// and managed_identity_credential.go.
package onbehalfof

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// GraphScope asks for the Microsoft Graph delegated permissions the API's registration was
// granted (consented in advance: no user is present to consent during the exchange).
const GraphScope = "https://graph.microsoft.com/.default"

// Token exchange audiences: the aud a managed identity's token must carry for Entra to accept it
// as a federated client assertion, one per cloud (workload-identity-federation-config-app-trust-
// managed-identity, "audiences"). The FIC's audiences must name the same value.
const (
	ExchangeAudience      = "api://AzureADTokenExchange"
	ExchangeAudienceUSGov = "api://AzureADTokenExchangeUSGov"
	ExchangeAudienceChina = "api://AzureADTokenExchangeChina"
)

// ErrNoUserToken is returned for an empty user token. azidentity's on-behalf-of credential with
// no user assertion silently falls back to the client-credentials grant (confidential_client.go,
// GetToken: `if c.opts.Assertion != ""`), which would hand out an app-only token for the API
// itself: an anonymous caller must never get that.
var ErrNoUserToken = errors.New("onbehalfof: no user token to exchange")

// Config names the three parties of the exchange. In the function app they are its app settings:
// AZURE_TENANT_ID, AZURE_API_CLIENT_ID, AZURE_CLIENT_ID and AZURE_AUTHORITY_HOST.
type Config struct {
	// TenantID is the tenant of the API's registration and of the managed identity (they must be
	// the same tenant for a managed identity to be a federated credential).
	TenantID string
	// APIClientID is the API registration's client id: the confidential client that exchanges
	// the user's token, and the one whose federated identity credential trusts the identity.
	APIClientID string
	// IdentityClientID is the client id of the user-assigned managed identity whose principal id
	// is the FIC's subject. A system-assigned identity cannot be a federated credential.
	IdentityClientID string
	// AuthorityHost is the cloud's Entra host ("" for https://login.microsoftonline.com); it
	// decides the exchange audience too.
	AuthorityHost string
	// ClientOptions go to both credentials (retries, transport, logging).
	ClientOptions azcore.ClientOptions
	// DisableInstanceDiscovery skips MSAL's question to login.microsoft.com whether the authority
	// is a Microsoft one; only for an authority it cannot know (Azure Stack, a test's fake).
	DisableInstanceDiscovery bool
}

// Exchanger turns an incoming user token into a credential for a downstream API. Create one per
// process: it holds the managed identity credential, whose token MSAL caches until it nears expiry.
type Exchanger struct {
	cfg      Config
	identity azcore.TokenCredential
	audience string
}

// New checks cfg and creates the managed identity credential.
func New(cfg Config) (*Exchanger, error) {
	for _, required := range []struct{ name, value string }{
		{"TenantID", cfg.TenantID}, {"APIClientID", cfg.APIClientID}, {"IdentityClientID", cfg.IdentityClientID},
	} {
		if strings.TrimSpace(required.value) == "" {
			return nil, fmt.Errorf("onbehalfof: %s is required", required.name)
		}
	}
	audience, err := exchangeAudience(cfg.AuthorityHost)
	if err != nil {
		return nil, err
	}
	if cfg.AuthorityHost != "" {
		cfg.ClientOptions.Cloud = cloud.Configuration{ActiveDirectoryAuthorityHost: cfg.AuthorityHost}
	}
	identity, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{
		ClientOptions: cfg.ClientOptions,
		ID:            azidentity.ClientID(cfg.IdentityClientID),
	})
	if err != nil {
		return nil, fmt.Errorf("onbehalfof: managed identity: %w", err)
	}
	return &Exchanger{cfg: cfg, identity: identity, audience: audience}, nil
}

// Credential returns a credential that gets tokens for the user behind userToken (the bearer
// token this API was called with, already verified). Its GetToken exchanges userToken; ask it
// for GraphScope to call Microsoft Graph as that user. It is for this user only: make one per
// incoming token, never share it between requests.
func (e *Exchanger) Credential(userToken string) (azcore.TokenCredential, error) {
	if strings.TrimSpace(userToken) == "" {
		return nil, ErrNoUserToken
	}
	cred, err := azidentity.NewOnBehalfOfCredentialWithClientAssertions(
		e.cfg.TenantID, e.cfg.APIClientID, userToken, e.clientAssertion,
		&azidentity.OnBehalfOfCredentialOptions{
			ClientOptions:            e.cfg.ClientOptions,
			DisableInstanceDiscovery: e.cfg.DisableInstanceDiscovery,
		})
	if err != nil {
		return nil, fmt.Errorf("onbehalfof: %w", err)
	}
	return cred, nil
}

// clientAssertion is the API registration's proof of identity: the managed identity's token
// for the exchange audience. azidentity calls it for every token request it sends to Entra;
// the managed identity credential answers from its cache while the token is fresh.
func (e *Exchanger) clientAssertion(ctx context.Context) (string, error) {
	tok, err := e.identity.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{e.audience + "/.default"}})
	if err != nil {
		return "", fmt.Errorf("onbehalfof: managed identity token for %s: %w", e.audience, err)
	}
	return tok.Token, nil
}

// exchangeAudience picks the token exchange audience for the cloud whose Entra host is given.
// Hosts other than the three Microsoft clouds (Azure Stack, a test's fake) use the global value.
func exchangeAudience(authorityHost string) (string, error) {
	if authorityHost == "" {
		return ExchangeAudience, nil
	}
	u, err := url.Parse(authorityHost)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("onbehalfof: AuthorityHost %q is not an https URL", authorityHost)
	}
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.us":
		return ExchangeAudienceUSGov, nil
	case "login.chinacloudapi.cn":
		return ExchangeAudienceChina, nil
	default:
		return ExchangeAudience, nil
	}
}
