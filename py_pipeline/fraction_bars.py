"""Stacked fractions: a bar with writing above and below it, as ``(1+2)/3`` is written by hand.

Segmentation reads one line of writing, left to right; a stacked fraction is three: its numerator, its bar
and its denominator. Cut as one line, the digit above the bar and the digit under it fall into one column
and were read as one symbol (``2+ (1+2)/3 -1`` came out as ``2+47-1``, a confident wrong answer). So before
a line is cut, the bars of stacked fractions are found on the binarised ink, with the pieces of ink above and
below each; :mod:`py_pipeline.recognize` then reads the numerator, the denominator and the rest of the line
each on its own, and puts them together in reading order (:class:`py_pipeline.expression.Symbol`'s
``role``).

What makes a bar a fraction bar, in symbol heights of the drawing: a thin run of ink along rows at least
:data:`MIN_BAR_LENGTH` long (cut out of whatever touches it) with a symbol-sized mark both above and below
it, within :data:`REACH`, whose centres lie over the bar, the whole stack at least :data:`STACK_HEIGHT`
tall. A ``-`` on the line has
nothing above and below it; the lower bar of an ``=``, the dots of a ``÷`` and a decimal point are no such
marks, and a ``+`` drawn in three pieces is too short. A fraction within a numerator or a denominator is
not read: the inner one is refused as two lines of writing.
"""

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage as ndi

MIN_BAR_LENGTH = 0.5
"""Shortest fraction bar, in symbol heights: a bar spans at least the one digit it stands under."""

BAR_ASPECT = 3.0
"""A fraction bar is at least this many times longer than it is thick."""

BAR_THICKNESS = 3.0
"""…and at most this many pen widths thick…"""

BAR_CLIMB = 0.11
"""…plus this share of its length: a bar drawn by hand climbs a little, and in a photo turned up to 6° the
whole line climbs with it (the line is levelled once its fractions are found)."""

REACH = 1.2
"""Farthest a numerator or denominator lies from its bar (gap, in symbol heights)."""

STACKED_GAP = 0.5
"""…or from a mark of it already found, in symbol heights: a numerator written as two lines is found whole
(and refused), not half of it read as the line."""

MARK_HEIGHT = 0.5
"""The numerator and the denominator each hold a mark at least this tall (in symbol heights): a digit, a
bracket, not a dot, a bar or the arm of a ``+`` whose strokes do not touch (0.38)."""

STACK_HEIGHT = 1.2
"""From the numerator's top to the denominator's bottom a fraction is at least this many symbol heights
tall: two symbols stacked, not one symbol drawn in pieces around a bar."""

TOUCHED_STACK_HEIGHT = 1.6
"""…or this many when ink touches the bar from over and under it (:meth:`_Bar.touched_from_both_sides`): a
``+`` with a long upright or a tall ``5`` is up to 1.35 symbol heights tall, a numerator and a denominator
that both touch their bar nearer two."""

OVERHANG = 0.25
"""A numerator's or denominator's marks may stick out past the bar's ends by this share of its length."""

MORE_THAN_A_STROKE = 1.6
"""A piece with this many times the ink of a straight stroke as tall as it is more than one: a digit, not
the arm of a ``+`` (a stack with nothing else to measure it by, see :func:`_height_within_stacks`)."""

STRAIGHT_WIDTH = 2.5
"""A stroke whose ink is at most this many pen widths across its long axis (four standard deviations, as
:func:`skimage.measure.regionprops` measures an axis) is straight: one alone is 1.15 wide."""

PIECE_OF_BAR = 0.75
"""A straight mark over a bar or under it shorter than this share of the bar's width may be a piece of the
symbol the bar crosses: the arms of a ``+`` are about half its bar, the upright of a ``4`` under its crossbar
less. A ``1`` over a fraction's bar and a ``1`` under it are each about as tall as the bar is wide or taller.
Measured: 0.54-0.61 on the tests' ``4`` and ``+`` in pieces, 0.85 for the ``1/1`` of ``1+(1/1)-195`` in
``benchmarks/recognition.py --structured --count 400`` (seed 0), which was read as one symbol."""

TALL_MARKS = 1.8
"""Marks this many times taller than the median mark are brackets around a stack, not digits: see
:func:`_digit_height`."""

BRACKET_WIDTH = 0.4
"""…and at most this share of their height wide: a big digit among the pieces of split symbols is no bracket."""

UNDERLINE_LENGTH = 1.5
"""Shortest underline, in symbol heights: it runs under two symbols or more. A fraction bar drawn before its
denominator is written is usually shorter, and stays (the drawing is then one line and a bar)."""

