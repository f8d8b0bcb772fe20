"""Square roots: a ``√`` whose bar runs over what it takes the root of, as ``√(1+3)`` is written by hand.

The classifier has no ``√`` class, and a 28×28 crop could not say what the bar covers anyway. Read as a glyph,
a drawn ``√49`` came out as a confident ``459``: the radical was a ``5``. So after segmentation the radicals
are found by their shape and by what lies under them, and :mod:`py_pipeline.recognize` reads the radical as
``√`` and the symbols under its bar as its radicand (:class:`py_pipeline.expression.Symbol`'s ``role``).

What makes a glyph a radical, measured on its own ink (in pen widths and symbol heights of the drawing):

* a bar: from the glyph's right end leftwards, a run of columns that each cross one thin stroke near the
  glyph's top, at least :data:`MIN_BAR_LENGTH` long;
* something under it: at least one symbol-sized glyph (:data:`RADICAND_HEIGHT`) lies below the bar and
  within its span, and every mark that does, with the glyph's own ink, is no higher than the bar;
* a check on its left that reaches down to the radicand's foot (:data:`FOOT_REACH`): its lowest ink is left
  of the bar.

A ``7`` has a bar at its top too, but nothing is written under it; a ``5`` whose flag runs on over the next
digit has that digit beside it, as tall as itself, not under its bar.

Writing run into the bar is one component with the radical. Before the components are grouped into symbols,
:func:`hanging_pieces` cuts it off the bar (:mod:`py_pipeline.segment`), where that leaves a radical by these
rules whose check comes down into its foot from the left, as a ``√``'s does and the ``1`` of a ``17`` or the
``5`` of a ``59`` written into each other do not. A bar that sags through the tops of its last symbols, so
that they stick up over it, is found as the straight line from its right end instead (:func:`_crossed_bar`),
and each symbol it ran through is cut off it whole. Measured with ``benchmarks/recognition.py --roots --count
200`` on seeds 0-5: 1102 → 1112 exact; the plain, structured and scribble runs read as before.
"""

from dataclasses import dataclass, replace

import numpy as np
from scipy import ndimage as ndi

from py_pipeline.expression import root_part, stack_part

MIN_BAR_LENGTH = 0.3
"""Shortest bar, in symbol heights: it covers at least a ``1``."""

BAR_PENS = 2.5
"""A column of the bar crosses ink at most this many pen widths tall: one stroke, drawn a little unevenly."""

BAR_DROP = 0.3
"""The bar's ink lies within this share of the glyph's height from its top (a bar drawn by hand climbs or
sags a little)."""

RADICAND_HEIGHT = 0.5
"""At least one mark under the bar is this tall, in symbol heights: a digit or a bracket, not a dot."""

BAR_SLOPE = 0.1
"""How steeply a bar may fall or climb to its right end beyond :data:`BAR_DROP` of the glyph's height (rows per
column): a long bar drawn quickly is seldom level."""

OVERHANG = 0.3
"""What the bar covers may stick out past its right end by this much, in symbol heights."""

CHECK_WIDTH = 1.0
"""Farthest the check's lowest ink lies left of the bar's start, in symbol heights: a radical's check rises
straight into its bar."""

CRUMB_PENS = 2.0
"""A piece cut off a radical's bar no taller than this many pen widths is a crumb of the bar, not writing."""

FOOT_REACH = 0.3
"""The radical's lowest ink is at most this share of the radicand's height above the radicand's foot."""

CROSSED_WIDTH = 1.0
"""Narrowest glyph, in symbol heights, whose bar is looked for as a line through writing: a check and a
symbol under the bar. (Nearly every glyph is asked, so single digits are let off cheaply.)"""

CROSSED_SLOPE = 0.2
"""Steepest slope (rows per column) of a bar found as a straight line through writing that sticks up over it
(:func:`_crossed_bar`)."""

CHECK_ARM = 0.1
"""A check that comes down into its foot from the left has ink at least this far left of its lowest point, in
symbol heights…"""

CHECK_ARM_DROP = 0.25
"""…and its leftmost ink lies at least this far below the glyph's top, in symbol heights: the tick of a ``√``,
not the flag at the top of a ``1``."""


@dataclass(frozen=True)
class Radical:
    """Segment ``index`` is a ``√``; ``radicand`` holds the indices of the segments under its bar, in order."""

    index: int
    radicand: tuple


