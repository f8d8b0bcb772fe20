"""The whole pipeline on drawn expressions: symbols, boxes in input pixels, errors captured, batching.

Without the trained model only the geometric path can be checked, with a classifier that returns the same
probabilities for every crop (``_ConstantClassifier``): it exercises ``= ÷ .``, boxes, errors, batching and
timings, and says nothing about recognition quality. The tests at the end load the real model from
``models/current`` (or the model folder ``$INKCALC_MODEL`` names) and are skipped when there is none.
"""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from drawing import assert_boxes_close, draw, ones_touching_along, side_by_side
from py_pipeline.errors import (EmptyDrawingError, EvaluationError, ExpressionError, InputImageError, ModelError,
                                UnreadableSymbolError)
from py_pipeline.image_input import to_ink
from py_pipeline.recognize import Recognition, recognize, recognize_batch
from py_pipeline.segment import segment
from py_pipeline.symbols import CLASSES
from training.pen import draw_polyline

MODELS = Path(__file__).resolve().parent.parent / "models"


class _ConstantClassifier:
    """Every crop is ``char`` with ``probability`` (0.85 by default); counts the calls and the crops it was
    given."""

    def __init__(self, char="1", probability=0.85):
        self.row = np.full(len(CLASSES), (1.0 - probability) / (len(CLASSES) - 1), dtype=np.float32)
        self.row[CLASSES.index(char)] = probability
        self.calls = []

    def __call__(self, crops):
        assert crops.dtype == np.float32 and crops.shape[1:] == (28, 28)
        self.calls.append(len(crops))
        return np.tile(self.row, (len(crops), 1))


def test_geometric_symbols_and_boxes_in_input_pixels():
    drawing = draw(["1", ".", "5", "÷", "2", "="], canvas=(200, 800), pen_width=6)
    result = recognize(drawing.grey(), _ConstantClassifier("1"))
    assert [s.char for s in result.symbols] == ["1", ".", "1", "÷", "1", "="]
    assert [s.source for s in result.symbols] == ["cnn", "geometry", "cnn", "geometry", "cnn", "geometry"]
    assert result.expression == "1.1/1="
    assert (result.value, result.decimal, result.error) == ("11/10", "1.1", None)
    assert result.tokens[0] == {"kind": "number", "text": "1.1", "symbols": [0, 1, 2]}
    assert result.tree == {"op": "/", "left": {"number": "1.1"}, "right": {"number": "1"}, "implicit": False}
    assert result.steps == ["1.1÷1 = 1.1"]
    assert_boxes_close([s.box for s in result.symbols], drawing.boxes, tolerance=drawing.pen_width)


def test_alternatives_follow_the_classifier_ranking_and_top_k():
    drawing = draw(["7", "=", "7"], line_height=60, pen_width=6)
    result = recognize(drawing.grey(), _ConstantClassifier("7"), top_k=3)
    seven = result.symbols[0]
    assert seven.char == "7" and seven.confidence == pytest.approx(0.85)
    assert len(seven.alternatives) == 2 and all(p == pytest.approx(0.01) for _, p in seven.alternatives)
    assert result.symbols[1].alternatives == ()
    assert recognize(drawing.grey(), _ConstantClassifier("7"), top_k=1).symbols[0].alternatives == ()
    assert result.value == "true"


def test_boxes_of_a_huge_photo_are_in_its_own_pixels():
    drawing = draw(["3", ".", "2", "=", "4"], canvas=(3000, 4000), pen_width=28)
    result = recognize(drawing.rgba(background=(255, 255, 255)), _ConstantClassifier("2"))
    assert result.mask_factor == 4
    assert result.ink_mask.shape == (750, 1000)
    assert [s.char for s in result.symbols] == ["2", ".", "2", "=", "2"]
    assert_boxes_close([s.box for s in result.symbols], drawing.boxes, tolerance=drawing.pen_width)


