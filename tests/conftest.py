"""Shared fixtures.

Browser tests (``tests/test_browser.py``, ``tests/test_webapp_build.py``): the site is built ONCE per session
into a temporary folder and served from a thread on a free localhost port; one Debian chromium is driven by
Playwright for the whole session, with a fresh context (own cache and service workers) per test.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# ---- browser tests --------------------------------------------------------------------------------------

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


def chromium_executable():
    """Debian's chromium (``apt-get install chromium``); never Playwright's downloaded browsers."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="session")
def chromium():
    """A launched chromium (Playwright ``Browser``), shared by the session."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'")
    executable = chromium_executable()
    if executable is None:
        pytest.skip("chromium is not installed: `apt-get install -y chromium` (scripts/setup.sh --browser does it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def run_keras(*args, timeout=600):
    """Run ``tests/keras_reference.py`` in a subprocess (TensorFlow stays out of the test process)."""
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tests" / "keras_reference.py"), *map(str, args)],
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"keras_reference.py {args[0]} failed:\n{result.stderr[-3000:]}")


def _tensorflow_available():
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("tensorflow", "keras", "tensorflowjs"))


@pytest.fixture(scope="session")
def site_model(tmp_path_factory):
    """``(tfjs folder, model.keras or None)`` of the model the test site ships.

    The real one (``models/current``) when training and the converter have produced it; otherwise a tiny
    dev model built with Keras + the converter's own functions (so the TF.js path is still exercised).
    """
    models = REPO_ROOT / "models"
    pointer = models / "current"
    if pointer.is_file():
        version = pointer.read_text(encoding="utf-8").strip()
        tfjs = models / version / "tfjs"
        if (tfjs / "manifest.json").is_file():
            keras_file = models / version / "model.keras"
            return tfjs, keras_file if keras_file.is_file() else None
    if not _tensorflow_available():
        pytest.skip("no converted model (models/current → <version>/tfjs) and no TensorFlow to build a dev model: "
                    "train and convert one, or pip install -e '.[train,convert]'")
    out = tmp_path_factory.mktemp("tiny-model")
    run_keras("tiny", out)
    return out / "tfjs", out / "model.keras"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, site_model):
    """The site built with ``--no-scientific-packages`` (the numpy wheels are not available everywhere)."""
    from webapp.build import BuildOptions, build

    out = tmp_path_factory.mktemp("site") / "dist"
    build(BuildOptions(out=out, scientific=False, model_dir=site_model[0],
                       cache_dir=tmp_path_factory.mktemp("empty-cache")), log=lambda *_: None)
    return out


@pytest.fixture(scope="session")
def site_url(built_site):
    """Base URL (ending in ``/``) of ``built_site`` served by ``webapp.serve`` in a thread."""
    from webapp.serve import serve_in_thread

    server, url = serve_in_thread(built_site)
    yield url
    server.shutdown()
    server.server_close()


def pyodide_wheel_source():
    """``(kind, detail)`` of where the numpy / scikit-image wheels can come from, or None when nowhere.

    ``INKCALC_PYODIDE_PACKAGES=DIR`` (an unpacked Pyodide release), or a complete cache left by
    ``python -m webapp build --download-packages``.
    """
    from webapp.pyodide_packages import SCIENTIFIC_ROOTS, dependency_closure, read_stock_lock, site_view

    env = os.environ.get("INKCALC_PYODIDE_PACKAGES")
    if env:
        return "release", Path(env)
    lock, version = read_stock_lock(REPO_ROOT / "node_modules" / "pyodide")
    cache = REPO_ROOT / ".cache" / "pyodide-packages"
    names = dependency_closure(site_view(lock), SCIENTIFIC_ROOTS)
    if all((cache / version / lock["packages"][n]["file_name"]).is_file() for n in names):
        return "cache", cache
    return None


@pytest.fixture(scope="session")
def full_site(tmp_path_factory, site_model):
    """The site WITH numpy / scikit-image, served; skipped when the wheels are not available here."""
    from webapp.build import BuildOptions, build
    from webapp.serve import serve_in_thread

    source = pyodide_wheel_source()
    if source is None:
        reason = ("the Pyodide numpy / scikit-image wheels are not available: set INKCALC_PYODIDE_PACKAGES to an "
                  "unpacked Pyodide 314.0.7 release, or run `python -m webapp build --download-packages` once "
                  "(fills .cache/pyodide-packages)")
        if os.environ.get("INKCALC_REQUIRE_FULL_BROWSER_TEST"):
            pytest.fail(f"INKCALC_REQUIRE_FULL_BROWSER_TEST is set but {reason}")
        pytest.skip(reason)
    tfjs_dir = site_model[0]
    if json.loads((tfjs_dir / "manifest.json").read_text(encoding="utf-8")).get("version") == "dev-tiny":
        pytest.skip("only the untrained dev model exists (no models/current): it cannot read drawings; train and "
                    "convert a model first")
    kind, path = source
    out = tmp_path_factory.mktemp("full-site") / "dist"
    options = BuildOptions(out=out, model_dir=site_model[0])
    if kind == "release":
        options.pyodide_packages = path
        options.cache_dir = tmp_path_factory.mktemp("wheel-cache")
    else:
        options.cache_dir = path
    build(options, log=lambda *_: None)
    server, url = serve_in_thread(out)
    yield url
    server.shutdown()
    server.server_close()


# ---- composed expressions for the end-to-end and photo-like input tests -----------------------------------

@pytest.fixture(scope="session")
def digits():
    """MNIST **test** digits by label (:func:`training.expression_images.digits_by_label`): what drawings are
    composed from when they go through the real model. Loaded once for the whole session."""
    from training.expression_images import digits_by_label
    from training.mnist_data import load_mnist

    mnist = load_mnist()
    return digits_by_label(mnist.test_images, mnist.test_labels)


@pytest.fixture(scope="session")
def paper_drawings(digits):
    """Twenty composed expressions, dark ink on light paper (seed 5): what the ruled-paper and desk tests put
    under their rules and on their desks."""
    import numpy as np

    from training.expression_images import compose_expression, random_expression_text

    rng = np.random.default_rng(5)
    return [compose_expression(random_expression_text(rng), digits, rng, "dark-on-light") for _ in range(20)]
