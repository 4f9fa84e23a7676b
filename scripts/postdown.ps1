# azd postdown hook (Windows twin of postdown.sh): delete the two Entra app registrations and their service
# principals, then purge them from the directory's recycle bin (a soft-deleted app keeps its uniqueName reserved
# for 30 days, which would break the next `azd up` of this environment). Needs `az login` to the same tenant.
. (Join-Path $PSScriptRoot 'lib.ps1')

if (-not (Get-Command az -ErrorAction SilentlyContinue)) {
    Fail "the Azure CLI (az) is needed to delete the app registrations; delete them in the Entra admin center: API $env:AZURE_API_CLIENT_ID, SPA $env:AZURE_SPA_CLIENT_ID"
}
$apps = @(
    @('API', (Need-Guid 'AZURE_API_CLIENT_ID'), (Need-Guid 'AZURE_API_APP_OBJECT_ID')),
    @('SPA', (Need-Guid 'AZURE_SPA_CLIENT_ID'), (Need-Guid 'AZURE_SPA_APP_OBJECT_ID'))
)

$failed = $false
foreach ($app in $apps) {
    $name, $clientId, $objectId = $app
    Write-Host "deleting the $name app registration $clientId"
    # Service principal first (by appId); "not found" is fine, it may be gone already.
    az ad sp delete --id $clientId 2>$null | Out-Null
    az ad app delete --id $objectId
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "could not delete app registration $clientId ($name)"
        $failed = $true
        continue
    }
    az rest --method DELETE --url "https://graph.microsoft.com/v1.0/directory/deletedItems/$objectId"
    if ($LASTEXITCODE -ne 0) {
        Write-Warning "$clientId is in the recycle bin but was not purged; its uniqueName stays reserved for 30 days"
        $failed = $true
    }
}
if ($failed) { Fail 'some app registrations were not removed (see above); see docs/deploy.md#troubleshooting' }
