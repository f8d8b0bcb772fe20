"""Square roots: ``√9`` is 3 and ``√(9/4)`` is 3/2, exactly; a drawn ``√`` is read by its shape and by what lies
under its bar, not as the ``5`` the classifier, which has no ``√`` class, takes it for (``√49`` was ``549``)."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage as ndi

from drawing import draw, draw_fraction, draw_root
from py_pipeline.errors import EvaluationError, ExpressionError
from py_pipeline.evaluate import AGREEING_DIGITS, WORKING_DIGITS, evaluate, steps
from py_pipeline.expression import parse_text
from py_pipeline.radicals import find_radicals, hanging_pieces
from py_pipeline.recognize import recognize
from py_pipeline.segment import segment
from training.model_store import load_classifier
from training.pen import draw_polyline


@pytest.mark.parametrize("text, value", [
    ("sqrt(9)", Fraction(3)),
    ("√9", Fraction(3)),                 # the typeset sign reads the same
    ("sqrt(2.25)", Fraction(3, 2)),
    ("sqrt(9/4)", Fraction(3, 2)),
    ("sqrt(0)", Fraction(0)),
    ("sqrt(3^2+4^2)", Fraction(5)),
    ("2sqrt(9)", Fraction(6)),           # a factor before it multiplies
    ("sqrt(4)sqrt(9)", Fraction(6)),
    ("-sqrt(4)", Fraction(-2)),
    ("sqrt(sqrt(16))", Fraction(2)),
    ("sqrt(9)^2", Fraction(9)),          # the power is of the root, as a power after the bar is on paper
    ("200+sqrt(100)%", Fraction(220)),   # so is a percent
])
def test_a_square_root_is_exact(text, value):
    node = parse_text(text)
    assert evaluate(node).number == value
    assert parse_text(node.text()).to_dict() == node.to_dict()             # the text parses back to the tree


def test_the_steps_show_each_root():
    assert steps(parse_text("1+sqrt(3^2+4^2)")) == ["3² = 9", "4² = 16", "9+16 = 25", "√25 = 5", "1+5 = 6"]
    assert steps(parse_text("sqrt(1/4)")) == ["1÷4 = 0.25", "√0.25 = 0.5"]
    assert parse_text("2sqrt(1+3)").text() == "2sqrt(1+3)"


@pytest.mark.parametrize("text, value, display", [
    ("sqrt(2)", "1.414213562", "≈ 1.414213562"),
    ("1+sqrt(2)", "2.414213562", "≈ 2.414213562"),
    ("sqrt(1/3)", "0.5773502692", "≈ 0.5773502692"),
    ("-sqrt(3)", "-1.732050808", "≈ −1.732050808"),
    ("sqrt(0.0002)", "0.01414213562", "≈ 0.01414213562"),
    ("sqrt(8)sqrt(2)", "4", "≈ 4"),            # worked out from approximations, so approximate
    ("sqrt(10^100+1)", "1e+50", "≈ 1×10⁵⁰"),
])
def test_a_root_without_an_exact_value_is_worked_out_and_marked_approximate(text, value, display):
    result = evaluate(parse_text(text)).to_dict()
    assert (result["value"], result["display"], result["approximate"]) == (value, display, True)
    assert result["decimal"] == value + "…" and result["exact_decimal"] is False
    assert evaluate(parse_text("sqrt(9/4)")).to_dict()["approximate"] is False


def test_an_approximate_value_is_close_and_stays_small():
    two = evaluate(parse_text("sqrt(2)")).number
    assert abs(two * two - 2) < Fraction(1, 10 ** (WORKING_DIGITS - 1))
    # Every step rounds to the working digits: a long calculation with roots keeps its numbers short.
    long = evaluate(parse_text("*".join(["sqrt(3)"] * 60))).number
    assert len(str(long.numerator)) + len(str(long.denominator)) < 4 * WORKING_DIGITS
    assert abs(long / 3 ** 30 - 1) < Fraction(1, 10 ** AGREEING_DIGITS)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 10 ** 12), st.integers(1, 10 ** 12))
def test_the_square_of_any_root_agrees_with_its_number(numerator, denominator):
    text = f"sqrt({numerator}/{denominator})"
    root = evaluate(parse_text(text)).number
    assert abs(root * root / Fraction(numerator, denominator) - 1) < Fraction(1, 10 ** (WORKING_DIGITS - 2))
    assert evaluate(parse_text(f"{text}^2={numerator}/{denominator}")).truth is True
    assert evaluate(parse_text(f"{text}^2=({numerator}/{denominator})(1+10^-25)")).truth is False


def test_the_steps_say_what_is_approximate():
    assert steps(parse_text("1+sqrt(2)")) == ["√2 ≈ 1.414213562", "1+1.414213562 ≈ 2.414213562"]
    assert steps(parse_text("sqrt(2)^2=2"))[-1] == "2 = 2: true"


@pytest.mark.parametrize("text, truth, display", [
    ("sqrt(2)*sqrt(2)=2", True, "true: both sides equal 2 (to 30 significant digits)"),
    ("sqrt(2)=1.414", False, "false: 1.414213562 ≠ 1.414"),
    ("sqrt(8)=2sqrt(2)", True, "true: both sides equal 2.828427125 (to 30 significant digits)"),
])
def test_an_equation_with_roots_is_true_when_both_sides_agree_to_the_digits_worked_out(text, truth, display):
    value = evaluate(parse_text(text))
    assert (value.truth, value.to_dict()["display"]) == (truth, display)


@pytest.mark.parametrize("text, words, at", [
    ("sqrt(1-5)", "the square root of a negative number, −4, has no real value", 0),
    ("1+sqrt(-2)", "the square root of a negative number, −2, has no real value", 2),
    ("1/(sqrt(2)-sqrt(2))", "division by zero: the divisor √(2)-√(2) is 0", 1),
])
def test_a_root_without_a_real_value_is_an_error_at_the_root(text, words, at):
    with pytest.raises(EvaluationError) as caught:
        evaluate(parse_text(text))
    assert words in caught.value.message
    assert caught.value.symbol_index == at


@pytest.mark.parametrize("text, words", [
    ("sqrt", "ends with '√'"),
    ("sqrt+4", "'+' cannot follow '√'"),
])
def test_a_root_sign_without_its_number_is_an_error(text, words):
    with pytest.raises(ExpressionError) as caught:
        parse_text(text)
    assert words in caught.value.message


# --- drawn -----------------------------------------------------------------------------------------------

SIZES = [(40, 4), (60, 6), (90, 10), (150, 5)]   # line height and pen width: a thick marker to a fine pen


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("radicand, before, after", [
    ("9", (), ()), ("16", (), ()), ("1", (), ()), ("49", ("3", "+"), ()), ("1+3", ("2", "×"), ("-", "1")),
    ("9-2.75", (), ()),    # a short mark under the bar is the radicand's, not a piece of the radical
])
def test_a_radical_and_what_its_bar_covers_are_found(radicand, before, after, line_height, pen_width):
    drawing = draw_root(radicand, before=before, after=after, line_height=line_height, pen_width=pen_width)
    found = segment(drawing.ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1
    radical = found.segments[radicals[0].index]
    assert abs(radical.box[0] - drawing.boxes[len(before)][0]) <= 2
    covered = sorted(found.segments[i].box[0] for i in radicals[0].radicand)
    drawn = [box[0] for box in drawing.boxes[len(before) + 1:len(before) + 1 + len(radicand)]]
    assert len(covered) == len(drawn) and all(abs(a - b) <= 2 for a, b in zip(covered, drawn))


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("radicand", ["16", "49", "1+3", "(6-2)", "12.5"])
def test_a_radicand_the_bar_sags_into_is_cut_off_it(radicand, line_height, pen_width):
    drawing = _sagging_into_the_last_symbol(radicand, line_height=line_height, pen_width=pen_width)
    found = segment(drawing.ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1 and len(radicals[0].radicand) == len(radicand)


@pytest.mark.parametrize("line_height, pen_width", SIZES)
def test_a_piece_high_under_the_bar_goes_with_its_symbol_not_the_radical(line_height, pen_width):
    # A 5 whose flag floats off to its right: high on the line, the flag is nearer the radical's box.
    found = segment(draw_root(["1", "5float"], line_height=line_height, pen_width=pen_width).ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1 and len(radicals[0].radicand) == 2
    assert found.segments[radicals[0].radicand[1]].n_components == 2


def test_the_tip_the_cut_takes_off_a_symbol_run_into_the_bar_stays_with_it():
    # The bar run well into the 3's top: cut off at the bar's rows, the 3's hook falls away as a crumb.
    found = segment(draw_root("1+3", line_height=40, pen_width=4, bar=0.2, sag=0.25).ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1 and len(radicals[0].radicand) == 3
    assert found.segments[radicals[0].index].n_components == 1


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("radicand", ["9", "4", "1", "16", "49", "1+3"])
@pytest.mark.parametrize("bar", [0.0, 0.05])
def test_a_radicand_run_into_the_bar_all_along_is_cut_off_it(radicand, bar, line_height, pen_width):
    # Nothing under the bar is clear of it: the check coming down from the left tells it from two digits.
    found = segment(draw_root(radicand, line_height=line_height, pen_width=pen_width, bar=bar).ink)
    assert len(found.segments) == 1 + len(radicand)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1 and len(radicals[0].radicand) == len(radicand)


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("radicand", ["9", "5", "49"])
def test_the_bar_a_symbol_was_drawn_on_is_the_top_of_its_crop_too(radicand, line_height, pen_width):
    # The cut leaves the bar to the radical; the symbols' crops show the bar's ink over where they ran into
    # it, the top of a 9's loop or a 5's flag, and only there.
    drawing = draw_root(radicand, line_height=line_height, pen_width=pen_width, bar=0.0)
    found = segment(drawing.ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1
    bar = found.segments[radicals[0].index]
    for i in radicals[0].radicand:
        seg = found.segments[i]
        x, y = seg.origin
        height, width = seg.ink.shape
        assert y < seg.box[1] - 1 and y >= bar.box[1] - 1                   # the crop reaches up into the bar
        assert x >= seg.box[0] - pen_width and x + width <= seg.box[2] + pen_width   # not along it
        assert seg.ink[:seg.box[1] - y].max() > 0.5


def test_a_radicand_that_meets_the_bar_only_at_a_corner_is_cut_off_it_all_the_same():
    # Joined to the bar by a staircase of pixels that touch only at their corners, the 1 falls away from the
    # cut with no bar ink right over it to borrow; segmenting it raised a ValueError.
    ink = np.zeros((140, 200), np.float32)
    draw_polyline(ink, [(20, 70), (30, 66), (45, 120), (60, 30), (180, 30)], 6)   # tick, foot, rise, bar
    one = np.zeros_like(ink)
    draw_polyline(one, [(100, 41), (100, 118)], 6)
    np.maximum(ink, one, out=ink)
    bar_bottom = np.flatnonzero(ink[:, 110] > 0.5)[-1]
    one_top = np.flatnonzero(one[:, 100] > 0.5)[0]
    one_right = np.flatnonzero(one[one_top] > 0.5)[-1]
    for row in range(bar_bottom + 1, one_top):
        ink[row, one_right + one_top - row] = 1.0
    pieces = hanging_pieces(ink > 0.5, 6, 60)
    assert len(pieces) == 1 and not pieces[0].borrowed.any()
    found = segment(ink)
    assert len(found.segments) == 2
    assert len(find_radicals(found.segments, found.stroke_width, found.symbol_height)) == 1


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("names", [["1", "7"], ["8", "7"], ["4", "7"], ["1", "7", "7"], ["5", "3"], ["2", "7"],
                                   ["1", "7over"], ["8", "7over"], ["2", "7over"], ["3", "7over"], ["9", "7over"],
                                   ["6", "7"], ["0", "7"], ["4", "3"], ["6", "7over"], ["0", "7over"],
                                   ["4", "7over"], ["5", "7over"], ["5long", "7"], ["5long", "9"], ["5long", "1"],
                                   ["5long", "4"]])
def test_a_seven_touched_at_its_bar_by_the_digit_before_keeps_its_stem(names, line_height, pen_width):
    # A digit touching the left end of a 7's bar makes a check and a bar with the 7's stem hanging from it.
    for gap in np.arange(0.0, -0.4, -0.02):   # written into each other just far enough to touch
        touching = draw(names, line_height=line_height, pen_width=pen_width, gap=gap)
        if len(_components(touching.ink)) < len(names):
            break
    assert len(_components(touching.ink)) < len(names)
    labels, count = ndi.label(touching.ink > 0.5)
    for label, box in enumerate(ndi.find_objects(labels), start=1):   # each component, as segment cuts them
        window = labels[box]
        assert hanging_pieces(window == label, pen_width, line_height) == []


def test_a_bar_that_falls_steeply_into_the_radicand_is_followed_along_its_slope(classify):
    # The bar drops 0.35 line heights to its end, into the 8: more than the glyph's top few rows, where a bar
    # was looked for, so the root and its radicand were one glyph read as 428.
    drawing = draw_root("28", before=["3", "+"], sag=0.35)
    result = recognize(drawing.grey(), classify)
    assert (result.expression, result.to_dict()["value"]) == ("3+sqrt(28)", "8.291502622")


@pytest.mark.parametrize("line_height, pen_width", [(40, 4), (60, 6), (90, 10)])
@pytest.mark.parametrize("radicand, sag", [("47", 0.45), ("1+4", 0.45), ("4", 0.4), ("24", 0.45), ("16", 0.4),
                                           ("99", 0.45), ("14", 0.4)])
def test_a_bar_that_runs_through_the_tops_of_its_radicand_is_found_along_its_line(radicand, sag, line_height,
                                                                                   pen_width):
    # The bar sags so far that the last symbols stick up over it: walking along the glyph's top climbs onto
    # them, so the bar is found as the straight line from its end, and what it ran through is cut off it whole.
    drawing = draw_root(radicand, line_height=line_height, pen_width=pen_width, bar=0.1, sag=sag)
    assert len(_components(drawing.ink)) < 1 + len(radicand.replace("+", "")) + 2 * radicand.count("+")
    found = segment(drawing.ink)
    radicals = find_radicals(found.segments, found.stroke_width, found.symbol_height)
    assert len(radicals) == 1 and len(radicals[0].radicand) == len(radicand)
    covered = sorted(found.segments[i].box[0] for i in radicals[0].radicand)
    drawn = sorted(box[0] for box in drawing.boxes[1:])
    assert all(abs(a - b) <= pen_width for a, b in zip(covered, drawn))


@pytest.mark.parametrize("radicand, value", [("47", "6.8556546"), ("1+4", "2.236067977"), ("99", "9.949874371")])
def test_a_root_whose_bar_runs_through_its_radicand_is_read(classify, radicand, value):
    drawing = draw_root(radicand, bar=0.1, sag=0.45)
    result = recognize(drawing.grey(), classify)
    assert result.expression == f"sqrt({radicand})"
    assert result.to_dict()["value"].startswith(value)


def _sagging_into_the_last_symbol(radicand, **kwargs):
    """``draw_root`` with the bar sagging just far enough to run into the radicand's last symbol."""
    for sag in np.arange(0.0, 0.5, 0.01):
        drawing = draw_root(radicand, bar=0.2, sag=sag, **kwargs)
        if len(_components(drawing.ink)) <= len(_components(draw_root(radicand, bar=0.2, **kwargs).ink)) - 1:
            return drawing
    raise AssertionError("the bar never ran into the radicand")


