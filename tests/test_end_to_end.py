"""End to end with the committed model: composed handwriting in, the right expression and value out.

Drawings are composed from MNIST **test** digits redrawn with the canvas pen plus generated operators (and
``=``/``÷``/``.`` drawn by geometry), so neither the digits nor these exact operator strokes were trained on.
The CLI runs as a subprocess, exactly as a user runs it.
"""

import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from drawing import draw, draw_fraction
from py_pipeline.errors import UnreadableSymbolError
from py_pipeline.recognize import recognize_batch
from py_pipeline.evaluate import evaluate
from py_pipeline.expression import parse_text
from py_pipeline.normalize import normalize_batch
from training.expression_images import (compose_expression, expected_expression, random_expression_text,
                                        random_structured_text, scribble_drawing)
from training.mnist_data import load_mnist
from training.model_store import current_version, load_classifier
from training.pen import to_rgba_png_array

ROOT = Path(__file__).resolve().parents[1]

EXACT_FLOOR = 0.9
"""Regression floor, not the goal: the pipeline issue's target is 98% exact (benchmarks/recognition.py); the
committed model 2026-11-25-h and segmentation read 58 of these 60 drawings exactly today (none of them
touching, fewer than the benchmark's 1200; 56 with model g). Raise it as they improve."""

SCRIBBLES_FLAGGED_FLOOR = 0.75
"""Regression floor for scribbles (random walks of a pen, not the generator training uses) reported as
unreadable instead of calculated: 35 of these 40 with model 2026-11-25-h (34 while glyphs read as one symbol at
0.5-0.9 were still cut), 24 with g, which never saw one (without the tangle rule of the segmentation: 25 and
5)."""

STRUCTURED_FLOOR = 0.8
"""Regression floor for drawings with raised exponents and stacked fractions (MNIST test digits, exponents
half-size, fractions a little smaller than the line): 54 of these 60 today; 91.0% over 400 in
``benchmarks/recognition.py --structured --count 400``."""

TOUCHING_COUNT_FLOOR = 0.9
"""Regression floor for drawings whose digits often run into their neighbour: the share read with the right
number of symbols. 56 of these 60 today; 53 when a cut into three parts could beat one into two."""


@pytest.fixture(scope="module")
def classify():
    return load_classifier(None)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "py_pipeline", "recognize", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def _polarities(ink):
    """The same ink as the three PNGs people hand us: dark on light, light on dark, transparent canvas."""
    return {
        "dark-on-light": to_rgba_png_array(ink, ink_rgb=(10, 10, 40), background=(250, 250, 245))[..., :3],
        "light-on-dark": to_rgba_png_array(ink, ink_rgb=(255, 255, 255), background=(30, 30, 30)),
        "transparent": to_rgba_png_array(ink),
    }


def test_cli_reads_the_same_drawing_in_every_polarity(tmp_path, digits):
    drawing = compose_expression("12+7*(3-1)", digits, np.random.default_rng(2026))
    paths = []
    for name, image in _polarities(drawing.ink).items():
        path = tmp_path / f"{name}.png"
        Image.fromarray(image).save(path)
        paths.append(path)
    run = _cli("--json", *paths)
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(p) for p in paths]
    for line in lines:
        assert line["error"] is None
        assert line["expression"] == "12+7*(3-1)"
        assert line["value"] == str(12 + 7 * (3 - 1))
        assert len(line["symbols"]) == 10
        assert {"char", "confidence", "box", "alternatives"} <= set(line["symbols"][0])

    human = _cli(paths[0])
    assert human.returncode == 0 and human.stdout == f"{paths[0]}: 12+7*(3-1) → 26\n"


def test_cli_reports_errors_as_one_line_each(tmp_path, digits):
    drawing = compose_expression("5++3", digits, np.random.default_rng(7))
    bad_expression = tmp_path / "double-plus.png"
    Image.fromarray(drawing.image).save(bad_expression)
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(Image.new("L", (1, 1)).tobytes() + b"\x89PNG not really")
    empty = tmp_path / "empty.png"
    Image.new("RGBA", (300, 100), (0, 0, 0, 0)).save(empty)

    run = _cli("--json", bad_expression, corrupt, empty)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    by_file = {Path(line["file"]).name: line for line in map(json.loads, run.stdout.splitlines())}
    assert by_file["double-plus.png"]["expression"] == "5++3"
    assert by_file["double-plus.png"]["value"] is None and "+" in by_file["double-plus.png"]["error"]
    assert by_file["corrupt.png"]["value"] is None and "corrupt.png" in by_file["corrupt.png"]["error"]
    assert by_file["empty.png"]["value"] is None and by_file["empty.png"]["error"]


