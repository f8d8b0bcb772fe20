"""``python -m webapp build`` and ``serve``: the files, the lock and wheel, the refusals, the headers."""

import hashlib
import json
import re
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from webapp import WebappError
from webapp.build import BuildOptions, build
from webapp.pyodide_packages import (CDN_TEMPLATE, SCIENTIFIC_ROOTS, canonical_name, dependency_closure,
                                     read_stock_lock, site_view)
from webapp.serve import serve_in_thread
from webapp.wheel import build_wheel

REPO_ROOT = Path(__file__).resolve().parents[1]
STOCK_LOCK, PYODIDE_VERSION = read_stock_lock(REPO_ROOT / "node_modules" / "pyodide")


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def quiet(*_):
    pass


def test_build_produces_the_site(built_site):
    expected = [
        "index.html", "app.js", "canvas.js", "photo.js", "saved-drawing.js", "steps.js", "style.css", "worker.js",
        "runtime-client.js",
        "tfjs-model.js", "sw.js", "manifest.webmanifest", "build-info.json", "py/inkcalc_bridge.py",
        "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png",
        "model/model.json", "model/manifest.json",
        "vendor/tfjs/tf.min.js", "vendor/tfjs/tf-backend-wasm.min.js", "vendor/tfjs/tfjs-backend-wasm.wasm",
        "vendor/tfjs/tfjs-backend-wasm-simd.wasm",
        "vendor/pyodide/pyodide.mjs", "vendor/pyodide/pyodide.asm.mjs", "vendor/pyodide/pyodide.asm.wasm",
        "vendor/pyodide/python_stdlib.zip", "vendor/pyodide/pyodide-lock.json",
    ]
    missing = [name for name in expected if not (built_site / name).is_file()]
    assert not missing
    info = json.loads((built_site / "build-info.json").read_text())
    assert info["packageSource"]["kind"] == "none"
    assert info["runtime"]["scientificPackages"] == [] and "no-scientific" in info["runtime"]["noRecognitionReason"]
    assert info["pyodideVersion"] == PYODIDE_VERSION
    # Every file's recorded hash is the file's hash; the model shards are the manifest's.
    for path, entry in info["files"].items():
        assert sha256(built_site / path) == entry["sha256"], path
    manifest = json.loads((built_site / "model" / "manifest.json").read_text())
    for entry in manifest["files"]:
        assert sha256(built_site / "model" / entry["path"]) == entry["sha256"]
    # The manifest is installable: icons exist at the sizes it claims.
    from PIL import Image

    webmanifest = json.loads((built_site / "manifest.webmanifest").read_text())
    for icon in webmanifest["icons"]:
        with Image.open(built_site / icon["src"]) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_lock_and_wheel_agree_and_the_wheel_is_only_the_pipeline(built_site):
    lock = json.loads((built_site / "vendor" / "pyodide" / "pyodide-lock.json").read_text())
    assert lock["info"] == STOCK_LOCK["info"]
    entry = lock["packages"]["py-pipeline"]
    wheel = built_site / "vendor" / "pyodide" / entry["file_name"]
    assert entry["sha256"] == sha256(wheel)
    assert entry["imports"] == ["py_pipeline"] and entry["install_dir"] == "site"
    assert set(lock["packages"]) == {"py-pipeline"}  # nothing else without scientific packages

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "py_pipeline/__init__.py" in names and "py_pipeline/expression.py" in names
        assert all(n.startswith(("py_pipeline/", "py_pipeline-")) for n in names), names
        record = archive.read(next(n for n in names if n.endswith("/RECORD"))).decode()
        import base64

        for line in record.splitlines():
            name, digest, size = line.rsplit(",", 2)
            if not digest:
                continue
            data = archive.read(name)
            assert int(size) == len(data)
            assert digest == "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        for name in names:
            if name.endswith(".py"):
                source = archive.read(name).decode()
                assert not re.search(r"^\s*(import|from)\s+(tensorflow|keras|tensorflowjs)\b", source, re.M), name


def test_wheel_is_reproducible(tmp_path):
    first = build_wheel(REPO_ROOT / "py_pipeline", tmp_path / "a")
    second = build_wheel(REPO_ROOT / "py_pipeline", tmp_path / "b")
    assert first.read_bytes() == second.read_bytes()


def test_service_worker_precaches_every_file_under_a_content_hash(built_site):
    sw = (built_site / "sw.js").read_text()
    line = next(l for l in sw.splitlines() if l.startswith("const PRECACHE = "))
    precache = json.loads(line[len("const PRECACHE = "):].rstrip(";"))
    files = {p.relative_to(built_site).as_posix() for p in built_site.rglob("*") if p.is_file()}
    assert {f["path"] for f in precache["files"]} == files - {"sw.js"}
    for f in precache["files"]:
        assert f["sha256"] == sha256(built_site / f["path"])
    assert re.fullmatch(r"inkcalc-[0-9a-f]{16}", precache["cache"])