def test_result_is_json_and_keeps_mask_and_crops():
    drawing = draw(["4", "÷", "2"], line_height=50, pen_width=5)
    result = recognize(drawing.rgba(), _ConstantClassifier("4"))
    data = json.loads(json.dumps(result.to_dict()))
    assert set(data) >= {"expression", "value", "decimal", "error", "symbols", "tokens", "tree", "timings_ms"}
    assert data["expression"] == "4/4" and data["value"] == "1"
    assert set(data["timings_ms"]) == {"input", "segment", "normalize", "classify", "parse", "evaluate"}
    assert all(ms >= 0 for ms in data["timings_ms"].values())
    assert data["symbols"][1] == {"char": "÷", "confidence": 1.0, "box": data["symbols"][1]["box"],
                                  "source": "geometry", "gap_before": False, "raised": False, "role": "",
                                  "line": 0, "alternatives": []}
    assert data["lines"] == 1 and data["results"] == []
    assert result.crops.shape == (3, 28, 28) and result.crops.dtype == np.float32
    assert result.crops.max(axis=(1, 2)).tolist() == [1.0, 1.0, 1.0]
    assert result.ink_mask.dtype == bool and result.ink_mask.shape == drawing.ink.shape


def test_an_empty_canvas_is_an_error_in_the_result():
    result = recognize(np.zeros((300, 800, 4), dtype=np.uint8), _ConstantClassifier())
    assert isinstance(result.error, EmptyDrawingError)
    assert result.to_dict()["error"] == {"message": result.error.message, "symbol_index": None, "box": None}
    assert "Nothing was drawn" in result.error.message
    assert (result.expression, result.symbols, result.value) == ("", [], None)


def test_a_parse_error_keeps_the_text_and_points_at_the_symbol():
    drawing = draw(["1", "÷", "="], line_height=60, pen_width=6)
    result = recognize(drawing.grey(), _ConstantClassifier("1"))
    assert isinstance(result.error, ExpressionError)
    assert result.expression == "1/="
    error = result.to_dict()["error"]
    assert error["symbol_index"] == 1 and error["box"] == result.symbols[1].box
    assert result.value is None and result.tree is None and result.tokens


class _RowsClassifier:
    """Answers the i-th crop with ``rows[i]`` ({char: probability}, rest shared out).

    It answers by position, not by what a crop shows, so tests using it turn the second look off (its views
    would be answered as if they were other symbols).
    """

    def __init__(self, rows):
        self.rows = rows

    def __call__(self, crops):
        out = np.zeros((len(crops), len(CLASSES)), dtype=np.float32)
        for i, row in enumerate(self.rows[:len(crops)]):
            rest = (1.0 - sum(row.values())) / (len(CLASSES) - len(row))
            out[i] = rest
            for char, p in row.items():
                out[i, CLASSES.index(char)] = p
        return out


@pytest.mark.parametrize("runner_up, reread", [(0.38, True), (0.05, False)])
def test_an_unsure_symbol_is_reread_when_only_its_runner_up_parses(runner_up, reread):
    drawing = draw(["3", "-", "1"], line_height=60, pen_width=6, gap=0.4)
    unsure = {"(": 0.95 - runner_up, "1": runner_up}
    result = recognize(drawing.grey(), _RowsClassifier([{"3": 0.99}, {"-": 0.99}, unsure]), second_look=False)
    if reread:
        assert result.error is None and result.expression == "3-1" and result.value == "2"
        assert result.corrections == [{"symbol_index": 2, "read": "(", "used": "1", "confidence": pytest.approx(
            runner_up, abs=1e-6), "choice": 2}]
        assert result.symbols[2].char == "1" and result.symbols[2].alternatives[0][0] == "("
        assert result.to_dict()["corrections"] == result.corrections
    else:  # not likely enough: the writer sees what was read and where it fails
        assert isinstance(result.error, ExpressionError) and result.expression == "3-("
        assert result.corrections == [] and result.error.symbol_index == 2