def test_cli_missing_model_is_one_clear_line(tmp_path):
    Image.new("L", (50, 50), 255).save(tmp_path / "x.png")
    run = _cli("--model", tmp_path / "no-such-model", tmp_path / "x.png")
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and "no-such-model" in run.stderr


def _reference_value(text):
    """The value of a composed expression, computed independently of py_pipeline's parser."""
    # Composed expressions are built from +, -, *, / and parentheses only; evaluate them with a tiny
    # shunting-yard over Fractions so the test does not trust the code under test.
    ops, out = [], []
    precedence = {"+": 1, "-": 1, "*": 2, "/": 2}

    def reduce():
        b, a = out.pop(), out.pop()
        op = ops.pop()
        out.append(a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b)

    i = 0
    text = text.rstrip("=")
    while i < len(text):
        c = text[i]
        if c.isdigit() or c == ".":
            j = i
            while j < len(text) and (text[j].isdigit() or text[j] == "."):
                j += 1
            out.append(Fraction(text[i:j]))
            i = j
            continue
        if c == "(":
            ops.append(c)
        elif c == ")":
            while ops[-1] != "(":
                reduce()
            ops.pop()
        else:
            while ops and ops[-1] != "(" and precedence[ops[-1]] >= precedence[c]:
                reduce()
            ops.append(c)
        i += 1
    while ops:
        reduce()
    return out[0]


def test_composed_expressions_are_read_and_calculated(digits, classify):
    rng = np.random.default_rng(11)
    drawings = [compose_expression(random_expression_text(rng), digits, rng, polarity)
                for polarity in ("dark-on-light", "light-on-dark", "transparent") for _ in range(20)]
    results = recognize_batch([d.image for d in drawings], classify)
    exact = 0
    for drawing, result in zip(drawings, results):
        if result.expression != drawing.text:
            continue
        exact += 1
        try:
            expected = _reference_value(drawing.text)
        except ZeroDivisionError:
            assert result.value is None and "zero" in result.error.message
            continue
        assert Fraction(result.value) == expected, (drawing.text, result.value)
    assert exact / len(drawings) >= EXACT_FLOOR, f"only {exact}/{len(drawings)} read exactly"


def test_composed_powers_and_fractions_are_read_and_calculated(digits, classify):
    rng = np.random.default_rng(12)
    drawings = [compose_expression(random_structured_text(rng), digits, rng, polarity)
                for polarity in ("dark-on-light", "light-on-dark", "transparent") for _ in range(20)]
    results = recognize_batch([d.image for d in drawings], classify)
    exact = [r for d, r in zip(drawings, results)
             if r.expression == expected_expression(d.text) and not isinstance(r.error, UnreadableSymbolError)]
    for result in exact:  # the symbols' roles and raised flags mean what the text says
        if result.value is not None:
            assert Fraction(result.value) == evaluate(parse_text(result.expression)).number
        else:
            assert "zero" in result.error.message or "too large" in result.error.message, result.error.message
    assert len(exact) / len(drawings) >= STRUCTURED_FLOOR, f"only {len(exact)}/{len(drawings)} read exactly"


def test_digits_written_into_each_other_are_cut_into_the_right_number_of_symbols(digits, classify):
    rng = np.random.default_rng(13)
    drawings = [compose_expression(random_expression_text(rng), digits, rng, "dark-on-light", touching=0.6)
                for _ in range(60)]
    results = recognize_batch([d.image for d in drawings], classify)
    right_count = sum(len(r.symbols) == len(d.text) for d, r in zip(drawings, results))
    assert right_count / len(drawings) >= TOUCHING_COUNT_FLOOR, f"only {right_count}/{len(drawings)}"


