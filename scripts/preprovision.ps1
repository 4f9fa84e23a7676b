# azd preprovision hook (Windows twin of preprovision.sh): give this azd environment the suffix of its app
# registrations' uniqueNames, AZURE_ENTRA_APP_SUFFIX, once. It is kept across reruns (the same registrations are
# updated, also after a provision that failed halfway), and main.bicep outputs it, so azd removes it with the other
# outputs after `azd down` and the next `azd up` picks a new one: a deleted registration still in the directory's
# recycle bin keeps its uniqueName reserved and would otherwise block that `azd up`.
. (Join-Path $PSScriptRoot 'lib.ps1')

if ($env:AZURE_ENTRA_APP_SUFFIX) {
    Need-Suffix 'AZURE_ENTRA_APP_SUFFIX' | Out-Null
    Write-Host "app registrations: suffix $env:AZURE_ENTRA_APP_SUFFIX"
    exit 0
}
# A pipeline starts every run from an empty azd environment: a suffix made here would be new on every run and
# create a new pair of registrations each time. Pipelines take it from a repository variable instead.
if ($env:CI -eq 'true' -or $env:TF_BUILD -eq 'True') { Fail 'AZURE_ENTRA_APP_SUFFIX is not set. In a pipeline it must come from a repository variable, or every run creates new app registrations: see docs/deploy.md, Deploy from GitHub' }
if (-not (Get-Command azd -ErrorAction SilentlyContinue)) { Fail 'azd is not on PATH, so AZURE_ENTRA_APP_SUFFIX cannot be recorded; set it yourself: azd env set AZURE_ENTRA_APP_SUFFIX <8 hex digits>' }
# What azd accepts as an environment name (Azure/azure-dev cli/azd/pkg/environment/environment.go).
Get-Checked 'AZURE_ENV_NAME' '\A[A-Za-z0-9()_.-]{1,64}\z' 'an azd environment name' | Out-Null
# 4 random bytes as 8 lower-case hex digits. Not [Convert]::ToHexString nor the static RandomNumberGenerator.GetBytes(int)
# (.NET 5 and 6): Windows PowerShell 5.1, which azd runs when pwsh is missing, has .NET Framework.
$bytes = New-Object byte[] 4
$rng = [Security.Cryptography.RandomNumberGenerator]::Create()
try { $rng.GetBytes($bytes) } finally { $rng.Dispose() }
$suffix = -join ($bytes | ForEach-Object { $_.ToString('x2') })
# --environment=: the environment azd is provisioning, which need not be the default one (one argument, so a name
# starting with '-' cannot pass for a flag).
azd env set AZURE_ENTRA_APP_SUFFIX $suffix "--environment=$env:AZURE_ENV_NAME"; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
Write-Host "app registrations: new suffix $suffix"