@pytest.mark.parametrize("chars, stroke, digit, runner_up, expected", [
    ("8/1/7", 2, "1", 0.05, ("8/1/7", "8/7")),       # a leaning 1 between two slashes
    ("8/1/7", 2, "1", 0.005, ("8///7", None)),       # too unlikely: the error stands
    ("7+9", 0, "7", 0.06, ("7+9", "16")),            # a 7 read as ')' at the start
    ("21+3", 1, "1", 0.05, ("21+3", "24")),          # a bowed 1 read as '(' that '+' follows
    ("(3+4", 0, "1", 0.05, ("(3+4", None)),          # half-written: a real '(' is not read 13+4
    ("1+1/", 3, "1", 0.05, ("1+1/", None)),          # half-written: the last stroke is not read 1+11
    ("1+1", 2, "1", 0.03, ("1+1", "2")),             # but nothing written after '1+/' could make it parse
    ("6-1", 2, "1", 0.03, ("6-1", "5")),             # nor after '6-)'
])
def test_a_stroke_that_cannot_parse_is_reread_as_a_less_likely_digit(chars, stroke, digit, runner_up, expected):
    drawing = draw(list(chars), line_height=60, pen_width=6, gap=0.4)
    read_as = {"8/1/7": "/", "7+9": ")", "21+3": "(", "(3+4": "(", "1+1/": "/", "1+1": "/", "6-1": ")"}[chars]
    rows = [{c: 0.99} for c in chars]
    rows[stroke] = {read_as: 0.99 - runner_up, digit: runner_up}
    result = recognize(drawing.grey(), _RowsClassifier(rows), second_look=False)
    assert (result.expression, result.value) == expected
    if expected[1] is not None:
        assert result.corrections == [{"symbol_index": stroke, "read": read_as, "used": digit,
                                       "confidence": pytest.approx(runner_up, abs=1e-6), "choice": 2}]
    else:
        assert isinstance(result.error, ExpressionError) and result.corrections == []


def test_a_reread_says_which_choice_of_the_classifier_it_took():
    # The 1 ranks third behind a '-' that parses no better: the web app must not call it the second choice.
    drawing = draw(list("8/1/7"), line_height=60, pen_width=6, gap=0.4)
    rows = [{c: 0.99} for c in "8/1/7"]
    rows[2] = {"/": 0.88, "-": 0.07, "1": 0.04}
    result = recognize(drawing.grey(), _RowsClassifier(rows), second_look=False)
    assert (result.expression, result.value) == ("8/1/7", "8/7")
    assert result.corrections == [{"symbol_index": 2, "read": "/", "used": "1",
                                   "confidence": pytest.approx(0.04, abs=1e-6), "choice": 3}]
    assert [c for c, _ in result.symbols[2].alternatives][:2] == ["/", "-"]


@pytest.mark.parametrize("runner_up, reread", [(0.3, True), (0.05, False)])
def test_a_number_right_after_a_bracket_is_reread_when_its_first_digit_may_be_an_operator(runner_up, reread):
    # (2+3)14 parses as a product, but nobody writes one that way round: a / read as a 1 made it.
    drawing = draw(["(", "2", "+", "3", ")", "/", "4"], line_height=60, pen_width=6, gap=0.4)
    known = [{"(": 0.99}, {"2": 0.99}, {"+": 0.99}, {"3": 0.99}, {")": 0.99}]
    unsure = {"1": 0.99 - runner_up, "/": runner_up}
    result = recognize(drawing.grey(), _RowsClassifier(known + [unsure, {"4": 0.99}]), second_look=False)
    if reread:
        assert (result.expression, result.value) == ("(2+3)/4", "5/4")
        assert result.corrections == [{"symbol_index": 5, "read": "1", "used": "/", "confidence": pytest.approx(
            runner_up, abs=1e-6), "choice": 2}]
    else:  # a 1 the classifier is sure of is a 1, however odd the product
        assert (result.expression, result.value, result.corrections) == ("(2+3)14", "70", [])


@pytest.mark.parametrize("runner_up, reread", [(0.3, True), (0.05, False)])
def test_a_number_right_before_a_bracket_is_reread_when_its_last_digit_may_be_an_operator(runner_up, reread):
    # 2(3+4) is written, but 61(3+4) with a 1 that may be a / is likelier 6/(3+4).
    drawing = draw(["6", "/", "(", "3", "+", "4", ")"], line_height=60, pen_width=6, gap=0.4)
    unsure = {"1": 0.99 - runner_up, "/": runner_up}
    known = [{"(": 0.99}, {"3": 0.99}, {"+": 0.99}, {"4": 0.99}, {")": 0.99}]
    result = recognize(drawing.grey(), _RowsClassifier([{"6": 0.99}, unsure] + known), second_look=False)
    if reread:
        assert (result.expression, result.value) == ("6/(3+4)", "6/7")
        assert result.corrections == [{"symbol_index": 1, "read": "1", "used": "/", "confidence": pytest.approx(
            runner_up, abs=1e-6), "choice": 2}]
    else:
        assert (result.expression, result.value, result.corrections) == ("61(3+4)", "427", [])


