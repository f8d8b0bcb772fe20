"""Pyodide's numpy / scikit-image wheels: which files, where they come from, and the lock that lists them.

npm's ``pyodide`` package holds the core only (``pyodide.mjs``, ``pyodide.asm.wasm``, ``python_stdlib.zip``) and
the lock of the full release. The compiled wheels the pipeline needs are in the official release archive and on
Pyodide's CDN. The build takes them from an unpacked release (``--pyodide-packages DIR``) or downloads them
(``--download-packages``), checks every file against the sha256 in Pyodide's own lock, and keeps them in a cache
so the next build is offline. Only the dependency closure of ``SCIENTIFIC_ROOTS`` is vendored (a few MB), not
the 300+ packages of the release.

The lock written into the site lists just those packages plus ``py_pipeline``: a package the site does not ship
cannot be requested by mistake and silently fetched from elsewhere.
"""

import hashlib
import json
import os
import shutil
import socket
import urllib.error
import urllib.request
from pathlib import Path

from . import WebappError

SCIENTIFIC_ROOTS = ("numpy", "scikit-image")
"""What ``py_pipeline.recognize`` imports; pillow, scipy & co come in through the lock's ``depends``."""

SITE_DEPENDS = {"scikit-image": ("numpy", "scipy", "packaging", "lazy_loader")}
"""``depends`` the site's lock gives these packages instead of Pyodide's wider ones.

Pyodide's scikit-image also depends on networkx (which pulls in matplotlib, fonttools, kiwisolver, …),
imageio, pywavelets and pillow: they serve ``skimage.graph``, ``skimage.io``, ``skimage.restoration`` and file
decoding, none of which the pipeline uses in the browser (it receives raw RGBA). Shipping them would add
~15 MB of wheels to the first visit and the offline cache for nothing. ``tests/test_webapp_build.py`` guards
the cut: a recognition in a fresh CPython imports no Pyodide package outside the site's closure.
"""

CDN_TEMPLATE = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
"""The official CDN folder of one Pyodide release (the same files as the release archive)."""

CONNECT_TIMEOUT_S = 10
"""Socket timeout for each CDN request: a machine without internet fails in seconds, not minutes."""


def canonical_name(name):
    """Pyodide's (and PEP 503's) package-name normal form: lowercase, runs of ``-_.`` become ``-``."""
    out = []
    for ch in name.lower():
        if ch in "-_.":
            if not out or out[-1] != "-":
                out.append("-")
        else:
            out.append(ch)
    return "".join(out)


def read_stock_lock(pyodide_dir):
    """The ``pyodide-lock.json`` shipped with npm's ``pyodide`` package, and the package's version."""
    pyodide_dir = Path(pyodide_dir)
    lock_path = pyodide_dir / "pyodide-lock.json"
    package_json = pyodide_dir / "package.json"
    if not lock_path.is_file() or not package_json.is_file():
        raise WebappError(f"{pyodide_dir} has no pyodide-lock.json/package.json: run `npm ci` in the repository")
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    version = json.loads(package_json.read_text(encoding="utf-8"))["version"]
    return lock, version


def site_view(stock_lock):
    """A copy of the stock lock with :data:`SITE_DEPENDS` applied: what closures and the site's lock use."""
    view = {"info": dict(stock_lock["info"]), "packages": {}}
    for name, entry in stock_lock["packages"].items():
        view["packages"][name] = dict(entry)
        if name in SITE_DEPENDS:
            view["packages"][name]["depends"] = list(SITE_DEPENDS[name])
    return view


