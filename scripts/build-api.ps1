# azd prepackage hook of service `api` on Windows: refuse, on purpose.
# azd zips `build/` for the function app on the machine running azd. A zip made on Windows carries no Unix file
# modes, so `handler` would arrive without its executable bit and the Functions host could not start it
# (Azure/azure-functions-core-tools#2510). Run azd from WSL, Linux, macOS or CI instead (the POSIX hook runs
# `make build`).
[Console]::Error.WriteLine('build-api.ps1: deploy the api from WSL, Linux, macOS or CI: a zip made on Windows drops the executable bit of build/handler. See docs/deploy.md.')
exit 1
