"""Erase the printed lines of lined or squared paper, so that only the writing is left as ink.

A photo of a notebook page has its rules crossing the whole picture. Left in, a rule touches every digit
that sits on it, and the segmenter sees one glyph the width of the page: nothing can be read. A rule is
easy to tell from handwriting, though: it is straight, far longer than it is thick, and it runs from one
edge of the picture to the other, which no written stroke does (a ``-`` or the bar of a ``7`` is a few
pen widths long). Those three tests are all this module uses.

The search is a Hough transform restricted to near-horizontal lines (and, on the transposed image,
near-vertical ones): every ink pixel votes for the line through it at each skew in ±:data:`MAX_SKEW_DEG`,
the skew with the sharpest votes wins (a photo's rules are parallel), and at that skew each band of rows
that has ink in nearly every column it crosses is a rule. Two kinds of pixel on a rule are the writing's
and stay: where a stroke crosses the rule (ink just beyond it on both sides), since without them every digit
crossing a rule would break in two; and, when the rules are printed fainter than the writing (as they
usually are), the pixels as dark as the writing, so a digit standing on a rule or a decimal point sitting
on it stays whole.

Measured with a throwaway script (60 composed expressions, dark on light, seed 5, rules 2 px wide one to
1.6 symbol heights apart, the text standing on one): 57 of 60 read exactly on blank paper; on lined paper
with rules at grey level 200 / 150 / 90, 45 / 15 / 0 before this module and 57 / 57 / 57 with it; on
squared paper at level 150, 56; at level 60 (rules nearly as dark as the ink), 50.

Pale rules in a large photo are shrunk to working size barely darker than the paper, so the Hough also sees
lines that are only darker than the paper beside them (:func:`_faint_lines`); a rule the frame cuts along
its length is erased as a sliver along the edge (:func:`_edge_slivers`); and writing is told from rules by the
cores of both (their 90th percentiles), not by the writing's median, which in a shrunk photo is mostly soft
stroke edge. Measured with ``benchmarks/recognition.py --photos --count 200`` (with the paper read from a
band along the border, :data:`py_pipeline.image_input.PAPER_BORDER`), seeds 0 / 1 / 2: 173 / 174 / 171 of
200 exact before these, 180 / 183 / 177 after. The rules' core is taken over their whole band, not over
the ink on them, since a pale rule's ink may be all writing lying along it: 188 / 181 / 186 → 189 / 182 / 186.

numpy and SciPy (a scikit-image dependency): it runs in Pyodide before segmentation, on the working-size
ink of opaque images (a canvas export has no paper, so no rules).
"""

import math
from functools import cached_property

import numpy as np
from scipy.ndimage import label, maximum_filter1d, uniform_filter1d

from py_pipeline.segment import HYSTERESIS_LOW, otsu_threshold, true_runs

MAX_SKEW_DEG = 6.0
"""How far a rule may be turned from the horizontal (or the vertical): a hand-held photo of a sheet."""

SKEW_STEP_DEG = 0.25
"""Skews tried. A rule off by half a step drifts by ``tan(0.125°) × width`` rows across the picture (2 rows
over 1024 columns), which the band of three rows a rule is looked for in absorbs; what is erased reaches a row
further each side. Without that, a rule two rows thick was left in dashes at the picture's ends:
``benchmarks/recognition.py --photos --count 200`` seeds 0 / 1 / 2 read 190 / 182 / 186 exactly, with it
190 / 184 / 186 (3 drawings fixed, and a ``44`` whose first ``4`` is nearly a ``9`` read as ``94``)."""

MIN_SPAN = 0.85
"""Share of the columns a rule crosses inside the picture (or the sheet) in which it must have ink: it runs
from edge to edge, with room for faint stretches. A skewed rule near the top or bottom leaves the picture
part of the way across; it counts over the columns where it is inside."""

MIN_LENGTH_TO_THICKNESS = 25
"""A rule is at least this many times longer than it is thick. A pen stroke as long as the picture is wide
would have to be thinner than a twenty-fifth of it."""

MIN_LENGTH_PX = 64
"""Pictures narrower than this (along the rule) are too small to tell a rule from a stroke: left alone."""

CROSSING_REACH = 2
"""Rows beyond a rule's band in which a stroke crossing it has ink, on both sides."""

