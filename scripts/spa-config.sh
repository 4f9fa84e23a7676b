#!/bin/sh
# azd predeploy hook of service `web`: write the SPA's runtime config into the build output that azd is about
# to upload (frontend/dist, `dist` in azure.yaml), with the deployed API and app registration.
# azd has already run `npm run build` (package step), so this overrides any config.json Vite copied from
# frontend/public (that one points at the local API), and staticwebapp.config.json, whose Content-Security-Policy
# names the local API there.
set -eu
. "$(dirname "$0")/lib.sh"

need_guid AZURE_TENANT_ID
need_guid AZURE_SPA_CLIENT_ID
need_api_scope API_SCOPE
need_https_origin API_BASE_URL
need_redirect_uris SPA_REDIRECT_URIS

dist="$(repo_root)/frontend/dist"
[ -f "$dist/index.html" ] || die "$dist/index.html not found: the SPA build must run first (azd package)"
write_spa_config "$dist/config.json" "$API_BASE_URL"
# The response headers for Static Web Apps, with a Content-Security-Policy naming this deployment's API origin
# (frontend/scripts/swa-config.mjs; the browser tests serve the bundle with the same generator's output).
node "$(repo_root)/frontend/scripts/swa-config.mjs" --config "$dist/config.json" --index "$dist/index.html" \
  --out "$dist/staticwebapp.config.json" || die "frontend/scripts/swa-config.mjs could not write $dist/staticwebapp.config.json"
