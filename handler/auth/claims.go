package auth

import (
	"encoding/json"
	"fmt"

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

// maxNumericDate bounds exp, nbf and iat (seconds since 1970; 1e11 is the year 5138).
// golang-jwt converts a float to int64 unchecked, so a date such as 1e300 would wrap
// to the far past and make "not before the end of time" pass.
const maxNumericDate = 1e11

// UnmarshalJSON reads each claim by its exact name. encoding/json matches struct fields
// case-insensitively, which would let a claim named "OID" or "Aud" (no rule checks those)
// stand in for "oid" or "aud"; RFC 7519 §4 makes claim names case-sensitive. A name given
// twice resolves to the last one, as RFC 7519 §4 allows, the same for every rule.
func (c *claims) UnmarshalJSON(b []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return err
	}
	for _, name := range []string{"exp", "nbf", "iat"} {
		if err := checkNumericDate(members[name]); err != nil {
			return fmt.Errorf("claim %s: %w", name, err)
		}
	}
	targets := map[string]any{
		"iss": &c.Issuer, "sub": &c.Subject, "aud": &c.Audience, "jti": &c.ID,
		"exp": &c.ExpiresAt, "nbf": &c.NotBefore, "iat": &c.IssuedAt,
		"ver": &c.Ver, "tid": &c.TID, "oid": &c.OID, "scp": &c.Scp, "name": &c.Name,
		"preferred_username": &c.PreferredUsername, "upn": &c.UPN, "unique_name": &c.UniqueName,
	}
	for name, target := range targets {
		if raw, ok := members[name]; ok {
			if err := json.Unmarshal(raw, target); err != nil {
				return fmt.Errorf("claim %s: %w", name, err)
			}
		}
	}
	return nil
}

func checkNumericDate(raw json.RawMessage) error {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return err
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > maxNumericDate {
		return fmt.Errorf("%s is not a date between 1970 and the year 5000", n)
	}
	return nil
}

func (c *claims) username() string {
	for _, u := range []string{c.PreferredUsername, c.UPN, c.UniqueName} {
		if u != "" {
			return u
		}
	}
	return ""
}
