#!/usr/bin/env bash
# The test suite renders the HTML reports in a real headless browser: installs Debian's
# chromium when it is missing and this host can (root, apt). Never fails the caller: without
# a browser those tests report themselves skipped, naming what is missing.
set -u
STATE_DIR=${LAB_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/lab}
mkdir -p "$STATE_DIR"
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "lab: installing Debian's chromium for the report tests (log: $STATE_DIR/browser.log)" >&2
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }; } \
    >>"$STATE_DIR/browser.log" 2>&1 || echo "lab: installing chromium failed (see $STATE_DIR/browser.log); the browser tests will be skipped" >&2
fi
exit 0
