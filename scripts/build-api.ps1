# Stage the function app in build/ and write its deployment zip, build/api.zip (Windows twin of build-api.sh;
# azd's prepackage hook of service `api`). build/ holds host.json, one folder per function (function.json), and
# the handler binary, cross-compiled for the function app (linux/amd64, static): `func start --script-root
# build` runs it. build/api.zip holds exactly those files, the handler at mode 0755, written by tools/pack
# so that no azd version or OS can drop the executable bit; azure.yaml deploys it as is. The staging is
# devstack/stage, the same code `make start` and the tests stage with.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '..')
$go = if ($env:GO) { $env:GO } else { 'go' }
$env:GO = $go
& $go run ./tools/pack -stage -src build -out "build/api.zip"; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
