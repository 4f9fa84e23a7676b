#!/usr/bin/env bash
# `make start`: run the app locally against Azurite, the way `func start` runs it in Azure.
#   1. refuse, naming the holder, if a port we need is taken;
#   2. copy local.settings.json.example to build/local.settings.json unless one exists;
#   3. run tools/stack -mode local, which starts Azurite (blob, queue, table: the real host uses
#      AzureWebJobsStorage too) with its data in .azurite/, so tasks survive restarts (`make reset`
#      clears it), then `func start --script-root build` if Core Tools is installed (and
#      tools/check-func.sh accepts its version), else the funchost stand-in, under localidentity
#      (which serves a development key set while the tenant is a placeholder);
#   4. start the SPA's dev server if the frontend provides `make start-web`;
#   5. print the URLs once the API answers, and stop everything on Ctrl-C.
# Every line of output starts with the name of the process that wrote it (`api     | ...`).
# make has already installed Azurite and the SPA's packages; tools/stack stages the app in build/.
#
# Ports and folders can be moved (tools/scripttest runs this script on free ports):
#   API_PORT (default Host.LocalHttpPort in the settings, else 7071), WEB_PORT (5173),
#   AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT (10000-10002),
#   AZURITE_DATA (.azurite), SCRIPT_ROOT (build).
# Written for bash 3.2 too (macOS): no `wait -n`, no empty arrays under set -u.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
MAKE=${MAKE:-make}
SCRIPT_ROOT=${SCRIPT_ROOT:-build}
AZURITE_DATA=${AZURITE_DATA:-.azurite}
AZURITE_BLOB_PORT=${AZURITE_BLOB_PORT:-10000}
AZURITE_QUEUE_PORT=${AZURITE_QUEUE_PORT:-10001}
AZURITE_TABLE_PORT=${AZURITE_TABLE_PORT:-10002}
WEB_PORT=${WEB_PORT:-5173}
SETTINGS=$SCRIPT_ROOT/local.settings.json
BIN=.cache/bin
# Where localidentity publishes its URL: the path the Vite dev server's proxy reads (frontend/vite.config.ts).
URL_FILE=.cache/localidentity.url

# say prints start.sh's own lines with the same kind of prefix as the processes it runs.
say() { printf '%-7s | %s\n' start "$*"; }
fail() {
	say "$*" >&2
	exit 1
}

# prefix NAME copies its input to stdout with "NAME | " before each line; a line that already
# starts with a name (tools/stack names Azurite's and the API's lines itself) is copied as is.
# It ignores SIGINT and SIGTERM, so stopping cannot cut off the last lines of a process that is
# shutting down (nor kill that process with SIGPIPE); it ends when the process it reads from has
# ended. (A bash loop, not awk: mawk, Debian's default awk, holds back piped input in blocks.)
prefix() {
	trap '' INT TERM
	local label line
	label=$(printf '%-7s | ' "$1")
	while IFS= read -r line || [ -n "$line" ]; do
		if [ "${line:7:3}" = " | " ]; then
			printf '%s\n' "$line"
		else
			printf '%s%s\n' "$label" "$line"
		fi
	done
}

# Every process we start runs in its own process group (set -m), so that one signal to the
# group stops all of it (npm, node and the handler spawn children) and so that a terminal
# Ctrl-C, which reaches only our own group, cannot race the orderly stop in stop_all.
groups=""
start_group() {
	local name=$1
	shift
	set -m
	"$@" > >(prefix "$name") 2>&1 &
	set +m
	groups="$groups $!"
	last_group=$!
}

# stop_all stops every group, waits until none of their processes is left (tools/stack stops
# the host, which stops the handler, then Azurite), and kills what is still there after 15 s.
stop_all() {
	trap - EXIT INT TERM
	local pgid alive
	for pgid in $groups; do kill -TERM "-$pgid" 2>/dev/null || true; done
	for _ in $(seq 1 150); do
		alive=""
		for pgid in $groups; do kill -0 "-$pgid" 2>/dev/null && alive="$alive $pgid"; done
		[ -z "$alive" ] && break
		sleep 0.1
	done
	for pgid in $alive; do kill -KILL "-$pgid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -f "${ready:-}"
}
trap stop_all EXIT
trap 'say "stopping (Ctrl-C)"; exit 130' INT
trap 'exit 143' TERM

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null || (exec 3<>"/dev/tcp/localhost/$1") 2>/dev/null
}

