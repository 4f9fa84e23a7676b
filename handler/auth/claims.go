package auth

import (
	"github.com/golang-jwt/jwt/v5"
)

// claims are the members of an Entra access token this API reads. Both token versions share
// the struct; ver says which issuer and username claims to expect.
type claims struct {
	jwt.RegisteredClaims
	Ver               string `json:"ver"`
	TID               string `json:"tid"`
	OID               string `json:"oid"`
	Scp               string `json:"scp"`
	Name              string `json:"name"`
	PreferredUsername string `json:"preferred_username"` // v2
	UPN               string `json:"upn"`                // v1, work accounts
	UniqueName        string `json:"unique_name"`        // v1, fallback
}

func (c *claims) username() string {
	for _, u := range []string{c.PreferredUsername, c.UPN, c.UniqueName} {
		if u != "" {
			return u
		}
	}
	return ""
}
