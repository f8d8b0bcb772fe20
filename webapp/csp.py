"""The Content-Security-Policy of the site: its own origin only, plus the one thing WebAssembly needs.

``'wasm-unsafe-eval'`` lets Pyodide and TF.js compile their ``.wasm`` (and numpy's extension modules) without
allowing JavaScript ``eval``/``new Function``, which nothing in the site uses. The same policy goes into
``index.html`` as a ``<meta http-equiv>`` (GitHub Pages cannot send headers) and into every response of
``python -m webapp serve`` as a header (which also covers the worker: a worker script is governed by the
policy sent with it, not by the page's meta tag).
"""

import re

_DIRECTIVES = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("worker-src", "'self'"),
    ("connect-src", "'self'"),
    ("img-src", "'self' data: blob:"),
    ("style-src", "'self'"),
    ("font-src", "'self'"),
    ("manifest-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'none'"),
)

HEADER_ONLY = (("frame-ancestors", "'none'"),)
"""Directives browsers ignore in a meta tag (and warn about), so only the header carries them."""


def policy(extra_connect=(), header=False):
    """The policy string; ``extra_connect`` adds origins to ``connect-src`` (the CDN of a runtime-CDN build)."""
    parts = []
    for name, value in _DIRECTIVES + (HEADER_ONLY if header else ()):
        if name == "connect-src" and extra_connect:
            value = " ".join([value, *extra_connect])
        parts.append(f"{name} {value}")
    return "; ".join(parts)


_META = re.compile(r"""<meta\s+http-equiv=["']Content-Security-Policy["'][^>]*>""", re.I)


def apply_to_html(html, csp):
    """``html`` with its CSP meta tag set to ``csp`` (inserted after ``<head>`` when there is none)."""
    tag = f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
    if _META.search(html):
        return _META.sub(lambda _: tag, html, count=1)
    head = re.search(r"<head[^>]*>", html, re.I)
    if not head:
        raise ValueError("index.html has no <head>: cannot add the Content-Security-Policy")
    return html[:head.end()] + "\n  " + tag + html[head.end():]