@dataclass(frozen=True)
class Bar:
    """The bar along a glyph's top right: from column ``left`` on, the lowest row of its ink in each column
    (``bottoms``), and the glyph's lowest row (``foot``), in working pixels."""

    left: int
    bottoms: np.ndarray
    foot: int

    @property
    def right(self):
        return self.left + len(self.bottoms)

    def covers(self, box, stroke_width):
        """Whether the mark with ``box`` lies under the bar: its centre within the bar's span, its top no
        higher than the bar over it."""
        x0, y0, x1, _ = box
        if not self.left <= (x0 + x1) / 2 <= self.right:
            return False
        over = self.bottoms[max(x0 - self.left, 0):max(x1 - self.left, 1)]
        return y0 >= over.max() - stroke_width

    def reaches(self, foot, height):
        """Whether the check reaches down to the foot of writing ``height`` tall whose lowest row is ``foot``."""
        return self.foot >= foot - FOOT_REACH * height


def radical_bar(mask, origin, stroke_width, symbol_height):
    """The :class:`Bar` of a glyph shaped as a radical (``mask`` its ink, ``origin`` the working pixel of
    ``mask[0, 0]``), or None.

    The bar runs from the glyph's right end leftwards, over columns that each cross one thin stroke near the
    glyph's top, at least :data:`MIN_BAR_LENGTH` long. Left of it is the check, whose lowest ink is the
    glyph's foot and lies within :data:`CHECK_WIDTH` of the bar.
    """
    found = _bar_and_check(mask, stroke_width, symbol_height, along_top=False)
    if found is None:
        return None
    left, right, foot, _, bottoms = found
    ox, oy = origin
    return Bar(left + ox, bottoms[left:right + 1] + oy, foot + oy)


def _bar_and_check(mask, stroke_width, symbol_height, along_top):
    """``(left, right, foot, tops, bottoms)`` of a glyph shaped as a radical (see :func:`radical_bar`), or None.

    The bar ends in a thin stroke at the glyph's right end. From there it runs left over thin columns or,
    ``along_top``, over the glyph's top ink whatever hangs from it, as long as that joins up from column to
    column and stays within :data:`BAR_DROP` of the glyph's height below the highest the bar has been: a bar
    may slope, the check's upstroke falls away. Its highest point is the glyph's top, and its right end at
    most :data:`BAR_SLOPE` lower per column than that. Measured with
    ``benchmarks/recognition.py --roots --count 200`` on seeds 0-5: 1094 → 1099 exact (bars that fell to their
    end were not followed); the plain, structured, photo and scribble runs read as before.
    """
    filled = mask.any(axis=0)
    columns = np.flatnonzero(filled)
    if columns.size == 0 or columns[-1] + 1 - columns[0] < MIN_BAR_LENGTH * symbol_height:
        return None
    rows = np.flatnonzero(mask.any(axis=1))
    top, height = rows[0], rows[-1] + 1 - rows[0]
    tops = np.argmax(mask, axis=0)
    bottoms = mask.shape[0] - 1 - np.argmax(mask[::-1], axis=0)
    thin = filled & (bottoms - tops + 1 <= BAR_PENS * stroke_width)
    right = columns[-1]
    if not thin[right]:
        return None
    # Leftwards along the bar, which may slope: its top row moves little from column to column and never drops
    # far below where it has been highest (down the check's upstroke, it does).
    # Step k goes from column right - k to the one left of it, judged against the highest of the columns
    # walked so far; the walk ends at the first step that fails. (A Python loop over the columns cost a
    # tenth of the whole pipeline's time: every glyph is asked whether it is a radical, three times.)
    walkable, level = (filled, tops) if along_top else (thin, bottoms)  # what hangs from the bar, or nothing
    walked_tops = tops[right::-1].astype(np.int64)
    highest_so_far = np.minimum.accumulate(walked_tops)
    steps = (walkable[right - 1::-1] & (np.abs(np.diff(walked_tops)) <= stroke_width)
             & (level[right - 1::-1] <= highest_so_far[:-1] + BAR_DROP * height)) if right > 0 else np.zeros(0, bool)
    failed = np.flatnonzero(~steps)
    left = right - int(failed[0] if failed.size else steps.size)
    highest = int(highest_so_far[right - left])
    if highest > top + BAR_DROP * height or tops[right] > highest + BAR_DROP * height + BAR_SLOPE * (right - left):
        return None
    if right + 1 - left < MIN_BAR_LENGTH * symbol_height or not filled[:left].any():
        return None
    check = np.where(filled[:left], bottoms[:left], -1)
    lowest = int(np.argmax(check))
    if check[lowest] < top + (1 - BAR_DROP) * height or left - lowest > CHECK_WIDTH * symbol_height:
        return None
    return left, right, int(check[lowest]), tops, bottoms