def test_identical_builds_have_the_same_cache_name_and_a_change_gives_a_new_one(site_model, tmp_path):
    import shutil

    def cache_name(site):
        return re.search(r'"cache":"(inkcalc-[0-9a-f]+)"', (site / "sw.js").read_text()).group(1)

    source = tmp_path / "site-src"
    shutil.copytree(REPO_ROOT / "webapp" / "site", source)  # a snapshot: the sources may change meanwhile
    options = BuildOptions(out=tmp_path / "first", scientific=False, model_dir=site_model[0], site_source=source)
    build(options, log=quiet)
    options.out = tmp_path / "again"
    build(options, log=quiet)
    assert cache_name(tmp_path / "again") == cache_name(tmp_path / "first")
    assert (tmp_path / "again" / "sw.js").read_bytes() == (tmp_path / "first" / "sw.js").read_bytes()

    (source / "style.css").write_text((source / "style.css").read_text() + "\n/* changed */\n")
    options.out = tmp_path / "changed"
    build(options, log=quiet)
    assert cache_name(tmp_path / "changed") != cache_name(tmp_path / "first")


def test_csp_is_in_the_page_and_the_build_info(built_site):
    info = json.loads((built_site / "build-info.json").read_text())
    html = (built_site / "index.html").read_text()
    assert f'content="{info["csp"]["meta"]}"' in html
    assert "'wasm-unsafe-eval'" in info["csp"]["meta"] and "'unsafe-eval'" not in info["csp"]["meta"].replace(
        "'wasm-unsafe-eval'", "")
    assert "connect-src 'self';" in info["csp"]["meta"]


def test_build_without_a_wheel_source_stops_with_what_to_do(tmp_path, site_model):
    out = tmp_path / "dist"
    out.mkdir()
    (out / "build-info.json").write_text("{}")  # a previous build: must survive the failed one
    with pytest.raises(WebappError) as caught:
        build(BuildOptions(out=out, model_dir=site_model[0], cache_dir=tmp_path / "empty-cache"), log=quiet)
    message = str(caught.value)
    for option in ("--download-packages", "--pyodide-packages", "--runtime-cdn-packages", "--no-scientific-packages"):
        assert option in message
    assert "numpy" in message
    assert (out / "build-info.json").read_text() == "{}"
    assert not (tmp_path / "dist.partial").exists()


