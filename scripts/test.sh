#!/usr/bin/env bash
# Set everything up (including chromium) and run the whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh --browser
exec .venv/bin/python -m pytest "$@"
