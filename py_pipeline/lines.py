"""Tell one line of writing from several.

The pipeline reads one expression written on one line. Two lines written one under the other would be cut
into symbols as if they were one: a digit of the first line and the digit below it overlap in x, so they are
grouped into one glyph, and what comes out is a confident wrong answer (``25-8`` written over ``6/3`` was
read as ``26183``). So the lines are counted first, and a drawing of several is an error that says so and
points at the second line.

A line is a band of rows with ink, with rows of bare paper above and below it, at least
:data:`LINE_FRACTION` as tall as the tallest band. Shorter bands are marks that belong to a line, not lines:
the bars of an ``=`` or a ``-`` written above the digits, a dot, a fleck of dirt — unless they lie more than a
line's height away from every line (:data:`FAR_MARK`). A shorter band just under another is the rest of its
symbols (:data:`CLOSE_GAP`: the stems of 4s drawn apart). And a band that lies beside
the one above it rather than under it (:data:`STACKED`) is the same line climbing: a long expression written
uphill with wide spaces rises past its own height between two far-apart symbols.

This runs on the ink as drawn, before :mod:`py_pipeline.straighten` levels it: the tilt it estimates from a
drawing of two lines is meaningless, and turning by it can close the gap between the lines.
"""

from typing import NamedTuple

import numpy as np

from py_pipeline.segment import true_runs

LINE_FRACTION = 0.35
"""A band of ink at least this fraction of the tallest band's height is a line of its own. A ``-`` or the
bars of an ``=`` are a fraction of a digit's height; a second line written smaller than the first is still
over a third as tall."""

FAR_MARK = 1.0
"""A shorter band more than this many times the tallest band's height from every line is no mark of a line
but a line of its own: a stray stroke far above the writing, or a strip of desk along a photo's edge, was
read into the expression as a ``-``."""

CLOSE_GAP = 0.15
"""A band shorter than the band right above it, less than this many times the tallest band's height under
it and within its ink's width, is the rest of its symbols, not a line: the stems of ``44`` written with
the stem apart, under the crossbar with a few pixels of paper between, are half as tall as the rest of
them, and the drawing was refused as two lines. A second line is written further down than that."""

MARK_PENS = 3
"""Tallest bar or dot, in stroke widths, as :mod:`py_pipeline.segment` tells bars from strokes: the bars of
``=`` and the dots of ``÷`` drawn alone."""

STACKED = 0.3
"""Two bands are two lines when their ink overlaps in x by at least this fraction of the narrower one."""


class Line(NamedTuple):
    """A line of writing found by :func:`text_lines`, or a mark far from every line (``stray``)."""

    box: list
    """``[x0, y0, x1, y1]``, end exclusive: the ink of the line (or mark) and the short marks that belong to it."""
    stray: bool
    """A mark more than :data:`FAR_MARK` away from every line: no line of writing, and the error says so."""


