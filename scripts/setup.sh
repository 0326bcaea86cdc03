#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine with Python 3.11, Node 20 and npm.
#   scripts/setup.sh          Python environment (uv, locked, with the Spark extra so plain `dbt --target spark`
#                             works), a Java 17 runtime for Spark when the machine lacks one, and the Evidence
#                             reports' npm packages
#   scripts/setup.sh --test   also the test tools: Debian's chromium (browser tests)
# Every step is idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

step() { printf '\n== %s\n' "$*" >&2; }

step "uv (Python package manager)"
if ! command -v uv >/dev/null 2>&1; then
  python3.11 -m pip install --quiet "uv>=0.5"
fi
uv --version >&2

step "Python environment (.venv from uv.lock, Python 3.11, no Python downloads)"
export UV_PYTHON_DOWNLOADS=never
# Compile every installed module to bytecode once, here: with PYTHONDONTWRITEBYTECODE set (as on these
# machines) Python would otherwise recompile dbt, Great Expectations, pandas... from source in every
# process, several seconds per stage (README "Performance"). A second run only checks (~0.5 s).
export UV_COMPILE_BYTECODE=1
uv sync --frozen --python python3.11 --extra spark

apt_install() {
  # apt_install <command-to-check> <debian packages...>
  local check=$1; shift
  if ! command -v "$check" >/dev/null 2>&1; then
    step "Debian packages: $*"
    if [ ! -f /var/lib/apt/lists/lock ] || [ -z "$(ls /var/lib/apt/lists/ 2>/dev/null | grep -v lock)" ]; then
      apt-get update -qq
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || {
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
  fi
}

if [ -f reports/package.json ]; then
  # `npm install --no-save` installs exactly what package-lock.json pins and never rewrites it. `npm ci`
  # refuses this lock: @duckdb/node-bindings names optional platform packages (darwin-x64,
  # linux-arm64, win32-x64 at 1.4.2-r.1) that the registry does not have, so no lock can list them.
  step "Evidence reports (npm packages pinned by reports/package-lock.json)"
  if [ ! -d reports/node_modules ] || [ reports/package-lock.json -nt reports/node_modules/.package-lock.json ]; then
    (cd reports && npm install --no-save --no-audit --no-fund --loglevel=error)
  fi
  # Our patches to npm packages (reports/patches/, see docs/reports.md): npm install applies them (postinstall);
  # this applies a patch added or changed since node_modules was installed (already applied: no change).
  if ! (cd reports && npx --no-install patch-package --error-on-fail >/dev/null 2>&1); then
    # A patch changed since node_modules was installed, so it cannot go over the old one: put the patched packages
    # back clean (npm reinstalls them from package-lock.json) and apply every patch again (npm's postinstall).
    echo "   a patch in reports/patches changed: reinstalling the patched packages clean"
    for patch in reports/patches/*.patch; do
      name=$(basename "$patch" .patch); name=${name%+*}; name=${name//+//}  # @scope+pkg+1.2.3 -> @scope/pkg
      rm -rf "reports/node_modules/$name"
    done
    (cd reports && npm install --no-save --no-audit --no-fund --loglevel=error)
  fi
fi

apt_install java openjdk-17-jre-headless
if [ "$want_test" = 1 ]; then
  apt_install chromium chromium
fi
step "setup done"