FAINT_CONTRAST = 0.03
"""How much darker (in ink, full scale 1) than the paper a few rows either side a line must be, averaged over
:data:`FAINT_ALONG` pixels along it, to be looked at as a possible rule although it is fainter than ink."""

FAINT_ACROSS = 9
"""Rows (across a rule) over which the paper around a faint line is averaged."""

FAINT_ALONG = 15
"""Pixels along a rule over which a faint line is averaged: its faint stretches and the paper's grain even
out, a written stroke's ends do not reach that far."""

EDGE_DEPTH = 3
"""Pixels from the picture's edge within which ink on ruled paper is a rule cut by the frame (see
:func:`_edge_slivers`)."""

EDGE_REACH = 0.015
"""Share of its length within which a rule's ink must come to each end of the picture, at least
:data:`FAINT_ALONG` pixels, when the paper fills the picture: the frame cuts the rules, so they run to its
edges. The bars of two stacked fractions side by side, with the ``-`` between them, fill nine tenths of a
tightly framed drawing's width along one row, yet leave a margin of paper at each end: they were erased as a
rule, and the fractions read as two lines of writing. A sheet seen whole on a desk is not held to this: its
rules may stop short of its edges, at a printed margin."""

GRAINY_PAPER = 4
"""Paper is grainy (a photo or a scan, whose rules may be left in fragments) when more than one pixel in
this many is ink fainter than :data:`GRAIN_INK`: about half of a photo's paper, only the soft rims of a
rendered drawing's strokes (however closely they cover it)."""

GRAIN_INK = 0.05
"""Ink fainter than this is the grain of paper or the rim of a stroke, not its core."""

LIGHTER_RULES = 0.2
"""How much fainter (in ink, full scale 1) the rules' typical pixel must be than the writing's for pixels on
a rule as dark as the writing to count as writing."""


def remove_ruled_lines(ink, sheet=None):
    """Ink with the rules of lined or squared paper set to paper (0), and how many rules were erased.

    Parameters
    ----------
    ink : (M, N) ndarray of float32
        Ink in [0, 1], as :func:`py_pipeline.image_input.to_ink` makes it.
    sheet : (M, N) ndarray of bool, optional
        Where the sheet is, when the picture shows what it lies on too (:mod:`py_pipeline.sheet`): its rules
        run from edge to edge of the sheet, not of the picture.

    Returns
    -------
    ink : (M, N) ndarray of float32
        A new array when a rule was found, else the input itself.
    count : int
        Rules erased, horizontal and vertical together.
    """
    if ink.size == 0 or float(ink.max()) <= 0.0:
        return ink, 0
    # Ink as far down as the segmenter's hysteresis reaches: faint rules join the writing there.
    mask = ink > HYSTERESIS_LOW * otsu_threshold(ink)
    framed = sheet is None  # the paper fills the picture: its rules run to the picture's edges
    if framed:
        sheet = np.ones(ink.shape, dtype=bool)
    across_mask = down_mask = mask
    # A rule is left in fragments only by grain or shrinking; a picture whose paper is mostly exactly blank
    # (a rendered drawing) has either whole rules in the mask or none that any stroke could pick up. A
    # photo's paper is grain around its level: about half of it a little darker than the level, so faint ink.
    if np.count_nonzero((ink > 0.0) & (ink < GRAIN_INK)) > ink.size // GRAINY_PAPER:
        across_mask, down_mask = mask | _faint_lines(ink, axis=0), mask | _faint_lines(ink, axis=1)
    across = _Rules.find(across_mask, sheet, framed)
    down = _Rules.find(down_mask.T, sheet.T, framed)
    if not (across.count or down.count):
        return ink, 0
    # On squared paper each rule crosses the others; those crossings are paper, not strokes, so each
    # direction's rules are judged against the ink without the other direction's.
    across_band = across.band()
    down_band = down.band().T
    erase = across_band & ~across.crossed(mask & ~down_band)
    erase |= down_band & ~down.crossed((mask & ~across_band).T).T
    # Rules are usually printed lighter than the writing: where a rule is as dark as the writing around it,
    # a stroke lies on it (a digit standing on the line, a decimal point sitting on it), so it stays.
    writing = mask & ~erase
    if writing.any() and (mask & erase).any():
        writing_level = float(np.percentile(ink[writing], 90))  # the cores of strokes, not their soft edges
        # The rules' level over their whole band, not over their ink: of a pale rule little passes the ink
        # threshold but a stroke lying along it, whose level that would be. The band's top tenth is the
        # rules' cores on the pixel grid, not their soft edges.
        rule_level = float(np.percentile(ink[erase], 90))
        if writing_level - rule_level >= LIGHTER_RULES:
            erase &= ink < (writing_level + rule_level) / 2.0
    erase |= _edge_slivers(mask & ~erase, erase)
    out = ink.copy()
    out[erase] = 0.0
    return out, across.count + down.count


