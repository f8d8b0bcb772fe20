"""The Python half of the web worker: what ``worker.js`` calls inside Pyodide.

The build copies this file into the site as ``py/inkcalc_bridge.py``; the worker writes it into Pyodide's
file system and imports it. It is also an ordinary module of the ``webapp`` package, so CPython tests
exercise the same code (with stand-ins for the JavaScript objects).

Boundaries with JavaScript, chosen to copy as little as possible and to keep PyProxy lifetimes trivial:

* results cross as JSON text (``Recognition.to_dict()`` is JSON-serialisable by contract) plus two flat
  buffers (crops and mask) that the worker reads with ``getBuffer`` and copies once into transferable arrays;
* the RGBA drawing arrives as a JS ``Uint8Array``, copied ONCE into a Python ``bytearray``
  (``JsBuffer.assign_to``) that numpy views without copying;
* the classifier is a synchronous JS function ``classify(crops, n) -> Float32Array(n * classes)``: crops go
  out as a numpy array (a PyProxy the JS side reads in place) and probabilities come back as one copy.

numpy is imported lazily, so ``evaluate_symbols_json`` works in a build without the scientific wheels.
"""

import json

from py_pipeline.errors import InkcalcError
from py_pipeline.evaluate import evaluate, steps
from py_pipeline.expression import ROLES, Symbol, expression_text, parse, tokenize
from py_pipeline.line_by_line import combined
from py_pipeline.symbols import CLASSES

CROP_SIDE = 28


def status():
    """What this Pyodide can do, as JSON: ``{"pipeline_version", "can_recognize", "reason"}``.

    ``can_recognize`` is False with the import error as ``reason`` when numpy, scikit-image or the
    recognition modules cannot be imported (a build without the wheels, or a broken one).
    """
    import py_pipeline

    try:
        import numpy  # noqa: F401
        import skimage  # noqa: F401

        import py_pipeline.recognize  # noqa: F401
    except ImportError as exc:
        return json.dumps({"pipeline_version": py_pipeline.__version__, "can_recognize": False,
                           "reason": f"recognition needs numpy and scikit-image, which failed to import: {exc}"})
    return json.dumps({"pipeline_version": py_pipeline.__version__, "can_recognize": True, "reason": None})


def evaluate_symbols_json(symbols_json, each_line=False):
    """The ``evaluate`` op: symbols the user confirmed → parse tree, exact value, steps; JSON in and out.

    Parameters
    ----------
    symbols_json : str
        ``[{"char": "7", "gap_before": false, "raised": false}, ...]`` in reading order; ``char`` is ASCII or
        ``×``/``÷``; ``raised`` (optional) marks an exponent written raised and ``role`` (optional) a place
        in a stacked fraction or a square root, as ``recognize`` found them, and ``line`` (optional) the line
        of writing it is on.
    each_line : bool
        The drawing's lines were calculated one by one (``recognize`` gave ``results``): so they are again,
        each line its symbols with the same ``line``.

    Returns
    -------
    str : JSON ``{expression, value, decimal, display, error, tokens, tree, steps}``, and ``results`` with
        ``each_line`` (:func:`py_pipeline.line_by_line.combined`); a symbol the expression cannot use, a
        syntax error or a division by zero is reported in ``error`` (with the ``symbol_index`` to point at),
        never raised.
    """
    raw = json.loads(symbols_json)
    if not isinstance(raw, list) or not all(isinstance(s, dict) and isinstance(s.get("char"), str) for s in raw):
        raise ValueError('evaluate expects {"symbols": [{"char": "7", "gap_before": false}, ...]}')
    if not each_line:
        return json.dumps(evaluate_symbols(_symbols(raw)), ensure_ascii=False)
    spans = []  # [first, stop) of each line's symbols
    for i, s in enumerate(raw):
        if not spans or s.get("line", 0) != raw[spans[-1][0]].get("line", 0):
            spans.append([i, i])
        spans[-1][1] = i + 1
    results = [evaluate_symbols(_symbols(raw[first:stop])) for first, stop in spans]
    return json.dumps(combined(results, spans), ensure_ascii=False)


def _symbols(raw):
    return [Symbol(s["char"], i, bool(s.get("gap_before", False)), bool(s.get("raised", False)),
                   _role(s.get("role"))) for i, s in enumerate(raw)]


def _role(role):
    if role not in (None,) + ROLES:
        raise ValueError(f"a symbol's role is one of {', '.join(ROLES[1:])} or empty, not {role!r}")
    return role or ""


