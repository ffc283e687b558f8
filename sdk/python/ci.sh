#!/usr/bin/env bash
# Installs the Python client (sdk/python) into a fresh virtual environment and runs its tests against a running
# service, then the Python examples: examples/python-quickstart.py and docs/clients.md's "Python client" walkthrough.
# Called by .ci/run; also fine by hand from anywhere:
#
#   sdk/python/ci.sh BASE_URL          the service at BASE_URL; CHAINRULE_API_KEY (an ADMIN key) when it has keys,
#                                      CHAINRULE_READ_API_KEY (a READ key of it) for the 403 tests
#
# Only Debian's packages are used: python3-venv, python3-pytest, python3-numpy, python3-pandas and python3-tqdm
# (installed here with apt when missing and running as root), seen from the venv through --system-site-packages;
# the client itself is installed offline (pip --no-index --no-build-isolation). Exits non-zero when a test fails,
# when none ran (pytest's exit code 5) or when any was skipped: here every test must run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BASE="${1:?usage: sdk/python/ci.sh BASE_URL (the service to test against)}"
PYTHON=/usr/bin/python3  # Debian's interpreter, which Debian's python3-* packages are for

packages=(python3-venv python3-pytest python3-numpy python3-pandas python3-tqdm)
if ! "$PYTHON" -c 'import ensurepip, pytest, numpy, pandas, tqdm' 2>/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages; as root: apt-get install --no-install-recommends ${packages[*]}" >&2; exit 1
  fi
  echo "== Debian packages for the Python client's tests: ${packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${packages[@]}" > /dev/null
fi

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "== Python client: venv ($("$PYTHON" --version)), pip install --no-index --no-build-isolation sdk/python"
"$PYTHON" -m venv --system-site-packages "$WORK/venv"
# a copy of the sources, so the build leaves nothing (build/, *.egg-info) in the working tree
cp -r sdk/python "$WORK/src"
rm -rf "$WORK/src/build" "$WORK/src"/src/*.egg-info
"$WORK/venv/bin/pip" install -q --no-index --no-build-isolation "$WORK/src"
VENV_PYTHON="$WORK/venv/bin/python"
"$VENV_PYTHON" -c 'import chainrule, sys; assert "site-packages" in chainrule.__file__, chainrule.__file__; print("chainrule", chainrule.__version__, "from", chainrule.__file__)'

export CHAINRULE_URL="$BASE"
echo "== Python client tests against $BASE (pytest)"
status=0
(cd sdk/python && "$VENV_PYTHON" -m pytest tests -p no:cacheprovider -rs --junitxml="$WORK/pytest.xml") || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests (exit code 5): that is a failure here" >&2; exit 1
elif [ "$status" -ne 0 ]; then
  echo "the Python client's tests failed (pytest exit code $status)" >&2; exit "$status"
fi
"$VENV_PYTHON" - "$WORK/pytest.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else list(root)
tests = sum(int(s.get("tests", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
if tests == 0 or skipped:
    sys.exit(f"{tests} tests, {skipped} skipped: every Python client test must run in CI")
print(f"Python client: {tests} tests passed")
PY

echo "== examples/python-quickstart.py against $BASE"
"$VENV_PYTHON" examples/python-quickstart.py "$BASE"

echo "== docs/clients.md's Python client walkthrough against $BASE"
"$VENV_PYTHON" sdk/python/run_readme.py docs/clients.md