UNDERLINE_SLOPE_PENS = 2.0
"""An underline is looked for in the ink thickened by this many pen widths up and down. A long line drawn a
couple of degrees off level has no long run of ink in any one row: a rule under a column of numbers, 2.7
symbol heights long, 1.7° off level and drawn with a pen a 23rd of the digits' height, crossed each row for 1.4
symbol heights of its length, and stayed, to be read as a line of the column (:mod:`py_pipeline.columns`);
thickened, each row holds five times as much of it."""


@dataclass(frozen=True)
class StackedFraction:
    """A fraction bar and the ink above and below it, as labels of :func:`find_fractions`' ``labels``."""

    bar: int
    numerator: tuple
    denominator: tuple
    bar_box: tuple
    """``(x0, y0, x1, y1)`` of the bar, end exclusive."""


def find_fractions(mask, stroke_width, symbol_height, component_boxes):
    """The stacked fractions in a binarised drawing, widest bar first, and the components they refer to.

    Bars are found as runs of ink along rows at least :data:`MIN_BAR_LENGTH` long, not as components of their
    own: a bar often touches the writing over or under it (the flag of a ``5``, the end of a ``7``), and
    with it, it is one component that is no bar at all.

    Parameters
    ----------
    mask : (M, N) ndarray of bool
        Binarised ink without specks (:attr:`py_pipeline.segment.Segmentation.mask`).
    stroke_width, symbol_height : float
        As segmentation measured them on the whole drawing.
    component_boxes : sequence of ``(x0, y0, x1, y1)``
        The mask's connected components (:attr:`py_pipeline.segment.Segmentation.component_boxes`).

    Returns
    -------
    fractions : list of StackedFraction
        No component belongs to two fractions.
    labels : (M, N) ndarray of int
        The 8-connected components of ``mask`` with the fractions' bars cut out, and each bar a label of its
        own: what the fractions name (0 is paper).
    """
    nothing = [], np.zeros(mask.shape, dtype=np.int32)
    rows = np.flatnonzero(mask.any(axis=1))
    if symbol_height <= 0 or rows.size == 0:
        return nothing
    symbol_height = min(symbol_height, _digit_height(component_boxes, stroke_width),
                        _height_within_stacks(mask, component_boxes, stroke_width))
    if rows[-1] - rows[0] < STACK_HEIGHT * symbol_height:
        return nothing  # a line of writing too low to hold a stack: the usual case, decided at once
    runs, run_boxes = _labelled(_long_runs(mask, MIN_BAR_LENGTH * symbol_height))
    candidates = [(k + 1, box) for k, box in enumerate(run_boxes)]
    candidates = [(label, box) for label, box in candidates if _is_bar(box, stroke_width, symbol_height)]
    candidates.sort(key=lambda candidate: candidate[1][0] - candidate[1][2])  # widest first
    candidates = [(label, box) for label, box in candidates if _ink_over_and_under(mask, box, symbol_height)]
    if not candidates:
        return nothing  # the usual case, a line with no fraction: decided without labelling anything
    bar_ink = {label: _bar_ink(runs, label, box, mask, stroke_width, symbol_height) for label, box in candidates}
    accepted, inside = [], np.zeros(mask.shape, dtype=bool)  # ink of the fractions accepted so far
    stack_height = {}
    for label, box in candidates:
        if (bar_ink[label] & inside).any():
            continue  # a bar within a wider fraction's numerator or denominator: part of it, not a fraction
        bar = _Bar(bar_ink[label], box)
        # A stroke of a symbol (the crossbar of a + or a 4, the middle of a 5), unless the writing over and
        # under it is two symbols tall: a numerator and a denominator that both touch their bar.
        stack_height[label] = TOUCHED_STACK_HEIGHT if bar.touched_from_both_sides(mask) else STACK_HEIGHT
        members = _stack_around(mask & ~bar_ink[label] & ~inside, bar, symbol_height, stack_height[label],
                                stroke_width)
        if members is not None:
            accepted.append(label)
            inside |= members | bar_ink[label]
    if not accepted:
        return nothing

    bars = np.logical_or.reduce([bar_ink[label] for label in accepted])
    labels, boxes = _labelled(mask & ~bars)
    if _bar_crumbs(mask, labels, boxes, runs, bar_ink, accepted, stroke_width):
        bars = np.logical_or.reduce([bar_ink[label] for label in accepted])
        labels, boxes = _labelled(mask & ~bars)
    count = len(boxes)
    fractions, taken = [], set()
    for label in accepted:
        box = next(b for candidate, b in candidates if candidate == label)
        bar = _Bar(bar_ink[label], box)
        above = _marks_by(bar, boxes, taken, symbol_height, above=True)
        below = _marks_by(bar, boxes, taken, symbol_height, above=False)
        if not _is_stack(above, below, boxes, symbol_height, stack_height[label]):
            continue
        taken.update(above + below)
        count += 1
        labels[bar_ink[label]] = count
        fractions.append(StackedFraction(bar=count, numerator=tuple(k + 1 for k in above),
                                         denominator=tuple(k + 1 for k in below), bar_box=tuple(box)))
    return fractions, labels


