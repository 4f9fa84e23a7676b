#!/bin/sh
# Grants the deployment pipeline's service principal the Microsoft Graph application permission that
# `azd provision` needs to manage this template's app registrations: Application.ReadWrite.OwnedBy; with
# --assign-roles, also AppRoleAssignment.ReadWrite.All, for a pipeline that assigns the API's Admin role.
#
#   scripts/grant-pipeline-graph.sh [--assign-roles] <pipeline client id>
#
# <pipeline client id> is the AZURE_CLIENT_ID repository variable that `azd pipeline config` set. Run it once,
# signed in with `az login` to the tenant as an admin who may grant application permissions (Privileged Role
# Administrator or Global Administrator); it is idempotent. Why these permissions and no more: docs/deploy.md,
# "Deploy from GitHub".
#
# Application.ReadWrite.OwnedBy lets the pipeline create applications and service principals, and change or
# delete only those it owns; the Graph Bicep extension makes an app-only caller the owner of what it creates
# (microsoftgraph/msgraph-bicep-types#134), so every later run can update them. Our Bicep reads no existing
# directory object it does not own (the `existing` keyword needs Application.Read.All:
# microsoftgraph/msgraph-bicep-types#174), so no read-all permission is needed.
#
# A pipeline signs in as a service principal, and the API's app roles are for users only, so by default the
# pipeline assigns no role (infra/main.bicep). Only when the environment names a user in AZURE_ADMIN_USER_ID, or
# asks for the daemon identity (AZURE_DAEMON_IDENTITY, granted the application permission Tasks.Read.All), does
# the deployment create an appRoleAssignedTo, which needs AppRoleAssignment.ReadWrite.All. That permission lets
# its holder grant any app role of any API in the tenant, Microsoft Graph's own included, to anyone: it is as
# strong as a directory administrator. Prefer assigning Admin once by hand (docs/deploy.md); grant it only with
# --assign-roles, knowingly.
set -eu
. "$(dirname "$0")/lib.sh"

assign_roles=
if [ "${1-}" = --assign-roles ]; then
  assign_roles=1
  shift
fi
AZURE_CLIENT_ID=${1-${AZURE_CLIENT_ID-}}
need_guid AZURE_CLIENT_ID
command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is needed; or grant Application.ReadWrite.OwnedBy (application permission) to the pipeline's app in the Entra admin center"

# Well-known ids, the same in every tenant: Microsoft Graph's appId, and the app role ids of
# Application.ReadWrite.OwnedBy and AppRoleAssignment.ReadWrite.All (Microsoft Graph permissions reference).
GRAPH_APP_ID=00000003-0000-0000-c000-000000000000
APPLICATION_READWRITE_OWNEDBY=18a4783c-866b-4cc7-a460-3d5e5662c884
APPROLEASSIGNMENT_READWRITE_ALL=06b708a9-e830-4db3-a914-8e69da51d44f

# The signed-in cloud's Graph endpoint (https://graph.microsoft.com/ in the public cloud; another host in
# national clouds).
graph=$(az cloud show --query endpoints.microsoftGraphResourceId -o tsv)
graph=${graph%/}
pipeline_sp=$(az ad sp show --id "$AZURE_CLIENT_ID" --query id -o tsv) ||
  die "no service principal with client id $AZURE_CLIENT_ID in this tenant: run 'azd pipeline config' first, and 'az login --tenant <tenant>'"
graph_sp=$(az ad sp show --id "$GRAPH_APP_ID" --query id -o tsv)

# grant NAME APP_ROLE_ID: assigns Graph's application permission to the pipeline unless it already holds it.
grant() {
  held=$(az rest --method GET --url "$graph/v1.0/servicePrincipals/$pipeline_sp/appRoleAssignments" \
    --query "value[?appRoleId=='$2' && resourceId=='$graph_sp'].id" -o tsv)
  if [ -n "$held" ]; then
    printf 'The pipeline (%s) already holds %s on Microsoft Graph.\n' "$AZURE_CLIENT_ID" "$1"
    return 0
  fi
  az rest --method POST --url "$graph/v1.0/servicePrincipals/$pipeline_sp/appRoleAssignments" \
    --headers Content-Type=application/json \
    --body "{\"principalId\":\"$pipeline_sp\",\"resourceId\":\"$graph_sp\",\"appRoleId\":\"$2\"}" >/dev/null ||
    die "the grant of $1 was refused: granting an application permission needs the Privileged Role Administrator or Global Administrator role"
  printf 'Granted %s on Microsoft Graph to the pipeline (%s).\n' "$1" "$AZURE_CLIENT_ID"
}

grant Application.ReadWrite.OwnedBy "$APPLICATION_READWRITE_OWNEDBY"
if [ -n "$assign_roles" ]; then
  grant AppRoleAssignment.ReadWrite.All "$APPROLEASSIGNMENT_READWRITE_ALL"
  printf 'AppRoleAssignment.ReadWrite.All can grant any app role in the tenant: remove it once AZURE_ADMIN_USER_ID has its role.\n'
fi
