"""The Python half of the web worker (webapp/pyodide_bridge.py), run in CPython with stand-ins for JS objects.

The browser tests run the same module inside Pyodide; here every branch is reachable without a browser,
including recognition (which needs numpy and scikit-image, present in CPython).
"""

import json

import numpy as np
import pytest

from py_pipeline.symbols import CLASSES
from webapp.pyodide_bridge import copy_rgba, evaluate_symbols_json, make_recognizer, status


class FakeFloat32Array:
    """What Python gets back from the JS classifier: a JsProxy of a Float32Array (has ``to_bytes``)."""

    def __init__(self, values):
        self._bytes = np.asarray(values, dtype=np.float32).tobytes()

    def to_bytes(self):
        return self._bytes


class FakeUint8Array:
    """A JsProxy of a Uint8Array: not a Python buffer, copied with ``assign_to``."""

    def __init__(self, data):
        self._data = bytes(data)
        self.byteLength = len(self._data)

    def assign_to(self, target):
        target[:] = self._data


def one_hot_classifier(chars):
    """A JS-like classifier that reads the glyphs as ``chars`` (in order) and anything else as unsure."""
    calls = []

    def classify(crops, n):
        assert crops.dtype == np.float32 and crops.shape == (n, 28, 28) and crops.flags.c_contiguous
        calls.append(n)
        probabilities = np.full((n, len(CLASSES)), 1.0 / len(CLASSES), dtype=np.float32)
        if len(calls) == 1 and n == len(chars):
            probabilities[:] = 0.0
            for i, char in enumerate(chars):
                probabilities[i, CLASSES.index(char)] = 1.0
        return FakeFloat32Array(probabilities.ravel())

    return classify, calls


def evaluate(text, gaps=(), raised=()):
    symbols = [{"char": c, "gap_before": i in gaps, "raised": i in raised} for i, c in enumerate(text)]
    return json.loads(evaluate_symbols_json(json.dumps(symbols)))


def test_evaluate_gives_value_steps_tree_and_tokens():
    out = evaluate("12+7×(3-1)")
    assert out["expression"] == "12+7*(3-1)"
    assert out["value"] == "26" and out["error"] is None
    assert out["steps"] and out["tree"]["op"] == "+"
    assert out["tokens"][0] == {"kind": "number", "text": "12", "symbols": [0, 1]}
    assert set(out) == {"expression", "value", "decimal", "display", "error", "tokens", "tree", "steps"}


def test_evaluate_reports_errors_at_the_symbol():
    assert evaluate("1/0")["error"]["symbol_index"] == 1
    assert evaluate("(2+3")["error"]["message"]
    assert evaluate("42", gaps={1})["error"] is not None  # a wide gap splits 4 and 2: an operator is missing
    assert evaluate("7/2")["decimal"] == "3.5"


def test_evaluate_keeps_an_exponent_written_raised():
    out = evaluate("23+1", raised={1})
    assert (out["expression"], out["value"], out["steps"]) == ("2^3+1", "9", ["2³ = 8", "8+1 = 9"])
    assert out["tokens"][1] == {"kind": "op", "text": "^", "symbols": [1]}
    assert evaluate("23+1")["value"] == "24"  # not raised: twenty-three


def test_evaluate_keeps_a_stacked_fraction():
    roles = ["", "", "numerator", "numerator", "numerator", "fraction", "denominator"]
    symbols = [{"char": c, "gap_before": False, "role": r} for c, r in zip("2+1+2/3", roles)]
    out = json.loads(evaluate_symbols_json(json.dumps(symbols)))
    assert (out["expression"], out["value"]) == ("2+((1+2)/3)", "3")


def test_evaluate_keeps_a_square_root_and_what_it_covers():
    roles = ["", "", "radical", "radicand", "radicand", "radicand", "", ""]
    symbols = [{"char": c, "gap_before": False, "role": r} for c, r in zip("2×√1+3-1", roles)]
    out = json.loads(evaluate_symbols_json(json.dumps(symbols)))
    assert (out["expression"], out["value"], out["steps"]) == ("2*sqrt(1+3)-1", "3",
                                                               ["1+3 = 4", "√4 = 2", "2×2 = 4", "4−1 = 3"])


def test_evaluate_keeps_a_square_root_in_a_stacked_fraction():
    roles = ["numerator radical", "numerator radicand", "numerator radicand", "fraction", "denominator",
             "denominator", "denominator radical", "denominator radicand"]
    symbols = [{"char": c, "gap_before": False, "role": r} for c, r in zip("√16/1+√4", roles)]
    out = json.loads(evaluate_symbols_json(json.dumps(symbols)))
    assert (out["expression"], out["value"]) == ("((sqrt(16))/(1+sqrt(4)))", "4/3")
    with pytest.raises(ValueError, match="role"):   # a root's part comes after the fraction's, never before
        evaluate_symbols_json(json.dumps([{"char": "1", "role": "radicand numerator"}]))


def test_a_symbol_corrected_to_a_root_takes_the_root_of_what_follows():
    # A √ misread as a 5 and picked from the keypad has no role: it applies to the number after it.
    out = evaluate("3+√49")
    assert (out["expression"], out["value"]) == ("3+sqrt49", "10")


