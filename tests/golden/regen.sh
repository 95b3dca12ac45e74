#!/bin/sh
# Rewrites the report goldens (tests/golden/report.{html,en.html,csv,json}) from the fixed ledger in
# tests/unit/test_report.c, then shows what changed. Review the diff like code before committing:
# a golden that changed by accident is a regression the test will no longer catch.
#   tests/golden/regen.sh            (from the repo root; BUILD=build-san for another build folder)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
make -j2 --no-print-directory "$BUILD/tests/test_report" >/dev/null
TZ=UTC LC_ALL=C HUIXIN_REGEN_GOLDEN=1 "$BUILD/tests/test_report" golden
TZ=UTC LC_ALL=C "$BUILD/tests/test_report" golden
git --no-pager diff --stat -- tests/golden/ 2>/dev/null || true
