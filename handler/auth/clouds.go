package auth

import (
	"fmt"
	"net/url"
	"strings"
)

// Each cloud's token issuers, as Microsoft documents them. The authority hosts are in "National
// clouds" (learn.microsoft.com/entra/identity-platform/authentication-national-cloud); the
// issuers per cloud in the Microsoft Q&A answer "What are the token issuers for the sovereign
// clouds" (learn.microsoft.com/answers/questions/1190472):
//
//	cloud                      v1 issuer host          v2 issuer host
//	public (global)            sts.windows.net         login.microsoftonline.com
//	US Government              sts.windows.net         login.microsoftonline.us
//	China, operated by 21Vianet sts.chinacloudapi.cn   login.partner.microsoftonline.cn
//
// China has two authority hosts: login.chinacloudapi.cn (azidentity's AzureChina, MSAL's
// chinaCloudInstance) and login.partner.microsoftonline.cn (the national-clouds page). Its v2
// tokens carry login.partner.microsoftonline.cn as the issuer whichever host signed the user in
// (the Q&A above; reported in practice in jenkinsci/azure-ad-plugin#679, where a check against
// login.chinacloudapi.cn refused every token); the issuer the tenant's OpenID configuration at
// login.chinacloudapi.cn names is accepted as well.
type cloudIssuers struct {
	v1Host  string
	v2Hosts []string
}

var issuersByAuthority = map[string]cloudIssuers{
	"login.microsoftonline.com":        {"sts.windows.net", []string{"login.microsoftonline.com"}},
	"login.microsoftonline.us":         {"sts.windows.net", []string{"login.microsoftonline.us"}},
	"login.chinacloudapi.cn":           {"sts.chinacloudapi.cn", []string{"login.partner.microsoftonline.cn", "login.chinacloudapi.cn"}},
	"login.partner.microsoftonline.cn": {"sts.chinacloudapi.cn", []string{"login.partner.microsoftonline.cn", "login.chinacloudapi.cn"}},
}

// IsChinaAuthority reports whether host (normalized) is one of Azure China's authority hosts.
func IsChinaAuthority(host string) bool {
	return host == "https://login.chinacloudapi.cn" || host == "https://login.partner.microsoftonline.cn"
}

// NormalizeAuthorityHost reads an authority host the way the Azure SDKs write it
// (https://login.microsoftonline.com, a trailing slash allowed) and returns it as
// https://<lower-case host>. The host decides every issuer a token may carry and the cloud of the
// storage client, so anything else is refused rather than guessed: a scheme other than https,
// user information, a port other than 443, a path other than "/", a query or a fragment (even an
// empty one). HTTPS:// and an upper-case host are the same URL, and are accepted.
func NormalizeAuthorityHost(raw string) (string, error) {
	bad := func(why string) (string, error) {
		return "", fmt.Errorf("%q is not the https URL of an Entra host, such as %s: %s", raw, DefaultAuthorityHost, why)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return bad("it does not parse as a URL")
	case !strings.EqualFold(u.Scheme, "https"):
		return bad("the scheme must be https")
	case u.User != nil:
		return bad("it must not hold user information")
	case strings.ContainsAny(raw, "?#"):
		return bad("it must not have a query or a fragment")
	case u.Path != "" && u.Path != "/":
		return bad("it must not have a path")
	case strings.Contains(u.Host, ":") && u.Port() != "443": // an empty port ("host:") too
		return bad("the port must be 443")
	case u.Hostname() == "" || strings.Trim(u.Hostname(), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "":
		return bad("it must name a host")
	}
	return "https://" + strings.ToLower(u.Hostname()), nil
}

// CheckAuthorityHost reports whether raw is an authority host NormalizeAuthorityHost accepts.
func CheckAuthorityHost(raw string) error {
	_, err := NormalizeAuthorityHost(raw)
	return err
}

// Issuers returns the v1 issuer and the v2 issuers of tenant's tokens in the cloud of
// authorityHost (empty: the public cloud). For a cloud Microsoft documents, they are its issuers
// above. For any other host (Azure Stack, a future cloud) the v2 issuer is the authority host
// itself, as the tenant's OpenID configuration names it, and v1 tokens are not accepted (v1 is
// ""): set the API registration's accessTokenAcceptedVersion to 2.
func Issuers(authorityHost, tenant string) (v1 string, v2 []string, err error) {
	if authorityHost == "" {
		authorityHost = DefaultAuthorityHost
	}
	normalized, err := NormalizeAuthorityHost(authorityHost)
	if err != nil {
		return "", nil, fmt.Errorf("auth: authority host: %w", err)
	}
	host := strings.TrimPrefix(normalized, "https://")
	known, ok := issuersByAuthority[host]
	if !ok {
		return "", []string{"https://" + host + "/" + tenant + "/v2.0"}, nil
	}
	for _, h := range known.v2Hosts {
		v2 = append(v2, "https://"+h+"/"+tenant+"/v2.0")
	}
	return "https://" + known.v1Host + "/" + tenant + "/", v2, nil
}

// tenantIssuers are one tenant's issuers: v1 ("" in a cloud without a known v1 issuer) and v2.
type tenantIssuers struct {
	v1 string
	v2 []string
}

// issuersOf returns the issuers of each of tenants in the cloud of authorityHost, keyed by the
// lower-case tenant id that tokens carry in tid. They are made once here, so that a token
// check only looks its tenant up, and the map is as large as the list and no larger.
func issuersOf(authorityHost string, tenants []string) (map[string]*tenantIssuers, error) {
	out := make(map[string]*tenantIssuers, len(tenants))
	for _, t := range tenants {
		if !IsGUID(t) {
			return nil, fmt.Errorf("auth: allowed tenant %q is not a GUID", t)
		}
		t = strings.ToLower(t)
		v1, v2, err := Issuers(authorityHost, t)
		if err != nil {
			return nil, err
		}
		out[t] = &tenantIssuers{v1: v1, v2: v2}
	}
	return out, nil
}
