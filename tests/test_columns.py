"""Numbers written in a column, as a sum on paper, are one calculation (py_pipeline/columns.py)."""

from dataclasses import dataclass

import numpy as np
import pytest

from drawing import draw, draw_fraction
from reads import Reads
from py_pipeline.columns import read_column
from py_pipeline.lines import MARK_PENS, column_of_lines, text_lines
from py_pipeline.recognize import recognize, recognize_batch
from training.expression_images import compose_expression, expected_expression, random_column_text
from training.model_store import load_classifier
from training.pen import draw_polyline

COLUMNS_FLOOR = 0.8
"""Regression floor for columns composed from MNIST test digits: 38 of these 40 today (each miss a digit
misread); 177 of 200 in ``benchmarks/recognition.py --columns --count 200``."""


@dataclass(frozen=True)
class _Symbol:
    char: str
    confidence: float = 1.0
    alternatives: tuple = ()
    source: str = "cnn"
    raised: bool = False
    role: str = ""
    gap_before: bool = False


def _lines(*texts):
    return [[_Symbol(c) for c in text] for text in texts]


@pytest.mark.parametrize("texts, implied", [
    (("120", "+45"), ["", ""]),
    (("120", "45", "-30"), ["", "+", ""]),     # a line with no operator is added
    (("123", "456", "+789"), ["", "+", ""]),
    (("7", "5", "6"), ["", "+", "+"]),
    (("-5", "+3"), ["", ""]),                  # a minus before the first number makes it negative
    (("12", "×3"), ["", ""]),
    (("12", "÷4"), ["", ""]),
    (("1.5", "+2,5"), ["", ""]),
    (("12", "+34="), ["", ""]),                # an = after the last number asks for the answer
    (("12", "34="), ["", "+"]),
])
def test_numbers_one_under_the_other_are_one_calculation(texts, implied):
    assert read_column(_lines(*texts)) == (implied, [[] for _ in texts])


@pytest.mark.parametrize("texts", [
    ("7+5", "2×3"),         # two expressions
    ("12",),                # one line
    ("12", "×3", "+1"),     # × in a column of three lines: here both readings agree,
    ("12", "-3", "×2"),     # but (12-3)×2 step by step is not 12-3×2 by precedence: Inkcalc does not guess
    ("+12", "3"),           # an operator before the first number
    ("12", "+"),            # no number
    ("1989", "+7", "1996"),  # an answer whose rule went unseen is not added in
    ("1.2.3", "4"),         # two decimal points
    ("12", "3(4"),          # a bracket the classifier was sure of
    ("12=", "+34"),         # an = after a number that is not the last
    ("12", "+34=5"),        # an answer written on the line
])
def test_other_lines_are_no_column(texts):
    assert read_column(_lines(*texts)) is None


@pytest.mark.parametrize("texts, column", [
    (("12", "+34", "46"), ["", "", "="]),
    (("12", "34", "-46"), ["", "+", "="]),   # the answer may be negative
    (("12", "46"), None),                     # an answer needs two numbers over it
    (("12", "+34", "+46"), None),             # and no operator of its own
])
def test_the_last_line_under_a_rule_is_the_answer(texts, column):
    read = read_column(_lines(*texts), answered=True)
    assert (read is None) if column is None else read == (column, [[] for _ in texts])


def test_a_raised_digit_or_a_wide_gap_is_no_number_of_a_column():
    raised = _lines("12", "+34")
    raised[1][2] = _Symbol("4", raised=True)
    apart = _lines("12", "+34")
    apart[1][2] = _Symbol("4", gap_before=True)
    after_operator = _lines("12", "+34")
    after_operator[1][1] = _Symbol("3", gap_before=True)   # numbers aligned right leave the operator far off
    assert read_column(raised) is None and read_column(apart) is None
    assert read_column(after_operator) == (["", ""], [[], []])


@pytest.mark.parametrize("char, runner_up, read", [
    ("(", 0.02, True),     # a stroke: a digit runner-up of STROKE_REREAD_ALTERNATIVE will do
    ("(", 0.005, False),
    ("+", 0.2, True),      # anything else needs REREAD_ALTERNATIVE
    ("+", 0.05, False),
])
def test_a_symbol_in_a_number_is_read_as_its_digit_runner_up(char, runner_up, read):
    lines = _lines("99", "-851", "+16")
    lines[2][1] = _Symbol(char, 1.0 - runner_up, alternatives=(("1", runner_up), ("7", runner_up / 2)))
    column = read_column(lines)
    assert (column == (["", "", ""], [[], [], [(1, "1", runner_up)]])) if read else column is None