def _components(ink):
    labels, count = ndi.label(ink > 0.5)
    return [labels == label for label in range(1, count + 1)]


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("names", [
    ["7", "1"], ["7", "4", "1"], ["5long", "1"], ["5float", "2"], ["5flick", "3"], ["4tall", "1"], ["+tall", "7"],
    ["/lean", "7"],
])
def test_glyphs_with_a_bar_at_the_top_are_no_radicals(names, line_height, pen_width):
    found = segment(draw(names, line_height=line_height, pen_width=pen_width).ink)
    assert find_radicals(found.segments, found.stroke_width, found.symbol_height) == []


def test_a_fraction_bar_and_a_radical_with_nothing_under_it_are_no_radicals():
    found = segment(draw_fraction(["1", "+", "2"], ["3"], before=["7"]).ink)
    assert find_radicals(found.segments, found.stroke_width, found.symbol_height) == []
    empty = draw_root("1", before=["2", "+"])
    empty.ink[:, empty.boxes[3][0] - 2:empty.boxes[3][2] + 2] = 0   # the 1 under the bar rubbed out
    found = segment(empty.ink)
    assert find_radicals(found.segments, found.stroke_width, found.symbol_height) == []


@pytest.fixture(scope="module")
def classify():
    return load_classifier(None)


