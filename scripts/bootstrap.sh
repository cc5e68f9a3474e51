#!/usr/bin/env bash
# Create .venv and install peaceops into it (with the test extras for "test").
# Re-running is cheap: installation is skipped while pyproject.toml is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-run}"

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
    "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
if [ -z "$python" ]; then
  echo "bootstrap: Python 3.11 or newer is needed (python3 --version)." >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $python"
  "$python" -m venv .venv
fi

extras=""
[ "$target" = "test" ] && extras="[test]"
stamp=".venv/.installed-$target"
digest=$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
  echo "bootstrap: installing peaceops$extras"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
  echo "$digest" >"$stamp"
fi