def _bar_crumbs(mask, labels, boxes, runs, bar_ink, accepted, stroke_width):
    """Give each bar the crumbs that cutting it left: bits of ink at most two pen widths across that were one
    stroke with it.

    A digit written onto its bar loses the rows the bar is cut along, and the end of its stroke beyond them
    is left on its own: a ``3`` whose tail touched the bar came back as ``.`` and ``3`` (``9.3`` over ``6``).
    A decimal point written close over a bar is no crumb: it never touched the bar. Returns whether any bar
    grew.
    """
    crumb = 2 * max(stroke_width, 1.0)
    small = [(k + 1, np.s_[y0:y1, x0:x1]) for k, (x0, y0, x1, y1) in enumerate(boxes)
             if x1 - x0 <= crumb and y1 - y0 <= crumb]
    if not small:
        return False
    strokes, _ = _labelled(mask)
    owner = {label: set(np.unique(strokes[runs == label])) - {0} for label in accepted}
    grew = False
    for k, s in small:
        piece = labels[s] == k
        stroke = int(strokes[s][piece][0])
        for label in accepted:
            if stroke in owner[label]:
                bar_ink[label][s] |= piece
                grew = True
                break
    return grew


def find_underlines(mask, stroke_width, symbol_height):
    """The ink of lines drawn under the writing, as on paper before the answer: to be erased before cutting.

    An underline is a stroke of its own (touching no symbol), a bar at least :data:`UNDERLINE_LENGTH` long,
    with writing over it and nothing under it. Left in, it was cut as part of the symbols over it (``12+5``
    underlined was read as 1215). The long foot of a wide ``2`` is no underline: it is one stroke with the
    ``2``. Returns a mask of their pixels (the pen's rounded ends included), or None when there are none.
    """
    if symbol_height <= 0 or not mask.any():
        return None
    runs, run_boxes = _labelled(_long_runs(_thickened(mask, UNDERLINE_SLOPE_PENS * stroke_width),
                                           UNDERLINE_LENGTH * symbol_height) & mask)
    if not run_boxes:
        return None
    strokes, _ = _labelled(mask)
    found = None
    reach = _pen_reach(stroke_width)
    for k, box in enumerate(run_boxes):
        x0, y0, x1, y1 = box
        under = mask[y1 + reach:y1 + int(np.ceil(REACH * symbol_height)), x0:x1]
        if not _is_bar(box, stroke_width, symbol_height) or under.any() or not mask[:y0, x0:x1].any():
            continue  # not a bar, something under it (a fraction's denominator), or nothing over it
        bar = _bar_ink(runs, k + 1, box, mask, stroke_width, symbol_height)
        stroke = np.isin(strokes, np.unique(strokes[runs == k + 1]))
        if (stroke & ~bar).sum() > stroke_width * symbol_height / 2:
            continue  # one stroke with ink beyond the bar: part of a symbol
        _, boxes = _labelled(mask & ~bar)
        if _has_mark(_marks_by(_Bar(bar, box), boxes, set(), symbol_height, above=True), boxes,
                     symbol_height):
            found = bar if found is None else found | bar
    return found


def _digit_height(component_boxes, stroke_width):
    """The height of the drawing's digits when two marks much taller than the rest stand in it, else inf.

    Segmentation's symbol height counts only marks at least half as tall as the tallest, so brackets drawn
    around a whole fraction (``(6 over 3)²``) set it, and the fraction inside looked too small to be one: it
    was read as one glyph, an ``8``. Two narrow marks (brackets) over :data:`TALL_MARKS` times the median mark
    are left out here; otherwise segmentation's estimate stands (the median of all marks would count the arms of
    a ``+`` drawn in pieces, and make it a fraction of two ticks).
    """
    sizes = np.array([(y1 - y0, x1 - x0) for x0, y0, x1, y1 in component_boxes
                      if y1 - y0 > 2.5 * stroke_width]).reshape(-1, 2)
    heights = sizes[:, 0]
    if heights.size < 3:
        return np.inf
    tall = heights > TALL_MARKS * np.median(heights)
    if (tall & (sizes[:, 1] <= BRACKET_WIDTH * heights)).sum() < 2:
        return np.inf  # no pair of tall, narrow marks: no brackets around a stack
    rest = heights[~tall]
    return float(np.median(rest[rest >= 0.5 * rest.max()]))