def text_lines(mask, line_height=0, mark_height=0):
    """The lines of writing in ``mask``, top to bottom, as :class:`Line` s, with the far marks among them.

    ``mask`` is the binarised ink with specks removed (:attr:`py_pipeline.segment.Segmentation.mask`). A short
    mark near a line belongs to the line above it, or to the line below it when there is none or a far mark
    lies between. ``line_height`` is the height of the writing around, when ``mask`` is only a part of it (a
    fraction's numerator or denominator): heights are measured against it when it is taller than any band,
    so a denominator of one ``5`` whose foot is a stroke of its own, a third of its height under the rest, is
    one line, not two. A band no taller than ``mark_height`` (:data:`MARK_PENS` stroke widths, say) is a bar
    or a dot, never a line of its own: a lone ``=`` is one line, not two bars each as tall as the tallest
    band.
    """
    mask = np.asarray(mask, dtype=bool)
    bands = true_runs(mask.any(axis=1))  # [start, stop) of each run of inked rows
    if not bands:
        return []
    tallest = max(max(stop - start for start, stop in bands), line_height)
    tall = [band for k, band in enumerate(bands) if band[1] - band[0] >= LINE_FRACTION * tallest
            and band[1] - band[0] > mark_height and not (k and _piece_under(bands[k - 1], band, mask, tallest))]
    if not tall:  # only marks (a lone ``=``), or shorter than the writing around: one line of them
        cols = np.flatnonzero(mask.any(axis=0))
        return [Line([int(cols[0]), bands[0][0], int(cols[-1]) + 1, bands[-1][1]], False)]
    groups = []  # [top, bottom, stray] of each line or far mark, with the marks that belong to it
    waiting = None  # top of the marks waiting for the line below them
    for start, stop in bands:
        if (start, stop) in tall:
            groups.append([start if waiting is None else waiting, stop, False])
            waiting = None
        elif all(_gap((start, stop), line) > FAR_MARK * tallest for line in tall):
            groups.append([start, stop, True])
        elif groups and not groups[-1][2]:
            groups[-1][1] = stop
        elif waiting is None:
            waiting = start
    if waiting is not None:  # no line below after all
        groups[-1][1] = bands[-1][1]
    lines = []
    for top, bottom, stray in groups:
        cols = np.flatnonzero(mask[top:bottom].any(axis=0))
        line = Line([int(cols[0]), int(top), int(cols[-1]) + 1, int(bottom)], stray)
        if lines and not _stacked(lines[-1].box, line.box):  # beside the one above: the same line, climbing
            previous = lines.pop()
            x0, y0, x1, _ = previous.box
            line = Line([min(x0, line.box[0]), y0, max(x1, line.box[2]), line.box[3]], previous.stray and stray)
        lines.append(line)
    return lines


def _piece_under(upper, band, mask, tallest):
    """Whether ``band`` is the rest of the symbols of the band above it (:data:`CLOSE_GAP`)."""
    if band[1] - band[0] >= upper[1] - upper[0] or band[0] - upper[1] >= CLOSE_GAP * tallest:
        return False
    upper_cols = np.flatnonzero(mask[upper[0]:upper[1]].any(axis=0))
    cols = np.flatnonzero(mask[band[0]:band[1]].any(axis=0))
    return upper_cols[0] <= cols[0] and cols[-1] <= upper_cols[-1]


def _gap(band, other):
    """Rows of paper between two bands ``[start, stop)`` that do not overlap."""
    return max(other[0] - band[1], band[0] - other[1])


def _stacked(upper, lower):
    overlap = min(upper[2], lower[2]) - max(upper[0], lower[0])
    return overlap >= STACKED * min(upper[2] - upper[0], lower[2] - lower[0])


class Column(NamedTuple):
    """Lines that may be numbers written in a column, found by :func:`column_of_lines`."""

    boxes: list
    """``[x0, y0, x1, y1]`` of each line's writing, top to bottom, without a rule drawn under it."""
    bands: list
    """``(start, stop)``: the rows of the drawing each line is read from, parted halfway between the lines (and
    the rules)."""
    rule: list
    """``[x0, y0, x1, y1]`` of a rule drawn between the last two lines, or None: the last is then the answer
    the writer worked out."""


