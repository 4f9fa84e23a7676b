#!/bin/sh
# azd postdown hook: delete the two Entra app registrations (and their service principals). `azd down` only
# deletes the resource group; app registrations live in the tenant and would otherwise stay behind.
# Deleted apps go to the directory's recycle bin for 30 days and keep their uniqueName reserved, so a later
# `azd up` of the same environment would fail; they are therefore also deleted permanently.
# Needs the Azure CLI signed in to the same tenant (az login), as an owner of the apps (the deploying principal
# is made owner by infra/app/entra.bicep) or with an Entra role that may delete applications.
set -eu
. "$(dirname "$0")/lib.sh"

command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is needed to delete the app registrations; delete them in the Entra admin center: API ${AZURE_API_CLIENT_ID-?}, SPA ${AZURE_SPA_CLIENT_ID-?}"

need_guid AZURE_API_CLIENT_ID
need_guid AZURE_API_APP_OBJECT_ID
need_guid AZURE_SPA_CLIENT_ID
need_guid AZURE_SPA_APP_OBJECT_ID

failed=0
# delete_app NAME CLIENT_ID OBJECT_ID
delete_app() {
  printf 'deleting the %s app registration %s\n' "$1" "$2"
  # Service principal first (by appId); "not found" is fine, it may be gone already.
  az ad sp delete --id "$2" >/dev/null 2>&1 || true
  if ! az ad app delete --id "$3"; then
    printf 'warning: could not delete app registration %s (%s)\n' "$2" "$1" >&2
    failed=1
    return 0
  fi
  if ! az rest --method DELETE --url "https://graph.microsoft.com/v1.0/directory/deletedItems/$3"; then
    printf 'warning: %s is in the recycle bin but was not purged; its uniqueName stays reserved for 30 days\n' "$2" >&2
    failed=1
  fi
}
delete_app API "$AZURE_API_CLIENT_ID" "$AZURE_API_APP_OBJECT_ID"
delete_app SPA "$AZURE_SPA_CLIENT_ID" "$AZURE_SPA_APP_OBJECT_ID"
[ "$failed" -eq 0 ] || die "some app registrations were not removed (see above); see docs/deploy.md#troubleshooting"
