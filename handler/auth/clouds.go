package auth

import (
	"fmt"
	"net/url"
	"strings"
)

// v1IssuerHosts maps each cloud's Entra authority host to the host of its v1 token issuer
// (https://<host>/<tenant>/). Microsoft documents the authority hosts in "National clouds"
// (learn.microsoft.com/entra/identity-platform/authentication-national-cloud) and the v1
// issuers per cloud in its Q&A "What are the token issuers for the sovereign clouds"
// (learn.microsoft.com/answers/questions/1190472): the public and US Government clouds issue
// v1 tokens as sts.windows.net, the China cloud (operated by 21Vianet) as
// sts.chinacloudapi.cn. China has two authority hosts: login.chinacloudapi.cn (azidentity's
// AzureChina) and login.partner.microsoftonline.cn (the national-clouds page).
var v1IssuerHosts = map[string]string{
	"login.microsoftonline.com":        "sts.windows.net",
	"login.microsoftonline.us":         "sts.windows.net",
	"login.chinacloudapi.cn":           "sts.chinacloudapi.cn",
	"login.partner.microsoftonline.cn": "sts.chinacloudapi.cn",
}

// CheckAuthorityHost accepts an https URL with a host and nothing else (a trailing slash is
// fine, as the Azure SDKs write it): the host decides every issuer a token may carry.
func CheckAuthorityHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || strings.Trim(u.Path, "/") != "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%q is not an https URL of a host, such as %s", raw, DefaultAuthorityHost)
	}
	return nil
}

// Issuers returns the v1 and v2 issuers of tenant's tokens in the cloud of authorityHost
// (empty: the public cloud). The v2 issuer is the authority host itself, as the tenant's
// OpenID configuration names it; the v1 issuer is the cloud's STS, known for the clouds
// Microsoft documents. For any other host (Azure Stack, a future cloud) v1 tokens are not
// accepted: set the API registration's accessTokenAcceptedVersion to 2.
func Issuers(authorityHost, tenant string) (v1, v2 string, err error) {
	if authorityHost == "" {
		authorityHost = DefaultAuthorityHost
	}
	if err := CheckAuthorityHost(authorityHost); err != nil {
		return "", "", fmt.Errorf("auth: authority host: %w", err)
	}
	host := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(authorityHost, "https://"), "/"))
	v2 = "https://" + host + "/" + tenant + "/v2.0"
	if sts, ok := v1IssuerHosts[host]; ok {
		v1 = "https://" + sts + "/" + tenant + "/"
	}
	return v1, v2, nil
}
