#!/usr/bin/env bash
# The whole suite: static checks, then the tests on SQLite and on a real PostgreSQL server
# that scripts/with-postgres.sh starts and stops. The browser tests
# (peaceops/web/tests/browser) are part of both runs; they drive Debian's Chromium, which
# scripts/install-chromium.sh installs when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
scripts/install-chromium.sh
bin=.venv/bin
export PEACEOPS_VAR_DIR="${PEACEOPS_VAR_DIR:-$(mktemp -d)}"

echo "== lint"
$bin/ruff check .
$bin/lint-imports
echo "== migrations and OpenAPI document are up to date"
$bin/peaceops makemigrations --check --dry-run
$bin/peaceops openapi --check

echo "== tests on SQLite"
$bin/python -m pytest -q -p no:cacheprovider "$@"

echo "== tests on PostgreSQL"
scripts/with-postgres.sh $bin/python -m pytest -q -p no:cacheprovider "$@"