@pytest.mark.parametrize("chars, runner_up, expected, reread", [
    ("532+1", 0.35, ("532+1", "533"), True),   # 532 with its 5 read as a 0: nobody writes 032
    ("532+1", 0.05, ("032+1", "33"), False),   # a 0 the classifier is sure of stays, odd as it is
    ("0.5+1", 0.35, ("0.5+1", "3/2"), False),  # a 0 before the decimal point is written
    ("0+51", 0.35, ("0+51", "51"), False),     # and so is 0 on its own
])
def test_a_whole_number_is_reread_when_its_leading_zero_may_be_another_digit(chars, runner_up, expected, reread):
    drawing = draw(list(chars), line_height=60, pen_width=6, gap=0.4)
    rows = [{c: 0.99} for c in chars if c != "."]  # the decimal point is geometry, not a crop
    rows[0] = {"0": 0.95 - runner_up, "5": runner_up}
    result = recognize(drawing.grey(), _RowsClassifier(rows), second_look=False)
    assert (result.expression, result.value) == expected
    assert result.corrections == ([{"symbol_index": 0, "read": "0", "used": "5", "confidence": pytest.approx(
        runner_up, abs=1e-6), "choice": 2}] if reread else [])


@pytest.mark.parametrize("best, unreadable", [(0.1, True), (0.2, False)])
def test_a_mark_read_as_no_symbol_is_an_error_at_it_not_a_guess(best, unreadable):
    drawing = draw(["3", "+", "1"], line_height=60, pen_width=6, gap=0.4)
    result = recognize(drawing.grey(), _RowsClassifier([{"3": 0.99}, {"+": 0.99}, {"8": best}]),
                       second_look=False)
    assert result.expression == "3+8" and [s.char for s in result.symbols] == ["3", "+", "8"]
    if unreadable:  # the symbols stay, so the page can show the mark and offer its alternatives
        assert isinstance(result.error, UnreadableSymbolError) and result.error.symbol_index == 2
        assert "'8', 10% sure" in result.error.message
        assert result.value is None and result.tree is None
        assert result.to_dict()["error"]["box"] == result.symbols[2].box
    else:
        assert result.error is None and result.value == "11"


@pytest.mark.parametrize("alone", ["8", "18"])
@pytest.mark.parametrize("best, unreadable", [(0.25, True), (0.35, False)])
def test_a_number_drawn_alone_needs_more_confidence_to_be_read(alone, best, unreadable):
    # Alone, nothing around the mark can settle a doubt: a scribble read as 8 at 0.25 is no answer.
    drawing = draw(list(alone), line_height=60, pen_width=6, gap=0.4)
    rows = [{c: 0.99} for c in alone[:-1]] + [{"8": best}]
    result = recognize(drawing.grey(), _RowsClassifier(rows), second_look=False)
    assert result.expression == alone
    if unreadable:
        assert isinstance(result.error, UnreadableSymbolError) and result.error.symbol_index == len(alone) - 1
        assert result.value is None
    else:
        assert result.error is None and result.value == alone
    # The same mark in an expression is read: the threshold there is UNREADABLE_BELOW.
    drawing = draw(["3", "+", "8"], line_height=60, pen_width=6, gap=0.4)
    result = recognize(drawing.grey(), _RowsClassifier([{"3": 0.99}, {"+": 0.99}, {"8": best}]),
                       second_look=False)
    assert result.error is None and result.value == "11"


def test_a_tangle_of_strokes_is_unreadable_however_sure_the_classifier_is():
    drawing = draw(["3", "+", "tangle"], line_height=80, pen_width=6, gap=0.4)
    result = recognize(drawing.grey(), _RowsClassifier([{"3": 0.99}, {"+": 0.99}, {"8": 0.99}]),
                       second_look=False)
    assert isinstance(result.error, UnreadableSymbolError) and result.error.symbol_index == 2
    assert "tangle" in result.error.message and result.expression == "3+8" and result.value is None


