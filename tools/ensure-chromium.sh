#!/usr/bin/env bash
# Prints the path of a Chromium the browser tests can drive, installing one first when there is
# none, so that `make test` needs no manual step. Tried in order:
#   1. CHROMIUM_PATH, when set (it must be an executable);
#   2. Debian's package, already installed at /usr/bin/chromium;
#   3. Debian's package (chromium + fonts-liberation, for readable screenshots) installed with
#      apt-get, when running as root or with password-less sudo;
#   4. Playwright's own Chromium download (`playwright install chromium`), which needs network;
#   5. otherwise one line on stderr saying what to run, and exit status 1.
# stdout carries only the path; progress goes to stderr. tools/scripttest drives this script
# with fake id, sudo, apt-get and playwright programs.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# Where Debian's package puts the browser, and the SPA whose Playwright we use (tests move both).
DEBIAN_CHROMIUM=${DEBIAN_CHROMIUM:-/usr/bin/chromium}
FRONTEND_DIR=${FRONTEND_DIR:-$repo/frontend}

say() { echo "chromium: $*" >&2; }

found() {
	echo "$1"
	exit 0
}

# apt_install installs Debian's package; "$@" is the prefix that grants root ("" or sudo -n).
apt_install() {
	say "installing Debian's chromium and fonts-liberation with ${*:+$* }apt-get (once)"
	"$@" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
		"$@" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >&2
}

# playwright_install downloads Playwright's build of Chromium and prints where it went.
playwright_install() {
	local playwright=$FRONTEND_DIR/node_modules/.bin/playwright
	[ -x "$playwright" ] || return 1
	say "downloading Playwright's Chromium (playwright install chromium)"
	(cd "$FRONTEND_DIR" && "$playwright" install chromium >&2) || return 1
	(cd "$FRONTEND_DIR" && node -e 'process.stdout.write(require("playwright-core").chromium.executablePath())')
}

if [ -n "${CHROMIUM_PATH:-}" ]; then
	[ -x "$CHROMIUM_PATH" ] && found "$CHROMIUM_PATH"
	say "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable; point it at a Chromium or Chrome binary, or unset it"
	exit 1
fi
[ -x "$DEBIAN_CHROMIUM" ] && found "$DEBIAN_CHROMIUM"

if command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		apt_install && [ -x "$DEBIAN_CHROMIUM" ] && found "$DEBIAN_CHROMIUM"
		say "apt-get could not install chromium (offline?)"
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		apt_install sudo -n && [ -x "$DEBIAN_CHROMIUM" ] && found "$DEBIAN_CHROMIUM"
		say "sudo apt-get could not install chromium (offline?)"
	fi
fi

if path=$(playwright_install) && [ -n "$path" ] && [ -x "$path" ]; then
	found "$path"
fi

if command -v apt-get >/dev/null 2>&1; then
	say "no Chromium for the browser tests; run: sudo apt-get install -y chromium fonts-liberation   (or set CHROMIUM_PATH to a Chromium binary)"
else
	say "no Chromium for the browser tests; run: (cd frontend && npx playwright install chromium)   (or set CHROMIUM_PATH to a Chromium binary)"
fi
exit 1