def evaluate_symbols(symbols):
    """Dict form of :func:`evaluate_symbols_json` for a list of :class:`~py_pipeline.expression.Symbol`."""
    result = {"expression": expression_text(symbols), "value": None, "decimal": None,
              "display": None, "error": None, "tokens": [], "tree": None, "steps": []}
    try:
        tokens = tokenize(symbols)
        result["tokens"] = [t.to_dict() for t in tokens]
        tree = parse(tokens)
        result["tree"] = tree.to_dict()
        value = evaluate(tree).to_dict()
        result.update(value=value["value"], decimal=value["decimal"], display=value["display"])
        result["steps"] = steps(tree)
    except InkcalcError as exc:
        result["error"] = exc.to_dict()
    return result


def make_recognizer(js_classify):
    """The ``recognize`` op for one classifier: ``recognize(js_rgba, width, height) -> (json, crops, mask)``.

    Parameters
    ----------
    js_classify : callable ``(crops, n) -> JS Float32Array`` of ``n * len(CLASSES)`` probabilities; in the
        worker a JS function (TF.js ``model.predict`` + ``dataSync``), in tests any Python stand-in whose
        result has ``to_bytes()``.

    Returns
    -------
    recognize : callable taking a JS ``Uint8Array`` (or anything with ``assign_to``/buffer protocol) of
        ``width * height * 4`` RGBA bytes, returning ``(json text of Recognition.to_dict(),
        crops (N, 28, 28) float32 C-contiguous, mask (height', width') uint8 0/1)``.
    """
    import numpy as np

    from py_pipeline.recognize import recognize

    classify = _classifier(js_classify, np)

    def recognize_rgba(js_rgba, width, height):
        width, height = int(width), int(height)
        image = np.frombuffer(copy_rgba(js_rgba, width, height), dtype=np.uint8).reshape(height, width, 4)
        try:
            recognition = recognize(image, classify)
        except InkcalcError as exc:  # an unusable image (e.g. too small): a message for the page, not a crash
            empty = {"expression": "", "value": None, "decimal": None, "display": None, "error": exc.to_dict(),
                     "symbols": [], "tokens": [], "tree": None, "steps": [], "timings_ms": {}}
            return (json.dumps(empty, ensure_ascii=False), np.zeros((0, CROP_SIDE, CROP_SIDE), np.float32),
                    np.zeros((0, 0), np.uint8))
        # Empty drawings and early errors may leave these unset: send empty arrays, not a special case.
        crops = recognition.crops if recognition.crops is not None else np.zeros((0, CROP_SIDE, CROP_SIDE))
        mask = recognition.ink_mask if recognition.ink_mask is not None else np.zeros((0, 0))
        crops = np.ascontiguousarray(crops, dtype=np.float32)
        mask = np.ascontiguousarray(mask, dtype=np.uint8)
        return json.dumps(recognition.to_dict(), ensure_ascii=False), crops, mask

    return recognize_rgba


def copy_rgba(js_rgba, width, height):
    """The drawing's RGBA bytes in a writable, Python-owned ``bytearray``: exactly one copy.

    ``js_rgba`` is a JS ``Uint8Array`` (a JsProxy, copied with ``assign_to``: a JsProxy is not a Python
    buffer, so no view is possible) or, in CPython tests, any bytes-like object.
    """
    pixels = bytearray(width * height * 4)
    if hasattr(js_rgba, "assign_to"):
        if js_rgba.byteLength != len(pixels):
            raise ValueError(f"rgba has {js_rgba.byteLength} bytes; {width}×{height} RGBA needs {len(pixels)}")
        js_rgba.assign_to(pixels)
    else:
        view = memoryview(js_rgba).cast("B")
        if view.nbytes != len(pixels):
            raise ValueError(f"rgba has {view.nbytes} bytes; {width}×{height} RGBA needs {len(pixels)}")
        pixels[:] = view
    return pixels


def _classifier(js_classify, np):
    """Wrap the JS classifier as the ``classify`` the pipeline expects: (N, 28, 28) float32 → (N, C)."""

    def classify(crops):
        crops = np.ascontiguousarray(crops, dtype=np.float32)
        n = int(crops.shape[0])
        if n == 0:
            return np.zeros((0, len(CLASSES)), dtype=np.float32)
        probabilities = np.frombuffer(js_classify(crops, n).to_bytes(), dtype=np.float32)
        if probabilities.size != n * len(CLASSES):
            raise ValueError(f"the TF.js model returned {probabilities.size} values for {n} crops; expected "
                             f"{n}×{len(CLASSES)}: is the model's class list the pipeline's?")
        return probabilities.reshape(n, len(CLASSES))

    return classify