class _Rules:
    """The near-horizontal rules of a mask: their common skew and the bands of rows (along it) they fill."""

    def __init__(self, shape, slope=0.0, pad=0, rows=None, count=0):
        self.shape, self.slope, self.pad, self.count = shape, slope, pad, count
        self.rows = rows  # bool per row along the skew (offset by pad): on a rule

    @classmethod
    def find(cls, mask, sheet, framed=True):
        """The rules of ``mask`` (none when it has no line of ink from edge to edge of ``sheet``); when the
        paper fills the picture (``framed``), only lines that reach both of its ends (:data:`EDGE_REACH`)."""
        height, width = mask.shape
        none = cls(mask.shape)
        if width < MIN_LENGTH_PX:
            return none
        if np.count_nonzero(mask.any(axis=0)) < MIN_SPAN * np.count_nonzero(sheet.any(axis=0)):
            return none  # no line of ink crosses the picture: most drawings stop here, at little cost
        ys, xs = np.nonzero(mask)
        slopes = np.tan(np.radians(np.arange(-MAX_SKEW_DEG, MAX_SKEW_DEG + 1e-9, SKEW_STEP_DEG)))
        pad = int(math.ceil(MAX_SKEW_DEG / 45.0 * width / 2.0)) + 2  # tan(6°) < 6/45: room for any drift
        centred = xs - width / 2.0
        best_slope, best_score = 0.0, -1.0
        for slope in slopes:
            votes = np.bincount(np.rint(ys - slope * centred).astype(np.int64) + pad)
            score = float(np.dot(votes, votes))  # sharp peaks win: the rules' skew concentrates them
            if score > best_score:
                best_slope, best_score = float(slope), score
        rules = cls(mask.shape, best_slope, pad)
        occupied = rules.occupancy(mask)
        band = _widen(occupied, axis=0)  # a rule may wander by a row either way over the picture's width
        # A skewed rule near the top or bottom leaves the picture (or the sheet) part of the way across: it
        # need only fill the columns where it is inside.
        along = np.rint(np.arange(len(occupied))[:, None] - pad
                        + best_slope * (np.arange(width)[None, :] - width / 2.0)).astype(np.int64)
        within = (along >= 0) & (along < height)
        within &= sheet[np.clip(along, 0, height - 1), np.arange(width)[None, :]]
        inside = within.sum(axis=1)
        spans = (band.sum(axis=1) >= MIN_SPAN * inside) & (inside > 0)
        rules.rows = np.zeros(len(spans), dtype=bool)
        for start, stop in true_runs(spans):
            thickness = max(1, stop - start - 2)  # the band added a row on each side
            if inside[start:stop].max() < MIN_LENGTH_TO_THICKNESS * thickness:
                continue  # writing: too thick
            # Where all of the band is inside: a rule running out through the top or bottom edge leaves before
            # the row of band beyond it does.
            if not framed or _reaches_both_ends(band[start:stop].any(axis=0), within[start:stop].all(axis=0)):
                # A row more each side than the rows it fills: a rule leaning between two of the skews tried
                # drifts a row off them towards the picture's ends, and was left there in dashes.
                rules.rows[max(0, start - 1):stop + 1] = True
                rules.count += 1
        return rules

    @cached_property
    def along(self):
        """Each pixel's row along the skew (offset by ``pad``)."""
        height, width = self.shape
        rows = np.rint(np.arange(height)[:, None] - self.slope * (np.arange(width)[None, :] - width / 2.0))
        return rows.astype(np.int64) + self.pad

    def occupancy(self, mask):
        """``(rows along the skew, columns)`` bool: where ``mask`` has ink, sheared so the rules are rows."""
        height, width = self.shape
        occupied = np.zeros((height + 2 * self.pad, width), dtype=bool)
        ys, xs = np.nonzero(mask)
        occupied[self.along[ys, xs], xs] = True
        return occupied

    def band(self):
        """Every pixel on a rule, ink or not (a rule's faint edges go too)."""
        if not self.count:
            return np.zeros(self.shape, dtype=bool)
        return self.rows[self.along]

    def crossed(self, mask):
        """Pixels of the rules that strokes of ``mask`` cross: ink just beyond the rule on both sides,
        within :data:`CROSSING_REACH` rows and a column either way (a stroke may cross at a slant)."""
        if not self.count:
            return np.zeros(self.shape, dtype=bool)
        occupied = self.occupancy(mask)
        crossing = np.zeros(occupied.shape, dtype=bool)
        for start, stop in true_runs(self.rows):
            above = _widen(occupied[max(0, start - CROSSING_REACH):start].any(axis=0), axis=0)
            below = _widen(occupied[stop:stop + CROSSING_REACH].any(axis=0), axis=0)
            crossing[start:stop] = above & below
        columns = np.broadcast_to(np.arange(self.shape[1])[None, :], self.shape)
        return crossing[self.along, columns]


