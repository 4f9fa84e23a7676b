# Helpers shared by the azd hook scripts (PowerShell twin of lib.sh; dot-sourced, not executed).
# azd runs hooks with the azd environment's values (the Bicep outputs of infra/main.bicep) as environment
# variables. Every value is validated before it is written anywhere.
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Fail([string]$Message) {
    [Console]::Error.WriteLine("$($MyInvocation.PSCommandPath): $Message")
    exit 1
}

# Invoke-Quietly { native command }: runs it with its output and its errors discarded, and returns its exit code.
# Not `command 2>$null`: Windows PowerShell 5.1, which azd runs when pwsh is missing (Azure/azure-dev
# cli/azd/pkg/tools/powershell/powershell.go resolvePowerShell), turns each redirected stderr line of a native
# command into an error record, and $ErrorActionPreference = 'Stop' makes that fatal. In this function's own scope
# the preference is 'Continue', so the lines are only discarded.
function Invoke-Quietly([scriptblock]$Command) {
    $ErrorActionPreference = 'Continue'
    & $Command 2>&1 | Out-Null
    return $LASTEXITCODE
}

# Patterns use \A and \z: in .NET, ^ and $ would also accept a trailing new line.
function Get-Checked([string]$Name, [string]$Pattern, [string]$What) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if ($null -eq $value -or $value -cnotmatch $Pattern) {
        Fail "$Name is not $What (got '$value'). Run 'azd provision' first, or check 'azd env get-values'."
    }
    return $value
}

function Need-Guid([string]$Name) {
    Get-Checked $Name '\A[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\z' 'a GUID'
}

function Need-HttpsOrigin([string]$Name) {
    Get-Checked $Name '\Ahttps://[A-Za-z0-9.-]+\z' 'an https origin such as https://example.net'
}

function Need-ApiScope([string]$Name) {
    Get-Checked $Name '\Aapi://[0-9a-fA-F-]{36}/[A-Za-z0-9_.-]+\z' 'a scope such as api://<client id>/access_as_user'
}

function Need-LocalOrigin([string]$Name) {
    Get-Checked $Name '\Ahttps?://[A-Za-z0-9.:-]+\z' 'an origin such as http://localhost:7071'
}

# SPA_REDIRECT_URIS, the SPA registration's redirect URIs: an array output, which azd writes into the environment as
# a JSON string (Azure/azure-dev cli/azd/pkg/infra/provisioning/manager.go, UpdateEnvironment). Only a non-empty
# list of quoted http(s) URLs passes (no quote, backslash, space or control character anywhere), as in lib.sh.
function Need-RedirectUris([string]$Name) {
    $uri = '"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&+,;=:@/-]*)?"'
    Get-Checked $Name ('\A\[ *' + $uri + '( *, *' + $uri + ')* *\]\z') `
        'a JSON list of http(s) redirect URIs such as ["https://example.net/redirect.html","https://example.net/"]'
}

# AZURE_ENTRA_APP_SUFFIX as preprovision.ps1 writes it (main.bicep takes 4-16 characters).
function Need-Suffix([string]$Name) {
    Get-Checked $Name '\A[a-z0-9]{4,16}\z' 'a suffix of 4-16 lower-case letters and digits'
}

# The directory above scripts/, whatever the current directory.
function Get-RepoRoot {
    return (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
}

# AZURE_SPA_AUTHORITY (main.bicep): the cloud's login host and this tenant's id, or `organizations`.
function Need-Authority([string]$Name) {
    Get-Checked $Name '\Ahttps://[A-Za-z0-9.-]+/([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|organizations)\z' 'an authority such as https://login.microsoftonline.com/organizations'
}

# The SPA's runtime config (read by the SPA before MSAL starts).
function Write-SpaConfig([string]$Path, [string]$ApiBaseUrl) {
    New-Item -ItemType Directory -Force -Path (Split-Path -Parent $Path) | Out-Null
    # Piping the parsed list enumerates it (Windows PowerShell 5.1 would otherwise keep it as one nested item).
    $redirectUris = $env:SPA_REDIRECT_URIS | ConvertFrom-Json
    $config = [ordered]@{
        clientId     = $env:AZURE_SPA_CLIENT_ID
        tenantId     = $env:AZURE_TENANT_ID
        apiScope     = $env:API_SCOPE
        apiBaseUrl   = $ApiBaseUrl
        redirectUris = [string[]]@($redirectUris | ForEach-Object { $_ })
    }
    # "authority" only when the environment has AZURE_SPA_AUTHORITY (lib.sh, write_spa_config).
    if ($env:AZURE_SPA_AUTHORITY) {
        $config.Insert(2, 'authority', (Need-Authority 'AZURE_SPA_AUTHORITY'))
    }
    # UTF-8 without BOM, as browsers and JSON.parse expect.
    [IO.File]::WriteAllText($Path, ($config | ConvertTo-Json) + "`n", [Text.UTF8Encoding]::new($false))
    Write-Host "wrote $Path"
}
