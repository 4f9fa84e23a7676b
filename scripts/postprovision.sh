#!/bin/sh
# azd postprovision hook: point local development at the app registrations `azd provision` just created,
# what the original blog's setup.sh did with .env files.
#   local.settings.json          (repo root; from local.settings.json.example if missing): AZURE_TENANT_ID and
#                                AZURE_API_CLIENT_ID set, everything else kept (storage stays on Azurite); the one
#                                settings file: make start copies it into build/ (output only) on every start
#   frontend/public/config.json  the SPA's runtime config for `npm run dev`, calling the local API
# Nothing secret is written: ids and URLs only (the Azurite key in the example is Azurite's public default).
set -eu
. "$(dirname "$0")/lib.sh"

need_guid AZURE_TENANT_ID
need_guid AZURE_API_CLIENT_ID
need_guid AZURE_SPA_CLIENT_ID
need_api_scope API_SCOPE
need_redirect_uris SPA_REDIRECT_URIS

root=$(repo_root)
settings="$root/local.settings.json"
example="$root/local.settings.json.example"
# The local Functions host (func start / the stand-in); its port is Host.LocalHttpPort in local.settings.json.
# Override with LOCAL_API_BASE_URL (e.g. `azd env set LOCAL_API_BASE_URL http://localhost:7072`).
LOCAL_API_BASE_URL="${LOCAL_API_BASE_URL:-http://localhost:7071}"
need_local_origin LOCAL_API_BASE_URL

if [ ! -f "$settings" ]; then
  [ -f "$example" ] || die "neither $settings nor $example exists"
  cp "$example" "$settings"
fi

# set_value KEY VALUE: replace the string value of "KEY" in local.settings.json, and fail if KEY is absent.
set_value() {
  grep -Eq "\"$1\"[[:space:]]*:[[:space:]]*\"[^\"]*\"" "$settings" || die "$settings has no \"$1\" string value"
  sed -E "s|(\"$1\"[[:space:]]*:[[:space:]]*\")[^\"]*\"|\1$2\"|" "$settings" >"$settings.tmp"
  mv "$settings.tmp" "$settings"
}
set_value AZURE_TENANT_ID "$AZURE_TENANT_ID"
set_value AZURE_API_CLIENT_ID "$AZURE_API_CLIENT_ID"
printf 'wrote %s\n' "$settings"

write_spa_config "$root/frontend/public/config.json" "$LOCAL_API_BASE_URL"