@dataclass(frozen=True)
class Hanging:
    """A piece of writing cut off a radical's bar (:func:`hanging_pieces`): its own ink (``mask``), and the
    bar's ink over where it ran into the bar (``borrowed``), which is its top as much as the bar's."""

    mask: np.ndarray
    borrowed: np.ndarray


def hanging_pieces(mask, stroke_width, symbol_height):
    """The writing under a radical's bar that runs into it, cut off the bar: a :class:`Hanging` (boolean
    masks like ``mask``) per piece; empty unless ``mask`` is a radical with writing run into its bar.

    Written quickly, the radicand touches the bar, and radical and radicand are one component, read as one
    wrong glyph. So where a glyph's top right is a bar from which something hangs, the bar's own rows are cut
    column by column (as thick as where nothing hangs from it) and what falls away from the check is the
    radicand's, provided that what is left is a radical by :func:`radical_bar`'s rules and its check comes
    down into its foot from the left (:func:`_comes_down_from_the_left`).

    Two digits written into each other can have the rest of that shape: a ``7`` whose bar the ``1`` or ``8``
    before it touches, its stem hanging from the bar; a ``5`` whose flag runs on into the next digit. Their
    checks are a ``1``, an ``8``, a ``5``'s belly. Crumbs of the cut over a piece or within
    :data:`CRUMB_PENS` of it (a ``3``'s hook, the start of a ``2``'s stroke) go with it; others are the bar's.

    Where a piece ran into the bar, the rows cut there are the top of its symbol too (the bar of a ``7``, the
    top of a ``9``'s loop, drawn on the radical's bar): they are the piece's ``borrowed`` ink, to be read
    with it, while they stay the radical's.

    Where the glyph's top ink is no bar (the bar runs through writing that sticks up over it), the bar is
    looked for as a line (:func:`_crossed_bar`), its rows are cut along it, and what is over it and goes on
    under it is joined to what is under it (:func:`_joined_across`).
    """
    found = _bar_and_check(mask, stroke_width, symbol_height, along_top=True)
    if found is not None:
        left, right, _, tops, bottoms = found
        runs = _top_runs(mask[:, left:right + 1], tops[left:right + 1])
        thin = runs <= BAR_PENS * stroke_width
        hanging = bottoms[left:right + 1] - tops[left:right + 1] + 1 > runs
        if not (hanging | ~thin).any():
            return []
        thickness = int(np.ceil(np.median(runs[thin]))) if thin.any() else int(np.ceil(stroke_width))
        cut = mask.copy()
        for column, row in enumerate(tops[left:right + 1], start=left):
            cut[row:row + thickness + 1, column] = False
    else:
        crossed = _crossed_bar(mask, stroke_width, symbol_height)
        if crossed is None:
            return []
        left, right, centres, band = crossed
        band += 1  # a line may be a row off a hand's bar
        cut = mask.copy()
        for column, centre in enumerate(centres, start=left):
            cut[max(centre - band, 0):centre + band + 1, column] = False
    cut_rows = mask & ~cut
    labels, count = ndi.label(cut)
    check_labels = set(np.unique(labels[:, :left]).tolist()) - {0}
    if found is None:  # a bar found through writing: what it ran through is in two
        labels = _joined_across(labels, count, centres, left, band, check_labels)
    pieces, crumbs = [], []
    for label in range(1, count + 1):
        if label in check_labels:
            continue
        piece = labels == label
        if not piece.any():
            continue  # joined to the piece on the other side of the bar
        piece_rows, piece_columns = np.flatnonzero(piece.any(axis=1)), np.flatnonzero(piece.any(axis=0))
        if piece_rows[-1] + 1 - piece_rows[0] <= CRUMB_PENS * stroke_width:
            crumbs.append((piece, piece_columns[0], piece_columns[-1]))
            continue
        pieces.append(piece)
    if not pieces:
        return []
    # One over a piece, or running on into it, is a tip of its symbol the cut took off (a 3's hook, the start
    # of a 2's stroke).
    reach = CRUMB_PENS * stroke_width
    for crumb, first, last in crumbs:
        for piece in pieces:
            columns = np.flatnonzero(piece.any(axis=0))
            if first <= columns[-1] + reach and columns[0] <= last + reach:
                piece |= crumb
                break
    radical = mask & ~np.logical_or.reduce(pieces)
    bar = radical_bar(radical, (0, 0), stroke_width, symbol_height)
    if bar is None or not all(bar.reaches(rows[-1], rows[-1] + 1 - rows[0])
                              for rows in (np.flatnonzero(p.any(axis=1)) for p in pieces)):
        return []
    if not _comes_down_from_the_left(radical, bar, stroke_width, symbol_height):
        return []
    return [Hanging(piece, _borrowed(piece, cut_rows, stroke_width)) for piece in pieces]


