"""``python -m webapp serve``: the built site on localhost, with the MIME types and headers it needs.

Why not a bare ``python -m http.server``: it works for MIME types on 3.11+, but sends no Content-Security-
Policy, lets the browser cache files heuristically (so a rebuild seems not to take), and gives no hint when
the folder is not a build. ``localhost`` is a secure context, which service workers and ``crypto.subtle``
(the model check) require.
"""

import functools
import http.server
import json
import threading
from pathlib import Path

from . import WebappError
from .csp import policy

MIME_TYPES = {
    ".wasm": "application/wasm",  # anything else makes WebAssembly.instantiateStreaming fail, and Pyodide hang
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".py": "text/x-python",
    ".bin": "application/octet-stream",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".css": "text/css",
    ".html": "text/html",
}


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files with correct types, the site's CSP, and revalidation on every load."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}
    quiet = False
    csp = policy(header=True)

    def end_headers(self):
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        # Revalidate every time (If-Modified-Since → 304): a rebuilt file is never served stale, and the
        # service worker's versioned cache is what makes repeat visits fast.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):  # noqa: A002 (http.server's signature)
        if not self.quiet:
            super().log_message(format, *args)


def check_site(directory):
    """Raise WebappError unless ``directory`` is a finished build."""
    directory = Path(directory)
    if not (directory / "index.html").is_file() or not (directory / "build-info.json").is_file():
        raise WebappError(f"{directory} is not a built site (no index.html/build-info.json): build it first with "
                          f"`python -m webapp build --out {directory}`")


def site_csp(directory):
    """The header CSP the build recorded (a runtime-CDN build allows the CDN), or the default policy."""
    try:
        return json.loads((Path(directory) / "build-info.json").read_text(encoding="utf-8"))["csp"]["header"]
    except (OSError, ValueError, KeyError, TypeError):
        return policy(header=True)


def make_server(directory, host="127.0.0.1", port=8000, quiet=False, mixins=()):
    """A ThreadingHTTPServer for ``directory`` (port 0 picks a free port; read it from ``server_address``).

    ``mixins`` are classes placed before :class:`SiteHandler` (the benchmark counts bytes with one).
    """
    check_site(directory)
    csp = site_csp(directory)
    handler = type("Handler", (*mixins, SiteHandler), {"quiet": quiet, "csp": csp})
    try:
        server = http.server.ThreadingHTTPServer((host, port), functools.partial(handler, directory=str(directory)))
    except OSError as exc:
        raise WebappError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another with --port") from None
    server.daemon_threads = True
    return server


def serve_in_thread(directory, host="127.0.0.1", port=0, quiet=True):
    """Start serving in a daemon thread; returns ``(server, base_url)``. Stop with ``server.shutdown()``."""
    server = make_server(directory, host, port, quiet)
    threading.Thread(target=server.serve_forever, name="inkcalc-serve", daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}/"


def serve(directory, host="127.0.0.1", port=8000):
    """Serve until Ctrl-C."""
    server = make_server(directory, host, port)
    shown_host = "localhost" if host in ("127.0.0.1", "::1") else host
    print(f"Serving {Path(directory).resolve()} at http://{shown_host}:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped")
    finally:
        server.server_close()
