#!/usr/bin/env bash
# Installs (if missing) Debian's Chromium and its driver, which the web page's browser test (src/test/java/
# dev/chainrule/ui) drives at /usr/bin/chromium and /usr/bin/chromedriver; Selenium downloads nothing.
set -euo pipefail
if ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
  echo "chromium: installing Debian's chromium and chromium-driver"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium chromium-driver >/dev/null
fi
echo "chromium: $(/usr/bin/chromium --version 2>/dev/null); $(/usr/bin/chromedriver --version | head -n 1)"
