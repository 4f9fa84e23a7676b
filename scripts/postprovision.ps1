# azd postprovision hook (Windows twin of postprovision.sh): point local development at the app registrations
# `azd provision` just created.
#   local.settings.json          (repo root; from local.settings.json.example if missing): AZURE_TENANT_ID and
#                                AZURE_API_CLIENT_ID set, everything else kept (storage stays on Azurite); the one
#                                settings file: make start copies it into build/ (output only) on every start
#   frontend/public/config.json  the SPA's runtime config for `npm run dev`, calling the local API
. (Join-Path $PSScriptRoot 'lib.ps1')

$tenantId = Need-Guid 'AZURE_TENANT_ID'
$apiClientId = Need-Guid 'AZURE_API_CLIENT_ID'
Need-Guid 'AZURE_SPA_CLIENT_ID' | Out-Null
Need-ApiScope 'API_SCOPE' | Out-Null
Need-RedirectUris 'SPA_REDIRECT_URIS' | Out-Null

$root = Get-RepoRoot
$settings = Join-Path $root 'local.settings.json'
$example = Join-Path $root 'local.settings.json.example'
# Override with LOCAL_API_BASE_URL (e.g. `azd env set LOCAL_API_BASE_URL http://localhost:7072`).
if (-not $env:LOCAL_API_BASE_URL) { $env:LOCAL_API_BASE_URL = 'http://localhost:7071' }
$localApi = Need-LocalOrigin 'LOCAL_API_BASE_URL'

if (-not (Test-Path $settings)) {
    if (-not (Test-Path $example)) { Fail "neither $settings nor $example exists" }
    Copy-Item $example $settings
}

# Replace the string value of "KEY" (textually, to keep the file's layout), and fail if KEY is absent.
$text = [IO.File]::ReadAllText($settings)
foreach ($pair in @(@('AZURE_TENANT_ID', $tenantId), @('AZURE_API_CLIENT_ID', $apiClientId))) {
    $pattern = '("' + $pair[0] + '"\s*:\s*")[^"]*"'
    if ($text -notmatch $pattern) { Fail "$settings has no `"$($pair[0])`" string value" }
    $text = [regex]::Replace($text, $pattern, '${1}' + $pair[1] + '"')
}
[IO.File]::WriteAllText($settings, $text, [Text.UTF8Encoding]::new($false))
Write-Host "wrote $settings"

Write-SpaConfig (Join-Path $root 'frontend/public/config.json') $localApi