class _WholeThenParts:
    """First call (whole glyphs): ``whole`` on "7", the rest shared out; second call (parts): "0" at ``parts``.

    It answers by call, so tests using it turn the second look (an extra call) off.
    """

    def __init__(self, whole, parts=0.6):
        self.whole, self.parts, self.calls = whole, parts, 0

    def __call__(self, crops):
        self.calls += 1
        char, p = ("7", self.whole) if self.calls == 1 else ("0", self.parts)
        out = np.full((len(crops), len(CLASSES)), (1.0 - p) / (len(CLASSES) - 1), dtype=np.float32)
        out[:, CLASSES.index(char)] = p
        return out


@pytest.mark.parametrize("whole, expected", [(0.1, "00"), (0.35, "7")])
def test_a_blob_read_as_no_symbol_is_cut_on_merely_likely_parts(whole, expected):
    # Parts at 0.6 are not sure enough to cut a glyph the classifier reads as one symbol (0.35 is a guess
    # but a reading); below 0.3 the whole is no reading at all, and likely parts win.
    drawing = draw(["0", "0"], line_height=60, pen_width=6, gap=-0.05)
    assert len(segment(to_ink(drawing.grey()).ink).segments) == 1
    result = recognize(drawing.grey(), _WholeThenParts(whole), second_look=False)
    assert result.expression == expected


@pytest.mark.parametrize("whole, expected", [(0.45, "00"), (0.55, "7"), (0.85, "7"), (0.95, "7")])
def test_a_glyph_read_confidently_as_one_symbol_is_never_cut(whole, expected):
    # Above ONE_SYMBOL_SURE (0.5) a glyph is one symbol however sure the classifier is of its parts: a 9
    # with a kink, read 9 at 0.82, was cut into a 6 and a 7 it read at 0.99.
    drawing = draw(["0", "0"], line_height=60, pen_width=6, gap=-0.05)
    classifier = _WholeThenParts(whole, parts=0.999)
    assert recognize(drawing.grey(), classifier, second_look=False).expression == expected
    # Cut, its parts are read as cut straight and along paths; not cut, no part is even classified.
    assert classifier.calls == (3 if expected == "00" else 1)


def test_a_division_by_zero_keeps_the_tree():
    drawing = draw(["0", "÷", "0"], line_height=60, pen_width=6)
    result = recognize(drawing.grey(), _ConstantClassifier("0"))
    assert isinstance(result.error, EvaluationError)
    assert result.error.symbol_index == 1
    assert result.tree is not None and result.value is None


def test_a_wide_space_separates_numbers():
    close = draw(["1", "1"], line_height=60, pen_width=6, gap=0.3)
    assert recognize(close.grey(), _ConstantClassifier("1")).value == "11"
    apart = draw(["1", "1"], line_height=60, pen_width=6, gap=1.6)
    result = recognize(apart.grey(), _ConstantClassifier("1"))
    assert result.expression == "11"
    assert isinstance(result.error, ExpressionError) and "missing operator" in result.error.message
    assert result.symbols[1].gap_before


def test_input_errors_are_raised_before_the_classifier_is_called():
    classifier = _ConstantClassifier()
    good = draw(["1"], line_height=60, pen_width=6).grey()
    with pytest.raises(InputImageError, match="too large"):
        recognize_batch([good, np.zeros((12000, 600), dtype=np.uint8)], classifier)
    with pytest.raises(InputImageError):
        recognize(np.zeros((4, 4), dtype=np.uint8), classifier)
    assert classifier.calls == []


def test_a_classifier_answering_in_the_wrong_shape_is_a_model_error():
    drawing = draw(["1", "2"], line_height=60, pen_width=6)
    with pytest.raises(ModelError, match=r"returned shape \(2, 10\)"):
        recognize(drawing.grey(), lambda crops: np.ones((len(crops), 10), dtype=np.float32) / 10)


def test_a_batch_classifies_all_crops_of_all_images_in_one_call():
    drawings = [draw(list(text), line_height=50, pen_width=5) for text in ("12", "345", "6", "78")]
    images = [d.grey() for d in drawings] + [np.full((100, 300), 255, dtype=np.uint8)]
    classifier = _ConstantClassifier("3")
    results = recognize_batch(images, classifier, second_look=False)
    assert classifier.calls == [8]  # no glyph is wide enough to be two, so no second call
    assert [r.expression for r in results[:4]] == ["33", "333", "3", "33"]
    assert isinstance(results[4].error, EmptyDrawingError)
    assert all(isinstance(r, Recognition) for r in results)


