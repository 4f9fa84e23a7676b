# azd predeploy hook of service `web` (Windows twin of spa-config.sh): write the SPA's runtime config into the
# build output azd is about to upload (frontend/dist), with the deployed API and app registration.
. (Join-Path $PSScriptRoot 'lib.ps1')

Need-Guid 'AZURE_TENANT_ID' | Out-Null
Need-Guid 'AZURE_SPA_CLIENT_ID' | Out-Null
Need-ApiScope 'API_SCOPE' | Out-Null
$apiBaseUrl = Need-HttpsOrigin 'API_BASE_URL'
Need-RedirectUris 'SPA_REDIRECT_URIS' | Out-Null

$dist = Join-Path (Get-RepoRoot) 'frontend/dist'
if (-not (Test-Path (Join-Path $dist 'index.html'))) {
    Fail "$dist/index.html not found: the SPA build must run first (azd package)"
}
Write-SpaConfig (Join-Path $dist 'config.json') $apiBaseUrl
# The response headers for Static Web Apps, with a Content-Security-Policy naming this deployment's API origin.
& node (Join-Path (Get-RepoRoot) 'frontend/scripts/swa-config.mjs') --config (Join-Path $dist 'config.json') `
    --index (Join-Path $dist 'index.html') --out (Join-Path $dist 'staticwebapp.config.json')
if ($LASTEXITCODE -ne 0) { Fail "frontend/scripts/swa-config.mjs could not write $dist/staticwebapp.config.json" }
