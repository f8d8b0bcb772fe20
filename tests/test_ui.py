"""The page's own behaviour in real Chromium: ink, undo/redo/clear, high-DPI, the export, the result view.

The worker is replaced by a fake `runtime-client.js` served through Playwright's routing (never a file in the
site), so these tests need no Pyodide or model and check exactly what the page sends and how it shows what
comes back. The site is served straight from a temporary copy of webapp/site.
"""

import functools
import http.server
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

SITE = Path(__file__).resolve().parents[1] / "webapp" / "site"
WORK_HEIGHT = 256   # canvas.js's WORK_HEIGHT: the height of the image sent to the recognizer

# A stand-in for runtime-client.js. It records every request on window.__calls and answers from
# window.__fake: {info, holdInit, chars, confidences, delays, error, evaluation}. Its recognizer "segments"
# the RGBA it receives into runs of inked columns, so the boxes it returns sit on the real ink.
FAKE_RUNTIME = r"""
const fake = window.__fake ?? {};
window.__calls = [];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function detectFileProtocol() { return location.protocol === 'file:'; }

function inspect({width, height, rgba}) {
  const px = new Uint8Array(rgba);
  let inked = 0, colourOnClear = 0, opaque = 0;
  const columns = new Array(width).fill(null);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = 4 * (y * width + x);
    if (px[i + 3] === 0) { if (px[i] || px[i + 1] || px[i + 2]) colourOnClear++; continue; }
    inked++;
    if (px[i + 3] === 255) opaque++;
    const c = columns[x] ?? (columns[x] = [y, y]);
    c[0] = Math.min(c[0], y); c[1] = Math.max(c[1], y);
  }
  const boxes = [];
  for (let x = 0; x < width; x++) {
    if (!columns[x]) continue;
    const last = boxes.at(-1);
    const [top, bottom] = columns[x];
    if (last && last[2] === x) last.splice(1, 3, Math.min(last[1], top), x + 1, Math.max(last[3], bottom + 1));
    else boxes.push([x, top, x + 1, bottom + 1]);
  }
  const corners = [0, width - 1, (height - 1) * width, height * width - 1].map((p) => px[4 * p + 3]);
  return {width, height, byteLength: px.byteLength, inked, opaque, colourOnClear, corners, boxes};
}

function alphaMask({width, height, rgba}) {
  const px = new Uint8Array(rgba);
  return new Uint8Array(width * height).map((_, p) => px[4 * p + 3] > 127);
}

export function createRuntime(onProgress) {
  return {
    async init() {
      onProgress({type: 'progress', stage: 'pyodide', message: 'Loading Python', fraction: 0.4});
      if (fake.holdInit) await new Promise((resolve) => { window.__releaseInit = resolve; });
      return fake.info ?? {appVersion: '9.9.9', modelVersion: 'test-model', backend: 'cpu', canRecognize: true,
                           reason: null};
    },
    async recognize(args) {
      const n = window.__calls.filter((c) => c.op === 'recognize').length;
      const seen = inspect(args);
      window.__calls.push({op: 'recognize', ...seen});
      await sleep(fake.delays?.[n] ?? 0);
      const chars = fake.chars ?? [];
      const symbols = seen.boxes.map((box, i) => ({
        char: chars[i] ?? '1', confidence: fake.confidences?.[i] ?? 0.99, box, source: fake.sources?.[i] ?? 'cnn',
        gap_before: i === 1,
        raised: (fake.raised ?? []).includes(i), role: fake.roles?.[i] ?? '', line: fake.linesOf?.[i] ?? 0,
        alternatives: [{char: '7', confidence: 0.05}, {char: '2', confidence: 0.01}],
      }));
      const expression = fake.expression ?? `reply ${n}: ` + symbols.map((s) => s.char).join('');
      const error = fake.error ? {...fake.error, box: symbols[fake.error.symbol_index]?.box ?? null} : null;
      return {
        expression, value: error ? null : (fake.value ?? '7/2'), decimal: error ? null : (fake.decimal ?? '3.5'),
        display: error ? null : (fake.display ?? '7/2 = 3.5'), approximate: fake.approximate ?? false,
        steps: ['3−1 = 2', '7×2 = 14'],
        error, symbols, tree: fake.tree ?? {number: '7'}, corrections: fake.corrections ?? [],
        tokens: fake.tokens ?? [{kind: 'number', text: '7', symbols: [0]}],
        timings_ms: {segment: 1}, tilt_deg: fake.tilt_deg ?? 0.0, ruled_lines: fake.ruled_lines ?? 0,
        lines: fake.lines ?? 1, results: fake.results ?? [],
        crops: new Float32Array(symbols.length * 784)
          .map((_, p) => (fake.blank ?? []).includes(Math.floor(p / 784)) ? 0 : 0.5),
        mask: {width: args.width, height: args.height, data: alphaMask(args)},
      };
    },
    async evaluate(args) {
      window.__calls.push({op: 'evaluate', args});
      return fake.evaluation ?? {expression: 'edited', value: '26', decimal: '26', display: '26', error: null,
                                  tokens: [], tree: {number: '26'}, steps: ['7 × 2 = 14']};
    },
  };
}
"""


@pytest.fixture(scope="module")
def page_site(tmp_path_factory):
    """``(url of index.html, folder)`` of a copy of webapp/site, unbuilt, served from a thread."""
    root = tmp_path_factory.mktemp("page-site")
    shutil.copytree(SITE, root, dirs_exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html", root
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_page(chromium, page_site):
    contexts = []

    def open_page(fake=None, viewport=(1000, 800), scale=1):
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      device_scale_factor=scale)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        # Resource failures are judged by URL below: the icons exist only in a build, not in webapp/site.
        page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
                and page.errors.append(m.text))
        page.on("response", lambda r: r.status >= 400 and "/icons/" not in r.url
                and page.errors.append(f"{r.status} {r.url}"))
        page.add_init_script(f"window.__fake = {json.dumps(fake or {})};")
        page.route("**/runtime-client.js", lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=FAKE_RUNTIME))
        page.goto(page_site[0])
        page.wait_for_function("() => document.getElementById('ink').width > 1")
        return page

    yield open_page
    for context in contexts:
        context.close()


def surface(page):
    return page.eval_on_selector("#ink", "c => { const r = c.getBoundingClientRect(); "
                                         "return {x: r.x, y: r.y, width: r.width, height: r.height}; }")


