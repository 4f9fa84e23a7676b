# azd predown hook (Windows twin of predown.sh): delete this environment's two Entra app registrations (and their
# service principals), which live in the tenant, not in the resource group `azd down` deletes. It runs before azd
# deletes anything, because afterwards azd removes every template output (the registrations' ids among them) from
# the environment before post-down hooks run. It finds the registrations by the ids in the environment and by their
# tag azd-entra-suffix:<AZURE_ENTRA_APP_SUFFIX>, which also catches those of a provision that failed halfway.
# Then it purges them from the directory's recycle bin, best effort: purging may need an Entra admin role that an
# owner lacks, and the next `azd up` uses new uniqueNames anyway.
# Needs the Azure CLI signed in to the tenant (az login --tenant <id>) as an owner of the registrations (the
# deploying principal is made owner by infra/app/entra.bicep). A registration it cannot delete stops `azd down`
# before anything is deleted; AZURE_KEEP_APP_REGISTRATIONS=true skips this hook.
# azd asks for confirmation only after this hook: answering "no" keeps the resources without registrations, and
# `azd provision` creates them again.
. (Join-Path $PSScriptRoot 'lib.ps1')

if ($env:AZURE_KEEP_APP_REGISTRATIONS -eq 'true') {
    Write-Host 'AZURE_KEEP_APP_REGISTRATIONS=true: the app registrations are kept'
    exit 0
}
if (-not (Get-Command az -ErrorAction SilentlyContinue)) { Fail "the Azure CLI (az) is needed to delete the app registrations (API $env:AZURE_API_CLIENT_ID, SPA $env:AZURE_SPA_CLIENT_ID); install it, or 'azd env set AZURE_KEEP_APP_REGISTRATIONS true' to keep them" }

# Registrations to delete: object id -> app id.
$apps = [ordered]@{}
if ($env:AZURE_ENTRA_APP_SUFFIX) {
    Need-Suffix 'AZURE_ENTRA_APP_SUFFIX' | Out-Null
    $found = az ad app list --filter "tags/any(t:t eq 'azd-entra-suffix:$env:AZURE_ENTRA_APP_SUFFIX')" --query '[].[id,appId]' -o tsv
    if ($LASTEXITCODE -ne 0) { Fail "could not list the app registrations: is az signed in to tenant $env:AZURE_TENANT_ID? (az login --tenant $env:AZURE_TENANT_ID)" }
    foreach ($line in @($found)) {
        $object, $app = "$line" -split "`t"
        if ($object) { $apps[$object] = $app }
    }
}
# Add-IfExists OBJECT_ID APP_ID: a registration whose ids the environment holds, unless it is gone already
# (deleted by hand, or by an earlier run).
function Add-IfExists([string]$Object, [string]$App) {
    $shown = Invoke-Quietly { az ad app show --id $Object --query id -o tsv }
    if ($shown -eq 0 -and -not $apps.Contains($Object)) { $apps[$Object] = $App }
}
if ($env:AZURE_API_APP_OBJECT_ID) {
    Need-Guid 'AZURE_API_APP_OBJECT_ID' | Out-Null
    Need-Guid 'AZURE_API_CLIENT_ID' | Out-Null
    Add-IfExists $env:AZURE_API_APP_OBJECT_ID $env:AZURE_API_CLIENT_ID
}
if ($env:AZURE_SPA_APP_OBJECT_ID) {
    Need-Guid 'AZURE_SPA_APP_OBJECT_ID' | Out-Null
    Need-Guid 'AZURE_SPA_CLIENT_ID' | Out-Null
    Add-IfExists $env:AZURE_SPA_APP_OBJECT_ID $env:AZURE_SPA_CLIENT_ID
}
if ($apps.Count -eq 0) {
    Write-Host 'no app registrations of this environment found: nothing to delete'
    exit 0
}

$failed = $false
$unpurged = 0
foreach ($object in $apps.Keys) {
    $app = $apps[$object]
    Write-Host "deleting app registration $app"
    Invoke-Quietly { az ad sp delete --id $app } | Out-Null
    az ad app delete --id $object
    if ($LASTEXITCODE -ne 0) {
        [Console]::Error.WriteLine("error: could not delete app registration $app")
        $failed = $true
        continue
    }
    $purged = Invoke-Quietly { az rest --method DELETE --url "https://graph.microsoft.com/v1.0/directory/deletedItems/$object" }
    if ($purged -ne 0) { $unpurged++ }
}
if ($failed) { Fail 'some app registrations were not deleted (see above), so azd down stops here; see docs/deploy.md#tear-down' }
if ($unpurged -gt 0) {
    Write-Host "note: $unpurged deleted registration(s) stay in the recycle bin for 30 days (purging may need an Entra role such as Application Administrator); the next azd up uses new names"
}
exit 0