# port_holder names what listens on a port (e.g. `node (pid 4242)`), where ss or lsof can tell.
port_holder() {
	local holder=""
	if command -v ss >/dev/null 2>&1; then
		holder=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(("[^"]*",pid=[0-9]*' | head -n 1 |
			sed -E 's/users:\(\("([^"]*)",pid=([0-9]*)/\1 (pid \2)/' || true)
	fi
	if [ -z "$holder" ] && command -v lsof >/dev/null 2>&1; then
		holder=$(lsof -nP -iTCP:"$1" -sTCP:LISTEN -Fpc 2>/dev/null |
			awk '/^p/ { pid = substr($0, 2) } /^c/ { print substr($0, 2) " (pid " pid ")"; exit }' || true)
	fi
	echo "${holder:-another program (run \`ss -ltnp\` or \`lsof -i :$1\` to see which)}"
}

require_free_port() {
	if port_in_use "$1"; then
		fail "port $1 ($2) is already in use by $(port_holder "$1"). Stop it, or move ours (see docs/local.md), and try again."
	fi
}

# wait_until NAME PGID SECONDS COMMAND...: waits until COMMAND succeeds, while the group that
# should make it succeed is alive.
wait_until() {
	local name=$1 pgid=$2 seconds=$3
	shift 3
	for _ in $(seq 1 $((seconds * 10))); do
		"$@" && return 0
		kill -0 "-$pgid" 2>/dev/null || fail "$name stopped before it was ready (its output is above)."
		sleep 0.1
	done
	fail "$name was not ready within $seconds s (its output is above)."
}

if [ ! -e "$SETTINGS" ]; then
	mkdir -p "$SCRIPT_ROOT"
	cp local.settings.json.example "$SETTINGS"
	say "created $SETTINGS from local.settings.json.example (edit it for a real tenant; it is never overwritten)"
fi
settings_port=$(grep -o '"LocalHttpPort"[[:space:]]*:[[:space:]]*[0-9]*' "$SETTINGS" | grep -o '[0-9]*$' || true)
API_PORT=${API_PORT:-${settings_port:-7071}}

web=""
if [ -f frontend/package.json ] && "$MAKE" -n start-web >/dev/null 2>&1; then
	web=yes
fi

require_free_port "$API_PORT" "the API; Host.LocalHttpPort in $SETTINGS"
require_free_port "$AZURITE_BLOB_PORT" "Azurite Blob"
require_free_port "$AZURITE_QUEUE_PORT" "Azurite Queue"
require_free_port "$AZURITE_TABLE_PORT" "Azurite Table"
[ -z "$web" ] || require_free_port "$WEB_PORT" "the SPA's dev server"

if command -v func >/dev/null 2>&1; then
	host_name="Azure Functions Core Tools ($(command -v func))"
else
	host_name="the funchost stand-in (Core Tools not found; see docs/local.md)"
fi

mkdir -p "$BIN"
"$GO" build -o "$BIN/" ./tools/stack

# tools/stack prints one line of JSON on stdout once a request reaches the handler through the
# host; its stdin is /dev/null, so it stops on our SIGTERM only (stop_all).
ready=$(mktemp "${TMPDIR:-/tmp}/start-ready.XXXXXX")
start_group stack sh -c 'exec "$@" >"$0" </dev/null' "$ready" "$BIN/stack" -mode local -work "$SCRIPT_ROOT" \
	-api-port "$API_PORT" -url-file "$URL_FILE" -azurite-dir "$AZURITE_DATA" \
	-azurite-blob-port "$AZURITE_BLOB_PORT" -azurite-queue-port "$AZURITE_QUEUE_PORT" -azurite-port "$AZURITE_TABLE_PORT"
api_group=$last_group
if [ -n "$web" ]; then
	start_group web env API_BASE_URL="http://localhost:$API_PORT" "$MAKE" -s --no-print-directory start-web SPA_PORT="$WEB_PORT" LOCAL_SETTINGS="$SETTINGS"
	wait_until "The SPA's dev server" "$last_group" 60 port_in_use "$WEB_PORT"
fi
wait_until "tools/stack" "$api_group" 180 test -s "$ready"

say ""
if [ -n "$web" ]; then
	say "App:      http://localhost:$WEB_PORT/"
	say "API docs: http://localhost:$WEB_PORT/docs"
fi
say "API:      http://localhost:$API_PORT/api/   (served by $host_name)"
say "Azurite:  blob :$AZURITE_BLOB_PORT, queue :$AZURITE_QUEUE_PORT, table :$AZURITE_TABLE_PORT; data in $AZURITE_DATA/ (make reset clears it)"
say "Token:    make -s token   (USER=alice for another user), then e.g."
say "          curl -H \"Authorization: Bearer \$(make -s token)\" http://localhost:$API_PORT/api/me"
say "Stop:     Ctrl-C (stops everything above)"
say ""

# The API is the heart of it: when tools/stack ends, stop the rest. `wait` (unlike a foreground
# command) lets the INT and TERM traps run at once.
set +e
wait "$api_group"
status=$?
set -e
say "tools/stack exited with status $status; stopping the rest"
exit "$status"
