"""Percent: ``50%`` is a half and ``200+10%`` is 220, as on a calculator; a drawn ``%`` is read as one, not as
the ``96`` its rings and slash look like to a classifier that knows no ``%``."""

from fractions import Fraction

import numpy as np
import pytest

from drawing import draw
from py_pipeline.errors import ExpressionError
from py_pipeline.evaluate import evaluate, steps
from py_pipeline.expression import parse_text
from py_pipeline.recognize import recognize
from py_pipeline.segment import has_percent_rings, segment
from py_pipeline.symbols import CLASSES
from training.model_store import load_classifier


@pytest.mark.parametrize("text, value", [
    ("50%", Fraction(1, 2)),
    ("12.5%", Fraction(1, 8)),
    ("80*25%", Fraction(20)),
    ("25%*80", Fraction(20)),
    ("200+10%", Fraction(220)),         # added or taken away: a share of what comes before
    ("200-10%", Fraction(180)),
    ("100+10%+10%", Fraction(121)),     # each of the running total, as a calculator's % key
    ("10%+5", Fraction(51, 10)),        # first, it is just a number
    ("(2+3)%", Fraction(1, 20)),
    ("-5%", Fraction(-1, 20)),
    ("1/4%", Fraction(100, 4)),
])
def test_a_percentage_is_a_hundredth_and_a_share_of_what_it_is_added_to(text, value):
    node = parse_text(text)
    assert evaluate(node).number == value
    assert parse_text(node.text()) == node                               # the text parses back to the tree


def test_the_steps_say_what_a_share_is_of():
    assert steps(parse_text("200+10%")) == ["10% of 200 = 20", "200+20 = 220"]
    assert steps(parse_text("80-25%")) == ["25% of 80 = 20", "80−20 = 60"]
    assert steps(parse_text("80*25%")) == ["80×25% = 20"]
    assert evaluate(parse_text("200+10%=220")).truth is True


@pytest.mark.parametrize("text, words", [
    ("%5", "cannot start with '%'"),
    ("5+%", "'%' cannot follow '+'"),
    ("50%2", "missing operator after '%' and before 2"),
])
def test_a_percent_sign_without_its_number_is_an_error_at_it(text, words):
    with pytest.raises(ExpressionError) as caught:
        parse_text(text)
    assert words in caught.value.message


# --- drawn -----------------------------------------------------------------------------------------------

SIZES = [(40, 6), (60, 6), (100, 4), (150, 5)]   # line height and pen width: a thick marker to a fine pen


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("name", ["%", "%join"])
def test_the_rings_of_a_percent_sign_are_found(name, line_height, pen_width):
    found = segment(draw(["5", name], line_height=line_height, pen_width=pen_width).ink)
    assert [has_percent_rings(s.ink > 0.5, found.stroke_width) for s in found.segments] == [False, True]


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("names", [["8"], ["8back"], ["0"], ["9", "6"], ["0", "8"], ["6", "9"]])
def test_digits_with_loops_have_no_percent_rings(names, line_height, pen_width):
    found = segment(draw(names, line_height=line_height, pen_width=pen_width).ink)
    assert not any(has_percent_rings(s.ink > 0.5, found.stroke_width) for s in found.segments)
    assert not has_percent_rings(np.zeros((30, 20), dtype=bool), 3.0)


@pytest.fixture(scope="module")
def classify():
    return load_classifier(None)


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("names, expression, value", [
    (["5", "0", "%"], "50%", "1/2"),
    (["2", "0", "0", "+", "1", "0", "%join"], "200+10%", "220"),
    (["8", "0", "×", "2", "5", "%"], "80*25%", "20"),
])
def test_a_drawn_percent_sign_is_read_and_calculated(classify, names, expression, value, line_height, pen_width):
    # Before: 50% was read 5096, 200+10% read 200+1096 = 1296, each with every symbol at 1.0.
    result = recognize(draw(names, line_height=line_height, pen_width=pen_width).grey(), classify)
    assert (result.expression, result.to_dict()["value"]) == (expression, value)
    percent = result.symbols[-1]
    assert percent.char == "%" and percent.source == "geometry"
    assert all(char in CLASSES for char, _ in percent.alternatives)   # what the classifier made of it


class _SureOfEverything:
    """A classifier that reads every crop as an 8 at 0.99, as the real one reads an 8 leaning back."""

    def __call__(self, crops):
        out = np.full((len(crops), len(CLASSES)), 0.01 / (len(CLASSES) - 1), dtype=np.float32)
        out[:, CLASSES.index("8")] = 0.99
        return out


def test_rings_the_classifier_reads_as_one_symbol_are_that_symbol():
    # An 8 leaning back can have the rings of a %; the classifier, trained to be unsure of what is no
    # digit or operator, has the last word.
    result = recognize(draw(["5", "%"], line_height=60).grey(), _SureOfEverything())
    assert result.expression == "88"