def _height_within_stacks(mask, component_boxes, stroke_width):
    """The height of the other marks when a fraction is drawn in one piece (its numerator and denominator
    touching its bar), else inf.

    Segmentation measures the line by its tallest marks, and such a stack is one mark two digits tall: the
    symbol height came out as the whole stack, the stack looked too low to be a fraction and was cut as one
    line (``2 + 7/4 - 1`` written tight read as 2+7-1). A mark is a stack in one piece when it is at least
    :data:`STACK_HEIGHT` times as tall as the median of the other marks, a run of ink across its middle
    reaches past everything over and under it at both ends, and cut along that run it falls apart into
    writing over it and writing under it, each at least :data:`MARK_HEIGHT` of the other marks. A ``+`` is
    the same shape (``1`` over ``-`` over ``1``) but no taller than the line; a ``4``'s crossbar starts
    where its slanted stroke ends.

    A stack with no other mark to compare it with (``3/4`` alone, or before an ``=``, which was read as one
    glyph: ``8``) is measured against itself: the writing over and under it is alike in height, and either on
    one side at least it is more than a straight stroke, which is all a ``+`` has there, or it is one stroke
    on each side that do not go on through the bar as one line, as a ``+``'s upright does (``1`` over a ``7``
    whose top the bar took). The line's height is then the taller side's.
    """
    boxes = [box for box in component_boxes if box[3] - box[1] > 2.5 * stroke_width]
    if not boxes:
        return np.inf
    heights = np.array([y1 - y0 for _, y0, _, y1 in boxes], dtype=float)
    lone = len(boxes) == 1
    # Leaving one mark out, the median of the others is at least this: most marks are skipped without one.
    least_median = 0.0 if lone else np.sort(heights)[(len(heights) - 2) // 2]
    for index, (x0, y0, x1, y1) in enumerate(boxes):
        height, width = y1 - y0, x1 - x0
        if height < STACK_HEIGHT * least_median:
            continue
        line_height = None if lone else float(np.median(np.delete(heights, index)))
        if line_height and (height < STACK_HEIGHT * line_height or width < MIN_BAR_LENGTH * line_height):
            continue
        sides = _split_stack(mask[y0:y1, x0:x1], stroke_width)
        if sides is None:
            continue
        tallest = [max(b[3] - b[1] for b, _, _ in side) for side in sides]
        if lone:
            line_height = max(tallest)
            # Per side, all its pieces: cutting the bar out can break a digit that touched it in two.
            strokes = max(sum(area for _, area, _ in side) / (stroke_width * top)
                          for side, top in zip(sides, tallest))
            if height < STACK_HEIGHT * line_height or (strokes < MORE_THAN_A_STROKE
                                                       and not _strokes_out_of_line(*sides, stroke_width)):
                continue
        if min(tallest) >= MARK_HEIGHT * line_height:
            return line_height
    return np.inf


def _split_stack(window, stroke_width):
    """``(over, under)``, the ``(box, ink area, ends)`` of the pieces of one mark over and under a run of ink
    across its middle, or None when it is no such stack (see :func:`_height_within_stacks`). ``ends`` are the
    mean columns of a piece's ink in its row nearest the run and in its row farthest from it."""
    height, width = window.shape
    reach = _pen_reach(stroke_width)
    runs = _long_runs(window, 0.7 * width)
    across = np.flatnonzero(runs.any(axis=1))
    across = across[(across >= 0.25 * height) & (across < 0.75 * height)]
    if across.size == 0:
        return None
    top, bottom = max(across[0] - reach, 0), across[-1] + 1 + reach
    bar_columns = np.flatnonzero(runs[across].any(axis=0))
    rest = window.copy()
    rest[top:bottom] = False
    labels, pieces = _labelled(rest)
    areas = np.bincount(labels.ravel(), minlength=len(pieces) + 1)[1:]
    ends = [tuple(float(np.flatnonzero(labels[row] == k).mean())
                  for row in ((box[3] - 1, box[1]) if box[3] <= top else (box[1], box[3] - 1)))
            for k, box in enumerate(pieces, start=1)]
    over = [(box, area, end) for box, area, end in zip(pieces, areas, ends) if box[3] <= top]
    under = [(box, area, end) for box, area, end in zip(pieces, areas, ends) if box[1] >= bottom]
    if len(over) + len(under) < len(pieces) or not over or not under:
        return None  # a stroke through the run, or nothing on one side
    left, right = min(b[0] for b in pieces), max(b[2] for b in pieces)
    if min(left - bar_columns[0], bar_columns[-1] - right) < stroke_width / 2:
        return None  # the run does not reach past the writing at both ends
    return over, under


def _strokes_out_of_line(over, under, stroke_width):
    """Whether one piece over a run and one under it are two strokes, not one crossing it as the upright of a
    ``+``: the piece under it starts more than a pen width from where the piece over it, carried on at its
    own slant, would cross the gap."""
    if not len(over) == len(under) == 1:
        return False
    (above, _, (near, far)), (below, _, (start, _)) = over[0], under[0]
    slant = (near - far) / max(above[3] - 1 - above[1], 1)
    return abs(near + slant * (below[1] - (above[3] - 1)) - start) > stroke_width


def _pen_reach(stroke_width):
    """Pixels a stroke's rounded ends and anti-aliased edge reach past the rows and columns it is measured by."""
    return int(np.ceil(stroke_width)) + 1


def _labelled(mask):
    """The 8-connected components of ``mask`` and the box ``(x0, y0, x1, y1)`` of each (label ``k + 1`` is
    ``boxes[k]``), as every step here reads them."""
    labels, _ = ndi.label(mask, structure=np.ones((3, 3), dtype=bool))
    return labels, [(s[1].start, s[0].start, s[1].stop, s[0].stop) for s in ndi.find_objects(labels)]


def _thickened(mask, rows):
    """``mask`` with every inked pixel also inked ``rows`` rows over and under it (shifted copies ORed in:
    ``scipy.ndimage.binary_dilation`` with a column of ones gives the same, 15 times slower on a 1000×1000
    mask, and this runs on every drawing)."""
    rows = int(round(rows))
    out = mask.copy()
    for shift in range(1, min(rows, mask.shape[0] - 1) + 1):
        out[shift:] |= mask[:-shift]
        out[:-shift] |= mask[shift:]
    return out


def _long_runs(mask, length):
    """Pixels of ``mask`` in a run of at least ``length`` inked pixels along their row."""
    height, width = mask.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)  # paper at both ends: no run spans two rows
    padded[:, 1:-1] = mask
    edges = np.diff(padded.ravel())
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    long = stops - starts >= length
    marks = np.zeros(padded.size + 1, dtype=np.int32)
    np.add.at(marks, starts[long] + 1, 1)
    np.add.at(marks, stops[long] + 1, -1)
    return (np.cumsum(marks)[:-1] > 0).reshape(height, width + 2)[:, 1:-1]