def draw(page, points):
    """One stroke through `points`, given as fractions of the surface's width and height."""
    box = surface(page)
    xy = [(box["x"] + fx * box["width"], box["y"] + fy * box["height"]) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for x, y in xy[1:]:
        page.mouse.move(x, y, steps=8)
    page.mouse.up()


def inked_pixels(page):
    return page.evaluate("""() => { const c = document.getElementById('ink');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")


def line_thickness(page, fx):
    """Rows of (mostly) opaque ink crossing the backing-store column at fraction fx, in device pixels."""
    return page.evaluate("""(fx) => { const c = document.getElementById('ink');
        const x = Math.round(fx * c.width); const d = c.getContext('2d').getImageData(x, 0, 1, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 127) n++; return n; }""", fx)


def calls(page, op):
    return [c for c in page.evaluate("window.__calls") if c["op"] == op]


def test_mouse_strokes_undo_redo_and_clear_by_buttons_and_keyboard(open_page):
    page = open_page()
    assert inked_pixels(page) == 0
    assert page.is_disabled("#undo") and page.is_disabled("#clear")
    draw(page, [(0.2, 0.3), (0.3, 0.7)])
    one = inked_pixels(page)
    assert one > 100
    draw(page, [(0.5, 0.3), (0.6, 0.7)])
    two = inked_pixels(page)
    assert two > one * 1.5

    page.click("#undo")
    assert inked_pixels(page) == one
    page.click("#redo")
    assert inked_pixels(page) == two
    page.keyboard.press("Control+z")
    assert inked_pixels(page) == one
    page.keyboard.press("Control+Shift+z")
    assert inked_pixels(page) == two
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+y")
    assert inked_pixels(page) == two

    page.click("#clear")
    assert inked_pixels(page) == 0
    assert page.is_visible("#placeholder")
    page.keyboard.press("Control+z")   # clearing is undoable
    assert inked_pixels(page) == two
    assert page.errors == []


def test_touch_draws_and_a_second_finger_does_not(open_page):
    page = open_page(viewport=(390, 844))
    box = surface(page)
    x, y = box["x"] + 100, box["y"] + 100
    cdp = page.context.new_cdp_session(page)

    def touch(kind, *points):
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [
            {"x": px, "y": py, "id": i} for i, (px, py) in enumerate(points)]})

    touch("touchStart", (x, y))
    for step in range(1, 11):
        touch("touchMove", (x + 8 * step, y + 12 * step))
    touch("touchStart", (x, y + 12 * 10), (x + 200, y))           # a second finger joins
    touch("touchMove", (x + 80, y + 120), (x + 200, y + 150))
    touch("touchEnd")
    page.wait_for_function("() => !document.getElementById('undo').disabled")
    inked = inked_pixels(page)
    assert inked > 300
    # Only the first finger wrote: nothing at the second finger's path.
    assert page.evaluate("""([x, y]) => { const c = document.getElementById('ink');
        return c.getContext('2d').getImageData(x, y, 1, 1).data[3]; }""",
        [200 * 1 + 100, 100 + 75]) == 0
    page.click("#undo")
    assert inked_pixels(page) == 0


def test_pen_width_scales_with_the_surface(open_page):
    widths = {}
    for viewport in [(1280, 1000), (390, 500)]:
        page = open_page(viewport=viewport)
        height = surface(page)["height"]
        draw(page, [(0.1, 0.5), (0.9, 0.5)])
        widths[height] = line_thickness(page, 0.5)
        expected = min(12, max(3, 0.02 * height))
        assert abs(widths[height] - expected) <= 1.5, (height, widths[height], expected)
    small, large = sorted(widths)
    assert widths[large] > widths[small] + 2


def test_high_dpi_backing_store_is_one_pixel_per_device_pixel(open_page):
    page = open_page(viewport=(800, 700), scale=2)
    size = page.eval_on_selector("#ink", "c => ({w: c.width, h: c.height, "
                                         "cw: c.getBoundingClientRect().width, ch: c.getBoundingClientRect().height})")
    assert size["w"] == round(2 * size["cw"]) and size["h"] == round(2 * size["ch"])
    draw(page, [(0.1, 0.5), (0.9, 0.5)])
    pen = min(12, max(3, 0.02 * size["ch"]))
    # Drawn in CSS pixels through the context transform: twice as many device rows, and sharp edges.
    assert abs(line_thickness(page, 0.5) - 2 * pen) <= 2


def test_ink_is_scaled_to_stay_visible_when_the_surface_shrinks_and_restored_after(open_page):
    page = open_page(viewport=(390, 844))
    draw(page, [(0.5, 0.2), (0.5, 0.9)])
    before = inked_pixels(page)
    page.wait_for_selector("#expression .symbol")
    page.set_viewport_size({"width": 844, "height": 390})   # the phone turned to landscape
    page.wait_for_function("() => document.getElementById('ink').height < 300")
    box = surface(page)
    bottom = page.evaluate("""() => { const c = document.getElementById('ink');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let last = -1; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) last = Math.floor(i / 4 / c.width);
        return last; }""")
    assert 0.5 * box["height"] < bottom < box["height"] - 2            # the whole stroke is on the smaller surface
    page.wait_for_function("() => window.__calls.filter(c => c.op === 'recognize').length === 2")
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.getElementById('ink').height > 400")
    assert abs(inked_pixels(page) - before) < 0.02 * before   # back at its own size


def test_file_protocol_shows_how_to_serve(chromium, page_site):
    page = chromium.new_page()
    try:
        page.goto((page_site[1] / "index.html").as_uri())
        message = page.locator("#boot-fallback, #notice").filter(has_text="file://")
        message.first.wait_for(state="visible", timeout=5000)
        assert "python -m webapp serve" in message.first.inner_text()
    finally:
        page.close()


def test_export_is_transparent_rgba_at_the_working_scale(open_page):
    page = open_page(viewport=(1000, 800))
    box = surface(page)
    draw(page, [(0.3, 0.4), (0.4, 0.6)])
    page.wait_for_function("() => window.__calls.some(c => c.op === 'recognize')")
    sent = calls(page, "recognize")[0]
    assert sent["height"] == WORK_HEIGHT
    assert sent["width"] == round(box["width"] * WORK_HEIGHT / box["height"])
    assert sent["byteLength"] == 4 * sent["width"] * sent["height"]
    assert sent["corners"] == [0, 0, 0, 0]          # transparent background
    assert sent["colourOnClear"] == 0
    assert sent["opaque"] > 50                       # solid ink with round, anti-aliased edges
    assert sent["inked"] < 0.05 * sent["width"] * sent["height"]
    assert len(sent["boxes"]) == 1
    x0, y0, x1, y1 = sent["boxes"][0]
    assert abs(y0 / WORK_HEIGHT - 0.4) < 0.03 and abs(y1 / WORK_HEIGHT - 0.6) < 0.03


def test_result_uncertain_symbol_error_box_alternatives_and_steps(open_page):
    page = open_page(fake={"chars": ["7", "+", "2"], "confidences": [0.99, 0.99, 0.5],
                           "error": {"message": "nothing follows this operator", "symbol_index": 1}})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for x in (0.2, 0.45, 0.7):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=2")
    symbols = page.locator("#expression .symbol")
    assert symbols.all_inner_texts() == ["7", "+", "2"]
    assert "uncertain" in symbols.nth(2).get_attribute("class")
    assert "error" in symbols.nth(1).get_attribute("class")
    assert page.inner_text("#error") == "Nothing follows this operator"

    # The error box sits on the second stroke, in CSS pixels over the surface.
    box = surface(page)
    highlight = page.locator("#overlay .box.error").bounding_box()
    centre = (highlight["x"] + highlight["width"] / 2 - box["x"]) / box["width"]
    assert abs(centre - 0.475) < 0.03
    assert page.locator("#overlay .box-label").inner_text() == "Nothing follows this operator"
    assert page.locator("#overlay .box.uncertain").count() == 1

    # Choosing an alternative (by keyboard) re-evaluates the edited symbols.
    symbols.nth(2).focus()
    page.keyboard.press("Enter")
    page.locator("#alternatives").wait_for(state="visible")
    page.keyboard.press("Escape")                       # closing gives focus back to the symbol
    page.locator("#alternatives").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.symbolIndex") == "2"
    page.keyboard.press("Enter")
    page.locator("#alternatives").wait_for(state="visible")
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [s["char"] for s in sent] == ["7", "+", "7"]
    assert [s["gap_before"] for s in sent] == [False, True, False]
    page.wait_for_function("() => document.getElementById('value').textContent === '= 26'")
    assert page.evaluate("document.activeElement.dataset.symbolIndex") == "2"   # focus kept on the symbol
    assert "edited" in symbols.nth(2).get_attribute("class")
    assert page.is_hidden("#error") and page.locator("#overlay .box").count() == 0

    page.click("#copy")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("navigator.clipboard.readText()").endswith("= 26")

    page.click("#steps-panel summary")
    page.wait_for_selector("#steps .crop")
    assert page.locator("#steps .crop").count() == 3
    assert page.locator("#steps .crop-image").count() == 3
    assert page.locator("#steps .mask-boxes rect").count() == 3
    assert page.inner_text("#steps .eval-steps") == "7 × 2 = 14"
    assert "turned level" not in page.inner_text("#steps .mask-figure figcaption")
    assert page.errors == []


def test_an_exponent_is_shown_raised_and_stays_raised_when_corrected(open_page):
    page = open_page(fake={"chars": ["2", "3", "+", "1"], "raised": [1], "expression": "2^3+1", "value": "9",
                           "display": "9"})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for x in (0.2, 0.35, 0.5, 0.65):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=3")
    symbols = page.locator("#expression .symbol")
    assert "raised" in symbols.nth(1).get_attribute("class")
    assert "raised" not in symbols.nth(0).get_attribute("class")
    base, exponent = symbols.nth(0).bounding_box(), symbols.nth(1).bounding_box()
    assert exponent["y"] < base["y"] and exponent["height"] < base["height"]
    assert symbols.nth(1).get_attribute("aria-label").startswith("to the power 3")
    page.click("#copy")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == "2³+1 = 9"

    symbols.nth(1).click()
    assert page.get_attribute("#alternatives .exponent-toggle", "aria-pressed") == "true"
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.filter(c => c.op === 'evaluate').length === 1")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [(s["char"], s["raised"]) for s in sent] == [("2", False), ("7", True), ("+", False), ("1", False)]

    # A hurried 27 read as 2⁷: the picker's toggle writes the 7 back on the line.
    page.wait_for_function("() => !document.getElementById('result-card').classList.contains('stale')")
    symbols.nth(1).click()
    page.click("#alternatives .exponent-toggle")
    page.wait_for_function("() => window.__calls.filter(c => c.op === 'evaluate').length === 2")
    sent = calls(page, "evaluate")[1]["args"]["symbols"]
    assert [(s["char"], s["raised"]) for s in sent] == [("2", False), ("7", False), ("+", False), ("1", False)]
    assert "raised" not in symbols.nth(1).get_attribute("class")
    assert "edited" in symbols.nth(1).get_attribute("class")
    symbols.nth(0).click()
    assert page.get_attribute("#alternatives .exponent-toggle", "aria-pressed") == "false"
    page.keyboard.press("Escape")
    symbols.nth(2).click()                                   # a + cannot be an exponent: no toggle
    page.locator("#alternatives").wait_for(state="visible")
    assert page.locator("#alternatives .exponent-toggle").count() == 0
    assert page.errors == []


def test_a_stacked_fraction_is_shown_stacked_and_its_roles_go_back_with_a_correction(open_page):
    page = open_page(fake={"chars": ["2", "+", "1", "/", "3"], "roles": ["", "", "numerator", "fraction",
                                                                         "denominator"],
                           "expression": "2+(1/3)", "value": "7/3", "display": "7/3 ≈ 2.333333333"})
    # As the fake segments columns, the stack is drawn left to right: numerator high, bar, denominator low.
    for x, top, bottom in ((0.2, 0.4, 0.5), (0.3, 0.42, 0.48), (0.4, 0.1, 0.3), (0.5, 0.44, 0.46), (0.6, 0.65, 0.85)):
        draw(page, [(x, top), (x + 0.05, bottom)])
    page.wait_for_selector("#expression .fraction .symbol.bar")
    numerator = page.locator("#expression .fraction-numerator .symbol").bounding_box()
    bar = page.locator("#expression .fraction-bar .symbol").bounding_box()
    denominator = page.locator("#expression .fraction-denominator .symbol").bounding_box()
    assert numerator["y"] + numerator["height"] <= bar["y"] + 1 and bar["y"] + bar["height"] <= denominator["y"] + 1
    assert bar["width"] >= numerator["width"] - 1
    assert page.locator("#expression .fraction-bar .symbol").get_attribute("aria-label").startswith(
        "the fraction bar, divided by")
    # The answer is written at the height of the line, not of the stack: centred on the line's middle rows.
    answer = page.locator("#overlay .inline-answer").bounding_box()
    box = surface(page)
    assert abs((answer["y"] + answer["height"] / 2 - box["y"]) / box["height"] - 0.45) < 0.06
    assert answer["height"] < 0.2 * box["height"]   # sized by the line (0.1 high), not the stack (0.75)
    page.locator("#expression .fraction-denominator .symbol").click()
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [(s["char"], s["role"]) for s in sent] == [
        ("2", ""), ("+", ""), ("1", "numerator"), ("/", "fraction"), ("7", "denominator")]
    assert page.errors == []


def test_a_square_root_is_shown_with_its_bar_over_what_it_covers(open_page):
    page = open_page(fake={"chars": ["3", "+", "√", "4", "9"], "roles": ["", "", "radical", "radicand", "radicand"],
                           "expression": "3+sqrt(49)", "value": "10", "display": "10",
                           "tree": {"op": "+", "left": {"number": "3"}, "implicit": False,
                                    "right": {"op": "sqrt", "operand": {"number": "49"}}}})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for x in (0.2, 0.3, 0.4, 0.5, 0.6):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#expression .radicand .symbol >> nth=1")
    radical = page.locator("#expression > .symbol").nth(2)
    covered = page.locator("#expression .radicand .symbol")
    assert radical.inner_text() == "√" and covered.count() == 2
    assert radical.get_attribute("aria-label").startswith("square root of")
    assert covered.nth(0).get_attribute("aria-label").startswith("under the root, 4")
    bar = page.eval_on_selector("#expression .radicand", "e => getComputedStyle(e).borderTopStyle")
    assert bar == "solid"
    page.click("#copy")
    page.wait_for_function("() => document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == "3+√(49) = 10"
    page.click("#steps-panel summary")
    page.wait_for_selector("#steps .tree")
    assert "√ (square root)" in page.inner_text("#steps .tree")
    covered.nth(1).click()   # a correction keeps what the bar covers
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [(s["char"], s["role"]) for s in sent] == [
        ("3", ""), ("+", ""), ("√", "radical"), ("4", "radicand"), ("7", "radicand")]
    assert page.errors == []


def test_a_square_root_in_a_stacked_fraction_is_shown_under_its_bar_in_the_numerator(open_page):
    roles = ["numerator", "numerator", "numerator radical", "numerator radicand", "fraction", "denominator"]
    page = open_page(fake={"chars": ["1", "+", "√", "5", "/", "2"], "roles": roles,
                           "expression": "((1+sqrt(5))/2)", "value": "1.618033989", "decimal": "1.618033989…",
                           "display": "≈ 1.618033989", "approximate": True})
    for x, top, bottom in ((0.2, 0.1, 0.3), (0.3, 0.15, 0.25), (0.4, 0.1, 0.3), (0.5, 0.1, 0.3), (0.6, 0.44, 0.46),
                           (0.7, 0.65, 0.85)):
        draw(page, [(x, top), (x + 0.05, bottom)])
    page.wait_for_selector("#expression .fraction-numerator .radicand .symbol")
    over = page.locator("#expression .fraction-numerator > .symbol")
    assert [over.nth(i).inner_text() for i in range(over.count())] == ["1", "+", "√"]
    covered = page.locator("#expression .fraction-numerator .radicand .symbol")
    assert covered.count() == 1 and covered.inner_text() == "5"
    assert covered.get_attribute("aria-label").startswith("over the bar, under the root, 5")
    assert page.locator("#expression .fraction-denominator .symbol").inner_text() == "2"
    assert page.locator("#expression > .radicand").count() == 0   # not on the line after the fraction
    bar = page.locator("#expression .fraction-bar .symbol").bounding_box()
    five = covered.bounding_box()
    assert five["y"] + five["height"] <= bar["y"] + 1
    covered.click()   # a correction keeps both places of what the bar covers
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [s["role"] for s in sent] == roles and sent[3]["char"] == "7"
    assert page.errors == []


def test_an_approximate_answer_is_shown_after_an_approximately_equal_sign(open_page):
    page = open_page(fake={"chars": ["√", "2"], "roles": ["radical", "radicand"], "expression": "sqrt(2)",
                           "value": "1.414213562", "decimal": "1.414213562…", "display": "≈ 1.414213562",
                           "approximate": True})
    for x in (0.3, 0.4):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#value .exact")
    assert page.inner_text("#value").replace("\n", "") == "≈ 1.414213562"
    assert page.inner_text("#overlay .inline-answer") == "≈ 1.414213562"
    assert page.errors == []


def test_the_answer_is_written_after_the_expression_on_the_surface(open_page):
    page = open_page(fake={"chars": ["7", "+", "2"], "value": "7/2", "display": "7/2 = 3.5"})
    for x in (0.2, 0.3, 0.4):
        draw(page, [(x, 0.3), (x + 0.03, 0.6)])
    answer = page.locator("#overlay .inline-answer")
    answer.wait_for()
    assert answer.inner_text() == "= 7/2"                   # the exact value; the card adds "= 3.5"
    box, at = surface(page), answer.bounding_box()
    left = (at["x"] - box["x"]) / box["width"]
    middle = (at["y"] + at["height"] / 2 - box["y"]) / box["height"]
    assert 0.43 < left < 0.5 and abs(middle - 0.45) < 0.04   # just right of the last stroke, at the line's height
    line_height = 0.3 * box["height"]
    font = float(answer.evaluate("a => getComputedStyle(a).fontSize").removesuffix("px"))
    assert font == pytest.approx(min(96, max(16, 0.7 * line_height)), rel=0.1)
    assert answer.get_attribute("aria-hidden") == "true"     # the result card says it to screen readers

    # After a written "=", only the value; at the right edge, under the line and inside the surface.
    page = open_page(fake={"chars": ["7", "+", "2", "="], "value": "9", "display": "9"})
    for x in (0.7, 0.78, 0.86, 0.93):
        draw(page, [(x, 0.3), (x + 0.03, 0.6)])
    answer = page.locator("#overlay .inline-answer")
    answer.wait_for()
    assert answer.inner_text() == "9"
    box, at = surface(page), answer.bounding_box()
    assert at["y"] > box["y"] + 0.6 * box["height"] and at["x"] + at["width"] <= box["x"] + box["width"]

    # A huge value stays on the surface, cut short; the card has it whole.
    page = open_page(fake={"chars": ["9"], "value": "9" * 400, "display": "9" * 400})
    draw(page, [(0.2, 0.3), (0.23, 0.6)])
    answer = page.locator("#overlay .inline-answer")
    answer.wait_for()
    box, at = surface(page), answer.bounding_box()
    assert box["x"] <= at["x"] and at["x"] + at["width"] <= box["x"] + box["width"]
    assert page.inner_text("#value").count("9") == 400

    # An equation gets its tick or cross; an error, no answer at all.
    page = open_page(fake={"chars": ["4", "=", "4"], "value": "false", "display": "false: 3 ≠ 4"})
    draw(page, [(0.2, 0.3), (0.23, 0.6)])
    page.locator("#overlay .inline-answer").wait_for()
    assert page.locator("#overlay .inline-answer").inner_text() == "✗"
    page = open_page(fake={"chars": ["7", "+"], "error": {"message": "nothing follows", "symbol_index": 1}})
    draw(page, [(0.2, 0.3), (0.23, 0.6)])
    draw(page, [(0.4, 0.3), (0.43, 0.6)])
    page.locator("#overlay .box.error").wait_for()
    assert page.locator("#overlay .inline-answer").count() == 0
    assert page.errors == []


def test_the_answer_to_a_column_of_numbers_is_written_under_it(open_page):
    """12 over +34 (py_pipeline/columns.py): the answer goes under the column, aligned right with its numbers,
    without the "=" a rule drawn under it stands for; on one line it would go right of the 4. (The fake runtime
    cuts the strokes by columns of ink: three symbols, the last one here a + the layout implies.)"""
    page = open_page(fake={"chars": ["1", "2", "+"], "expression": "12+34", "value": "46", "display": "46",
                           "lines": 2, "sources": ["cnn", "cnn", "geometry"], "blank": [2]})
    for x in (0.5, 0.56):
        draw(page, [(x, 0.15), (x + 0.02, 0.3)])
    for x in (0.44, 0.5, 0.56):
        draw(page, [(x, 0.4), (x + 0.02, 0.55)])
    answer = page.locator("#overlay .inline-answer")
    answer.wait_for()
    assert answer.inner_text() == "46"
    box, at = surface(page), answer.bounding_box()
    right = (at["x"] + at["width"] - box["x"]) / box["width"]
    top = (at["y"] - box["y"]) / box["height"]
    assert abs(right - 0.585) < 0.02 and top > 0.6, (right, top)
    line_height = 0.15 * box["height"]
    font = float(answer.evaluate("a => getComputedStyle(a).fontSize").removesuffix("px"))
    assert font == pytest.approx(min(96, max(16, 0.7 * line_height)), rel=0.2)

    # A + the column implies has no ink: the steps show it as from the layout, not as a black crop.
    page.click("#steps-panel summary")
    page.wait_for_selector("#steps .crop")
    crops = page.locator("#steps .crop")
    assert crops.count() == 3 and page.locator("#steps .crop-image").count() == 2
    assert crops.nth(2).locator(".crop-placeholder").inner_text() == "layout"
    assert "from the layout" in crops.nth(2).inner_text()
    assert page.errors == []


def _line(expression, value, first, stop, error=None):
    """One line's result, as py_pipeline/line_by_line.py gives it."""
    return {"expression": expression, "value": value, "decimal": value, "display": value, "error": error,
            "tokens": [], "tree": value and {"number": value}, "steps": [f"{expression}{value}"] if value else [],
            "symbols": [first, stop]}


def test_lines_calculated_one_by_one_get_an_answer_each(open_page):
    """7= over 2+ (py_pipeline/line_by_line.py): the first line's answer is written after it, the second
    line's error is pointed at and said, and the card has a row for each. Correcting the second line sends
    every symbol with its line, to be calculated line by line again, and then both have an answer. (The fake
    runtime cuts the strokes by columns of ink, so the lines are drawn apart.)"""
    error = {"message": "the expression ends with '+': write a number after it", "symbol_index": 3}
    page = open_page(fake={
        "chars": ["7", "=", "2", "+"], "linesOf": [0, 0, 1, 1], "lines": 2, "expression": "7=\n2+",
        "error": error, "results": [_line("7=", "7", 0, 2), _line("2+", None, 2, 4, error)],
        "evaluation": {"expression": "7=\n2+7", "value": None, "decimal": None, "display": None, "error": None,
                       "tokens": [], "tree": None, "steps": [],
                       "results": [_line("7=", "7", 0, 2), _line("2+7", "9", 2, 4)]}})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    for x in (0.2, 0.26):
        draw(page, [(x, 0.15), (x + 0.02, 0.3)])
    for x in (0.5, 0.56):
        draw(page, [(x, 0.5), (x + 0.02, 0.65)])
    page.wait_for_selector("#value .value-row >> nth=1")
    rows = page.locator("#value .value-row")
    assert rows.nth(0).inner_text() == "7 = 7"
    assert "row-error" in rows.nth(1).get_attribute("class")
    assert rows.nth(1).inner_text() == "2+ — the expression ends with '+': write a number after it"
    # The expression breaks where the writing does; the error is the second line's +.
    assert page.locator("#expression .line-break").count() == 1
    assert page.evaluate("""() => [...document.querySelectorAll('#expression > *')].map(e => e.className)
                            .indexOf('line-break')""") == 2
    assert page.locator("#expression .symbol.error").get_attribute("data-symbol-index") == "3"
    assert page.locator("#overlay .box.error").count() == 1
    answer = page.locator("#overlay .inline-answer")
    assert answer.count() == 1 and answer.inner_text() == "7"   # after a written =: the value alone
    box, at = surface(page), answer.bounding_box()
    assert (at["x"] - box["x"]) / box["width"] > 0.28 and (at["y"] + at["height"] - box["y"]) / box["height"] < 0.4

    page.locator("#expression .symbol").nth(3).click()
    page.locator("#alternatives").wait_for(state="visible")
    page.locator("#alternatives .alternative", has_text="7").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]
    assert sent["eachLine"] is True and [s["line"] for s in sent["symbols"]] == [0, 0, 1, 1]
    page.wait_for_function("() => document.querySelectorAll('#overlay .inline-answer').length === 2")
    assert page.locator("#overlay .inline-answer").all_inner_texts() == ["7", "= 9"]
    assert page.is_hidden("#error") and page.locator("#overlay .box.error").count() == 0
    page.click("#copy")
    assert page.evaluate("navigator.clipboard.readText()") == "7 = 7\n2+7 = 9"

    page.click("#steps-panel summary")
    page.wait_for_selector("#steps h3")
    headings = page.locator("#steps h3").all_inner_texts()
    assert "Parse tree, line 1" in headings and "Evaluation, line 2" in headings
    assert page.errors == []


