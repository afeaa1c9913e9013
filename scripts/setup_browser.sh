#!/usr/bin/env bash
# Installs what the real-browser tests need, if missing: Debian's chromium and the
# playwright Python package (Playwright's own browser download cannot work offline;
# the tests launch /usr/bin/chromium through executable_path). Best effort: when it
# cannot install (no root, no apt), the browser tests skip and say why.
set -u
VENV=${VENV:-.venv}
if ! "$VENV/bin/python" -c "import playwright" 2>/dev/null; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check playwright || echo "setup_browser: could not install playwright; browser tests will skip" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "setup_browser: could not install chromium; browser tests will skip" >&2
  else
    echo "setup_browser: chromium not found and cannot apt-get install it; browser tests will skip" >&2
  fi
fi
exit 0
