# Helpers shared by the azd hook scripts (POSIX sh; sourced, not executed).
# azd runs hooks with the azd environment's values (the Bicep outputs of infra/main.bicep) as environment
# variables. Every value is validated before it is written anywhere: an empty or odd value means the hook ran
# before `azd provision`, or against another environment, and writing it would only move the failure to the
# browser.

die() {
  printf '%s: %s\n' "${0##*/}" "$*" >&2
  exit 1
}

# need_match <variable> <ERE> <description>: the variable must hold one line matching the ERE entirely.
need_match() {
  eval "_v=\${$1-}"
  case $_v in
  *"
"*) die "$1 must be a single line" ;;
  esac
  printf '%s\n' "$_v" | grep -Eq "$2" ||
    die "$1 is not $3 (got '$_v'). Run 'azd provision' first, or check 'azd env get-values'."
}

need_guid() {
  need_match "$1" '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' 'a GUID'
}

need_https_origin() {
  need_match "$1" '^https://[A-Za-z0-9.-]+$' 'an https origin such as https://example.net'
}

need_api_scope() {
  need_match "$1" '^api://[0-9a-fA-F-]{36}/[A-Za-z0-9_.-]+$' 'a scope such as api://<client id>/access_as_user'
}

need_local_origin() {
  need_match "$1" '^https?://[A-Za-z0-9.:-]+$' 'an origin such as http://localhost:7071'
}

# need_redirect_uris: SPA_REDIRECT_URIS, the SPA registration's redirect URIs. An array output, which azd writes
# into the environment as a JSON string (Azure/azure-dev cli/azd/pkg/infra/provisioning/manager.go,
# UpdateEnvironment): ["https://host/redirect.html","https://host/"]. Only a non-empty list of quoted http(s) URLs
# passes (no quote, backslash, space or control character anywhere), so it can be copied into config.json as is.
need_redirect_uris() {
  _uri='"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&+,;=:@/-]*)?"'
  need_match "$1" "^\\[ *$_uri( *, *$_uri)* *\\]\$" \
    'a JSON list of http(s) redirect URIs such as ["https://example.net/redirect.html","https://example.net/"]'
}

# repo_root: the directory above scripts/, whatever the current directory (azd runs service hooks in the
# service's folder).
repo_root() {
  (cd "$(dirname "$0")/.." && pwd)
}

# need_authority: AZURE_SPA_AUTHORITY, the authority the SPA's MSAL signs in with (main.bicep): the cloud's login
# host and this tenant's id, or `organizations` in multi-tenant mode.
need_authority() {
  need_match "$1" '^https://[A-Za-z0-9.-]+/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|organizations)$' \
    'an authority such as https://login.microsoftonline.com/organizations'
}

# write_spa_config FILE API_BASE_URL: the SPA's runtime config (read by the SPA before MSAL starts).
# The values were validated above, so they need no JSON escaping (SPA_REDIRECT_URIS is already a JSON list).
# "authority" only when the environment has AZURE_SPA_AUTHORITY: one provisioned before that output existed has
# not, and the SPA then signs in with tenantId, as it always did.
write_spa_config() {
  mkdir -p "$(dirname "$1")"
  _authority=
  if [ -n "${AZURE_SPA_AUTHORITY:-}" ]; then
    need_authority AZURE_SPA_AUTHORITY
    _authority="
  \"authority\": \"$AZURE_SPA_AUTHORITY\","
  fi
  cat >"$1.tmp" <<JSON
{
  "clientId": "$AZURE_SPA_CLIENT_ID",
  "tenantId": "$AZURE_TENANT_ID",$_authority
  "apiScope": "$API_SCOPE",
  "apiBaseUrl": "$2",
  "redirectUris": $SPA_REDIRECT_URIS
}
JSON
  mv "$1.tmp" "$1"
  printf 'wrote %s\n' "$1"
}

# need_suffix: AZURE_ENTRA_APP_SUFFIX as preprovision.sh writes it (main.bicep takes 4-16 characters).
need_suffix() {
  need_match "$1" '^[a-z0-9]{4,16}$' 'a suffix of 4-16 lower-case letters and digits'
}
