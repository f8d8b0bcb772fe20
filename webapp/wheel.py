"""A pure-Python wheel of ``py_pipeline`` for Pyodide, written directly with ``zipfile``.

Why not ``python -m build``: setuptools would build the whole ``inkcalc`` project (training, converter,
webapp are in the same pyproject), needs an isolated build environment (network) or ``--no-isolation`` with
the right setuptools installed, and stamps the current time into the archive. The wheel format for a pure
package is small and fully specified (PEP 427 / 376): the package files, ``METADATA``, ``WHEEL`` and a
``RECORD`` of sha256 digests. Writing it here makes the bytes reproducible (fixed timestamps and order), so an
unchanged pipeline gives an unchanged sha256 in the lock file and an unchanged service-worker cache name.
"""

import base64
import hashlib
import re
import zipfile
from pathlib import Path

from . import WebappError

DIST_NAME = "py_pipeline"
"""Distribution name in the wheel file name and the lock (Pyodide canonicalises it to ``py-pipeline``)."""

RUNTIME_REQUIRES = ("numpy", "scikit-image", "pillow")
"""What ``recognize`` needs at run time; mirrors pyproject's dependencies (``Requires-Dist`` metadata only:
Pyodide resolves dependencies from the lock's ``depends``, which the build fills from the same list)."""

_FIXED_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can store: reproducible archives
_SKIPPED_PARTS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}


def package_version(package_dir):
    """``__version__`` from ``package_dir/__init__.py``, read as text so nothing is imported."""
    init = Path(package_dir) / "__init__.py"
    match = re.search(r"""^__version__\s*=\s*["']([^"']+)["']""", init.read_text(encoding="utf-8"), re.M)
    if not match:
        raise WebappError(f"{init} has no __version__ = \"...\" line; the wheel needs a version")
    return match.group(1)


def package_files(package_dir):
    """Files of the package to ship, as ``(path inside the wheel, bytes)``, sorted for a stable archive."""
    package_dir = Path(package_dir)
    files = []
    for path in sorted(package_dir.rglob("*")):
        rel = path.relative_to(package_dir)
        if path.is_dir() or _SKIPPED_PARTS & set(rel.parts) or path.suffix in _SKIPPED_SUFFIXES:
            continue
        files.append((f"{package_dir.name}/{rel.as_posix()}", path.read_bytes()))
    if not any(name.endswith("/__init__.py") for name, _ in files):
        raise WebappError(f"{package_dir} has no __init__.py: is it the py_pipeline package folder?")
    return files


def build_wheel(package_dir, out_dir):
    """Write ``py_pipeline-<version>-py3-none-any.whl`` into ``out_dir``.

    Parameters
    ----------
    package_dir : path to the ``py_pipeline`` folder.
    out_dir : folder to write the wheel into (created if missing).

    Returns
    -------
    wheel : Path of the written wheel.
    """
    version = package_version(package_dir)
    dist_info = f"{DIST_NAME}-{version}.dist-info"
    metadata = "".join([
        "Metadata-Version: 2.1\n",
        f"Name: {DIST_NAME}\n",
        f"Version: {version}\n",
        "Summary: Inkcalc's recognition pipeline: segmentation, parsing and exact evaluation\n",
        *(f"Requires-Dist: {req}\n" for req in RUNTIME_REQUIRES),
    ]).encode()
    wheel_meta = (b"Wheel-Version: 1.0\nGenerator: inkcalc webapp.wheel\n"
                  b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    entries = package_files(package_dir) + [(f"{dist_info}/METADATA", metadata), (f"{dist_info}/WHEEL", wheel_meta)]
    record_lines = [f"{name},sha256={_record_digest(data)},{len(data)}" for name, data in entries]
    record_lines.append(f"{dist_info}/RECORD,,")
    entries.append((f"{dist_info}/RECORD", ("\n".join(record_lines) + "\n").encode()))

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{DIST_NAME}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_FIXED_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return wheel


def _record_digest(data):
    """RECORD's digest form: urlsafe base64 of the sha256, without ``=`` padding (PEP 376/427)."""
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