DRAWN_ROOTS = [
    ("9", (), (), "sqrt(9)", "3"),
    ("49", ("3", "+"), (), "3+sqrt(49)", "10"),
    ("16", (), ("+", "1"), "sqrt(16)+1", "5"),
    ("1+3", ("2", "×"), (), "2*sqrt(1+3)", "4"),
    ("9-2.75", (), (), "sqrt(9-2.75)", "5/2"),
    ("6.25", (), ("-", "1"), "sqrt(6.25)-1", "3/2"),
    ("(6-2)", ("1", "+"), (), "1+sqrt((6-2))", "3"),
]


@pytest.mark.parametrize("line_height, pen_width", SIZES)
@pytest.mark.parametrize("radicand, before, after, expression, value, bar",
                         [case + ("clear",) for case in DRAWN_ROOTS]     # the bar clear of the radicand
                         + [case + ("sagging",) for case in DRAWN_ROOTS if len(case[0]) > 1]   # into its end
                         + [case + ("touching",) for case in DRAWN_ROOTS])   # on top of all of it
def test_a_drawn_square_root_is_read_and_calculated(classify, radicand, before, after, expression, value, bar,
                                                      line_height, pen_width):
    # Before: √9 was read 59, 3+√49 read 3+549 = 552, 2×√(1+3) read 2*15+3 = 33; until the check's shape was
    # looked at, a bar drawn on top of the radicand gave 3+449 for 3+√49.
    size = {"before": before, "after": after, "line_height": line_height, "pen_width": pen_width}
    drawing = (_sagging_into_the_last_symbol(radicand, **size) if bar == "sagging"
               else draw_root(radicand, bar=0.0, **size) if bar == "touching" else draw_root(radicand, **size))
    result = recognize(drawing.grey(), classify)
    assert (result.expression, result.to_dict()["value"]) == (expression, value)
    radical = result.symbols[len(before)]
    assert (radical.char, radical.source, radical.role) == ("√", "geometry", "radical")
    assert [s.role for s in result.symbols[len(before) + 1:len(before) + 1 + len(radicand)]] == \
        ["radicand"] * len(radicand)
    assert all(abs(a - b) <= 3 for a, b in zip(radical.box, drawing.boxes[len(before)]))