def _column(lines, line_height=60, pen_width=6, rule=True, answer=None):
    """``lines`` (symbol names) one under the other, aligned right, a rule under them and an ``answer`` under
    that; the ink, the boxes of the symbols in it and the rule's rows."""
    drawings = [draw(names, line_height=line_height, pen_width=pen_width, margin=0)
                for names in lines + ([answer] if answer else [])]
    gap, margin = line_height // 2, line_height
    width = max(d.ink.shape[1] for d in drawings) + 2 * margin
    height = sum(d.ink.shape[0] + gap for d in drawings) + 2 * margin
    ink = np.zeros((height, width), dtype=np.float32)
    boxes, top, rule_at = [], margin, None
    for k, d in enumerate(drawings):
        if k == len(lines) and rule:
            rule_at = top - gap // 2
            start = min(b[0] for b in boxes) - pen_width
            draw_polyline(ink, [(start, rule_at), (width - margin + pen_width, rule_at + 2)], pen_width)
        left = width - margin - d.ink.shape[1]
        ink[top:top + d.ink.shape[0], left:left + d.ink.shape[1]] = d.ink
        boxes += [[x0 + left, y0 + top, x1 + left, y1 + top] for x0, y0, x1, y1 in d.boxes]
        top += d.ink.shape[0] + gap
    if rule and not answer:
        rule_at = top - gap // 2
        start = min(b[0] for b in boxes) - pen_width
        draw_polyline(ink, [(start, rule_at), (width - margin + pen_width, rule_at + 2)], pen_width)
    return ink, boxes, rule_at


def _grey(ink):
    return np.round(255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8)


@pytest.mark.parametrize("line_height, pen_width", [(60, 6), (40, 4)])
def test_a_column_sum_with_a_rule_under_it_is_calculated(line_height, pen_width):
    ink, boxes, _ = _column([["1", "2", "0"], ["+", "4", "5"], ["-", "3", "0"]], line_height, pen_width)
    result = recognize(_grey(ink), Reads("120+45-30"))
    assert (result.expression, result.value, result.error, result.lines) == ("120+45-30", "135", None, 3)
    assert result.to_dict()["lines"] == 3
    assert len(result.crops) == len(result.symbols) == len(boxes)
    for symbol, box in zip(result.symbols, boxes):   # in the drawing's own pixels, each on its own line
        assert np.allclose(symbol.box, box, atol=pen_width), (symbol.char, symbol.box, box)


@pytest.mark.parametrize("answer, value", [(["4", "6"], "true"), (["4", "7"], "false")])
def test_an_answer_written_under_the_rule_is_checked(answer, value):
    """12 over +34, a rule, and 46 (the writer's own sum) under it: 12+34=46, true; 47 is false."""
    ink, _, rule_at = _column([["1", "2"], ["+", "3", "4"]], answer=answer)
    result = recognize(_grey(ink), Reads("12+34" + "".join(answer)))
    assert (result.expression, result.value, result.lines) == ("12+34=" + "".join(answer), value, 3)
    equals = result.symbols[5]
    assert equals.char == "=" and equals.source == "geometry"
    assert abs((equals.box[1] + equals.box[3]) / 2 - rule_at) <= 6 and equals.box[2] - equals.box[0] > 100


def test_a_line_without_an_operator_is_added():
    ink, boxes, _ = _column([["7"], ["5"], ["6"]])   # a rule under single digits: shorter than an underline
    result = recognize(_grey(ink), Reads("756"))
    assert (result.expression, result.value) == ("7+5+6", "18")
    implied = [s for s in result.symbols if s.char == "+"]
    assert [s.index for s in implied] == [1, 3] and all(s.source == "geometry" for s in implied)
    for plus, digit in zip(implied, boxes[1:]):   # where it would have been written: left of its line
        assert plus.box[2] <= digit[0] + 6 and plus.box[1] < digit[3] and plus.box[3] > digit[1]
    assert not result.crops[1].any() and result.crops[0].any()


def test_two_lines_may_multiply_but_three_may_not():
    ink, _, _ = _column([["4", "5"], ["×", "3"]])
    result = recognize(_grey(ink), Reads("45×3"))
    assert (result.expression, result.value) == ("45*3", "135")
    ink, _, _ = _column([["4", "5"], ["×", "3"], ["+", "1"]])
    result = recognize(_grey(ink), Reads("45×3+1"))
    assert result.value is None and "lines of writing" in result.error.message
    assert "column of numbers" in result.error.message