def _ink_over_and_under(mask, box, symbol_height):
    """Whether the ink between the bar's ends, within REACH over and under it, reaches STACK_HEIGHT from top to
    bottom: a cheap first test that the crossbar of a ``4`` or a ``+``, inside one symbol's height, fails."""
    x0, y0, x1, y1 = box
    reach = int(np.ceil(REACH * symbol_height))
    top = max(y0 - reach, 0)
    over = np.flatnonzero(mask[top:y0, x0:x1].any(axis=1))
    under = np.flatnonzero(mask[y1:y1 + reach, x0:x1].any(axis=1))
    return bool(over.size and under.size and (y1 + under[-1]) - (top + over[0]) >= STACK_HEIGHT * symbol_height)


def _bar_ink(runs, label, box, mask, stroke_width, symbol_height):
    """The bar's own ink: column by column, the rows of its stroke, and a pen and a pixel past its ends for the
    pen's rounded caps.

    Not its long runs grown all round: a digit written onto the bar has a stroke along it (the foot of a
    ``2`` over it, the top of a ``9`` under it), whose rows join the bar's runs or lie within the growth,
    and cutting them out turned the ``2`` into a ``7`` and the ``9`` into a ``4``.
    """
    reach = _pen_reach(stroke_width)
    left, upper, lower = _bar_edges(runs, label, box, mask, reach, symbol_height)
    right = left + upper.size
    height = mask.shape[0]
    top, bottom = max(int(np.floor(upper.min())), 0), min(int(np.ceil(lower.max())), height)
    centres = np.arange(top, bottom)[:, None] + 0.5
    ink = np.zeros(mask.shape, dtype=bool)
    ink[top:bottom, left:right] = (centres >= upper) & (centres <= lower) & mask[top:bottom, left:right]
    # Where its edges were carried across, a row of the bar's own ink can be left over along it, and where
    # the drawing was shrunk the bar can be one pixel thin in places and four in others: ink at most a pen
    # tall that touches the bar and nothing beyond it is the bar's too.
    top, bottom = max(top - reach, 0), min(bottom + reach, height)
    band = ink[top:bottom, left:right]
    rest, pieces = _labelled(mask[top:bottom, left:right] & ~band)
    touching = set(np.unique(rest[ndi.binary_dilation(band, structure=np.ones((3, 3), dtype=bool))])) - {0}
    slivers = [k + 1 for k, (_, b0, _, b1) in enumerate(pieces)
               if k + 1 in touching and b1 - b0 <= stroke_width and b0 > 0 and b1 < bottom - top]
    if slivers:
        band |= np.isin(rest, slivers)
    return ink