def _reaches_both_ends(inked, inside):
    """Whether the columns ``inked`` along a rule start and end within :data:`EDGE_REACH` of the ends of
    the columns ``inside`` the picture (or the sheet) along it."""
    inked, inside = np.flatnonzero(inked & inside), np.flatnonzero(inside)
    reach = max(FAINT_ALONG, EDGE_REACH * inside.size)
    return inked.size > 0 and inked[0] - inside[0] <= reach and inside[-1] - inked[-1] <= reach


def _edge_slivers(mask, erased):
    """Ink wholly within :data:`EDGE_DEPTH` pixels of the picture's edge, or of a rule ``erased`` along it.

    On ruled paper that is the rule the frame cuts along its length: only part of its width is in the
    picture, too little of it to be found as a rule, and left in it stands beside the writing as a ``1`` or a
    ``-`` (and, as tall as the picture, throws the estimate of the line's tilt). Writing that reaches the edge
    comes in from the paper, deeper than a few pixels. A strip of desk along the edge of a photo of a sheet
    turned a little is erased as a rule where it spans the picture, and leaves a wedge beside it where it
    does not: a long mark far above the writing, that made the drawing an error.
    """
    top, bottom, left, right = (EDGE_DEPTH + _rows_erased_from_the_edge(rows) for rows in (
        erased, erased[::-1], erased.T, erased.T[::-1]))
    height, width = mask.shape
    edge = np.zeros(mask.shape, dtype=bool)
    edge[:top], edge[height - bottom:], edge[:, :left], edge[:, width - right:] = True, True, True, True
    if not (mask & edge).any():
        return np.zeros(mask.shape, dtype=bool)
    labels, count = label(mask, structure=np.ones((3, 3), dtype=bool))
    inward = np.zeros(count + 1, dtype=bool)
    inward[labels[mask & ~edge]] = True
    return mask & ~inward[labels]


def _rows_erased_from_the_edge(erased):
    """How many rows from the first on are mostly (half their pixels or more) erased as rules."""
    mostly = np.count_nonzero(erased, axis=1) >= erased.shape[1] / 2
    return int(np.argmin(mostly)) if not mostly.all() else len(mostly)


def _faint_lines(ink, axis):
    """Where a line runs along ``axis`` (0: rows) darker than the paper beside it, however faint.

    A grid printed in pale grey, photographed and shrunk to working size, is hardly darker than the paper:
    stretches of it fall under the ink threshold, the rest is left as flecks, and the segmenter joins the
    flecks next to a digit to it. Measured against the paper a few rows either side and averaged along its
    length, such a line still stands out where the paper's grain and uneven light do not.
    """
    beside = ink - uniform_filter1d(ink, FAINT_ACROSS, axis=axis)
    return uniform_filter1d(beside, FAINT_ALONG, axis=1 - axis) > FAINT_CONTRAST


def _widen(flags, axis):
    """A bool array with each True spread to its two neighbours along ``axis``."""
    return maximum_filter1d(flags, 3, axis=axis, mode="constant")