def test_an_answer_with_little_room_after_its_line_is_written_smaller_on_it(open_page):
    """On a page of sums the next line is under this one: an answer too long for the room left after its line
    is written smaller there, not under the line, where the next one is."""
    page = open_page(fake={
        "chars": ["7", "=", "2", "="], "linesOf": [0, 0, 1, 1], "lines": 2, "expression": "7=\n2=",
        "results": [_line("7=", "7", 0, 2), _line("2=", "1234567", 2, 4)]})
    for x in (0.2, 0.25):
        draw(page, [(x, 0.15), (x + 0.02, 0.3)])
    for x in (0.75, 0.8):   # the second line ends near the surface's edge
        draw(page, [(x, 0.4), (x + 0.02, 0.55)])
    page.wait_for_function("() => document.querySelectorAll('#overlay .inline-answer').length === 2")
    box = surface(page)
    short, long = page.locator("#overlay .inline-answer").all()
    assert long.inner_text() == "1234567" and short.inner_text() == "7"
    at = long.bounding_box()
    middle = (at["y"] + at["height"] / 2 - box["y"]) / box["height"]
    assert abs(middle - 0.475) < 0.04 and at["x"] + at["width"] <= box["x"] + box["width"], (middle, at)
    size = [float(a.evaluate("a => getComputedStyle(a).fontSize").removesuffix("px")) for a in (long, short)]
    assert size[0] < 0.9 * size[1], size

    # With less room than half its size needs, it is cut short on its line; the card has it whole.
    page.evaluate("""() => { window.__fake.results[1].value = window.__fake.results[1].display = '1'.repeat(40); }""")
    page.click("#recognize")
    page.wait_for_function("() => document.querySelector('#overlay .inline-answer:last-child')?.textContent"
                           ".length === 40")
    long = page.locator("#overlay .inline-answer").nth(1)
    at = long.bounding_box()
    middle = (at["y"] + at["height"] / 2 - box["y"]) / box["height"]
    assert abs(middle - 0.475) < 0.04 and at["x"] + at["width"] <= box["x"] + box["width"], (middle, at)
    assert long.evaluate("a => a.scrollWidth > a.clientWidth")   # cut short: the rest is hidden behind …
    assert "1" * 40 in page.inner_text("#value")
    assert page.errors == []


