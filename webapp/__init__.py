"""Inkcalc's static web app: build it (``python -m webapp build``) and serve it (``python -m webapp serve``).

The site itself lives in ``webapp/site/`` (plain ES modules). This package turns it into a self-contained
folder that runs offline: Pyodide and TF.js vendored from ``node_modules``, the current TF.js model checked
against its manifest, ``py_pipeline`` as a wheel with a matching ``pyodide-lock.json``, and a service worker
that precaches all of it.
"""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SITE_SOURCE = Path(__file__).resolve().parent / "site"


class WebappError(Exception):
    """A build or serve failure with a message that says what to do; the CLI prints it as one line."""
