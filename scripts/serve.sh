#!/usr/bin/env bash
# Set everything up, build the site into dist/ and serve it on http://localhost:8000.
# Extra arguments go to the build, e.g. --pyodide-packages DIR (an unpacked Pyodide 314.0.7 release).
# Without one, the build downloads the numpy/scikit-image wheels from the Pyodide CDN once and caches them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ "$#" -eq 0 ]; then set -- --download-packages; fi
.venv/bin/python -m webapp build --out dist "$@"
exec .venv/bin/python -m webapp serve --dir dist --port "${PORT:-8000}"