def _bar_edges(runs, label, box, mask, reach, symbol_height):
    """``(left, upper, lower)``: the bar's top and bottom edge (rows, fractional) in each column from ``left``
    on, ``reach`` columns past its ends.

    Where ink touches the bar, its column is thicker than the bar around it (the thinnest quarter of the
    columns within two symbols' width); there the edges are carried across from the columns on either side.
    """
    x0, y0, x1, y1 = box
    own = runs[y0:y1, x0:x1] == label
    inked = own.any(axis=0)
    rows = np.arange(y0, y1)[:, None]
    tops = np.where(own, rows, y1).min(axis=0)
    bottoms = np.where(own, rows + 1, y0).max(axis=0)
    # The rows of long runs miss a slanted bar's edges: its extent is the ink's, on from the runs.
    columns, height = np.arange(x0, x1), mask.shape[0]
    for _ in range(reach):
        up = inked & (tops > 0) & mask[np.maximum(tops - 1, 0), columns]
        down = inked & (bottoms < height) & mask[np.minimum(bottoms, height - 1), columns]
        if not (up.any() or down.any()):
            break
        tops, bottoms = tops - up, bottoms + down
    # The pen's round caps thin the ends: they neither set the bar's thickness nor count as clean.
    ends = np.flatnonzero(inked)
    body = inked & (columns >= columns[ends[0]] + reach) & (columns < columns[ends[-1]] - reach)
    if not body.any():
        body = inked
    thickness = (bottoms - tops)[body]
    around = ndi.percentile_filter(thickness, 25, size=max(int(2 * symbol_height), 3), mode="nearest")
    clean = body.copy()
    clean[body] = thickness <= around
    left, right = max(x0 - reach, 0), min(x1 + reach, mask.shape[1])
    across = np.arange(left, right)
    return left, np.interp(across, columns[clean], tops[clean]), np.interp(across, columns[clean], bottoms[clean])


def _is_bar(box, stroke_width, symbol_height):
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    return width >= max(MIN_BAR_LENGTH * symbol_height, BAR_ASPECT * height) and \
        height <= BAR_THICKNESS * max(stroke_width, 1.0) + BAR_CLIMB * width


def _stack_around(ink, bar, symbol_height, stack_height, stroke_width):
    """The pixels of the numerator and denominator ``ink`` (the drawing without this bar) has around it, or
    None when it has no such stack.

    Only the columns its marks may take are labelled (a drawing of thirty symbols in separate strokes has
    thirty bars to try): a piece of ink that reaches past them is no mark of this bar.

    One short straight stroke over the bar and one under it are a symbol drawn in pieces: a ``+``, or a ``4``
    whose upright was drawn apart under its crossbar (:func:`_are_pieces_of_a_symbol`). When every tall mark
    on the line is such a piece (``4×4``, ``4=``), the symbol height is measured on the pieces and the whole
    symbol looked two symbols tall: it was read ``(1/1)``. A fraction ``1/1`` whose bar is much wider than
    its ``1``s are tall is the price: it is then read as one symbol.
    """
    x0, _, x1, _ = bar.box
    slack = int(np.ceil(OVERHANG * (x1 - x0))) + 1
    left, right = max(x0 - slack, 0), min(x1 + slack, ink.shape[1])
    labels, boxes = _labelled(ink[:, left:right])
    boxes = [(a0 + left, b0, a1 + left, b1) for a0, b0, a1, b1 in boxes]
    beyond = {k for k, (a0, _, a1, _) in enumerate(boxes) if (a0 == left > 0) or (a1 == right < ink.shape[1])}
    above = _marks_by(bar, boxes, beyond, symbol_height, above=True)
    below = _marks_by(bar, boxes, beyond, symbol_height, above=False)
    if not _is_stack(above, below, boxes, symbol_height, stack_height):
        return None
    if len(above) == len(below) == 1 and _are_pieces_of_a_symbol(above + below, labels, boxes, bar, stroke_width):
        return None
    members = np.zeros(ink.shape, dtype=bool)
    members[:, left:right] = np.isin(labels, [k + 1 for k in above + below])
    return members


def _are_pieces_of_a_symbol(marks, labels, boxes, bar, stroke_width):
    """Whether ``marks`` (indices into ``boxes``, labelled ``k + 1``), one over a bar and one under it, are the
    rest of a symbol drawn in pieces, not a fraction: one shorter than :data:`PIECE_OF_BAR` of the bar's width,
    and both straight strokes."""
    shortest = min(boxes[k][3] - boxes[k][1] for k in marks)
    return shortest < PIECE_OF_BAR * (bar.box[2] - bar.box[0]) and all(
        _is_straight(labels == k + 1, stroke_width) for k in marks)


def _is_straight(piece, stroke_width):
    """Whether the ink of ``piece`` is one straight stroke: across its long axis it is no wider than
    :data:`STRAIGHT_WIDTH` pen widths (a ``1`` with its flag, not a ``7`` or any curved digit)."""
    rows, columns = np.nonzero(piece)
    if rows.size < 3:
        return True
    spread = np.linalg.eigvalsh(np.cov(np.stack([rows, columns]).astype(float)))[0]
    return 4.0 * np.sqrt(max(spread, 0.0)) <= STRAIGHT_WIDTH * max(stroke_width, 1.0)