def test_any_symbol_can_be_picked_when_the_guesses_miss_it(open_page):
    """A steep / read as 1 at 100% has no / among the classifier's guesses: the keypad has it."""
    page = open_page(fake={"chars": ["9", "1", "3"]})
    for x in (0.2, 0.3, 0.4):
        draw(page, [(x, 0.3), (x + 0.03, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=2")
    page.locator("#expression .symbol").nth(1).click()
    page.locator("#alternatives").wait_for(state="visible")
    listed = page.locator("#alternatives .alternative .alternative-char").all_inner_texts()
    keys = page.locator("#alternatives .keypad .key").all_inner_texts()
    assert sorted(listed) == ["1", "2", "7"]                           # the guesses, with their shares
    assert len(keys) == 20 - 3 and not set(keys) & set(listed)        # every other symbol, once
    assert {"0", "/", "(", ")", ".", "=", "×", "−", "%", "√"} <= set(keys)
    page.locator("#alternatives .key", has_text="/").click()
    page.wait_for_function("() => window.__calls.some(c => c.op === 'evaluate')")
    sent = calls(page, "evaluate")[0]["args"]["symbols"]
    assert [s["char"] for s in sent] == ["9", "/", "3"]
    assert page.errors == []


def test_the_steps_say_when_a_tilted_line_was_turned_level(open_page):
    page = open_page(fake={"chars": ["1", "2"], "tilt_deg": -6.5})
    for x in (0.3, 0.5):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=1")
    page.click("#steps-panel summary")
    page.wait_for_selector("#steps .mask-figure figcaption")
    caption = page.inner_text("#steps .mask-figure figcaption")
    assert "The line fell by 6.5° and was turned level before it was cut into symbols." in caption
    assert "printed line" not in caption
    assert page.errors == []


def test_the_steps_say_when_the_rules_of_the_paper_were_erased(open_page, tmp_path):
    page = open_page(fake={"ruled_lines": 7})
    page.set_input_files("#photo-input", _png(tmp_path / "lined.png", 600, 200))
    page.wait_for_selector("#expression .symbol")
    page.click("#steps-panel summary")
    page.wait_for_selector("#steps .mask-figure figcaption")
    caption = page.inner_text("#steps .mask-figure figcaption")
    assert "1 symbol. 7 printed lines of the paper were erased." in caption
    assert page.errors == []


@pytest.mark.parametrize("choice, word", [(2, "second"), (3, "third")])
def test_a_symbol_read_as_its_runner_up_says_so(open_page, choice, word):
    correction = {"symbol_index": 2, "read": "(", "used": "1", "confidence": 0.39, "choice": choice}
    page = open_page(fake={"chars": ["3", "-", "1"], "confidences": [0.99, 0.99, 0.39],
                           "corrections": [correction]})
    for x in (0.2, 0.45, 0.7):
        draw(page, [(x, 0.3), (x + 0.05, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=2")
    symbols = page.locator("#expression .symbol")
    assert f"read as its {word} choice" in symbols.nth(2).get_attribute("aria-label")
    assert f"Read as the {word} choice" in symbols.nth(2).get_attribute("title")
    assert symbols.nth(1).get_attribute("title") is None
    assert "choice" not in symbols.nth(1).get_attribute("aria-label")
    assert page.errors == []


def test_a_slow_older_reply_never_overwrites_a_newer_one(open_page):
    page = open_page(fake={"delays": [1500, 0]})
    page.evaluate("""() => { window.__shown = []; new MutationObserver(() => window.__shown.push(
        document.querySelectorAll('#expression .symbol').length)).observe(
        document.getElementById('expression'), {childList: true}); }""")
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    page.wait_for_function("() => window.__calls.length === 1")
    draw(page, [(0.5, 0.3), (0.55, 0.6)])
    # The second drawing is sent only once the first (slow) reply is back, and only its result is shown.
    page.wait_for_function("() => window.__calls.length === 2", timeout=5000)
    page.wait_for_function("() => document.querySelectorAll('#expression .symbol').length === 2")
    assert 1 not in page.evaluate("window.__shown")
    assert len(calls(page, "recognize")[1]["boxes"]) == 2


def test_strokes_drawn_while_loading_are_recognized_once_ready(open_page):
    page = open_page(fake={"holdInit": True})
    page.wait_for_function("() => document.getElementById('status-text').textContent === 'Loading Python'")
    assert page.is_visible("#status-progress")
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    page.wait_for_timeout(400)
    assert calls(page, "recognize") == []
    page.evaluate("window.__releaseInit()")
    page.wait_for_function("() => window.__calls.length === 1")
    page.wait_for_selector("#expression .symbol")
    assert "9.9.9" in page.inner_text("#versions") and "test-model" in page.inner_text("#versions")


def test_no_recognition_shows_the_reason_and_clearing_clears_the_result(open_page):
    page = open_page(fake={"info": {"appVersion": "1", "modelVersion": None, "backend": None,
                                    "canRecognize": False, "reason": "this build has no numpy wheel"}})
    page.wait_for_selector("#notice:not([hidden])")
    assert "this build has no numpy wheel" in page.inner_text("#notice")
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    assert page.is_disabled("#recognize")

    page = open_page()
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    page.wait_for_selector("#expression .symbol")
    page.click("#clear")
    assert page.inner_text("#expression") == "" and page.inner_text("#value") == ""
    page.wait_for_timeout(400)
    assert len(calls(page, "recognize")) == 1 and page.is_hidden("#error")


def test_a_zigzag_over_ink_scratches_it_out_and_undo_brings_it_back(open_page):
    page = open_page()
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    draw(page, [(0.6, 0.3), (0.62, 0.7)])
    both = inked_pixels(page)
    zigzag = [(0.14 + 0.14 * (k % 2), 0.26 + 0.05 * k) for k in range(10)]   # ten passes over the left stroke
    draw(page, zigzag)
    assert inked_pixels(page) == pytest.approx(both / 2, rel=0.1)          # the left stroke and the zigzag gone
    page.click("#undo")
    assert inked_pixels(page) == both                                        # one step brings it back
    page.click("#redo")

    before = inked_pixels(page)
    draw(page, [(0.34 + 0.1 * (k % 2), 0.26 + 0.05 * k) for k in range(10)])  # the same over blank surface
    assert inked_pixels(page) > before                                       # is ink, for the recognizer to judge
    page.click("#undo")
    # A digit written over ink is no scratch-out, however much it turns: a 3 over the right stroke stays.
    draw(page, [(0.56, 0.3), (0.66, 0.32), (0.6, 0.5), (0.67, 0.6), (0.56, 0.72)])
    assert inked_pixels(page) > before
    assert page.errors == []



def _evaluated(page, count):
    """The symbols (char, raised) of the `count`-th evaluate request, once it has been sent."""
    page.wait_for_function(f"() => window.__calls.filter(c => c.op === 'evaluate').length >= {count}")
    return [(s["char"], s["raised"]) for s in calls(page, "evaluate")[count - 1]["args"]["symbols"]]


def test_a_corrected_symbol_stays_corrected_when_the_drawing_is_read_again(open_page):
    """A steep / read as 1 and corrected keeps its correction as the writing goes on, through an undo, a reload
    and the history; other ink in its place does not."""
    page = open_page(fake={"chars": ["9", "1", "3", "1"]})
    for x in (0.2, 0.3, 0.4):
        draw(page, [(x, 0.3), (x + 0.03, 0.6)])
    page.wait_for_selector("#expression .symbol >> nth=2")
    page.locator("#expression .symbol").nth(1).click()
    page.locator("#alternatives .key", has_text="/").click()
    assert _evaluated(page, 1) == [("9", False), ("/", False), ("3", False)]
    page.locator("#expression .symbol").nth(2).click()
    page.click("#alternatives .exponent-toggle")                         # and the 3 is an exponent
    assert _evaluated(page, 2) == [("9", False), ("/", False), ("3", True)]

    draw(page, [(0.6, 0.3), (0.63, 0.6)])                                # writing goes on: read again,
    assert _evaluated(page, 3) == [("9", False), ("/", False), ("3", True), ("1", False)]   # corrections kept
    page.wait_for_function("() => document.querySelectorAll('#expression .symbol').length === 4")
    assert "edited" in page.locator("#expression .symbol").nth(1).get_attribute("class")
    assert page.inner_text("#value") == "= 26"                            # the corrected evaluation is shown
    page.click("#undo")
    assert _evaluated(page, 4) == [("9", False), ("/", False), ("3", True)]

    _reload(page)                                                        # the saved drawing keeps them
    assert _evaluated(page, 1) == [("9", False), ("/", False), ("3", True)]
    assert len(calls(page, "recognize")) == 1

    page.wait_for_selector("#copy:not([hidden])")
    page.click("#clear")                                                 # so does the history
    page.click("#history-summary")
    page.locator(".history-entry").first.click()
    assert _evaluated(page, 2) == [("9", False), ("/", False), ("3", True)]

    # Other ink where the / was is read afresh: undo the 3 and the /, write a stroke of the same size.
    page.wait_for_selector("#copy:not([hidden])")
    page.click("#clear")
    draw(page, [(0.2, 0.3), (0.23, 0.6)])
    draw(page, [(0.305, 0.3), (0.335, 0.6)])
    page.wait_for_function("() => document.querySelectorAll('#expression .symbol').length === 2")
    page.wait_for_timeout(300)
    assert len(calls(page, "evaluate")) == 2
    assert page.locator("#expression .symbol").all_inner_texts() == ["9", "1"]
    assert page.errors == []


@pytest.mark.parametrize("corrections", [
    "not a list",
    [{"box": [1, 2, 3], "strokes": ["0123abcd"], "char": "/", "raised": False}],
    [{"box": [1, 2, 3, 4], "strokes": ["not-hex!"], "char": "/", "raised": False}],
    [{"box": [1, 2, 3, 4], "strokes": ["0123abcd"], "char": "/" * 50, "raised": False}],
], ids=["not-a-list", "short-box", "bad-stroke-name", "long-char"])
def test_saved_corrections_that_are_not_ones_are_dropped_and_the_drawing_kept(open_page, corrections):
    page = open_page()
    saved = {"format": 1, "strokes": [{"width": 4, "points": [100, 100, 120, 300]}], "corrections": corrections}
    page.evaluate("(saved) => localStorage.setItem('inkcalc.drawing', saved)", json.dumps(saved))
    _reload(page)
    page.wait_for_selector("#expression .symbol")
    assert inked_pixels(page) > 100
    page.wait_for_timeout(300)
    assert calls(page, "evaluate") == []
    assert page.errors == []


def _reload(page):
    page.reload()
    page.wait_for_function("() => document.getElementById('ink').width > 1")


def test_the_drawing_survives_a_reload_and_is_read_again(open_page):
    page = open_page()
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    draw(page, [(0.4, 0.3), (0.5, 0.5), (0.4, 0.7)])
    drawn = inked_pixels(page)
    page.click("#undo")
    page.click("#redo")

    _reload(page)
    page.wait_for_selector("#expression .symbol")
    assert inked_pixels(page) == pytest.approx(drawn, rel=0.01)          # (saved to 1/100 px)
    assert page.is_hidden("#placeholder")
    sent = calls(page, "recognize")
    assert len(sent) == 1 and len(sent[0]["boxes"]) == 2                 # both strokes went to the recognizer
    assert page.is_disabled("#undo") and page.is_disabled("#redo")      # the undo history is not kept

    draw(page, [(0.7, 0.3), (0.72, 0.7)])                                # changes are kept too
    three = inked_pixels(page)
    _reload(page)
    assert inked_pixels(page) == pytest.approx(three, rel=0.01)

    page.click("#clear")                                                 # a cleared page stays clear
    _reload(page)
    assert inked_pixels(page) == 0 and page.is_visible("#placeholder")
    page.wait_for_timeout(400)
    assert calls(page, "recognize") == []
    assert page.errors == []


@pytest.mark.parametrize("saved", [
    "not json {",
    json.dumps({"format": 99, "strokes": [{"width": 4, "points": [10, 10, 50, 90]}]}),
    json.dumps({"format": 1, "strokes": [{"width": 4, "points": [10, 10, 50]}]}),
    json.dumps({"format": 1, "strokes": [{"width": 4, "points": [10, 10, 5e9, 90]}]}),
    json.dumps({"format": 1, "strokes": [{"width": 4, "points": [10, 10, 50, 90]}, {"width": "4"}]}),
    json.dumps({"format": 1, "strokes": [{"width": 4, "points": list(range(400_002))}]}),
], ids=["not-json", "other-format", "odd-points", "off-any-screen", "one-bad-stroke", "too-many-points"])
def test_a_saved_drawing_that_is_not_one_is_ignored(open_page, saved):
    page = open_page()
    page.evaluate("(saved) => localStorage.setItem('inkcalc.drawing', saved)", saved)
    _reload(page)
    page.wait_for_timeout(400)
    assert inked_pixels(page) == 0 and page.is_visible("#placeholder")
    assert calls(page, "recognize") == []
    draw(page, [(0.2, 0.3), (0.22, 0.7)])                                # and the page works as ever
    page.wait_for_selector("#expression .symbol")
    assert page.errors == []


def test_drawing_works_when_the_browser_refuses_storage(open_page):
    page = open_page()
    page.add_init_script("Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };")
    _reload(page)
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    page.wait_for_selector("#expression .symbol")
    assert inked_pixels(page) > 100
    assert page.errors == []


def _history(page):
    """The history entries as shown: (expression, answer) pairs, newest first; None while the panel is hidden."""
    if page.is_hidden("#history-panel"):
        return None
    return page.eval_on_selector_all(".history-entry", "bs => bs.map(b => [b.querySelector('.history-expression')"
                                                         ".textContent, b.querySelector('.history-answer').textContent])")


def test_a_cleared_calculation_goes_into_the_history_and_comes_back_from_it(open_page):
    page = open_page(fake={"value": "7/2", "display": "7/2 = 3.5"})
    assert _history(page) is None                                        # nothing calculated yet
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    draw(page, [(0.4, 0.3), (0.5, 0.5), (0.4, 0.7)])
    page.wait_for_selector("#copy:not([hidden])")
    first = inked_pixels(page)
    first_expression = page.evaluate("window.__calls.filter(c => c.op === 'recognize').length") - 1
    page.click("#clear")
    assert _history(page) == [[f"reply {first_expression}: 11", "= 7/2 = 3.5"]]
    assert page.inner_text("#history-summary") == "History (1)"

    draw(page, [(0.6, 0.3), (0.62, 0.7)])
    page.wait_for_selector("#copy:not([hidden])")
    second = inked_pixels(page)
    page.click("#clear")
    entries = _history(page)
    assert len(entries) == 2 and entries[1][0] == f"reply {first_expression}: 11"   # newest first

    page.click("#history-summary")
    recognized = len(calls(page, "recognize"))
    page.locator(".history-entry").nth(1).click()                        # the first drawing comes back
    assert inked_pixels(page) == pytest.approx(first, rel=0.01)
    page.wait_for_function(f"() => window.__calls.filter(c => c.op === 'recognize').length > {recognized}")
    assert len(calls(page, "recognize")[-1]["boxes"]) == 2               # and is read again
    page.wait_for_selector("#copy:not([hidden])")
    page.locator(".history-entry", has_text=entries[0][0]).click()       # the second, and the first is kept
    assert inked_pixels(page) == pytest.approx(second, rel=0.01)
    assert len(_history(page)) == 3
    page.click("#undo")                                                  # a recall is one undo away
    assert inked_pixels(page) == pytest.approx(first, rel=0.01)

    _reload(page)                                                        # the history outlives the page
    assert len(_history(page)) == 3
    page.click("#history-summary")
    page.click("#history-clear")
    assert _history(page) is None
    _reload(page)
    assert _history(page) is None
    assert page.errors == []


def test_only_a_drawing_s_own_answer_goes_into_the_history(open_page):
    # Cleared before its reply came: no answer of its own yet.
    page = open_page(fake={"delays": [1500]})
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    page.wait_for_function("() => window.__calls.some(c => c.op === 'recognize')")
    page.click("#clear")
    page.wait_for_timeout(1800)
    assert _history(page) is None
    # An error is no calculation to keep.
    page = open_page(fake={"chars": ["7", "+"], "error": {"message": "nothing follows", "symbol_index": 1}})
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    draw(page, [(0.4, 0.3), (0.42, 0.7)])
    page.locator("#overlay .box.error").wait_for()
    page.click("#clear")
    assert _history(page) is None
    # The same calculation twice is one entry.
    page = open_page(fake={"expression": "7+2", "value": "9", "display": "9"})
    for _ in range(2):
        draw(page, [(0.2, 0.3), (0.22, 0.7)])
        page.wait_for_selector("#copy:not([hidden])")
        page.click("#clear")
    assert _history(page) == [["7+2", "= 9"]]
    assert page.errors == []


@pytest.mark.parametrize("saved", [
    "not json {",
    json.dumps({"format": 99, "entries": [{"expression": "1+1", "answer": "= 2",
                                           "strokes": [{"width": 4, "points": [10, 10, 50, 90]}]}]}),
    json.dumps({"format": 1, "entries": [{"expression": 2, "answer": "= 2",
                                          "strokes": [{"width": 4, "points": [10, 10, 50, 90]}]}]}),
    json.dumps({"format": 1, "entries": [{"expression": "1+1", "answer": "= 2", "strokes": []}]}),
    json.dumps({"format": 1, "entries": [{"expression": "1+1", "answer": "= 2",
                                          "strokes": [{"width": 4, "points": [10, 10, 5e9, 90]}]}]}),
    json.dumps({"format": 1, "entries": [{"expression": "1+1", "answer": "= 2",
                                          "strokes": [{"width": 4, "points": [10, 10, 50, 90]}]}] * 21}),
], ids=["not-json", "other-format", "not-text", "no-strokes", "off-any-screen", "too-many"])
def test_a_saved_history_that_is_not_one_is_ignored(open_page, saved):
    page = open_page()
    page.evaluate("(saved) => localStorage.setItem('inkcalc.history', saved)", saved)
    _reload(page)
    assert _history(page) is None
    draw(page, [(0.2, 0.3), (0.22, 0.7)])                                # and the page works as ever
    page.wait_for_selector("#copy:not([hidden])")
    page.click("#clear")
    assert len(_history(page)) == 1
    assert page.errors == []


def test_the_history_works_for_the_visit_when_the_browser_refuses_storage(open_page):
    page = open_page()
    page.add_init_script("Storage.prototype.setItem = () => { throw new DOMException('full', 'QuotaExceededError'); };")
    _reload(page)
    draw(page, [(0.2, 0.3), (0.22, 0.7)])
    page.wait_for_selector("#copy:not([hidden])")
    page.click("#clear")
    assert len(_history(page)) == 1
    page.click("#history-summary")
    page.locator(".history-entry").first.click()
    assert inked_pixels(page) > 100
    assert page.errors == []


def _png(path, width, height, bars=((0.2, 0.3), (0.6, 0.7))):
    """A photo stand-in (PNG or JPEG, by the suffix): grey paper with dark bars at the given column fractions."""
    from PIL import Image

    pixels = np.full((height, width, 3), 230, dtype=np.uint8)
    for left, right in bars:
        pixels[height // 4:3 * height // 4, int(left * width):int(right * width)] = 20
    Image.fromarray(pixels).save(path)
    return str(path)


def _huge_png(path, side):
    """A valid 1-bit PNG of side × side pixels, all black, written without ever holding its pixels."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    squeeze = zlib.compressobj(9)
    row = bytes(1 + (side + 7) // 8)   # filter byte 0, then the row's bits
    data = b"".join(squeeze.compress(row) for _ in range(side)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) +
                           chunk(b"IEND", b""))
    return str(path)


def test_a_photo_is_read_in_place_of_the_drawing_and_closing_it_brings_the_drawing_back(open_page, tmp_path):
    page = open_page(fake={"confidences": [0.5]})
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    page.wait_for_selector("#expression .symbol")
    drawn = inked_pixels(page)

    page.set_input_files("#photo-input", _png(tmp_path / "homework.png", 400, 100))
    page.wait_for_function("() => window.__calls.filter(c => c.op === 'recognize').length === 2")
    sent = calls(page, "recognize")[1]
    assert (sent["width"], sent["height"]) == (400, 100)       # the photo's own pixels, not the canvas
    assert sent["opaque"] == 400 * 100 and sent["corners"] == [255] * 4
    page.wait_for_function("() => document.getElementById('expression').textContent.startsWith('reply 1')"
                           " || document.querySelectorAll('#expression .symbol').length > 0")
    assert page.is_visible("#photo") and page.get_attribute("#photo", "alt") == "Photo: homework.png"
    assert page.eval_on_selector("#ink", "c => getComputedStyle(c).visibility") == "hidden"
    assert page.inner_text("#clear") == "Close photo" and page.is_disabled("#undo")

    # The fake reads the whole opaque photo as one uncertain symbol: its box covers the photo as shown.
    photo = page.locator("#photo").bounding_box()
    box = page.locator("#overlay .box.uncertain").bounding_box()
    assert photo["width"] / photo["height"] == pytest.approx(4.0, rel=0.01)
    for key in ("x", "y", "width", "height"):
        assert box[key] == pytest.approx(photo[key], abs=1.5), key

    page.click("#clear")                                          # "Close photo": back to the drawing
    page.wait_for_function("() => window.__calls.filter(c => c.op === 'recognize').length === 3")
    assert calls(page, "recognize")[2]["height"] == WORK_HEIGHT
    assert page.is_hidden("#photo") and inked_pixels(page) == drawn
    assert page.inner_text("#clear") == "Clear" and not page.is_disabled("#undo")
    assert page.errors == []


@pytest.mark.parametrize("name, size, sent_size", [("wide.png", (5000, 500), (2048, 205)),
                                                   ("camera.jpg", (3000, 4000), (1536, 2048))])
def test_a_large_photo_is_shrunk_before_it_is_sent(open_page, tmp_path, name, size, sent_size):
    page = open_page()
    page.set_input_files("#photo-input", _png(tmp_path / name, *size))
    page.wait_for_function("() => window.__calls.some(c => c.op === 'recognize')")
    sent = calls(page, "recognize")[0]
    assert (sent["width"], sent["height"]) == sent_size        # photo.js's PHOTO_MAX_SIDE on the longer side
    assert sent["byteLength"] == 4 * sent_size[0] * sent_size[1]
    assert page.errors == []


@pytest.mark.parametrize("name, content, message", [
    ("broken.png", b"\x89PNG\r\n\x1a\nthis is not the rest of a PNG", "not an image this browser can read"),
    ("notes.txt", b"12+7", "is not an image (text/plain)"),
    ("huge.png", None, "30000×30000 pixels, too large to read here"),
])
def test_a_file_that_cannot_be_read_says_why_and_loses_nothing(open_page, tmp_path, name, content, message):
    page = open_page()
    draw(page, [(0.2, 0.3), (0.25, 0.6)])
    page.wait_for_selector("#expression .symbol")
    drawn = inked_pixels(page)
    path = tmp_path / name
    if content is None:
        _huge_png(path, 30000)
    else:
        path.write_bytes(content)
    page.set_input_files("#photo-input", str(path))
    page.wait_for_selector("#error:not([hidden])")
    assert page.inner_text("#error").startswith("Could not open the photo: ")
    assert message in page.inner_text("#error")
    assert page.is_hidden("#photo") and inked_pixels(page) == drawn
    assert page.locator("#expression .symbol").count() == 1     # the drawing's result is still there
    page.wait_for_timeout(300)
    assert len(calls(page, "recognize")) == 1
    assert page.errors == []


DELIVER_FILE = """async ([how, name, type, b64]) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const data = new DataTransfer();
    data.items.add(new File([bytes], name, {type}));
    const surface = document.getElementById('surface');
    let event;
    if (how === 'drop') {
      const over = new DragEvent('dragover', {dataTransfer: data, bubbles: true, cancelable: true});
      surface.dispatchEvent(over);
      if (!over.defaultPrevented) return 'dragover not accepted';
      event = new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true});
      surface.dispatchEvent(event);
    } else {
      event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
      document.body.dispatchEvent(event);
    }
    return event.defaultPrevented;
}"""


@pytest.mark.parametrize("how", ["drop", "paste"])
def test_an_image_dropped_on_the_surface_or_pasted_opens_as_a_photo(open_page, tmp_path, how):
    import base64

    page = open_page()
    data = base64.b64encode(Path(_png(tmp_path / "shot.png", 300, 120)).read_bytes()).decode()
    assert page.evaluate(DELIVER_FILE, [how, "shot.png", "image/png", data]) is True
    page.wait_for_function("() => window.__calls.some(c => c.op === 'recognize')")
    sent = calls(page, "recognize")[0]
    assert (sent["width"], sent["height"]) == (300, 120)
    assert page.is_visible("#photo") and page.inner_text("#clear") == "Close photo"
    # Pasted text is not an image: it is left to the page (nothing to open, nothing sent).
    text = base64.b64encode(b"12+7").decode()
    assert page.evaluate(DELIVER_FILE, ["paste", "note.txt", "text/plain", text]) is False
    page.wait_for_timeout(200)
    assert len(calls(page, "recognize")) == 1
    assert page.errors == []
