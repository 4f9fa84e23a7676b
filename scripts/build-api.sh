#!/bin/sh
# Stage the function app in build/ and write its deployment zip, build/api.zip (`make build`, and azd's
# prepackage hook of service `api`). build/ holds host.json, one folder per function (function.json), and
# the handler binary, cross-compiled for the function app (linux/amd64, static): `func start --script-root
# build` runs it. build/api.zip holds exactly those files, the handler at mode 0755, written by tools/pack
# so that no azd version or OS can drop the executable bit; azure.yaml deploys it as is.
set -eu
cd "$(dirname "$0")/.."
GO="${GO:-go}"
build=build

rm -rf "$build/handler" "$build/host.json" "$build/api.zip"
mkdir -p "$build"
find "$build" -mindepth 2 -maxdepth 2 -name function.json -delete
CGO_ENABLED=0 GOOS=linux GOARCH=amd64 "$GO" build -trimpath -ldflags='-s -w' -o "$build/handler" ./handler
chmod 0755 "$build/handler"
cp host.json "$build/host.json"
for dir in functions/*/; do
  name=$(basename "$dir")
  mkdir -p "$build/$name"
  cp "$dir/function.json" "$build/$name/function.json"
done
"$GO" run ./tools/pack -src "$build" -out "$build/api.zip"