def _crossed_bar(mask, stroke_width, symbol_height):
    """``(left, right, centres, reach)`` of a straight bar that runs left from the glyph's thin right end
    through writing that sticks up over it, or None: ``centres`` its centre row in each column from ``left``
    to ``right``, ``reach`` the rows either side of it that are the bar's.

    A bar drawn quickly sags, and where the writing under it is tall it runs through the tops of the last
    symbols (a ``4``'s arms, a ``7``'s bar stick up over it). Walking along the glyph's top ink, as
    :func:`_bar_and_check` does, then climbs onto the first of them and stops. A bar is straight, though:
    the line from its right end, at whichever slope within ±:data:`CROSSED_SLOPE` keeps to ink the longest,
    runs through them to the check.
    """
    filled = np.flatnonzero(mask.any(axis=0))
    if filled.size == 0:
        return None
    right = int(filled[-1])
    rows = np.flatnonzero(mask[:, right])
    if rows[-1] + 1 - rows[0] > BAR_PENS * stroke_width or right + 1 - filled[0] < CROSSED_WIDTH * symbol_height:
        return None
    columns = np.arange(right, -1, -1)
    # Slopes a row apart over the glyph's width: the line strays from the bar by half a row at most.
    steps = int(np.ceil(CROSSED_SLOPE * (right + 1)))
    slopes = np.linspace(-CROSSED_SLOPE, CROSSED_SLOPE, 2 * steps + 1)[:, None]
    centres = np.rint((rows[0] + rows[-1]) / 2 + slopes * (columns - right)).astype(np.intp)
    reach = int(np.ceil(max(rows[-1] + 1 - rows[0], stroke_width) / 2))
    # Ink within reach of each line's row in each column, from the running count down each column.
    counts = np.zeros((mask.shape[0] + 1, mask.shape[1]), dtype=np.int32)
    np.cumsum(mask, axis=0, out=counts[1:])
    height = mask.shape[0]
    on_ink = (counts[np.clip(centres + reach + 1, 0, height), columns]
              > counts[np.clip(centres - reach, 0, height), columns])
    lengths = np.where(on_ink.all(axis=1), on_ink.shape[1], np.argmin(on_ink, axis=1))
    longest = np.flatnonzero(lengths == lengths.max())
    length = int(lengths[longest[0]])
    if length < MIN_BAR_LENGTH * symbol_height:
        return None
    # Lines along the bar's edges keep to ink as long as the one down its middle: the middle one has the most
    # ink within half the reach of it.
    half = reach // 2
    tied = centres[longest, :length]
    core = (counts[np.clip(tied + half + 1, 0, height), columns[:length]]
            - counts[np.clip(tied - half, 0, height), columns[:length]]).sum(axis=1)
    best = int(longest[int(np.argmax(core))])
    return right + 1 - length, right, centres[best, :length][::-1], reach