def column_of_lines(mask, lines, mark_height=0):
    """``lines`` as a :class:`Column` when they may be numbers written in a column (:mod:`py_pipeline.columns`),
    else None.

    Two lines or more, no far mark, and each line one band of inked rows: its symbols side by side, nothing
    above or below them. A stacked fraction drawn alone is two lines too, but its bar lies under the
    numerator's row, a band of its own that belongs to the line above; and the foot of a ``2`` over a digit of
    the next line, which :func:`py_pipeline.fraction_bars.find_fractions` may take for a bar, lies within its
    line's band. Only the last line, or the line before it, may have a second band under its writing: a rule
    (no taller than ``mark_height``, at least :data:`RULE_WIDTH` as wide as the line). Under the last line it
    ends the column (a long one was erased before the lines were counted, as an underline; one under single
    digits is too short to be told from a fraction bar there); under the line before, it parts the column from
    the answer written under it, in a column of three lines or more.
    """
    if len(lines) < 2 or any(line.stray for line in lines):
        return None
    boxes, rules = [], {}  # each line's writing; the rule under line k
    for line in lines:
        x0, y0, x1, y1 = line.box
        bands = true_runs(mask[y0:y1, x0:x1].any(axis=1))
        rule = None
        if len(bands) > 1 and _is_rule(mask[y0 + bands[-1][0]:y0 + bands[-1][1], x0:x1],
                                       mask[y0:y0 + bands[-2][1], x0:x1], mark_height):
            rule = _ink_box(mask, [x0, y0 + bands[-1][0], x1, y0 + bands[-1][1]])
            bands = bands[:-1]
        if len(_close_bands(bands, mark_height / MARK_PENS)) > 1:
            return None
        writing = _ink_box(mask, [x0, y0, x1, y0 + bands[-1][1]])
        if rule is None and boxes and len(boxes) - 1 not in rules and _is_rule(
                mask[y0:y1, x0:x1], _inside(mask, boxes[-1]), mark_height):
            rules[len(boxes) - 1] = list(line.box)  # a rule of its own, tall enough to count as a line
            continue
        if rule is not None:
            rules[len(boxes)] = rule
        boxes.append(writing)
    last = len(boxes) - 1
    if last < 1 or any(k < last - 1 for k in rules) or (last - 1 in rules and last < 2):
        return None
    edges = [0]  # rows where one line's band ends and the next one's begins
    for k in range(last):
        below = boxes[k + 1][1]
        if k in rules:
            edges += [(boxes[k][3] + rules[k][1]) // 2, (rules[k][3] + below) // 2]
        else:
            edges += [(boxes[k][3] + below) // 2] * 2
    edges.append((boxes[last][3] + rules[last][1]) // 2 if last in rules else mask.shape[0])
    return Column(boxes, list(zip(edges[::2], edges[1::2])), rules.get(last - 1))


def _close_bands(bands, gap):
    """``bands`` with those less than ``gap`` rows apart made one: a decimal point a pen width under the digits
    is part of their band."""
    merged = [list(bands[0])]
    for start, stop in bands[1:]:
        if start - merged[-1][1] < gap:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    return merged


def _inside(mask, box):
    x0, y0, x1, y1 = box
    return mask[y0:y1, x0:x1]


def _ink_box(mask, box):
    """``box`` shrunk to the columns of ``mask`` inked within it."""
    x0, y0, x1, y1 = box
    cols = np.flatnonzero(mask[y0:y1, x0:x1].any(axis=0))
    return [x0 + int(cols[0]), y0, x0 + int(cols[-1]) + 1, y1]


RULE_WIDTH = 0.6
"""A rule under a line of a column is at least this share of the line's width."""

RULE_CLIMB = 0.11
"""A rule may be a mark's height plus this share of its length tall: drawn by hand, it climbs a little (as a
fraction bar does: :data:`py_pipeline.fraction_bars.BAR_CLIMB`)."""


RULE_PENS = 2.0
"""A rule is one stroke: nine in ten of the columns it spans hold at most this many pen widths of its ink (a
hand's rule, and a photo's, hold 1.25 at most). A long line of writing is as flat as a rule drawn a little
uphill, relative to its length, but the stems and sides of its symbols run down across it (2.5 pen widths
and more, 4.3 typically, in 151 lines of MNIST test digits): the last of three sums, ``2-28/51-33=``, under
two shorter ones, was dropped as a rule under them."""


def _is_rule(band, over, mark_height):
    """Whether ``band`` (rows of the mask) is a rule drawn under the writing ``over`` it."""
    cols, over_cols = np.flatnonzero(band.any(axis=0)), np.flatnonzero(over.any(axis=0))
    if cols.size == 0:
        return False
    length = cols[-1] - cols[0] + 1
    across = band.sum(axis=0)
    return (band.shape[0] <= mark_height + RULE_CLIMB * length
            and length >= RULE_WIDTH * (over_cols[-1] - over_cols[0] + 1)
            and np.percentile(across[across > 0], 90) <= RULE_PENS * mark_height / MARK_PENS + 1)