def test_wide_glyphs_are_offered_to_the_classifier_in_one_more_call_and_kept_when_it_is_unsure():
    drawing = draw(["0", "0", "+", "1", "2"], line_height=60, pen_width=6, gap=[-0.05, 0.3, 0.3, -0.1])
    classifier = _ConstantClassifier("0", probability=0.45)
    result = recognize(drawing.grey(), classifier, second_look=False)
    assert len(classifier.calls) == 2 and classifier.calls[0] == 3
    # 0.45 everywhere: too unsure a reading not to try cuts (ONE_SYMBOL_SURE), but no cut makes any part
    # clearly better than the whole, so nothing is cut.
    assert result.expression == "000"


class _SureOfNarrowCrops:
    """Says "0" for every crop: at 0.99 when its ink is taller than wide, 0.4 otherwise.

    Not a recogniser: a deterministic stand-in that lets the *rule* for cutting wide glyphs be checked (cut
    only when every part is confident and more confident than the whole), with boxes that can be compared.
    """

    def __init__(self):
        self.calls = []

    def __call__(self, crops):
        self.calls.append(len(crops))
        out = np.full((len(crops), len(CLASSES)), 0.0, dtype=np.float32)
        for i, crop in enumerate(crops):
            rows = np.flatnonzero(crop.max(axis=1) > 0.1)
            cols = np.flatnonzero(crop.max(axis=0) > 0.1)
            sure = 0.99 if rows.size >= 1.2 * cols.size else 0.4
            out[i] = (1.0 - sure) / (len(CLASSES) - 1)
            out[i, CLASSES.index("0")] = sure
        return out


class _SureOfSlivers:
    """Says "1" at 0.99 for a crop whose ink spans over four times as many rows as columns, "0" at 0.2
    otherwise: a stand-in for a classifier unsure of a 0 that reads each narrow slice of it as a stroke."""

    def __call__(self, crops):
        out = np.zeros((len(crops), len(CLASSES)), dtype=np.float32)
        for i, crop in enumerate(crops):
            rows = np.flatnonzero(crop.max(axis=1) > 0.1)
            cols = np.flatnonzero(crop.max(axis=0) > 0.1)
            best, sure = ("1", 0.99) if np.ptp(rows) + 1 > 4 * (np.ptp(cols) + 1) else ("0", 0.2)
            out[i] = (1.0 - sure) / (len(CLASSES) - 1)
            out[i, CLASSES.index(best)] = sure
        return out


@pytest.mark.parametrize("line_height, pen_width", [(40, 4), (60, 6), (90, 8)])
def test_a_glyph_narrower_than_two_symbols_is_never_cut_into_three(line_height, pen_width):
    """A lone 0 the classifier was unsure of was cut into four slices it read as digits (here 1111; in benchmark
    photos a 0 read as 131): three symbols written into each other are wider than two."""
    result = recognize(draw(["0"], line_height=line_height, pen_width=pen_width).grey(), _SureOfSlivers(),
                       second_look=False)
    assert [s.char for s in result.symbols] == ["0"]


def test_a_wide_glyph_is_cut_where_every_part_is_read_with_confidence():
    drawing = draw(["0", "0", "+", "0", "0", "0"], line_height=60, pen_width=6,
                   gap=[-0.05, 0.3, 0.3, -0.05, -0.05])
    classifier = _SureOfNarrowCrops()
    result = recognize(drawing.grey(), classifier, second_look=False)
    # The three zeros cut straight are three symbols: they are cut along paths as well, read in one more call,
    # and stay three, since no path makes two parts that each read as one symbol.
    assert len(classifier.calls) == 3
    assert [s.char for s in result.symbols] == ["0", "0", "0", "0", "0", "0"]
    assert [s.confidence for s in result.symbols] == pytest.approx([0.99] * 6)
    assert_boxes_close([s.box for s in result.symbols], drawing.boxes, tolerance=drawing.pen_width)
    assert result.crops.shape == (6, 28, 28)
    assert not result.symbols[1].gap_before and not result.symbols[4].gap_before


