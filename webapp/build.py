"""``python -m webapp build``: turn ``webapp/site`` into a self-contained static site.

Output layout (every URL relative, so the site works under any path, e.g. GitHub Pages' ``/<repo>/``)::

    index.html, app.js, …          the page (webapp/site), CSP meta tag set by the build
    worker.js, runtime-client.js   the runtime and its client
    sw.js                          service worker, with the precache list and cache name filled in
    manifest.webmanifest, icons/   installable app
    build-info.json                versions, package source, runtime settings, sha256 of every file
    py/inkcalc_bridge.py           the Python side of the worker (webapp/pyodide_bridge.py)
    model/                         the current TF.js model (model.json, shards, manifest.json), verified
    vendor/tfjs/                   TF.js + wasm backend (UMD builds) and its .wasm files
    vendor/pyodide/                Pyodide core, pyodide-lock.json written here, py_pipeline wheel,
                                   numpy / scikit-image and their dependency closure (when vendored)

The build writes into a sibling ``.partial`` folder and swaps it in at the end, so a failed build never
leaves a half-built site behind.
"""

import hashlib
import json
import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from . import REPO_ROOT, SITE_SOURCE, WebappError
from . import csp as csp_policy
from .icons import write_icons
from .pyodide_packages import (CDN_TEMPLATE, SCIENTIFIC_ROOTS, canonical_name, dependency_closure, gather_wheels,
                               read_stock_lock, sha256_file, site_lock, site_view)
from .wheel import DIST_NAME, build_wheel

PYODIDE_CORE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
TFJS_FILES = (("tfjs", "tf.min.js"), ("tfjs-backend-wasm", "tf-backend-wasm.min.js"),
              ("tfjs-backend-wasm", "tfjs-backend-wasm.wasm"), ("tfjs-backend-wasm", "tfjs-backend-wasm-simd.wasm"))
"""UMD builds: the ES-module build of the wasm backend imports Node's fs/path and cannot load in a browser
without a bundler. The threaded wasm build is left out: it needs cross-origin isolation, which static hosts
such as GitHub Pages cannot provide, and the worker turns it off."""

TFJS_BACKENDS = ("wasm", "cpu")
"""Tried in order by the worker. Measured in headless Chromium (see ``python -m webapp.benchmark``): wasm
classifies a batch in a few ms; webgl was slower to start and, without a GPU, slower per batch; cpu is the
fallback that always works."""

BUILD_INFO = "build-info.json"
SERVICE_WORKER = "sw.js"
BRIDGE_TARGET = "py/inkcalc_bridge.py"
NO_RECOGNITION_REASON = ("this build has no numpy / scikit-image wheels (it was built with "
                         "--no-scientific-packages), so drawings cannot be recognised here. "
                         "Rebuild with --download-packages or --pyodide-packages DIR.")


@dataclass
class BuildOptions:
    """Everything ``build`` needs; the CLI fills it from flags, tests from fixtures."""

    out: Path
    pyodide_packages: Path | None = None
    download_packages: bool = False
    runtime_cdn_packages: bool = False
    scientific: bool = True
    model_dir: Path | None = None  # a TF.js model folder; default models/<current>/tfjs
    cache_dir: Path = field(default_factory=lambda: REPO_ROOT / ".cache" / "pyodide-packages")
    node_modules: Path = field(default_factory=lambda: REPO_ROOT / "node_modules")
    models_dir: Path = field(default_factory=lambda: REPO_ROOT / "models")
    site_source: Path = SITE_SOURCE
    pipeline_dir: Path = REPO_ROOT / "py_pipeline"