def test_overlapping_digits_are_cut_round_the_stroke_a_column_would_split(digits, classify):
    # These MNIST test digits, the 3 written into the 5, overlap: straight cuts read them as three symbols
    # (333+6); cut along a path round the 5's stem they are two.
    drawing = compose_expression("35+6", digits, np.random.default_rng(189), "dark-on-light", touching=1.0)
    [result] = recognize_batch([drawing.image], classify)
    assert (result.expression, result.value) == ("35+6", "41")


def test_a_wide_digit_read_as_one_symbol_is_not_cut_in_two(digits, classify):
    # MNIST test digit 3727, a wide 8, is read 8 below 0.9 by about half of these 40 writers (0.44-0.98); while
    # such a glyph was still cut, its left part read 8 and the rest 3 (0.99 and 1.0 for one writer), and 10 of
    # the 40 read 183 (29 read 18).
    eights = {**digits, 8: digits[8][355:356]}
    assert np.array_equal(eights[8][0], load_mnist().test_images[3727])
    drawings = [compose_expression("18", eights, np.random.default_rng(seed), "dark-on-light") for seed in range(40)]
    read = [r.expression for r in recognize_batch([d.image for d in drawings], classify)]
    assert read.count("18") >= 37, read


@pytest.mark.parametrize("line_height, pen_width", [(40, 3), (80, 8)])
def test_a_slash_after_a_bracket_that_leans_like_a_one_is_read_as_a_slash(classify, line_height, pen_width):
    # The model reads this / as a 1 (0.70 and 0.55 today), and (2+3)14 = 70 parsed: a silent wrong answer.
    drawing = draw(["(", "2", "+", "3", ")", "/lean", "4"], line_height=line_height, pen_width=pen_width)
    [result] = recognize_batch([drawing.grey()], classify)
    assert (result.expression, result.value) == ("(2+3)/4", "5/4")


@pytest.mark.parametrize("line_height, pen_width", [(40, 3), (90, 9)])
def test_a_slash_before_a_bracket_that_leans_like_a_one_is_read_as_a_slash(classify, line_height, pen_width):
    # Read as a 1 (0.69 and 0.63 today), this / made 61(3+4) = 427, 61 times a stacked fraction, and the
    # mixed number 61¾. A product and a mixed number written as such keep their reading.
    def fraction(over, under, before):
        return draw_fraction(over, under, before=before, line_height=line_height, pen_width=pen_width)

    drawings = [draw(["6", "/lean", "(", "3", "+", "4", ")"], line_height=line_height, pen_width=pen_width),
                fraction(["3"], ["2"], ["6", "/lean"]), fraction(["3"], ["4"], ["6", "/lean"]),
                draw(["3", "1", "(", "4", "+", "5", ")"], line_height=line_height, pen_width=pen_width),
                fraction(["3"], ["4"], ["1", "2"])]
    results = recognize_batch([d.grey() for d in drawings], classify)
    assert [(r.expression, r.value) for r in results] == [
        ("6/(3+4)", "6/7"), ("6/(3/2)", "4"), ("6/(3/4)", "8"), ("31(4+5)", "279"), ("(12+(3/4))", "51/4")]


def test_scribbles_are_reported_as_unreadable_not_calculated(classify):
    rng = np.random.default_rng(17)
    results = recognize_batch([scribble_drawing(rng) for _ in range(40)], classify)
    flagged = [r for r in results if isinstance(r.error, UnreadableSymbolError)]
    assert len(flagged) / len(results) >= SCRIBBLES_FLAGGED_FLOOR, f"only {len(flagged)}/{len(results)}"
    assert all(r.value is None and r.symbols for r in flagged)


def test_the_model_the_cli_uses_is_the_committed_current_one():
    version = current_version()
    assert (ROOT / "models" / version / "model.keras").is_file()


@pytest.mark.parametrize("count", [1, 7, 4097])
def test_the_classifier_graph_gives_what_the_keras_model_gives(classify, digits, count):
    # The classifier runs the model as one traced graph for any batch size (4097 crops span two chunks):
    # it must answer exactly what calling the Keras model itself answers.
    crops = normalize_batch(np.concatenate([digits[d % 10][:count // 10 + 1] for d in range(10)])[:count])
    expected = np.asarray(classify.model(crops, training=False))
    probabilities = classify(crops)
    assert np.allclose(probabilities, expected, atol=1e-5)
    assert (probabilities.argmax(axis=1) == expected.argmax(axis=1)).all()
