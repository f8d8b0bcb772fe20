"""Several lines of writing are an error that points at the second line, never one garbled expression (unless
they are a column of numbers: tests/test_columns.py)."""

import numpy as np
import pytest

from drawing import draw
from reads import Reads
from py_pipeline.errors import ExpressionError
from py_pipeline.lines import MARK_PENS, text_lines
from py_pipeline.recognize import recognize


class _NeverCalled:
    """A far mark or a lone sign is told before classification: such a drawing is never classified."""

    def __call__(self, crops):
        raise AssertionError("the classifier was called")


def _stack(*drawings, gap=30, indent=(0, 0, 0)):
    """Drawings (ink in [0, 1]) one under the other, ``gap`` rows apart; each shifted right by its indent."""
    width = max(d.ink.shape[1] + shift for d, shift in zip(drawings, indent))
    rows, tops = [], []
    y = 0
    for d, shift in zip(drawings, indent):
        block = np.zeros((d.ink.shape[0], width), dtype=np.float32)
        block[:, shift:shift + d.ink.shape[1]] = d.ink
        tops.append(y)
        rows += [block, np.zeros((gap, width), dtype=np.float32)]
        y += d.ink.shape[0] + gap
    return np.concatenate(rows[:-1]), tops


def _grey(ink):
    return np.round(255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8)


