#!/usr/bin/env bash
# `make start`: run the API locally against Azurite, the way `func start` runs it in Azure.
#   1. refuse clearly if a port we need is taken;
#   2. copy local.settings.json.example to build/local.settings.json unless one exists;
#   3. start Azurite (blob, queue, table: the real host uses AzureWebJobsStorage too) with
#      its data in .azurite/, so tasks survive restarts;
#   4. start the SPA's dev server if the frontend provides `make start-web`;
#   5. run `func start --script-root build` if Core Tools is installed, else the funchost
#      stand-in, under localidentity (which serves a development key set when the tenant is
#      still a placeholder).
# Ctrl-C stops everything. make has already run `make build` and installed Azurite.
# Written for bash 3.2 too (macOS): no `wait -n`, no empty arrays under set -u.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
MAKE=${MAKE:-make}
AZURITE_BIN=${AZURITE_BIN:-tools/azurite/node_modules/.bin/azurite}
SETTINGS=build/local.settings.json
BIN=.cache/bin

background_pids=""
stop_all() {
	trap - EXIT INT TERM
	for pid in $background_pids; do
		kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_background runs a command in its own process group, so stop_all can stop all of
# it (npm and node spawn children) and a terminal Ctrl-C does not race our own shutdown.
start_background() {
	set -m
	"$@" &
	set +m
	background_pids="$background_pids $!"
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_free_port() {
	if port_in_use "$1"; then
		echo "make start: port $1 ($2) is already in use. Stop whatever listens there (e.g. \`lsof -i :$1\`) and try again." >&2
		exit 1
	fi
}

wait_for_port() {
	for _ in $(seq 1 100); do
		port_in_use "$1" && return 0
		sleep 0.2
	done
	echo "make start: $2 did not open port $1 within 20 s; see .azurite/azurite.log" >&2
	exit 1
}

if [ ! -e "$SETTINGS" ]; then
	cp local.settings.json.example "$SETTINGS"
	echo "Created $SETTINGS from local.settings.json.example (edit it for a real tenant; it is never overwritten)."
fi
api_port=$(grep -o '"LocalHttpPort"[[:space:]]*:[[:space:]]*[0-9]*' "$SETTINGS" | grep -o '[0-9]*$' || true)
api_port=${api_port:-7071}

require_free_port "$api_port" "the API, Host.LocalHttpPort in $SETTINGS"
require_free_port 10000 "Azurite Blob"
require_free_port 10001 "Azurite Queue"
require_free_port 10002 "Azurite Table"

mkdir -p "$BIN" .azurite
"$GO" build -o "$BIN/" ./tools/localidentity ./tools/funchost

start_background "$AZURITE_BIN" --location .azurite --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
	--skipApiVersionCheck --disableTelemetry --debug .azurite/debug.log >.azurite/azurite.log 2>&1
for port in 10000 10001 10002; do wait_for_port "$port" "Azurite"; done

web=""
if [ -f frontend/package.json ] && "$MAKE" -n start-web >/dev/null 2>&1; then
	start_background "$MAKE" --no-print-directory start-web
	web="  SPA:     http://localhost:5173"
fi

if command -v func >/dev/null 2>&1; then
	host=(func start --script-root build)
	host_name="Azure Functions Core Tools ($(command -v func))"
else
	host=("$BIN/funchost" -script-root build)
	host_name="the funchost stand-in (Core Tools not found; see docs/local.md)"
fi

cat <<INFO

  API:     http://localhost:$api_port/api/   (served by $host_name)
  Azurite: blob :10000, queue :10001, table :10002, data in .azurite/
$web
  Try:     curl -H "Authorization: Bearer \$(make -s token)" http://localhost:$api_port/api/me
  Stop:    Ctrl-C

INFO
# Not exec: the EXIT trap must still stop Azurite and the SPA when the host ends.
"$BIN/localidentity" run -settings "$SETTINGS" -- "${host[@]}"