def _is_stack(above, below, boxes, symbol_height, stack_height):
    """Whether ``above`` and ``below`` each hold a mark and reach ``stack_height`` symbol heights together."""
    if not (_has_mark(above, boxes, symbol_height) and _has_mark(below, boxes, symbol_height)):
        return False
    top = min(boxes[k][1] for k in above)
    bottom = max(boxes[k][3] for k in below)
    return bottom - top >= stack_height * symbol_height


class _Bar:
    """A bar's box and, column by column, its top and bottom row: a bar drawn by hand climbs or falls, and
    what is over its low end may be lower than its box's top."""

    def __init__(self, ink, box):
        self.box = box
        x0, _, x1, _ = box
        inked_rows = np.flatnonzero(ink[:, x0:x1].any(axis=1))
        first, last = (int(inked_rows[0]), int(inked_rows[-1]) + 1) if inked_rows.size else (0, 0)
        own = ink[first:last, x0:x1]  # the bar's own rows only, not the drawing's height
        inked = own.any(axis=0)
        rows = np.arange(first, last)[:, None]
        self.inked = inked
        self.tops = np.where(inked, np.where(own, rows, last).min(axis=0, initial=last), box[1])
        self.bottoms = np.where(inked, np.where(own, rows + 1, first).max(axis=0, initial=first), box[3])

    def touched_from_both_sides(self, mask):
        """Whether ink touches the bar from over and from under it, as the rest of a symbol touches a stroke of
        it along rows: the crossbar of a ``+`` or a ``4``, the middle of a ``5``."""
        x0, _, x1, _ = self.box
        columns, height = np.arange(x0, x1), mask.shape[0]
        over = self.inked & (self.tops > 0) & mask[np.maximum(self.tops - 1, 0), columns]
        under = self.inked & (self.bottoms < height) & mask[np.minimum(self.bottoms, height - 1), columns]
        return bool(over.any() and under.any())

    def rows_under(self, a0, a1):
        """``(top, bottom)`` of the bar over the columns ``a0:a1`` (its nearest end beyond its ends): its lowest
        top and its highest bottom there, as a mark standing on a slanted bar touches it at the bar's low
        (high) end."""
        x0, _, x1, _ = self.box
        first = int(np.clip(a0 - x0, 0, x1 - x0 - 1))
        last = int(np.clip(a1 - x0, first + 1, x1 - x0))
        return int(self.tops[first:last].max()), int(self.bottoms[first:last].min())


def _marks_by(bar, boxes, taken, symbol_height, above):
    """Components over (or under) the bar: centred within its ends, wholly on that side, and within REACH of
    the bar or within STACKED_GAP of one found already (a numerator that is itself a stack is found whole)."""
    x0, _, x1, _ = bar.box
    slack = OVERHANG * (x1 - x0)

    def gap_to_bar(k):  # vertical space between box k and the bar where it stands over (under) it
        a0, b0, a1, b1 = boxes[k]
        top, bottom = bar.rows_under(a0, a1)
        return top - b1 if above else b0 - bottom

    def gap(k, to):  # vertical space between box k and the box ``to`` on the bar's side
        return to[1] - boxes[k][3] if above else boxes[k][1] - to[3]

    candidates = sorted((k for k, (a0, b0, a1, b1) in enumerate(boxes)
                         if k not in taken and x0 <= (a0 + a1) / 2 <= x1 and a0 >= x0 - slack
                         and a1 <= x1 + slack and gap_to_bar(k) >= -1),
                        key=gap_to_bar)
    found = []
    for k in candidates:
        if gap_to_bar(k) <= REACH * symbol_height or any(
                gap(k, boxes[j]) <= STACKED_GAP * symbol_height for j in found):
            found.append(k)
    return found


def _has_mark(members, boxes, symbol_height):
    return any(boxes[k][3] - boxes[k][1] >= MARK_HEIGHT * symbol_height for k in members)


@dataclass(frozen=True)
class Layout:
    """A drawing's symbols with its stacked fractions read part by part.

    ``segmentation`` holds every segment in reading order: the line's, and for each fraction (where its bar
    stands on the line) its numerator's, its bar (kind ``/``) and its denominator's. ``roles[i]`` is
    segment i's :attr:`py_pipeline.expression.Symbol.role`. ``line_mask`` is the ink of the line with each
    fraction a solid block from its numerator's top to its denominator's bottom: what
    :func:`py_pipeline.lines.text_lines` should count (a line written over a fraction is still a line).
    ``parts`` are ``(role, Segmentation)`` of every numerator and denominator, for their own checks.
    """

    segmentation: object
    roles: list
    line_mask: np.ndarray
    parts: list
    bar_boxes: list
    """``(x0, y0, x1, y1)`` of each fraction's bar."""