def _joined_across(labels, count, centres, left, reach, check_labels):
    """``labels`` with the pieces of writing that a bar cut out along ``centres`` (its centre row in each
    column from ``left``, ``reach`` rows either side) ran through made whole again, and ``check_labels``
    with the rest of what lies over the bar.

    A piece over the bar that goes on under it, in the same column or within ``reach``, is the top of a symbol
    the bar ran through (a ``4``'s arm, a ``7``'s bar): it gets the label of the piece under the bar whose
    columns it overlaps most. Anything else over the bar is the bar's own: a sliver of a hand's bar that
    strays from the line, the top of the check.
    """
    height = labels.shape[0]
    over, under = {}, []
    for column, centre in enumerate(centres, start=left):
        if centre - reach - 1 >= 0 and labels[centre - reach - 1, column]:
            over.setdefault(int(labels[centre - reach - 1, column]), []).append(column)
        if centre + reach + 1 < height and labels[centre + reach + 1, column]:
            under.append(column)
    under = np.array(under, dtype=np.intp)
    spans = ndi.find_objects(labels, count)
    below = []
    for label, span in enumerate(spans, start=1):
        if span is None or label in check_labels or label in over:
            continue
        below.append((label, span[1].start, span[1].stop))
    for label, columns in over.items():
        if label in check_labels:
            continue
        start, stop = spans[label - 1][1].start, spans[label - 1][1].stop
        goes_on = min(columns) > left + reach and under.size and any(
            np.abs(under - column).min() <= reach for column in columns)  # not the check's top
        overlaps = [(min(stop, other_stop) - max(start, other_start), other)
                    for other, other_start, other_stop in below]
        overlap, other = max(overlaps, default=(-reach - 1, None))
        if goes_on and overlap >= -reach:
            labels[labels == label] = other
        else:
            check_labels.add(label)
    return labels


def _borrowed(piece, cut_rows, stroke_width):
    """The rows cut off the bar (``cut_rows``) over the columns where ``piece`` ran into them, a pen's
    half-width to each side: a round stroke end touches over its whole width."""
    below = np.zeros_like(piece)
    below[1:] = cut_rows[:-1]
    touching = (piece & below).any(axis=0)
    touching = ndi.binary_dilation(touching, iterations=max(1, int(np.ceil(stroke_width / 2))))
    return cut_rows & touching[None, :]


def _comes_down_from_the_left(radical, bar, stroke_width, symbol_height):
    """Whether the check of ``radical`` (its ink, with ``bar`` measured at origin (0, 0)) is a ``√``'s: it
    comes down into its lowest point from ink further left and well below the top, and rises from there to
    the bar as one stroke, without enclosing paper.

    Digits run into each other do not: a ``1`` run into the bar of a ``7`` after it rises straight from its
    foot or has its flag at the top; an ``8`` comes down into its foot round a loop; a ``5`` whose flag runs
    on into the next digit has its belly under the flag, two strokes over the same columns."""
    if (ndi.binary_fill_holes(radical) & ~radical).sum() >= stroke_width ** 2:
        return False
    check = radical[:, :bar.left]
    filled = np.flatnonzero(check.any(axis=0))
    if filled.size == 0:
        return False
    bottoms = check.shape[0] - 1 - np.argmax(check[::-1], axis=0)
    lowest = filled[np.argmax(bottoms[filled])]
    first = filled[0]
    if lowest - first < CHECK_ARM * symbol_height:
        return False
    rising = check[:, lowest:]
    runs = (np.diff(rising.astype(np.int8), axis=0) == 1).sum(axis=0) + rising[0]
    if runs.max(initial=0) > 1:
        return False  # a column the rising stroke shares with other ink
    top = np.flatnonzero(radical.any(axis=1))[0]
    arm_tops = np.argmax(check[:, first:first + max(1, int(CHECK_ARM * symbol_height / 2))], axis=0)
    return arm_tops.min() >= top + CHECK_ARM_DROP * symbol_height


def _top_runs(mask, tops):
    """Length of the run of ink down from each column's top row: the bar's own thickness, where nothing hangs
    from it."""
    below = np.arange(mask.shape[0])[:, None] >= tops[None, :]
    gaps = below & ~mask
    first_gap = np.where(gaps.any(axis=0), np.argmax(gaps, axis=0), mask.shape[0])
    return first_gap - tops


def find_radicals(segments, stroke_width, symbol_height, roles=None, within=""):
    """The radicals among ``segments`` (:class:`py_pipeline.segment.Segment`, in reading order).

    Only segments of one part of the drawing are considered, as radicals and as radicands: those whose
    ``roles`` entry is ``within`` (the line, ``""``, by default; or a stacked fraction's ``"numerator"`` or
    ``"denominator"``). A radical under another's bar is not read: both are left to the classifier, whose
    reading then fails to parse or is flagged, rather than guessed.
    """
    if not segments or stroke_width <= 0 or symbol_height <= 0:
        return []
    on_line = [(roles[i] if roles else "") == within for i in range(len(segments))]
    found = []
    for index, seg in enumerate(segments):
        if seg.kind != "glyph" or not on_line[index]:
            continue
        bar = radical_bar(seg.ink > 0.5, seg.origin, stroke_width, symbol_height)
        if bar is None:
            continue
        radicand = _radicand(index, bar, segments, on_line, stroke_width, symbol_height)
        if radicand:
            found.append(Radical(index, radicand))
    radicals = {radical.index for radical in found}
    nested = {i for radical in found for i in radical.radicand if i in radicals}
    return [radical for radical in found
            if radical.index not in nested and not nested.intersection(radical.radicand)]


