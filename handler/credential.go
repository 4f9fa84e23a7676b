package main

import (
	"context"
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/example/entra-tasks/handler/settings"
)

// newTableCredential returns the credential for TABLES_ENDPOINT and a description of it for the
// start-up log (ids only, never a token).
//
// In Azure (cfg.InAzure: a variable of settings.Platform is set) it is the app's managed identity and nothing
// else: DefaultAzureCredential would also try environment secrets and developer sign-ins, and a misconfigured
// identity must fail loudly rather than fall through to some other principal. Locally (TABLES_ENDPOINT against
// a deployed account), it is the developer's own sign-in: `azd auth login`, then `az login`, both for the API's
// tenant.
//
// The cloud (AZURE_AUTHORITY_HOST's) fills ClientOptions.Cloud; managed identity asks the platform's
// endpoint and the developer CLIs use their own cloud setting, so it matters little to them today.
func newTableCredential(cfg settings.Values) (azcore.TokenCredential, string, error) {
	if cfg.InAzure {
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		opts.Cloud = cfg.AzureCloud()
		what := "managed identity (system-assigned)"
		if cfg.IdentityClientID != "" {
			opts.ID = azidentity.ClientID(cfg.IdentityClientID)
			what = "managed identity (user-assigned, client id " + cfg.IdentityClientID + ")"
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			return nil, "", fmt.Errorf("managed identity: %w", err)
		}
		return cred, what, nil
	}
	azd, err := azidentity.NewAzureDeveloperCLICredential(&azidentity.AzureDeveloperCLICredentialOptions{TenantID: cfg.TenantID})
	if err != nil {
		return nil, "", fmt.Errorf("azd credential: %w", err)
	}
	az, err := azidentity.NewAzureCLICredential(&azidentity.AzureCLICredentialOptions{TenantID: cfg.TenantID})
	if err != nil {
		return nil, "", fmt.Errorf("az credential: %w", err)
	}
	cred, err := azidentity.NewChainedTokenCredential([]azcore.TokenCredential{signedOutMeansNext{azd}, signedOutMeansNext{az}}, nil)
	if err != nil {
		return nil, "", fmt.Errorf("developer credential: %w", err)
	}
	return cred, "developer sign-in (azd auth login, else az login; tenant " + cfg.TenantID + ")", nil
}

// signedOutMeansNext lets the chain try the next developer CLI when this one is installed but signed out
// (or signed in elsewhere). azidentity does the same for these credentials inside DefaultAzureCredential
// only (developer_credential_util.go, unavailableIfInDAC); in a plain chain any error would end the search.
type signedOutMeansNext struct{ azcore.TokenCredential }

func (c signedOutMeansNext) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, opts)
	if err != nil {
		return tok, azidentity.NewCredentialUnavailableError(err.Error())
	}
	return tok, nil
}