@pytest.mark.parametrize("line_height, pen_width", [(60, 6), (40, 4)])
@pytest.mark.parametrize("over, under, expression, value", [
    ("1", "√2", "(1/(sqrt(2)))", "0.7071067812"),
    ("√9", "2", "((sqrt(9))/2)", "3/2"),
    ("1+√5", "2", "((1+sqrt(5))/2)", "1.618033989"),
    ("√16", "1+√4", "((sqrt(16))/(1+sqrt(4)))", "4/3")])
def test_a_root_inside_a_stacked_fraction_is_read_in_its_part(classify, over, under, expression, value,
                                                              line_height, pen_width):
    # Read as digits, 1 over √2 was 1/52 and (1+√5) over 2 was 28; then refused; now each root is read in the
    # numerator or denominator it is written in.
    def part(text):
        if "√" not in text:
            return list(text)
        before, radicand = text.split("√")
        return draw_root(radicand, before=list(before), line_height=line_height, pen_width=pen_width)

    drawing = draw_fraction(part(over), part(under), line_height=line_height, pen_width=pen_width)
    result = recognize(drawing.grey(), classify)
    assert (result.expression, result.to_dict()["value"]) == (expression, value)
    roots = [s for s in result.symbols if s.char == "√"]
    assert len(roots) == over.count("√") + under.count("√")
    bar = next(s for s in result.symbols if s.role == "fraction")
    for root in roots:
        part_of = "numerator" if root.box[3] < bar.box[1] else "denominator"
        assert root.role == f"{part_of} radical" and root.source == "geometry"
        assert result.symbols[root.index + 1].role == f"{part_of} radicand"


@pytest.mark.parametrize("bar_gap", [0.1, 0.12])
def test_a_root_just_under_its_fraction_s_bar_is_read(classify, bar_gap):
    # With a wide pen, the fraction's bar ends within a pen width of the root's bar under it: it was taken for
    # something through the root's bar, the root was not read, and 7 over √8 was 7/58.
    drawing = draw_fraction(["7"], draw_root("8", line_height=60, pen_width=10), line_height=60, pen_width=10,
                            bar_gap=bar_gap)
    result = recognize(drawing.grey(), classify)
    assert (result.expression, result.to_dict()["value"]) == ("(7/(sqrt(8)))", "2.474873734")


def test_a_drawn_root_without_an_exact_value_is_approximate(classify):
    result = recognize(draw_root("2", before=["1", "+"]).grey(), classify)
    assert result.expression == "1+sqrt(2)" and result.error is None
    assert (result.to_dict()["value"], result.to_dict()["display"]) == ("2.414213562", "≈ 2.414213562")
