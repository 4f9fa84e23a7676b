package auth

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/golang-jwt/jwt/v5"
)

// claims are the members of an Entra access token this API reads. Both token versions share
// the struct; ver says which issuer and username claims to expect.
type claims struct {
	jwt.RegisteredClaims
	Ver               string   `json:"ver"`
	TID               string   `json:"tid"`
	OID               string   `json:"oid"`
	Scp               string   `json:"scp"`
	HasScp            bool     `json:"-"`     // scp was present, even as ""
	IDTyp             string   `json:"idtyp"` // optional claim: "app" or "user" (optional-claims-reference)
	AZP               string   `json:"azp"`   // v2: the client app's id
	AppID             string   `json:"appid"` // v1: the client app's id
	Name              string   `json:"name"`
	PreferredUsername string   `json:"preferred_username"` // v2
	UPN               string   `json:"upn"`                // v1, work accounts
	UniqueName        string   `json:"unique_name"`        // v1, fallback
	Roles             []string `json:"roles"`              // app roles assigned to the caller
	ACRS              []string `json:"acrs"`               // authentication contexts satisfied (Conditional Access step-up)
}

// maxNumericDate bounds exp, nbf and iat (seconds since 1970; 1e11 is the year 5138).
// golang-jwt converts a float to int64 unchecked, so a date such as 1e300 would wrap
// to the far past and make "not before the end of time" pass.
const maxNumericDate = 1e11

// UnmarshalJSON reads each claim by its exact name. encoding/json matches struct fields
// case-insensitively, which would let a claim named "OID" or "Aud" (no rule checks those)
// stand in for "oid" or "aud"; RFC 7519 §4 makes claim names case-sensitive. A name given
// twice resolves to the last one, as RFC 7519 §4 allows, the same for every rule.
//
// This runs for every token that is not cached, so it decodes the document once and then
// each member directly: plain ASCII strings and number literals, which is all Entra sends,
// skip a second trip through encoding/json (the profile showed that trip costing more than
// half of the RSA signature check); anything else still goes through encoding/json.
func (c *claims) UnmarshalJSON(b []byte) error {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil {
		return err
	}
	for name, raw := range members {
		if err := c.set(name, raw); err != nil {
			return fmt.Errorf("claim %s: %w", name, err)
		}
	}
	return nil
}

// set decodes one member into its field; claims this API does not read are ignored.
func (c *claims) set(name string, raw json.RawMessage) error {
	switch name {
	case "exp":
		return setNumericDate(&c.ExpiresAt, raw)
	case "nbf":
		return setNumericDate(&c.NotBefore, raw)
	case "iat":
		return setNumericDate(&c.IssuedAt, raw)
	case "aud":
		return json.Unmarshal(raw, &c.Audience)
	case "roles":
		return setStrings(&c.Roles, raw)
	case "scp":
		c.HasScp = true // then read as a string below: an app-only token carries none at all
	case "acrs":
		// Entra sends the satisfied authentication contexts as an array of strings, e.g. ["c1"]
		// (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, acrs).
		return setStrings(&c.ACRS, raw)
	}
	if dst := c.stringClaim(name); dst != nil {
		if s, ok := plainString(raw); ok {
			*dst = s
			return nil
		}
		return json.Unmarshal(raw, dst)
	}
	return nil
}

func (c *claims) stringClaim(name string) *string {
	switch name {
	case "iss":
		return &c.Issuer
	case "sub":
		return &c.Subject
	case "jti":
		return &c.ID
	case "ver":
		return &c.Ver
	case "tid":
		return &c.TID
	case "oid":
		return &c.OID
	case "scp":
		return &c.Scp
	case "idtyp":
		return &c.IDTyp
	case "azp":
		return &c.AZP
	case "appid":
		return &c.AppID
	case "name":
		return &c.Name
	case "preferred_username":
		return &c.PreferredUsername
	case "upn":
		return &c.UPN
	case "unique_name":
		return &c.UniqueName
	}
	return nil
}

// plainString returns the value of a JSON string made of printable ASCII without escapes,
// which decodes to exactly its bytes; ok is false for anything else (escapes, non-ASCII,
// null, other types), which the caller leaves to encoding/json.
func plainString(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	for _, ch := range inner {
		if ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' {
			return "", false
		}
	}
	return string(inner), true
}

// setNumericDate stores raw, which must be a JSON number (RFC 7519 §2: a NumericDate is a
// JSON numeric value; a string such as "1700000000", or null, is not one) within
// maxNumericDate. raw comes from a document encoding/json has already validated, so a value
// that starts like a number is a valid JSON number.
func setNumericDate(dst **jwt.NumericDate, raw json.RawMessage) error {
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return fmt.Errorf("%s is not a JSON number", raw)
	}
	f, err := strconv.ParseFloat(string(raw), 64) // what json.Number.Float64 does
	if err != nil || f < 0 || f > maxNumericDate {
		return fmt.Errorf("%s is not a date between 1970 and the year 5138 (1e11 seconds)", raw)
	}
	d := new(jwt.NumericDate)
	if err := d.UnmarshalJSON(raw); err != nil {
		return err
	}
	*dst = d
	return nil
}

// setStrings stores raw, which must be a JSON array of strings: Entra sends roles as one,
// and anything else (a single string, null, an array holding a number) is a token this API
// did not get from Entra, refused rather than read as "no roles".
func setStrings(dst *[]string, raw json.RawMessage) error {
	if len(raw) == 0 || raw[0] != '[' {
		return fmt.Errorf("%s is not a JSON array of strings", raw)
	}
	var values []string
	if err := json.Unmarshal(raw, &values); err != nil {
		return fmt.Errorf("not a JSON array of strings: %w", err)
	}
	*dst = values
	return nil
}

// clientApp is the application id of the client that got the token: azp in v2 tokens, appid in
// v1 (learn.microsoft.com/entra/identity-platform/access-token-claims-reference, azp and appid).
func (c *claims) clientApp() string {
	if c.Ver == "1.0" {
		return c.AppID
	}
	return c.AZP
}

func (c *claims) username() string {
	for _, u := range []string{c.PreferredUsername, c.UPN, c.UniqueName} {
		if u != "" {
			return u
		}
	}
	return ""
}
