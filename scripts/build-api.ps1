# Stage the function app in build/ and write its deployment zip, build/api.zip (Windows twin of build-api.sh;
# azd's prepackage hook of service `api`). build/ holds host.json, one folder per function (function.json), and
# the handler binary, cross-compiled for the function app (linux/amd64, static): `func start --script-root
# build` runs it. build/api.zip holds exactly those files, the handler at mode 0755, written by tools/pack
# so that no azd version or OS can drop the executable bit; azure.yaml deploys it as is.
$ErrorActionPreference = 'Stop'
Set-Location (Join-Path $PSScriptRoot '..')
$go = if ($env:GO) { $env:GO } else { 'go' }
$build = 'build'

Remove-Item -Recurse -Force -ErrorAction SilentlyContinue "$build/handler", "$build/host.json", "$build/api.zip"
New-Item -ItemType Directory -Force -Path $build | Out-Null
Get-ChildItem -Path $build -Directory | ForEach-Object { Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $_.FullName 'function.json') }
$env:CGO_ENABLED = '0'; $env:GOOS = 'linux'; $env:GOARCH = 'amd64'; & $go build -trimpath -ldflags='-s -w' -o "$build/handler" ./handler; $status = $LASTEXITCODE; Remove-Item Env:GOOS, Env:GOARCH, Env:CGO_ENABLED; if ($status -ne 0) { exit $status }
# (No chmod on Windows: the file system keeps no Unix mode; tools/pack writes 0755 into the zip.)
Copy-Item host.json "$build/host.json"
foreach ($dir in Get-ChildItem -Path functions -Directory) {
    $name = $dir.Name
    New-Item -ItemType Directory -Force -Path "$build/$name" | Out-Null
    Copy-Item (Join-Path $dir.FullName 'function.json') "$build/$name/function.json"
}
& $go run ./tools/pack -src $build -out "$build/api.zip"; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