def build(options, log=print):
    """Build the site into ``options.out``; returns the build-info dict. Raises WebappError with what to do."""
    out = Path(options.out).resolve()
    _check_inputs(options)
    model_version, model_dir, manifest = resolve_model(options)
    stock_lock, pyodide_version = read_stock_lock(options.node_modules / "pyodide")
    stock_lock = site_view(stock_lock)  # Pyodide's lock with the narrower depends the site needs
    packages = _plan_packages(options, stock_lock, pyodide_version, log)

    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        _copy_site(options.site_source, staging)
        shutil.copyfile(Path(__file__).with_name("pyodide_bridge.py"), _mkparent(staging / BRIDGE_TARGET))
        write_icons(staging / "icons")
        _vendor_tfjs(options.node_modules, staging / "vendor" / "tfjs")
        _vendor_pyodide(options.node_modules / "pyodide", staging / "vendor" / "pyodide", stock_lock, packages,
                        options.pipeline_dir)
        _copy_model(model_dir, manifest, staging / "model")
        csp = {"meta": csp_policy.policy(extra_connect=packages["connect"]),
               "header": csp_policy.policy(extra_connect=packages["connect"], header=True)}
        _set_csp(staging / "index.html", csp["meta"])
        info = _write_build_info(staging, options, model_version, manifest, pyodide_version, packages, csp,
                                 model_dir)
        cache_name = _write_service_worker(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _replace(out, staging)

    total = sum(f["size"] for f in info["files"].values())
    log(f"built {out} ({len(info['files'])} files, {total / 1e6:.1f} MB): app {info['appVersion']}, "
        f"model {model_version}, packages: {packages['summary']}; service-worker cache {cache_name}")
    if packages["kind"] == "runtime-cdn":
        log("!" * 100)
        log(f"!! WARNING: numpy / scikit-image are NOT in this build: the site downloads them at run time from\n"
            f"!! {packages['cdn']}\n!! It needs the internet on every cold start and does NOT work offline.")
        log("!" * 100)
    return info


# ---- inputs ---------------------------------------------------------------------------------------------

def _check_inputs(options):
    """Fail early, with the command that fixes it, when an input of the build is missing."""
    missing = [f"pyodide/{name}" for name in PYODIDE_CORE if not (options.node_modules / "pyodide" / name).is_file()]
    missing += [f"@tensorflow/{pkg}/dist/{name}" for pkg, name in TFJS_FILES
                if not (options.node_modules / "@tensorflow" / pkg / "dist" / name).is_file()]
    if missing:
        raise WebappError(f"{options.node_modules} lacks {', '.join(missing)}: run `npm ci` in {REPO_ROOT}")
    if not (options.site_source / "index.html").is_file():
        raise WebappError(f"{options.site_source / 'index.html'} is missing: the page (index.html, app.js, …) must "
                          "exist before the site can be built")
    if options.pyodide_packages is not None and not Path(options.pyodide_packages).is_dir():
        raise WebappError(f"--pyodide-packages {options.pyodide_packages}: no such folder; give the folder of an "
                          "unpacked Pyodide release (the one holding pyodide-lock.json and the .whl files)")
    if options.runtime_cdn_packages and not options.scientific:
        raise WebappError("--runtime-cdn-packages and --no-scientific-packages contradict each other: pick one")


def resolve_model(options):
    """``(version, tfjs folder, manifest dict)`` of the model to ship, every file checked against the manifest."""
    if options.model_dir is not None:
        model_dir = Path(options.model_dir)
    else:
        pointer = options.models_dir / "current"
        if not pointer.is_file():
            raise WebappError(f"no model to ship: {pointer} does not exist. Train one (`python -m training train`) "
                              "and convert it (`python -m converter current`), or pass --model DIR (a TF.js folder "
                              "with manifest.json)")
        version = pointer.read_text(encoding="utf-8").strip()
        model_dir = options.models_dir / version / "tfjs"
        if not model_dir.is_dir():
            raise WebappError(f"{pointer} names {version!r}, but {model_dir} does not exist: convert it with "
                              f"`python -m converter {version}`")
    manifest_path = model_dir / "manifest.json"
    if not manifest_path.is_file():
        raise WebappError(f"{manifest_path} is missing: re-run the converter, which writes it")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    from py_pipeline.symbols import CLASSES

    if list(manifest.get("classes", [])) != list(CLASSES):
        raise WebappError(f"{manifest_path} lists classes {manifest.get('classes')}, py_pipeline.symbols.CLASSES is "
                          f"{list(CLASSES)}: convert a model trained with the current class list")
    listed = {entry["path"] for entry in manifest.get("files", [])}
    if "model.json" not in listed:
        raise WebappError(f"{manifest_path} does not list model.json; re-run the converter")
    for entry in manifest["files"]:
        path = model_dir / entry["path"]
        if not path.is_file():
            raise WebappError(f"model file {path} is missing (listed in {manifest_path}); re-run the converter")
        if path.stat().st_size != entry["size"] or sha256_file(path) != entry["sha256"]:
            raise WebappError(f"model file {path} does not match its sha256/size in {manifest_path}: the folder "
                              "was changed after conversion; re-run the converter")
    shards = {p for group in json.loads((model_dir / "model.json").read_text(encoding="utf-8"))["weightsManifest"]
              for p in group["paths"]}
    if shards - listed:
        raise WebappError(f"model.json needs {sorted(shards - listed)}, which {manifest_path} does not list")
    return manifest.get("version", model_dir.parent.name), model_dir, manifest


def _plan_packages(options, stock_lock, pyodide_version, log):
    """Which Pyodide packages the site lists, where their wheels come from, and what the worker loads."""
    cdn = CDN_TEMPLATE.format(version=pyodide_version)
    if not options.scientific:
        return {"kind": "none", "names": [], "wheels": {}, "roots": [], "connect": (), "cdn": None,
                "summary": "none (--no-scientific-packages: parse/evaluate only, no recognition)"}
    names = dependency_closure(stock_lock, SCIENTIFIC_ROOTS)
    roots = [stock_lock["packages"][canonical_name(r)]["name"] for r in SCIENTIFIC_ROOTS]
    try:
        wheels = gather_wheels(stock_lock, names, version=pyodide_version, cache_dir=options.cache_dir,
                               release_dir=options.pyodide_packages, download=options.download_packages, log=log)
    except WebappError:
        if not options.runtime_cdn_packages:
            raise
        return {"kind": "runtime-cdn", "names": names, "wheels": {}, "roots": roots, "cdn": cdn,
                "connect": ("https://cdn.jsdelivr.net",),
                "summary": f"{len(names)} loaded at run time from {cdn} (NOT offline)"}
    size = sum(p.stat().st_size for p in wheels.values())
    return {"kind": "vendored", "names": names, "wheels": wheels, "roots": roots, "connect": (), "cdn": None,
            "summary": f"{len(names)} vendored ({', '.join(names)}; {size / 1e6:.1f} MB)"}


# ---- output ---------------------------------------------------------------------------------------------

def _mkparent(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _copy_site(source, target):
    for path in sorted(Path(source).rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir() or any(part.startswith(".") for part in rel.parts) or path.suffix == ".map":
            continue
        shutil.copyfile(path, _mkparent(target / rel))


def _vendor_tfjs(node_modules, target):
    for package, name in TFJS_FILES:
        shutil.copyfile(node_modules / "@tensorflow" / package / "dist" / name, _mkparent(target / name))


def _vendor_pyodide(pyodide_npm, target, stock_lock, packages, pipeline_dir):
    target.mkdir(parents=True, exist_ok=True)
    for name in PYODIDE_CORE:
        shutil.copyfile(pyodide_npm / name, target / name)
    wheel = build_wheel(pipeline_dir, target)
    for path in packages["wheels"].values():
        shutil.copyfile(path, target / path.name)
    # py_pipeline's lock entry depends on nothing: its parse/evaluate modules are stdlib-only, and the worker
    # loads it first on its own, then numpy / scikit-image explicitly, so a failure of those turns off
    # recognition (with the reason) instead of the whole runtime.
    lock = site_lock(stock_lock, packages=packages["names"], own_wheel=wheel, own_depends=[],
                     cdn_base=packages["cdn"])
    (target / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _copy_model(model_dir, manifest, target):
    target.mkdir(parents=True, exist_ok=True)
    for entry in manifest["files"]:
        shutil.copyfile(model_dir / entry["path"], _mkparent(target / entry["path"]))
    shutil.copyfile(model_dir / "manifest.json", target / "manifest.json")


def _set_csp(index_html, csp):
    html = index_html.read_text(encoding="utf-8")
    index_html.write_text(csp_policy.apply_to_html(html, csp), encoding="utf-8")


def app_version():
    """The project version from pyproject.toml (a checkout) or the installed metadata."""
    pyproject = REPO_ROOT / "pyproject.toml"
    if pyproject.is_file():
        return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
    from importlib.metadata import version

    return version("inkcalc")


def _file_hashes(root, skip=()):
    hashes = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in skip:
            hashes[rel] = {"sha256": sha256_file(path), "size": path.stat().st_size}
    return hashes


def _uncertain_below(model_dir):
    """The model card's calibrated confidence under which the page flags a symbol, or None without a card."""
    card = Path(model_dir).parent / "card.json"
    if not card.is_file():
        return None
    calibration = json.loads(card.read_text(encoding="utf-8")).get("metrics", {}).get("calibration", {})
    return calibration.get("uncertain_below")


def _write_build_info(staging, options, model_version, manifest, pyodide_version, packages, csp, model_dir):
    tfjs_version = json.loads((options.node_modules / "@tensorflow" / "tfjs" / "package.json")
                              .read_text(encoding="utf-8"))["version"]
    from py_pipeline.symbols import CLASSES

    info = {
        "appVersion": app_version(),
        "modelVersion": model_version,
        "modelQuantization": manifest.get("quantization"),
        "pyodideVersion": pyodide_version,
        "tfjsVersion": tfjs_version,
        "packageSource": {"kind": packages["kind"], "packages": packages["names"], "cdn": packages["cdn"],
                          "summary": packages["summary"]},
        "csp": csp,
        "runtime": {
            "modelVersion": model_version,
            "uncertainBelow": _uncertain_below(model_dir),
            "classes": list(CLASSES),
            "pipelinePackage": DIST_NAME,
            "packageSource": packages["kind"],
            "scientificPackages": packages["roots"],
            "noRecognitionReason": NO_RECOGNITION_REASON if packages["kind"] == "none" else None,
            "tfjsBackends": list(TFJS_BACKENDS),
        },
        "files": _file_hashes(staging, skip={BUILD_INFO, SERVICE_WORKER}),
    }
    (staging / BUILD_INFO).write_text(json.dumps(info, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return info


def _write_service_worker(staging):
    """Fill sw.js's PRECACHE line: every file but sw.js, with integrity, under a cache name hashing them all."""
    files = _file_hashes(staging, skip={SERVICE_WORKER})
    digest = hashlib.sha256("".join(f"{p}\0{h['sha256']}\n" for p, h in files.items()).encode()).hexdigest()
    cache_name = f"inkcalc-{digest[:16]}"
    precache = {"cache": cache_name, "files": [
        {"path": p, "sha256": h["sha256"],
         "integrity": "sha256-" + _b64(bytes.fromhex(h["sha256"]))} for p, h in files.items()]}
    sw = staging / SERVICE_WORKER
    lines = sw.read_text(encoding="utf-8").splitlines(keepends=True)
    marked = [i for i, line in enumerate(lines) if line.startswith("const PRECACHE = ")]
    if len(marked) != 1:
        raise WebappError(f"{SITE_SOURCE / SERVICE_WORKER} must have exactly one line starting "
                          "'const PRECACHE = ' for the build to fill in")
    lines[marked[0]] = f"const PRECACHE = {json.dumps(precache, separators=(',', ':'))};\n"
    sw.write_text("".join(lines), encoding="utf-8")
    return cache_name


def _b64(raw):
    import base64

    return base64.b64encode(raw).decode()


def _replace(out, staging):
    """Swap the finished build in, refusing to delete a folder that is not a previous build."""
    if out.exists():
        if not (out / BUILD_INFO).is_file() and any(out.iterdir()):
            shutil.rmtree(staging, ignore_errors=True)
            raise WebappError(f"{out} exists and is not a previous build (no {BUILD_INFO}); refusing to replace "
                              "it: choose another --out or remove it yourself")
        shutil.rmtree(out)
    os.replace(staging, out)