def read_layout(ink, segmentation, fractions, labels):
    """Cut the line and each numerator and denominator on their own, and merge them in reading order.

    Each is segmented from the ink of its own components (grown by two pixels, to keep the anti-aliased
    edge), so a digit over a bar never meets the digit under it, and each measures its own line.
    """
    from py_pipeline.segment import Segment, segment

    bars = np.isin(labels, [fraction.bar for fraction in fractions])
    objects = ndi.find_objects(labels)
    height, width = labels.shape
    grow = 2  # pixels of anti-aliased edge kept round a part's own ink

    def own_ink(members):
        # Worked out within the members' boxes and a pixel more than is grown round them, not over the whole
        # drawing: for a fraction's numerator, that is a small part of it (a tenth of the structured drawings'
        # time went to growing empty paper).
        boxes = [objects[label - 1] for label in members if objects[label - 1] is not None]
        ink_out, region_out = np.zeros(ink.shape, dtype=np.float32), np.zeros(ink.shape, dtype=bool)
        if not boxes:
            return ink_out, region_out
        margin = grow + 1
        top = max(min(b[0].start for b in boxes) - margin, 0)
        bottom = min(max(b[0].stop for b in boxes) + margin, height)
        left = max(min(b[1].start for b in boxes) - margin, 0)
        right = min(max(b[1].stop for b in boxes) + margin, width)
        frame = np.s_[top:bottom, left:right]
        own = np.isin(labels[frame], members)
        region = ndi.binary_dilation(own, iterations=grow)
        # The edge takes a bar's ink only where it is one stroke with the writing (the foot of a 2 written into
        # the bar): the bit of bar under a decimal point written just over it was read as a second point.
        borrowed = region & bars[frame] & ~own
        if borrowed.any():
            window = ndi.find_objects(region.astype(np.int8))[0]
            pieces, _ = ndi.label((own | borrowed)[window], structure=np.ones((3, 3), dtype=bool))
            region[window] &= ~borrowed[window] | np.isin(pieces, np.unique(pieces[own[window]]))
        ink_out[frame] = np.where(region, ink[frame], 0.0)
        region_out[frame] = region
        return ink_out, region_out

    in_fractions = [label for f in fractions for label in (f.bar, *f.numerator, *f.denominator)]
    line_ink, _ = own_ink([label for label in range(1, int(labels.max()) + 1) if label not in in_fractions])
    units = [(_centre(s.box), [(s, "")]) for s in segment(line_ink).segments]
    parts = []
    stacked = np.zeros(ink.shape, dtype=bool)
    for fraction in fractions:
        unit = []
        for role, members in (("numerator", fraction.numerator), ("denominator", fraction.denominator)):
            part_ink, region = own_ink(list(members))
            stacked |= region
            part = segment(part_ink)
            parts.append((role, part))
            unit.append([(s, role) for s in part.segments])
        bar_ink, _ = own_ink([fraction.bar])
        x0, y0, x1, y1 = fraction.bar_box
        top, left = max(y0 - 1, 0), max(x0 - 1, 0)
        bar = Segment(box=(x0, y0, x1, y1), ink=bar_ink[top:y1 + 1, left:x1 + 1], origin=(left, top), kind="/",
                      confidence=1.0, gap_before=None, n_components=1)
        units.append((_centre(fraction.bar_box), unit[0] + [(bar, "fraction")] + unit[1]))
    units.sort(key=lambda unit: unit[0])

    segments, roles, previous_right = [], [], None
    for _, members in units:
        for seg, role in members:
            if role in ("", "fraction"):  # the line's gaps, measured past any fraction in between
                gap = None if previous_right is None else float(seg.box[0] - previous_right)
                seg = replace(seg, gap_before=gap)
                previous_right = seg.box[2] if previous_right is None else max(previous_right, seg.box[2])
            segments.append(seg)
            roles.append(role)
    merged = replace(segmentation, segments=segments)
    line_mask = segmentation.mask & ~stacked
    for fraction in fractions:  # the whole stack stands on the line: writing above it is a line of its own
        x0, _, x1, _ = fraction.bar_box
        rows = np.flatnonzero(np.isin(labels, fraction.numerator + fraction.denominator).any(axis=1))
        line_mask[rows[0]:rows[-1] + 1, x0:x1] = True
    return Layout(segmentation=merged, roles=roles, line_mask=line_mask, parts=parts,
                  bar_boxes=[tuple(fraction.bar_box) for fraction in fractions])


def _centre(box):
    return (box[0] + box[2]) / 2