def test_evaluate_refuses_malformed_requests():
    with pytest.raises(ValueError, match="symbols"):
        evaluate_symbols_json(json.dumps({"char": "1"}))
    with pytest.raises(ValueError, match="role"):
        evaluate_symbols_json(json.dumps([{"char": "1", "role": "exponent"}]))


def test_status_says_recognition_is_possible_here():
    assert json.loads(status())["can_recognize"] is True


def test_copy_rgba_copies_from_a_js_array_or_a_buffer_and_checks_the_size():
    data = bytes(range(24))
    assert copy_rgba(FakeUint8Array(data), 3, 2) == bytearray(data)
    assert copy_rgba(data, 3, 2) == bytearray(data)
    with pytest.raises(ValueError, match="needs 24"):
        copy_rgba(FakeUint8Array(data[:20]), 3, 2)


def test_recognize_a_drawing_through_the_bridge():
    from drawing import draw

    drawing = draw(["7", "+", "5"], canvas=(200, 500), pen_width=8)
    rgba = drawing.rgba()  # transparent paper, like a canvas export
    height, width = rgba.shape[:2]
    classify, calls = one_hot_classifier(["7", "+", "5"])
    text, crops, mask = make_recognizer(classify)(FakeUint8Array(rgba.tobytes()), width, height)
    result = json.loads(text)
    assert result["expression"] == "7+5" and result["value"] == "12", result
    assert crops.dtype == np.float32 and crops.shape == (3, 28, 28) and crops.flags.c_contiguous
    assert mask.dtype == np.uint8 and mask.ndim == 2 and mask.max() == 1
    assert calls[0] == 3


def test_a_raised_exponent_comes_through_the_bridge():
    from drawing import draw

    rgba = draw(["1", "0", "2", "+", "1"], line_height=80, pen_width=7, raised={2}).rgba()
    height, width = rgba.shape[:2]
    classify, _ = one_hot_classifier(["1", "0", "2", "+", "1"])
    result = json.loads(make_recognizer(classify)(FakeUint8Array(rgba.tobytes()), width, height)[0])
    assert (result["expression"], result["value"]) == ("10^2+1", "101"), result
    assert [s["raised"] for s in result["symbols"]] == [False, False, True, False, False]


def test_a_photo_of_lined_paper_through_the_bridge_is_read_without_its_rules():
    """What the page's Photo button sends: opaque RGBA of paper, here ruled every 40 px across the writing."""
    from drawing import draw

    drawing = draw(["7", "+", "5"], canvas=(200, 500), pen_width=8)
    grey = drawing.grey(paper=235, ink_level=30)
    rows = np.flatnonzero((grey < 128).any(axis=1))
    for row in range(rows[-1] - 160, grey.shape[0], 40):  # one rule under the writing, others through it
        grey[max(row, 0):max(row + 2, 0)] = np.minimum(grey[max(row, 0):max(row + 2, 0)], 140)
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    height, width = grey.shape
    classify, calls = one_hot_classifier(["7", "+", "5"])
    text, crops, mask = make_recognizer(classify)(FakeUint8Array(rgba.tobytes()), width, height)
    result = json.loads(text)
    assert result["expression"] == "7+5" and result["value"] == "12", result
    assert result["ruled_lines"] == 5
    assert calls[0] == 3


def test_two_lines_of_writing_come_back_as_an_error_boxed_at_the_second():
    from drawing import draw

    first, second = draw(["7", "+", "5"], line_height=50), draw(["2", "×", "3"], line_height=50)
    width = max(first.ink.shape[1], second.ink.shape[1])
    ink = np.zeros((first.ink.shape[0] + second.ink.shape[0], width), dtype=np.float32)
    ink[:first.ink.shape[0], :first.ink.shape[1]] = first.ink
    ink[first.ink.shape[0]:, :second.ink.shape[1]] = second.ink
    rgba = np.zeros(ink.shape + (4,), dtype=np.uint8)
    rgba[..., 3] = np.round(255 * ink)   # a transparent canvas, as the page exports it
    classify, calls = one_hot_classifier(list("7+52×3"))  # each line is read: a column of numbers?
    text, crops, mask = make_recognizer(classify)(FakeUint8Array(rgba.tobytes()), width, ink.shape[0])
    result = json.loads(text)
    assert "2 lines of writing" in result["error"]["message"] and result["value"] is None
    x0, y0, x1, y1 = result["error"]["box"]
    assert y0 >= first.ink.shape[0] and y1 <= ink.shape[0] and x1 > x0
    assert calls == [6] and crops.shape == (0, 28, 28) and mask.shape == ink.shape


def test_an_unusable_image_becomes_an_error_not_an_exception():
    classify, _ = one_hot_classifier([])
    text, crops, mask = make_recognizer(classify)(FakeUint8Array(bytes(4 * 4 * 4)), 4, 4)
    result = json.loads(text)
    assert result["error"]["message"] and result["symbols"] == []
    assert crops.shape == (0, 28, 28) and mask.shape == (0, 0)


def test_a_classifier_with_the_wrong_number_of_outputs_is_named():
    from drawing import draw

    drawing = draw(["7"], canvas=(100, 100), pen_width=6)
    rgba = drawing.rgba()

    def classify(crops, n):
        return FakeFloat32Array(np.zeros(n * 10))

    with pytest.raises(Exception, match="class list|classes|probabilit"):
        make_recognizer(classify)(rgba.tobytes(), rgba.shape[1], rgba.shape[0])