@pytest.mark.parametrize("line_height", [40, 700])  # 700: a photo-sized image, read at a smaller working size
def test_two_lines_are_an_error_at_the_second_line(line_height):
    first, second = draw(["1", "2", "+", "7"], line_height=line_height), draw(["3", "×", "4"],
                                                                             line_height=line_height)
    ink, tops = _stack(first, second, gap=line_height // 2)
    result = recognize(_grey(ink), Reads("12+73×4"))
    assert isinstance(result.error, ExpressionError)
    assert "2 lines of writing" in result.error.message
    assert result.value is None and result.symbols == []
    x0, y0, x1, y1 = result.to_dict()["error"]["box"]
    boxes = np.array(second.boxes) + [0, tops[1], 0, tops[1]]
    expected = [boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()]
    tolerance = 2 * second.pen_width
    assert np.allclose([x0, y0, x1, y1], expected, atol=tolerance), ([x0, y0, x1, y1], expected)


def test_three_lines_and_a_smaller_second_line():
    ink, _ = _stack(draw(["2", "+", "2"], line_height=60), draw(["4", "-", "1"], line_height=24, margin=60),
                    draw(["9"], line_height=60))
    result = recognize(_grey(ink), Reads("2+24-19"))
    assert "3 lines of writing" in result.error.message


def test_marks_above_and_below_a_line_belong_to_it():
    line = draw(["7", "+", "2"], line_height=60, margin=80)
    ink = line.ink.copy()
    top = min(b[1] for b in line.boxes)
    bottom = max(b[3] for b in line.boxes)
    ink[top - 30:top - 24, 90:150] = 1.0          # a bar written above the digits, clear of them
    ink[bottom + 20:bottom + 27, 120:127] = 1.0   # a dot below
    lines = text_lines(ink > 0.5)
    assert len(lines) == 1 and not lines[0].stray
    assert lines[0].box[1] <= top - 30 and lines[0].box[3] >= bottom + 27


@pytest.mark.parametrize("below", [False, True])
def test_a_mark_far_from_the_line_is_an_error_that_points_at_it(below):
    # A dash a line and a half away (a stray stroke, or a strip of desk along a photo's edge) was taken for a
    # mark of the line and read into it: 7+2 read 7-+2, and the error was about the +, not the dash.
    line = draw(["7", "+", "2"], line_height=60, margin=200)
    ink = line.ink.copy()
    top, bottom = min(b[1] for b in line.boxes), max(b[3] for b in line.boxes)
    row, left = (bottom + 90 if below else top - 96), line.boxes[0][0]
    ink[row:row + 6, left:left + 80] = 1.0  # over (under) the 7 and the +, as a line over a line would be
    lines = text_lines(ink > 0.5)
    assert [line.stray for line in lines] == ([False, True] if below else [True, False])
    result = recognize(_grey(ink), _NeverCalled())
    assert isinstance(result.error, ExpressionError) and "a mark far above or below" in result.error.message
    x0, y0, x1, y1 = result.to_dict()["error"]["box"]
    assert abs(y0 - row) <= 2 and abs(y1 - (row + 6)) <= 2 and abs(x0 - left) <= 2 and abs(x1 - left - 80) <= 2


def test_a_far_mark_above_a_line_with_a_bar_over_it_is_a_mark_not_a_line():
    """The bar over the digits is near the line and belongs to it, not to the far mark above: put together,
    mark and bar were as tall as a line, and the error spoke of two lines of writing."""
    line = draw(["7", "+", "2"], line_height=60, margin=200)
    ink = line.ink.copy()
    top, left = min(b[1] for b in line.boxes), line.boxes[0][0]
    ink[top - 30:top - 24, left:left + 60] = 1.0    # a bar over the digits, clear of them
    ink[top - 100:top - 94, left:left + 80] = 1.0   # a dash far above the line
    lines = text_lines(ink > 0.5)
    assert [line.stray for line in lines] == [True, False]
    assert lines[0].box[1:4:2] == [top - 100, top - 94] and lines[1].box[1] == top - 30
    result = recognize(_grey(ink), _NeverCalled())
    assert isinstance(result.error, ExpressionError) and "a mark far above or below" in result.error.message
    x0, y0, x1, y1 = result.to_dict()["error"]["box"]
    assert abs(y0 - (top - 100)) <= 2 and abs(y1 - (top - 94)) <= 2


def test_a_line_climbing_past_its_own_height_is_one_line():
    """``12`` and, far to the right and higher, ``+7``: no row of ink in common, but side by side."""
    left, right = draw(["1", "2"], line_height=50, margin=10), draw(["+", "7"], line_height=50, margin=10)
    ink = np.zeros((left.ink.shape[0] + right.ink.shape[0] + 10, left.ink.shape[1] + right.ink.shape[1] + 200),
                   dtype=np.float32)
    ink[-left.ink.shape[0]:, :left.ink.shape[1]] = left.ink
    ink[:right.ink.shape[0], -right.ink.shape[1]:] = right.ink
    assert len(text_lines(ink > 0.5)) == 1


def test_a_second_line_indented_is_two_lines_until_it_lies_beside_the_first():
    first, second = draw(["1", "2", "+", "7"], line_height=40), draw(["3", "×", "4"], line_height=40)
    width = lambda d: max(b[2] for b in d.boxes) - min(b[0] for b in d.boxes)   # noqa: E731
    for overlap, lines in [(0.5, 2), (0.1, 1)]:   # fractions of the narrower line, around STACKED = 0.3
        indent = int(width(first) - overlap * width(second))
        ink, _ = _stack(first, second, indent=(0, indent))
        assert len(text_lines(ink > 0.5)) == lines, overlap


@pytest.mark.parametrize("line_height, pen_width", [(40, 4), (60, 6), (90, 8)])
@pytest.mark.parametrize("names", [["4split"], ["4split", "4split"]])
def test_symbols_whose_lower_strokes_stand_apart_are_one_line(names, line_height, pen_width):
    """The stems of 4s drawn apart, a few pixels under their crossbars, are a band of rows half as tall as
    the one above: the rest of those symbols (it was refused as two lines)."""
    drawing = draw(names, line_height=line_height, pen_width=pen_width)
    mask = drawing.ink > 0.5
    assert len(np.flatnonzero(np.diff(mask.any(axis=1).astype(int)) == 1)) == 2  # two bands of rows
    assert len(text_lines(mask)) == 1


def test_a_smaller_line_written_closely_under_a_line_is_still_a_line():
    first, second = draw(["2", "+", "2"], line_height=60, margin=0), draw(["4", "1"], line_height=30, margin=0)
    ink, _ = _stack(first, second, gap=int(0.2 * 60))
    assert len(text_lines(ink > 0.5)) == 2


@pytest.mark.parametrize("symbol", ["=", "÷"])
@pytest.mark.parametrize("line_height", [40, 90])
def test_a_lone_sign_of_bars_and_dots_is_one_line(symbol, line_height):
    """Its bars and dots are each the tallest band, and none is writing: measured against the symbol height,
    they are marks of one line (``=`` was "2 lines of writing", ``÷`` "3 lines"), and the parser says what
    is missing."""
    ink = draw([symbol], line_height=line_height).ink
    assert len(text_lines(ink > 0.5)) > 1  # as tall as each other: lines, with no height to measure against
    result = recognize(_grey(ink), _NeverCalled())
    assert isinstance(result.error, ExpressionError) and "lines" not in result.error.message
    assert result.expression in ("=", "/")


def test_wide_strokes_one_under_the_other_are_two_lines_whatever_their_width():
    """Only bands as thin as a bar are marks: two wavy strokes four pens tall and ten times as wide, one under
    the other, are two lines. (Measured against the width of its widest stroke, as the segmenter's symbol
    height is when every stroke is wider than tall, a scribble like this was one line, read as ``27``.)"""
    from training.pen import blank, draw_polyline

    pen = 6
    ink = blank(200, 300)
    for top in (20, 120):
        xs = np.linspace(20, 280, 27)
        draw_polyline(ink, [(x, top + (24 if k % 2 else 0)) for k, x in enumerate(xs)], pen)
    mask = ink > 0.5
    assert len(text_lines(mask, mark_height=MARK_PENS * pen)) == 2
    assert len(text_lines(mask, line_height=260)) == 1   # what measuring against the width did


def test_one_line_and_nothing():
    line = draw(["1", "÷", "4", "="], line_height=60)
    assert len(text_lines(line.ink > 0.5)) == 1
    assert text_lines(np.zeros((50, 80), dtype=bool)) == []
