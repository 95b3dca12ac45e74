#!/bin/sh
# Installs the Debian packages huixin needs to build, test and run, and only those that are missing.
# Idempotent. As non-root it installs nothing and prints the one command to run instead.
set -eu

# build: compiler, pkg-config and the libraries (libwebsockets, jansson, libcurl, OpenSSL, SQLite, zlib)
# run:   Debian's chromium and a CJK font (without one every Chinese glyph in a screenshot is a box)
# test:  python3 (fixture sites), poppler-utils (pdftoppm, pdftotext), openssl (the command, for a local TSA),
#        valgrind (make valgrind)
PACKAGES="build-essential pkg-config libwebsockets-dev libjansson-dev libcurl4-openssl-dev libssl-dev
libsqlite3-dev zlib1g-dev chromium fonts-wqy-microhei python3 poppler-utils openssl ca-certificates valgrind"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages:$missing" >&2
    echo "install-deps: run this as root, then try again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