def test_a_column_is_read_without_its_rule_and_a_number_over_a_fraction_bar_is_no_column():
    ink, _, _ = _column([["5", "6"], ["-", "3"]], rule=False)
    assert recognize(_grey(ink), Reads("56-3")).expression == "56-3"
    # A stacked fraction drawn alone is two lines as well, with its bar between them: still a fraction, its
    # bar apart from the numerator or touching it.
    for bar_gap in (None, 0.0):
        fraction = draw_fraction(["1", "2"], ["3", "4"], bar_gap=bar_gap)
        result = recognize(_grey(fraction.ink), Reads("1234"))
        assert (result.expression, result.value, result.lines) == ("(12/34)", "6/17", 1)


def test_a_one_read_as_a_bracket_in_a_column_is_read_as_a_one():
    ink, _, _ = _column([["9", "9"], ["-", "8", "5", "1"], ["+", "1", "6"]])

    class BracketOrOne(Reads):
        def __call__(self, crops):
            probabilities = super().__call__(crops)
            if self.calls == 1:  # the 1 of 16 read as ( at 0.97, 1 at 0.03
                probabilities[7] = 0.0
                probabilities[7, [14, 1]] = 0.97, 0.03
            return probabilities

    result = recognize(_grey(ink), BracketOrOne("99-851+16"))
    assert (result.expression, result.value) == ("99-851+16", "-736")
    [correction] = result.corrections   # the 1's confidence is what the second look made of it
    assert correction == {"symbol_index": 7, "read": "(", "used": "1", "choice": 2,
                          "confidence": round(result.symbols[7].confidence, 6)}


def test_columns_of_mnist_test_digits_are_calculated(digits):
    rng = np.random.default_rng(5)
    drawings = [compose_expression(random_column_text(rng), digits, rng, polarity, touching=0.15)
                for polarity in ("dark-on-light", "light-on-dark", "transparent") * 14][:40]
    results = recognize_batch([d.image for d in drawings], load_classifier(None))
    exact = [i for i, (d, r) in enumerate(zip(drawings, results)) if r.expression == expected_expression(d.text)]
    assert len(exact) / len(drawings) >= COLUMNS_FLOOR, f"only {len(exact)}/{len(drawings)} read exactly"
    assert all(results[i].lines == drawings[i].text.count("\n") + 1 and results[i].value is not None
               for i in exact)


def test_a_page_of_many_marks_is_refused_not_read_line_by_line():
    ink = np.zeros((220, 4000), np.float32)
    for row in (40, 140):
        for x in range(20, 3920, 15):   # 260 strokes on each line: over MAX_SYMBOLS in all
            draw_polyline(ink, [(x, row), (x + 2, row + 40)], 4)

    def never(crops):
        raise AssertionError("the classifier was called")

    result = recognize(_grey(ink), never)
    assert result.value is None and "too many separate marks" in result.error.message


def test_a_dot_just_under_a_line_of_a_column_is_part_of_its_band():
    """A decimal point a couple of rows under the digits (an MNIST digit's low tail, too) is no band of its
    own: the line was refused as a line with something under it."""
    ink = np.zeros((200, 300), np.float32)
    for top in (20, 100):
        for x in (100, 150, 200):
            draw_polyline(ink, [(x, top), (x + 10, top + 50)], 6)
    ink[100 + 56:100 + 62, 170:177] = 1.0   # the dot, two rows under the second line
    mask = ink > 0.5
    lines = text_lines(mask, mark_height=MARK_PENS * 6)
    assert len(lines) == 2
    column = column_of_lines(mask, lines, MARK_PENS * 6)
    assert column is not None and column.rule is None
    assert column.boxes[1][3] == 162 and column.bands[0][1] <= 100 <= column.bands[1][0] + 30


def test_a_column_turned_a_few_degrees_is_turned_level_first():
    """Turned 5°, as in a photo held askew, the long lines of a column run into the rule between them (no row
    of paper parts them): as drawn it was one line of garbage over another. Turned level as a page, it is the
    column it was."""
    from skimage.transform import rotate

    ink, boxes, _ = _column([["1", "2", "0", "7"], ["+", "4", "5", "0", "2"]], line_height=40, pen_width=4,
                            answer=["1", "6", "6", "0", "9"])
    turned = rotate(ink, 5, resize=True, order=1).astype(np.float32)
    result = recognize(_grey(turned), Reads("1207+4502" + "16609"))
    assert (result.expression, result.value, result.lines) == ("1207+4502=16609", "false", 3)
    height, width = turned.shape
    assert all(0 <= s.box[0] < s.box[2] <= width and 0 <= s.box[1] < s.box[3] <= height for s in result.symbols)
