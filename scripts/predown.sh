#!/bin/sh
# azd predown hook: delete this environment's two Entra app registrations (and their service principals), which
# live in the tenant, not in the resource group `azd down` deletes. It runs before azd deletes anything, because
# afterwards azd removes every template output (the registrations' ids among them) from the environment before
# post-down hooks run. It finds the registrations by the ids in the environment and by their tag
# azd-entra-suffix:<AZURE_ENTRA_APP_SUFFIX>, which also catches those of a provision that failed halfway.
# Then it purges them from the directory's recycle bin, best effort: purging may need an Entra admin role that an
# owner lacks, and the next `azd up` uses new uniqueNames anyway.
# Needs the Azure CLI signed in to the tenant (az login --tenant <id>) as an owner of the registrations (the
# deploying principal is made owner by infra/app/entra.bicep). A registration it cannot delete stops `azd down`
# before anything is deleted; AZURE_KEEP_APP_REGISTRATIONS=true skips this hook.
# azd asks for confirmation only after this hook: answering "no" keeps the resources without registrations, and
# `azd provision` creates them again.
set -eu
. "$(dirname "$0")/lib.sh"

if [ "${AZURE_KEEP_APP_REGISTRATIONS-}" = true ]; then
  printf 'AZURE_KEEP_APP_REGISTRATIONS=true: the app registrations are kept\n'
  exit 0
fi
command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is needed to delete the app registrations (API ${AZURE_API_CLIENT_ID-?}, SPA ${AZURE_SPA_CLIENT_ID-?}); install it, or 'azd env set AZURE_KEEP_APP_REGISTRATIONS true' to keep them"

# Registrations to delete, one "<object id> <app id>" per line.
apps=""
add_app() {
  case "$apps" in *"$1 "*) return 0 ;; esac
  apps="$apps$1 $2
"
}
if [ -n "${AZURE_ENTRA_APP_SUFFIX-}" ]; then
  need_suffix AZURE_ENTRA_APP_SUFFIX
  found=$(az ad app list --filter "tags/any(t:t eq 'azd-entra-suffix:$AZURE_ENTRA_APP_SUFFIX')" --query '[].[id,appId]' -o tsv) ||
    die "could not list the app registrations: is az signed in to tenant ${AZURE_TENANT_ID-?}? (az login --tenant ${AZURE_TENANT_ID-<tenant id>})"
  while read -r object app; do
    [ -n "$object" ] && add_app "$object" "$app"
  done <<EOF_APPS
$found
EOF_APPS
fi
# add_if_exists OBJECT_ID APP_ID: a registration whose ids the environment holds, unless it is gone already
# (deleted by hand, or by an earlier run).
add_if_exists() {
  az ad app show --id "$1" --query id -o tsv </dev/null >/dev/null 2>&1 && add_app "$1" "$2"
  return 0
}
if [ -n "${AZURE_API_APP_OBJECT_ID-}" ]; then
  need_guid AZURE_API_APP_OBJECT_ID
  need_guid AZURE_API_CLIENT_ID
  add_if_exists "$AZURE_API_APP_OBJECT_ID" "$AZURE_API_CLIENT_ID"
fi
if [ -n "${AZURE_SPA_APP_OBJECT_ID-}" ]; then
  need_guid AZURE_SPA_APP_OBJECT_ID
  need_guid AZURE_SPA_CLIENT_ID
  add_if_exists "$AZURE_SPA_APP_OBJECT_ID" "$AZURE_SPA_CLIENT_ID"
fi
if [ -z "$apps" ]; then
  printf 'no app registrations of this environment found: nothing to delete\n'
  exit 0
fi

failed=0
unpurged=0
while read -r object app; do
  [ -n "$object" ] || continue
  printf 'deleting app registration %s\n' "$app"
  # </dev/null: the loop reads its own stdin.
  az ad sp delete --id "$app" </dev/null >/dev/null 2>&1 || true
  if ! az ad app delete --id "$object" </dev/null; then
    printf 'error: could not delete app registration %s\n' "$app" >&2
    failed=1
    continue
  fi
  az rest --method DELETE --url "https://graph.microsoft.com/v1.0/directory/deletedItems/$object" </dev/null >/dev/null 2>&1 || unpurged=$((unpurged + 1))
done <<EOF_APPS
$apps
EOF_APPS
[ "$failed" -eq 0 ] || die "some app registrations were not deleted (see above), so azd down stops here; see docs/deploy.md#tear-down"
if [ "$unpurged" -gt 0 ]; then
  printf 'note: %d deleted registration(s) stay in the recycle bin for 30 days (purging may need an Entra role such as Application Administrator); the next azd up uses new names\n' "$unpurged"
fi
