"""``python -m webapp.benchmark``: how fast the built site starts and answers, in headless chromium.

Prints numbers (it is a measurement, not a test):

* cold start: a fresh browser profile opens the page → the runtime has booted (ready, or recognition
  unavailable with its reason in a build without the numpy wheels);
* warm start: the same profile opens the page again, served by the service worker;
* bytes on the first visit: everything the server sent (page, worker, Pyodide, TF.js, model, wheels, plus
  the service worker's precache revalidation), counted at the server, uncompressed;
* pen-up → result: an expression of 3, 7 and 15 symbols drawn stroke by stroke with the mouse; the time
  from the last pen-up to the value on the page (median and p90), including the page's 250 ms pause that
  waits for more strokes. Only when the build has the numpy / scikit-image wheels; otherwise it says why.

    python -m webapp.benchmark [--dir dist] [--runs 5]

Without ``--dir`` it builds into a temporary folder: with the wheels if ``INKCALC_PYODIDE_PACKAGES`` or the
download cache has them, else with ``--no-scientific-packages``.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from . import REPO_ROOT, WebappError
from .serve import make_server

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
READY = '#status:not([data-state="loading"])'
EXPRESSIONS = {
    3: (["7", "+", "5"], "12"),
    7: (["(", "3", "+", "4", ")", "×", "2"], "14"),
    15: (["(", "8", "-", "2", ")", "/", "3", "+", "4", "×", "5", "+", "1", "0", "0"], "122"),
}


def draw_with_mouse(page, names, symbols, gap=0.25):
    """Draw ``names`` on the page's ``#ink`` canvas stroke by stroke with the mouse, centred on one line.

    ``symbols`` maps a name to ``(cell width in line heights, strokes in unit-cell coordinates)``, the
    table of ``tests/drawing.py``.
    """
    box = page.eval_on_selector("#ink", "c => { const r = c.getBoundingClientRect(); "
                                        "return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    total = sum(symbols[n][0] for n in names) + gap * (len(names) - 1)
    line = min(0.85 * box["width"] / total, 0.5 * box["height"])
    left = box["x"] + (box["width"] - total * line) / 2
    top = box["y"] + (box["height"] - line) / 2
    x = 0.0
    for name in names:
        width, strokes = symbols[name]
        for stroke in strokes:
            points = [(left + (x + u * width) * line, top + v * line) for u, v in stroke]
            page.mouse.move(*points[0])
            page.mouse.down()
            for px, py in points[1:] or points:
                page.mouse.move(px, py, steps=3)
            page.mouse.up()
        x += width + gap


class _CountingHandler:
    """Handler mixin counting the body bytes and responses the server sends (``sent`` is shared).

    ``again`` counts bodies of paths already sent once: the service worker's precache revalidates what the
    page loaded, and gets a full body only where the browser's HTTP cache did not keep the file.
    """

    sent = {"bytes": 0, "requests": 0, "again": 0, "paths": set()}

    def copyfile(self, source, outputfile):
        data = source.read()
        self.sent["bytes"] += len(data)
        self.sent["requests"] += 1
        if self.path in self.sent["paths"]:
            self.sent["again"] += len(data)
        self.sent["paths"].add(self.path)
        outputfile.write(data)


def _build_temporary(model_dir, log):
    from .build import BuildOptions, build

    out = Path(tempfile.mkdtemp(prefix="inkcalc-bench-")) / "dist"
    options = BuildOptions(out=out, model_dir=model_dir)
    env = os.environ.get("INKCALC_PYODIDE_PACKAGES")
    if env:
        options.pyodide_packages = Path(env)
    try:
        build(options, log=lambda *_: None)
    except WebappError as exc:
        if "wheel" not in str(exc):
            raise
        log("(the numpy / scikit-image wheels are not available here: building without them)")
        options.scientific = False
        build(options, log=lambda *_: None)
    return out


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def run(site, runs, log=print):
    import threading

    from playwright.sync_api import sync_playwright

    info = json.loads((site / "build-info.json").read_text(encoding="utf-8"))
    server = make_server(site, port=0, quiet=True, mixins=(_CountingHandler,))
    sent = _CountingHandler.sent
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    log(f"site {site}: app {info['appVersion']}, model {info['modelVersion']}, packages: "
        f"{info['packageSource']['summary']}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            cold, warm, again_bytes, first_bytes, first_requests = [], [], [], [], []
            can_recognize = False
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1200, "height": 800})
                sent.update(bytes=0, requests=0, again=0, paths=set())
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(READY, timeout=300_000)
                cold.append(time.perf_counter() - start)
                can_recognize = page.get_attribute("#status", "data-state") == "ready"
                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                while not page.evaluate("Boolean(navigator.serviceWorker.controller)"):
                    page.wait_for_timeout(100)
                page.wait_for_timeout(500)  # let the precache's last responses finish
                first_bytes.append(sent["bytes"])
                again_bytes.append(sent["again"])
                first_requests.append(sent["requests"])
                page.close()
                page = context.new_page()
                start = time.perf_counter()
                page.goto(url)
                page.wait_for_selector(READY, timeout=300_000)
                warm.append(time.perf_counter() - start)
                context.close()
            log(f"cold start → booted: median {statistics.median(cold):.2f} s, p90 {_percentile(cold, 0.9):.2f} s "
                f"({runs} runs)")
            log(f"warm start (service worker) → booted: median {statistics.median(warm):.2f} s, "
                f"p90 {_percentile(warm, 0.9):.2f} s")
            log(f"first visit: {statistics.median(first_bytes) / 1e6:.1f} MB in {int(statistics.median(first_requests))} "
                f"responses, boot + service-worker precache, uncompressed (GitHub Pages gzips text files); of which "
                f"{statistics.median(again_bytes) / 1e6:.1f} MB sent twice: the precache revalidates (304) what the "
                "HTTP cache kept, and Playwright's in-memory profile does not keep large files such as the 9.6 MB "
                "pyodide.asm.wasm, which a normal profile's disk cache does")
            if can_recognize:
                _latency(browser, url, runs, log)
            else:
                log("pen-up → result: skipped: this build cannot recognise (no numpy / scikit-image wheels); build "
                    "with --download-packages or --pyodide-packages DIR and run again")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()


def _latency(browser, url, runs, log):
    sys.path.insert(0, str(REPO_ROOT / "tests"))  # the stroke table the tests draw with: one source of truth
    from drawing import SYMBOLS

    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector(READY, timeout=300_000)
    for count, (names, value) in EXPRESSIONS.items():
        times = []
        for _ in range(runs):
            page.click("#clear")
            page.wait_for_timeout(300)
            # Time from the last pointerup to the value appearing, measured inside the page.
            page.evaluate("""() => {
              window.__penUp = 0; window.__shown = 0;
              addEventListener('pointerup', () => { window.__penUp = performance.now(); }, {capture: true});
              new MutationObserver(() => { window.__shown = performance.now(); })
                .observe(document.getElementById('value'), {childList: true, subtree: true, characterData: true});
            }""")
            draw_with_mouse(page, names, SYMBOLS)
            page.wait_for_selector(f'#value:has-text("{value}")', timeout=60_000)
            times.append(page.evaluate("window.__shown - window.__penUp"))
        log(f"pen-up → result, {count:2d} symbols: median {statistics.median(times):.0f} ms, "
            f"p90 {_percentile(times, 0.9):.0f} ms (includes the page's 250 ms wait for more strokes)")
    context.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m webapp.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, help="a built site (default: build one in a temporary folder)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", type=Path, metavar="DIR", help="TF.js model folder for the temporary build")
    args = parser.parse_args(argv)
    temporary = None
    try:
        site = args.dir if args.dir else _build_temporary(args.model, print)
        temporary = None if args.dir else site.parent
        run(site, args.runs)
    except WebappError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
