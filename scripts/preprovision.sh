#!/bin/sh
# azd preprovision hook: give this azd environment the suffix of its app registrations' uniqueNames,
# AZURE_ENTRA_APP_SUFFIX, once. It is kept across reruns (the same registrations are updated, also after a
# provision that failed halfway), and main.bicep outputs it, so azd removes it with the other outputs after
# `azd down` and the next `azd up` picks a new one: a deleted registration still in the directory's recycle bin
# keeps its uniqueName reserved and would otherwise block that `azd up`.
set -eu
. "$(dirname "$0")/lib.sh"

if [ -n "${AZURE_ENTRA_APP_SUFFIX-}" ]; then
  need_suffix AZURE_ENTRA_APP_SUFFIX
  printf 'app registrations: suffix %s\n' "$AZURE_ENTRA_APP_SUFFIX"
  exit 0
fi
# A pipeline starts every run from an empty azd environment: a suffix made here would be new on every run and
# create a new pair of registrations each time. Pipelines take it from a repository variable instead (GitHub
# Actions and GitHub-hosted runners set CI=true; Azure Pipelines sets TF_BUILD=True).
if [ "${CI-}" = true ] || [ "${TF_BUILD-}" = True ]; then
  die "AZURE_ENTRA_APP_SUFFIX is not set. In a pipeline it must come from a repository variable, or every run creates new app registrations: see docs/deploy.md, Deploy from GitHub"
fi
command -v azd >/dev/null 2>&1 || die "azd is not on PATH, so AZURE_ENTRA_APP_SUFFIX cannot be recorded; set it yourself: azd env set AZURE_ENTRA_APP_SUFFIX <8 hex digits>"
# What azd accepts as an environment name (Azure/azure-dev cli/azd/pkg/environment/environment.go,
# EnvironmentNameRegexp): it only reaches azd's own argument list here.
need_match AZURE_ENV_NAME '^[A-Za-z0-9()_.-]{1,64}$' 'an azd environment name'
suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
# --environment=: the environment azd is provisioning, which need not be the default one (one argument, so a name
# starting with '-' cannot pass for a flag).
azd env set AZURE_ENTRA_APP_SUFFIX "$suffix" --environment="$AZURE_ENV_NAME"
printf 'app registrations: new suffix %s\n' "$suffix"
