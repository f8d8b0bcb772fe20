"""Inkcalc's recognition pipeline: a drawing in, an exact result and every intermediate step out.

Runs unchanged in CPython and in Pyodide. Nothing heavy is imported here, so the standard-library-only
modules (``symbols``, ``errors``, ``expression``, ``evaluate``) load in a Pyodide that has no numpy.
"""

__version__ = "0.1.0"
