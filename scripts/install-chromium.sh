#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the browser tests
# (peaceops/web/tests/browser). Playwright drives it; it never downloads a browser.
#
# Installs the Debian package "chromium" with apt-get when the binary is missing,
# with sudo when not root. Does nothing when Chromium is already there.
set -euo pipefail

readonly CHROMIUM=/usr/bin/chromium

log() { printf 'install-chromium: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ -x $CHROMIUM ]]; then
    exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 \
        || die "$CHROMIUM not found, and not root and no sudo to install it; run: apt-get install chromium"
    sudo=(sudo)
fi
command -v apt-get >/dev/null 2>&1 \
    || die "$CHROMIUM not found and apt-get is unavailable; install Chromium so that $CHROMIUM exists"

log "$CHROMIUM not found; installing Debian package 'chromium'"
if ! { "${sudo[@]}" apt-get update -qq >&2 \
        && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2; }; then
    die "could not install the 'chromium' package"
fi
[[ -x $CHROMIUM ]] || die "the 'chromium' package is installed but $CHROMIUM is missing"
log "$("$CHROMIUM" --version 2>/dev/null || echo chromium) installed"