def dependency_closure(lock, roots):
    """Canonical names of ``roots`` and everything they depend on, per the lock's ``depends``, sorted.

    Raises WebappError when a name is not in the lock (a different Pyodide release than expected).
    """
    packages = lock["packages"]
    seen, todo = set(), [canonical_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if name not in packages:
            raise WebappError(f"package {name!r} is not in Pyodide's lock; is node_modules/pyodide the pinned release?")
        seen.add(name)
        todo.extend(canonical_name(dep) for dep in packages[name].get("depends", []))
    return sorted(seen)


def sha256_file(path):
    """Hex sha256 of a file, read in blocks (wheels are up to ~15 MB).

    The same one line as ``training.mnist_data.sha256_of``, kept here so that building the site does not
    import the training package.
    """
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def find_in_release(release_dir, file_name):
    """Path of ``file_name`` in an unpacked Pyodide release (top level or ``full/``), or None."""
    for candidate in (Path(release_dir) / file_name, Path(release_dir) / "full" / file_name):
        if candidate.is_file():
            return candidate
    return None


def gather_wheels(lock, names, *, version, cache_dir, release_dir=None, download=False, log=print):
    """Make sure every wheel of ``names`` is in ``cache_dir`` with the sha256 the lock names.

    Sources, in order: the cache (already verified files), ``release_dir``, then the CDN if ``download``.
    Returns ``{canonical name: path in cache}``; raises WebappError naming what is missing and how to get it.
    """
    cache_dir = Path(cache_dir) / version
    cache_dir.mkdir(parents=True, exist_ok=True)
    found, missing = {}, []
    for name in names:
        entry = lock["packages"][name]
        target = cache_dir / entry["file_name"]
        if target.is_file() and sha256_file(target) == entry["sha256"]:
            found[name] = target
            continue
        if release_dir is not None:
            source = find_in_release(release_dir, entry["file_name"])
            if source is not None:
                actual = sha256_file(source)
                if actual != entry["sha256"]:
                    raise WebappError(
                        f"{source} has sha256 {actual[:12]}…, Pyodide {version}'s lock says {entry['sha256'][:12]}…: "
                        f"{release_dir} is not an unpacked Pyodide {version} release (or the file is damaged)")
                _copy_atomically(source, target)
                found[name] = target
                continue
        missing.append(name)

    if missing and download:
        base = CDN_TEMPLATE.format(version=version)
        log(f"downloading {len(missing)} Pyodide package(s) from {base} …")
        for name in missing:
            entry = lock["packages"][name]
            found[name] = _download_verified(base + entry["file_name"], cache_dir / entry["file_name"],
                                             entry["sha256"], log)
        missing = []

    if missing:
        where = f"{release_dir} (an unpacked Pyodide {version} release)" if release_dir else "no --pyodide-packages DIR"
        files = ", ".join(lock["packages"][n]["file_name"] for n in missing)
        raise WebappError(
            f"{len(missing)} Pyodide package wheel(s) not found: {files}. Looked in the cache {cache_dir} and {where}. "
            f"Get them with ONE of: --download-packages (fetches from {CDN_TEMPLATE.format(version=version)}); "
            f"--pyodide-packages DIR (unpack pyodide-{version}.tar.bz2 from "
            f"https://github.com/pyodide/pyodide/releases/tag/{version}); --runtime-cdn-packages (the site loads "
            f"them from the CDN at run time: not offline); or --no-scientific-packages (no recognition)")
    return found


def _copy_atomically(source, target):
    """Copy via a temporary sibling, so an interrupted build never leaves a half file under the real name."""
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def _download_verified(url, target, sha256, log):
    """Download ``url`` to ``target`` (via a temporary file) and check its sha256."""
    partial = target.with_name(target.name + ".partial")
    try:
        with urllib.request.urlopen(url, timeout=CONNECT_TIMEOUT_S) as response, open(partial, "wb") as out:
            shutil.copyfileobj(response, out, 1 << 20)
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        partial.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise WebappError(
            f"cannot download {url}: {reason}. The Pyodide CDN is unreachable from here; use --pyodide-packages DIR "
            f"with an unpacked release instead, or --no-scientific-packages") from None
    actual = sha256_file(partial)
    if actual != sha256:
        partial.unlink(missing_ok=True)
        raise WebappError(f"{url} downloaded with sha256 {actual[:12]}…, the lock says {sha256[:12]}…: refusing it "
                          f"(a proxy or a changed CDN file); try again, or use --pyodide-packages DIR")
    os.replace(partial, target)
    log(f"  {target.name} ({target.stat().st_size / 1e6:.1f} MB, sha256 ok)")
    return target


def site_lock(stock_lock, *, packages, own_wheel, own_depends, cdn_base=None):
    """The ``pyodide-lock.json`` the site ships: stock ``info``, the vendored packages, and ``py_pipeline``.

    Parameters
    ----------
    stock_lock : dict, npm's pyodide-lock.json.
    packages : canonical names of the stock packages to list (their stock entries are copied unchanged).
    own_wheel : Path of the py_pipeline wheel (file name and sha256 are read from it).
    own_depends : canonical names ``py_pipeline`` depends on (empty when the build has no numpy).
    cdn_base : when set, stock packages point at this absolute URL instead of a file next to the lock
        (``--runtime-cdn-packages``). Pyodide resolves an absolute ``file_name`` as is.
    """
    from .wheel import DIST_NAME

    entries = {}
    for name in packages:
        entry = dict(stock_lock["packages"][name])
        if cdn_base:
            entry["file_name"] = cdn_base + entry["file_name"]
        entries[name] = entry
    version = own_wheel.name.split("-")[1]
    entries[canonical_name(DIST_NAME)] = {
        "name": DIST_NAME,
        "version": version,
        "file_name": own_wheel.name,
        "install_dir": "site",
        "sha256": sha256_file(own_wheel),
        "package_type": "package",
        "imports": [DIST_NAME],
        "depends": list(own_depends),
        "unvendored_tests": False,
        "tool": {},
    }
    return {"info": dict(stock_lock["info"]), "packages": dict(sorted(entries.items()))}
