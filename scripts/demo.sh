#!/bin/sh
# make demo: runs scripts/demo.py (the campaign story) with the freshly built ./huixin.
set -eu
cd "$(dirname "$0")/.."
exec python3 scripts/demo.py --out "${DEMO_OUT:-demo-out}" --huixin ./huixin "$@"