def test_cli_exits_with_the_message(tmp_path, site_model):
    result = subprocess.run(
        [sys.executable, "-m", "webapp", "build", "--out", str(tmp_path / "dist"), "--model", str(site_model[0]),
         "--cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, cwd=REPO_ROOT, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "--download-packages" in result.stderr
    assert "Traceback" not in result.stderr


def test_runtime_cdn_opt_in_builds_loudly(tmp_path, site_model):
    lines = []
    info = build(BuildOptions(out=tmp_path / "dist", model_dir=site_model[0], runtime_cdn_packages=True,
                              cache_dir=tmp_path / "cache"), log=lines.append)
    assert info["packageSource"]["kind"] == "runtime-cdn"
    assert any("NOT work offline" in line for line in lines)
    lock = json.loads((tmp_path / "dist" / "vendor" / "pyodide" / "pyodide-lock.json").read_text())
    cdn = CDN_TEMPLATE.format(version=PYODIDE_VERSION)
    closure = dependency_closure(site_view(STOCK_LOCK), SCIENTIFIC_ROOTS)
    assert set(lock["packages"]) == set(closure) | {"py-pipeline"}
    for name in closure:
        assert lock["packages"][name]["file_name"] == cdn + STOCK_LOCK["packages"][name]["file_name"]
        assert lock["packages"][name]["sha256"] == STOCK_LOCK["packages"][name]["sha256"]
    assert "https://cdn.jsdelivr.net" in info["csp"]["meta"]
    assert info["runtime"]["scientificPackages"] == ["numpy", "scikit-image"]


def test_a_release_folder_with_a_wrong_wheel_is_refused(tmp_path, site_model):
    release = tmp_path / "release"
    release.mkdir()
    (release / STOCK_LOCK["packages"]["numpy"]["file_name"]).write_bytes(b"not numpy")
    with pytest.raises(WebappError, match="not an unpacked Pyodide"):
        build(BuildOptions(out=tmp_path / "dist", model_dir=site_model[0], pyodide_packages=release,
                           cache_dir=tmp_path / "cache"), log=quiet)


def test_the_dependency_closure_follows_the_sites_lock():
    lock = site_view(STOCK_LOCK)
    closure = dependency_closure(lock, SCIENTIFIC_ROOTS)
    assert closure == ["lazy-loader", "numpy", "packaging", "scikit-image", "scipy"]
    for name in closure:  # closed under depends
        for dep in lock["packages"][name]["depends"]:
            assert canonical_name(dep) in closure
    # Without the narrowing, Pyodide's own depends would pull in matplotlib and friends.
    assert "matplotlib" in dependency_closure(STOCK_LOCK, SCIENTIFIC_ROOTS)


RECOGNIZE_WITHOUT = """
import json, sys
root, blocked = sys.argv[1], set(json.loads(sys.argv[2]))


class NotShipped:
    # Pyodide without these wheels: importing them fails exactly like a missing module.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r} (not shipped in the site)")
        return None


sys.meta_path.insert(0, NotShipped())
sys.path[:0] = [root, root + "/tests"]
import numpy as np
from drawing import draw
from py_pipeline.symbols import CLASSES
from webapp.pyodide_bridge import make_recognizer, status

class Probabilities:
    def __init__(self, n):
        self.n = n
    def to_bytes(self):
        return np.full((self.n, len(CLASSES)), 1 / len(CLASSES), np.float32).tobytes()

assert json.loads(status())["can_recognize"], status()
rgba = draw(["1", "2", "+", "(", "3", "-", "4", ")", "/", "5", "."], canvas=(200, 700)).rgba()
text, crops, mask = make_recognizer(lambda crops, n: Probabilities(n))(rgba.tobytes(), rgba.shape[1], rgba.shape[0])
print(json.dumps({"symbols": len(json.loads(text)["symbols"]), "crops": len(crops)}))
"""


def test_recognition_runs_without_the_packages_the_site_leaves_out():
    """The guard for SITE_DEPENDS: recognition in CPython with every Pyodide package outside the site's
    closure made unimportable (as in the browser) still works."""
    closure = set(dependency_closure(site_view(STOCK_LOCK), SCIENTIFIC_ROOTS))
    shipped = {name for pkg in closure for name in STOCK_LOCK["packages"][pkg]["imports"]}
    blocked = {name for pkg, entry in STOCK_LOCK["packages"].items() if pkg not in closure
               for name in entry["imports"]} - shipped
    assert {"networkx", "matplotlib", "imageio", "pywt", "PIL"} <= blocked
    result = subprocess.run([sys.executable, "-c", RECOGNIZE_WITHOUT, str(REPO_ROOT), json.dumps(sorted(blocked))],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.splitlines()[-1])
    assert out["symbols"] >= 10 and out["crops"] == out["symbols"]


def test_a_tampered_model_is_refused(tmp_path, site_model):
    import shutil

    model = tmp_path / "model"
    shutil.copytree(site_model[0], model)
    shard = next(p for p in model.iterdir() if p.suffix == ".bin")
    data = bytearray(shard.read_bytes())
    data[0] ^= 0xFF
    shard.write_bytes(bytes(data))
    with pytest.raises(WebappError, match="does not match its sha256"):
        build(BuildOptions(out=tmp_path / "dist", model_dir=model, scientific=False), log=quiet)
    shard.unlink()
    with pytest.raises(WebappError, match="is missing"):
        build(BuildOptions(out=tmp_path / "dist", model_dir=model, scientific=False), log=quiet)


def test_no_model_says_how_to_make_one(tmp_path):
    with pytest.raises(WebappError, match="python -m training train"):
        build(BuildOptions(out=tmp_path / "dist", scientific=False, models_dir=tmp_path / "models"), log=quiet)


def test_refuses_to_replace_a_folder_that_is_not_a_build(tmp_path, site_model):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.tex").write_text("do not delete")
    with pytest.raises(WebappError, match="not a previous build"):
        build(BuildOptions(out=out, scientific=False, model_dir=site_model[0]), log=quiet)
    assert (out / "thesis.tex").is_file()


def test_serve_sends_mime_types_and_the_csp(built_site):
    server, url = serve_in_thread(built_site)
    try:
        expected = {"vendor/pyodide/pyodide.asm.wasm": "application/wasm",
                    "vendor/pyodide/pyodide.mjs": "text/javascript",
                    "worker.js": "text/javascript",
                    "manifest.webmanifest": "application/manifest+json",
                    "build-info.json": "application/json"}
        for path, mime in expected.items():
            with urllib.request.urlopen(url + path, timeout=10) as response:
                assert response.headers.get_content_type() == mime, path
                csp = response.headers["Content-Security-Policy"]
                assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "frame-ancestors 'none'" in csp
    finally:
        server.shutdown()
        server.server_close()


def test_serve_without_a_build_says_to_build_first(tmp_path):
    with pytest.raises(WebappError, match="build it first"):
        serve_in_thread(tmp_path / "dist")


# ---- getting the wheels ---------------------------------------------------------------------------------

def fake_lock(**files):
    """A lock naming files by content, for exercising download / cache / verification without the real wheels."""
    return {"info": {}, "packages": {
        name: {"name": name, "file_name": f"{name}-1.0-py3-none-any.whl", "sha256": hashlib.sha256(data).hexdigest(),
               "depends": []} for name, data in files.items()}}


@pytest.fixture
def fake_cdn(tmp_path, monkeypatch):
    """A local folder served over HTTP in place of Pyodide's CDN."""
    import functools
    import http.server
    import threading

    from webapp import pyodide_packages

    root = tmp_path / "cdn"
    (root / "v9.9.9" / "full").mkdir(parents=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(pyodide_packages, "CDN_TEMPLATE",
                        f"http://127.0.0.1:{server.server_address[1]}/v{{version}}/full/")
    yield root / "v9.9.9" / "full"
    server.shutdown()
    server.server_close()


def test_download_verifies_caches_and_then_works_offline(fake_cdn, tmp_path):
    from webapp.pyodide_packages import gather_wheels

    lock = fake_lock(alpha=b"alpha wheel", beta=b"beta wheel")
    for name, entry in lock["packages"].items():
        (fake_cdn / entry["file_name"]).write_bytes(f"{name} wheel".encode())
    cache = tmp_path / "cache"
    found = gather_wheels(lock, ["alpha", "beta"], version="9.9.9", cache_dir=cache, download=True, log=quiet)
    assert found["alpha"].read_bytes() == b"alpha wheel" and found["alpha"].parent == cache / "9.9.9"
    for path in fake_cdn.iterdir():
        path.unlink()  # the CDN is gone: the verified cache is enough
    again = gather_wheels(lock, ["alpha", "beta"], version="9.9.9", cache_dir=cache, download=False, log=quiet)
    assert again == found


def test_a_download_with_the_wrong_hash_is_refused_and_not_cached(fake_cdn, tmp_path):
    from webapp.pyodide_packages import gather_wheels

    lock = fake_lock(alpha=b"the real bytes")
    (fake_cdn / lock["packages"]["alpha"]["file_name"]).write_bytes(b"tampered bytes")
    with pytest.raises(WebappError, match="refusing it"):
        gather_wheels(lock, ["alpha"], version="9.9.9", cache_dir=tmp_path / "cache", download=True, log=quiet)
    assert not any((tmp_path / "cache" / "9.9.9").iterdir())


def test_an_unreachable_cdn_fails_fast_with_the_alternatives(tmp_path, monkeypatch):
    import time

    from webapp import pyodide_packages

    monkeypatch.setattr(pyodide_packages, "CDN_TEMPLATE", "http://127.0.0.1:9/v{version}/full/")  # nothing listens
    start = time.monotonic()
    with pytest.raises(WebappError, match="unreachable.*--pyodide-packages"):
        pyodide_packages.gather_wheels(fake_lock(alpha=b"x"), ["alpha"], version="9.9.9",
                                       cache_dir=tmp_path / "cache", download=True, log=quiet)
    assert time.monotonic() - start < pyodide_packages.CONNECT_TIMEOUT_S + 5


def test_a_release_folder_supplies_the_wheels(tmp_path):
    from webapp.pyodide_packages import gather_wheels

    lock = fake_lock(alpha=b"alpha wheel")
    release = tmp_path / "pyodide" / "full"  # the layout of an unpacked release archive also works
    release.mkdir(parents=True)
    (release / lock["packages"]["alpha"]["file_name"]).write_bytes(b"alpha wheel")
    found = gather_wheels(lock, ["alpha"], version="9.9.9", cache_dir=tmp_path / "cache",
                          release_dir=tmp_path / "pyodide", log=quiet)
    assert found["alpha"].read_bytes() == b"alpha wheel"


def test_build_passes_the_model_cards_uncertainty_threshold_to_the_page(built_site, site_model):
    card = Path(site_model[0]).parent / "card.json"
    info = json.loads((built_site / "build-info.json").read_text(encoding="utf-8"))
    expected = (json.loads(card.read_text(encoding="utf-8"))["metrics"]["calibration"]["uncertain_below"]
                if card.is_file() else None)
    assert info["runtime"]["uncertainBelow"] == expected