def _radicand(index, bar, segments, on_line, stroke_width, symbol_height):
    """Indices of the segments under the bar of segment ``index``, or () when they do not make a radicand."""
    inside = []
    for other, candidate in enumerate(segments):
        if other == index:
            continue
        x0, y0, x1, y1 = candidate.box
        top = bar.bottoms.min() - stroke_width
        if not bar.left <= (x0 + x1) / 2 <= bar.right or y1 <= top or y0 > bar.foot:
            continue  # not under the bar: beside it, over it (a numerator) or under the whole root (a denominator)
        if not on_line[other] and (y0 + y1) / 2 < top:
            continue  # the bar of the fraction whose denominator the root is, drawn just over the root's
        if not on_line[other] or x0 < bar.left - stroke_width or x1 > bar.right + OVERHANG * symbol_height \
                or not (bar.covers(candidate.box, stroke_width) or _shares_ink(candidate, segments[index])):
            return ()  # something beside or through the bar: not a radical's, unless cut off its bar
        inside.append(other)
    if not any(segments[i].box[3] - segments[i].box[1] >= RADICAND_HEIGHT * symbol_height for i in inside):
        return ()
    foot = max(segments[i].box[3] for i in inside)
    if not bar.reaches(foot, foot - min(segments[i].box[1] for i in inside)):
        return ()
    return tuple(inside)


def _shares_ink(a, b):
    """Whether segments ``a`` and ``b`` have ink on a pixel in common: writing cut off a radical's bar keeps
    the bar's ink where it ran into it (:func:`hanging_pieces`), and writing the bar ran through sticks up
    over it, so it is under the bar although its top is not."""
    (ax, ay), (bx, by) = a.origin, b.origin
    x0, y0 = max(ax, bx), max(ay, by)
    x1, y1 = min(ax + a.ink.shape[1], bx + b.ink.shape[1]), min(ay + a.ink.shape[0], by + b.ink.shape[0])
    if x0 >= x1 or y0 >= y1:
        return False
    return bool(((a.ink[y0 - ay:y1 - ay, x0 - ax:x1 - ax] > 0.5)
                 & (b.ink[y0 - by:y1 - by, x0 - bx:x1 - bx] > 0.5)).any())


def with_radicals(segments, radicals, roles=None):
    """``(segments, roles)`` with each radical read as ``√`` right before its radicand, the rest in their order.

    The radical's role is ``"radical"`` and its radicand's ``"radicand"``; in a stacked fraction's numerator
    or denominator (its ``roles`` entry), that part comes first: ``"numerator radical"``. Segments are ordered
    by their centres, so a wide radical can come after the first symbols under its bar; the gaps of the part
    of the drawing it is in (the line, or the fraction's part) are measured again in the new order.
    """
    roles = list(roles) if roles else [""] * len(segments)
    moved = {}
    for radical in radicals:
        prefix = f"{roles[radical.index]} " if roles[radical.index] else ""
        roles[radical.index] = prefix + "radical"
        for i in radical.radicand:
            roles[i] = prefix + "radicand"
        moved[radical.radicand[0]] = radical.index
    order = []
    for i in range(len(segments)):
        if i in moved:
            order.append(moved[i])
        if root_part(roles[i]) != "radical":
            order.append(i)
    regapped = {_gap_part(roles[radical.index]) for radical in radicals}
    reordered, previous_right = [], {}
    for i in order:
        seg = segments[i]
        if root_part(roles[i]) == "radical":
            seg = replace(seg, kind="√", confidence=1.0)
        part = _gap_part(roles[i])
        if part in regapped:
            right = previous_right.get(part)
            seg = replace(seg, gap_before=None if right is None else float(seg.box[0] - right))
            previous_right[part] = seg.box[2] if right is None else max(right, seg.box[2])
        reordered.append(seg)
    return reordered, [roles[i] for i in order]


def _gap_part(role):
    """The run of writing whose gaps a segment of ``role`` is measured in: a numerator, a denominator, or
    the line, which a fraction's bar stands on (see :func:`py_pipeline.fraction_bars.read_layout`)."""
    part = stack_part(role)
    return part if part in ("numerator", "denominator") else ""