@pytest.mark.parametrize("spacing", [12, 30], ids=["beyond-grouping", "grouped"])
def test_a_page_of_marks_is_refused_quickly_without_classifying(spacing):
    ink = np.zeros((700, 1000), dtype=np.float32)
    for y in range(10, 690, spacing):
        for x in range(10, 990, spacing):
            draw_polyline(ink, [(x, y), (x + 4, y + 3)], 4)
    classifier = _ConstantClassifier()
    result = recognize((255 * (1 - ink)).astype(np.uint8), classifier)
    assert isinstance(result.error, ExpressionError) and "too many separate marks" in result.error.message
    assert classifier.calls == []
    assert result.timings_ms["segment"] < 5000


# --- with the trained model ----------------------------------------------------------------------------

def _load_model_classifier():
    """The classifier of ``models/current``, or of the model folder ``$INKCALC_MODEL`` names."""
    model_store = pytest.importorskip("training.model_store")
    folder = os.environ.get("INKCALC_MODEL")
    if folder is None and not (MODELS / "current").exists():
        pytest.skip("no trained model yet: models/current does not exist")
    try:
        return model_store.load_classifier(folder)
    except ModelError as error:
        pytest.skip(f"the model cannot be loaded: {error.message}")


@pytest.fixture(scope="module")
def model_classify():
    return _load_model_classifier()


@pytest.mark.parametrize("names, expression, value", [
    (["3", ",", "5", "+", "1"], "3.5+1", "9/2"),        # read by the classifier, the comma was a 1: 316
    (["1", "2", ",", "7", "5", "×", "4"], "12.75*4", "51"),
])
def test_a_decimal_comma_is_read_as_the_decimal_point(model_classify, names, expression, value):
    result = recognize(draw(names, line_height=80, pen_width=7).grey(), model_classify)
    assert (result.expression, result.value) == (expression, value)


def test_a_comma_before_three_digits_is_asked_about_not_guessed(model_classify):
    # 1,000 is a thousand in English and one in most of Europe: reading it as 1 gave 1,000+5 = 6.
    result = recognize(draw(["1", ",", "0", "0", "0", "+", "5"], line_height=80, pen_width=7).grey(),
                       model_classify)
    assert result.value is None and result.expression == "1.000+5"
    assert "write 1000 or 1.000" in result.error.message
    assert result.symbols[result.error.symbol_index].char == ","


def test_division_written_as_a_colon_and_multiplication_as_a_dot(model_classify):
    result = recognize(draw(["1", "2", ":", "4", "+", "3", "·", "2"], line_height=80, pen_width=7).grey(),
                       model_classify)
    assert (result.expression, result.value) == ("12/4+3*2", "9")   # was 12.4+3.2 = 78/5
    dot = result.symbols[-2]
    assert (dot.char, dot.source, dot.alternatives) == ("×", "geometry", ((".", 0.5),))


@pytest.mark.slow
@pytest.mark.parametrize("line_height, pen_width", [(80, 8), (36, 3)])
def test_drawn_digits_are_read_by_the_model(model_classify, line_height, pen_width):
    drawing = draw(list("0123456789"), line_height=line_height, pen_width=pen_width, gap=0.4)
    result = recognize(drawing.grey(), model_classify)
    read = "".join(s.char for s in result.symbols)
    assert sum(a == b for a, b in zip(read, "0123456789")) >= 9, read
    assert_boxes_close([s.box for s in result.symbols], drawing.boxes, tolerance=pen_width)


@pytest.mark.slow
def test_a_drawn_expression_is_calculated(model_classify):
    drawing = draw(["1", "2", "+", "7", "×", "(", "3", "-", "1", ")", "="], line_height=80, pen_width=8)
    result = recognize(drawing.rgba(), model_classify)
    assert result.expression == "12+7*(3-1)=", [s.to_dict() for s in result.symbols]
    assert result.value == "26"
    assert result.steps == ["3−1 = 2", "7×2 = 14", "12+14 = 26"]


@pytest.mark.slow
def test_strokes_that_do_not_touch_are_read_as_one_symbol(model_classify):
    drawing = draw(["4split", "+split", "5split", "×split", "2"], line_height=80, pen_width=8)
    result = recognize(drawing.grey(), model_classify)
    assert result.expression == "4+5*2"
    assert result.value == "14"


@pytest.mark.slow
@pytest.mark.parametrize("names", [["0", "0"], ["6", "4"], ["7", "7"], ["2", "3"], ["0", "0", "0"]])
def test_touching_digits_are_split_by_the_model(model_classify, names):
    drawing = draw(["5", "+"] + names, line_height=80, pen_width=8, gap=[0.4, 0.4] + [-0.05] * (len(names) - 1))
    result = recognize(drawing.grey(), model_classify)
    assert len(segment(to_ink(drawing.grey()).ink).segments) == 3  # the digits really touch
    assert result.expression == "5+" + "".join(names)
    # A vertical cut cannot follow a slanted junction (the two 7s overlap in x): 1.5 pen widths of slack.
    assert_boxes_close([s.box for s in result.symbols], drawing.boxes, tolerance=12)


@pytest.mark.slow
@pytest.mark.parametrize("names, line_height, pen_width", [
    (["3", "6"], 60, 6), (["5", "6"], 80, 8), (["7", "6"], 60, 6), (["2", "9"], 80, 8), (["4", "9"], 80, 8)])
def test_digits_written_deep_into_each_other_are_cut_along_a_path(model_classify, names, line_height, pen_width):
    # A fifth of a line height into each other: any column through the pair hands one digit a piece of the
    # other (36 read 35, 29 read 21); the cut that slips round the ink reads both.
    drawing = draw(["5", "+"] + names, line_height=line_height, pen_width=pen_width, gap=[0.4, 0.4, -0.2])
    assert len(segment(to_ink(drawing.grey()).ink).segments) == 3  # the digits really touch
    result = recognize(drawing.grey(), model_classify)
    assert result.expression == "5+" + "".join(names)


@pytest.mark.slow
@pytest.mark.parametrize("line_height, pen_width", [(40, 4), (60, 6), (80, 8)])
@pytest.mark.parametrize("names", [["1", "1"], ["2", "1", "1", "0"]])
def test_two_ones_written_into_each_other_are_read_as_two(model_classify, names, line_height, pen_width):
    # One glyph, narrower than any other split is tried on, that the model reads as one confident 1.
    ones = names.index("1")
    gaps = [0.4, 0.4] + [-0.18 if k == ones else 0.2 for k in range(len(names) - 1)]
    drawing = draw(["5", "+"] + names, line_height=line_height, pen_width=pen_width, gap=gaps)
    assert len(segment(to_ink(drawing.grey()).ink).segments) == len(names) + 1
    result = recognize(drawing.grey(), model_classify)
    assert result.expression == "5+" + "".join(names)


@pytest.mark.slow
@pytest.mark.parametrize("line_height, pen_width, lean", [
    (90, 6, 0.0), (120, 8, 0.0), (160, 10, 0.0), (90, 6, 0.1), (120, 8, 0.1), (160, 10, 0.1),
    (90, 10, 0.1),  # a thick pen: the model reads the pair as no symbol at all (at best '+', 8%), not as a 1
])
def test_two_ones_run_together_along_their_length_are_read_as_two(model_classify, line_height, pen_width, lean):
    # Where they touch, one run of ink a stroke too wide crosses the glyph; the model read it as one 1.
    lead = draw(["5", "+"], line_height=line_height, pen_width=pen_width, gap=0.4)
    top, bottom = lead.boxes[0][1], lead.boxes[0][3]
    ink = side_by_side(lead.ink, ones_touching_along(top, bottom, pen_width=pen_width,
                                                     canvas_height=lead.ink.shape[0], lean=lean), overlap=0)
    assert len(segment(ink).segments) == 3
    result = recognize(np.round(255.0 * (1.0 - ink)).astype(np.uint8), model_classify)
    assert result.expression == "5+11"


@pytest.mark.slow
def test_single_symbols_are_not_cut(model_classify):
    drawing = draw(["4", "×", "7", "+", "0", "-", "2"], line_height=80, pen_width=8, gap=0.35)
    result = recognize(drawing.grey(), model_classify)
    assert result.expression == "4*7+0-2"


@pytest.mark.slow
def test_pieces_of_one_wide_symbol_are_not_read_as_symbols_of_their_own(model_classify):
    # A cut through a wide 5 leaves its bar, which the classifier reads as "-" with confidence: a part of a
    # cut must be a digit nearly as tall as the glyph.
    drawing = draw(["1", "5long", "+", "5float", "8"], line_height=80, pen_width=8, gap=0.5)
    result = recognize(drawing.grey(), model_classify)
    assert result.expression == "15+58", [s.to_dict() for s in result.symbols]
