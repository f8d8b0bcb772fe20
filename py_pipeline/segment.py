"""Cut a one-line drawing into symbols, and recognise the symbols whose meaning is their layout.

The stages, each relative to the drawing itself so that the same code works on a 60 × 200 canvas and on a
4000 × 3000 photo:

1. binarise with Otsu's threshold plus hysteresis (never a fixed level: a faint downscaled stroke and a
   saturated canvas stroke must both survive);
2. estimate the pen's stroke width from the distance to paper along the skeleton;
3. label connected components and drop specks much smaller than a dot the pen would leave;
4. group the pieces of one symbol: strokes of a ``+``, ``×``, ``4`` or ``5`` that do not touch (they
   overlap heavily in x and are close), the two bars of ``=``, the bar and two dots of ``÷``;
5. order the groups left to right and decide their kind: ``"glyph"`` for the classifier, or ``=``, ``÷``,
   ``.`` from geometry alone (a 28 × 28 crop normalised to a fixed size loses exactly what tells a ``.``
   from an ``o`` or a ``=`` from a ``2``).

:func:`split_candidates` proposes where to cut a glyph that is much wider than a symbol (two digits drawn
without lifting the pen); the recognizer decides with the classifier whether to cut.
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.signal import find_peaks
from skimage.filters import threshold_otsu
from skimage.measure import label
from skimage.morphology import skeletonize

from py_pipeline.exponents import is_exponent, raised_marks
from py_pipeline.radicals import MIN_BAR_LENGTH, hanging_pieces, radical_bar

HYSTERESIS_LOW = 0.5
"""Share of Otsu's threshold down to which hysteresis extends a stroke: faint joints stay attached."""

MIN_CONTRAST = 0.1
"""Least ink intensity that counts as a drawing at all: below it the canvas is blank (or only sensor noise).

This is not the binarisation threshold (that is Otsu's, relative to the drawing); it only stops Otsu from
splitting pure noise into "ink" and "paper"."""

PERCENT_RING = 0.3
"""Tallest hole of a ring of ``%``, as a share of the glyph's height (see :func:`has_percent_rings`)."""

PERCENT_GAP = 0.2
"""Least distance down from the upper ring's hole to the lower's, in glyph heights: the middle of the slash
between them. An ``8`` leaning back has its loops high on the left and low on the right too, but one right
under the other."""

PINHOLE = 0.1
"""Paper enclosed by ink in less than this many squared stroke widths is a pinhole where strokes cross or
graze, not the hole of a ring: a ring drawn with a marker a sixth of the line high encloses 0.2."""

PERCENT_WIDTH = 1.0
"""Widest ``%``, in glyph heights: its rings sit at the ends of its slash, not side by side like two digits."""

SPECK_FRACTION = 0.25
"""A component is a speck when its area is below this fraction of a dot the pen leaves (π w² / 4)."""

DOT_SIZE = 2.5
"""A component no larger than this many stroke widths either way (and small beside the symbols) is a dot…"""

DOT_ELONGATION = 1.8
"""…if it is also round: its long axis at most this many times its short one. A short stroke of a broken
``×`` is as small as a dot, but elongated."""

BAR_ASPECT = 2.0
"""A component at least this many times wider than high (and only a few strokes high) is a bar: ``-``."""

MERGE_OVERLAP = 0.5
"""Strokes whose x-ranges overlap by at least this fraction of the narrower one may belong to one symbol."""

MERGE_GAP = 0.75
"""…provided the vertical gap between them is at most this fraction of the symbol height."""

BASELINE = 0.6
"""A dot whose centre lies below this fraction of the line's height (0 top, 1 bottom) sits on the baseline."""

TOP_BAND = 0.35
"""A dot or a lone bar whose centre lies above this fraction of the line's height is no symbol of its own:
a decimal point sits on the baseline, a multiplication dot, ``-`` and ``÷`` at mid-height. Up there it is a
piece of a neighbour: the start of a ``7``'s stroke, the top bar of a ``5`` drawn as a second stroke."""

COMMA_SIZE = 0.45
"""Largest extent of a decimal comma, as a fraction of the line's height (see :func:`_is_comma`)."""

COLON_GAP = (0.1, 0.8)
"""Least and most space between the two dots of a ``:``, in symbol heights."""

ATTACH_REACH = 0.6
"""Farthest a top-band dot or bar is attached to a neighbouring symbol, in symbol heights (box to box)."""

TOUCH_DISTANCE = 0.075
"""A dot whose ink comes within this many symbol heights of another symbol's ink belongs to that symbol: a
decimal point is written apart, between two digits; a blob that (nearly) touches a glyph is where one of its
strokes began or ended. Measured in symbol heights, not pen widths: people space symbols by their size, and
with a thick pen a decimal point is less than a pen width from its digit."""

OVER_DISTANCE = 0.15
"""…and within this many when the dot also lies inside that symbol's column (x-range), which a decimal point,
written between two digits, never does."""

SPLIT_WIDTH = 0.75
"""A glyph at least this many symbol heights wide may be two symbols drawn touching (``12`` is ~0.8)."""

SPLIT_PROMINENCE = 0.1
"""How much a junction's score must stand above the columns on both sides of it, see split_candidates."""

TANGLE_JUNCTIONS = 8
"""A glyph whose centre line branches or crosses itself at this many places is a scribble, not a symbol.
Drawn symbols have at most two such places (a ``+`` one, a ``×`` or an ``8`` two: a skeleton often splits a
crossing into two forks); over 1000 redrawn MNIST test digits (random writers) the most was 7, over 300
touching pairs of them 10 had 8 or more, and over the 224 glyphs of 200 random-walk scribbles, 181 did."""

MAX_COMPONENTS = 2000
"""Most connected components grouped into symbols. An expression has at most a few hundred; beyond this the
image is a page or noise, and grouping it would cost seconds for nothing."""

MAX_CUTS = 3
"""Most cut columns proposed for one glyph: with the parts between them, at most 10 crops to classify."""

SIDE_BY_SIDE_ROWS = 0.6
"""Share of the middle rows of a glyph that must cross exactly two strokes (or two run together, see
:data:`MERGED_STROKES`) for it to be two upright strokes side by side (see :func:`side_by_side_cut`)."""

MERGED_STROKES = 1.7
"""A row of a glyph that crosses one run of ink at least this many stroke widths wide, in a glyph that crosses
two strokes elsewhere, crosses two strokes run together: two ``1``s written so close that they touch along a
stretch. A single upright stroke is one stroke width wide along a row, a leaning one (a ``/`` at 45°) 1.4."""

SIDE_BY_SIDE_SEPARATE = 0.2
"""Share of the middle rows that must cross two separate strokes before rows of :data:`MERGED_STROKES` count."""

CUT_SWAY = 2.0
"""Farthest a cut's path (:func:`cut_paths`) strays from its column, in pen widths: round the end of a stroke
that reaches past the junction, not round a whole digit."""


@dataclass(frozen=True)
class Segment:
    """One symbol's worth of ink, in reading order.

    Attributes
    ----------
    box : tuple of int
        ``(x0, y0, x1, y1)`` in working-image pixels, end exclusive: the tight box of the group's ink.
    ink : (h, w) ndarray of float32
        The group's ink alone (other symbols' ink in the same box is removed), anti-aliased edge included,
        with one pixel of margin around ``box`` where the image allows. Writing run into a square root's bar
        also shows the bar's ink where it ran into it, the top of its symbol too, above ``box``.
    origin : tuple of int
        ``(x, y)`` of ``ink[0, 0]`` in the working image.
    kind : str
        ``"glyph"`` (to be classified), or ``"="``, ``"÷"`` (also written ``:``), ``"."``, ``","`` (a
        decimal comma: read as the point, kept as written) or ``"×"`` (a dot at mid-height) decided by
        geometry.
    confidence : float
        How sure the geometry is of ``kind``; 1.0 for glyphs (the classifier decides those). A dot that
        floats at mid-height is a ``×`` only at 0.5: it may be a decimal point written high.
    gap_before : float or None
        Horizontal gap in working pixels from the previous segment's right edge to this one's left edge
        (negative when they overlap); ``None`` for the first segment.
    n_components : int
        Connected components grouped into this segment.
    """

    box: tuple
    ink: np.ndarray
    origin: tuple
    kind: str
    confidence: float
    gap_before: float | None
    n_components: int


@dataclass(frozen=True)
class Segmentation:
    """Segments of a drawing plus the measurements later stages scale by.

    Attributes
    ----------
    segments : list of Segment
        In reading order (left to right).
    mask : (M, N) ndarray of bool
        The binarised ink with specks removed: what the segments were cut from.
    stroke_width : float
        The pen's diameter in working pixels (0 when nothing was drawn).
    symbol_height : float
        Typical height of a symbol on this line in working pixels (0 when nothing was drawn).
    component_count : int
        Connected components left after speck removal. Above :data:`MAX_COMPONENTS` the image is not
        segmented at all (``segments`` is empty): it is a page of text or noise, not one expression.
    component_boxes : tuple of tuple
        ``(x0, y0, x1, y1)`` of each of those components, in working-image pixels (empty when the image was not
        segmented), so later stages need not label the mask again.
    """

    segments: list
    mask: np.ndarray
    stroke_width: float
    symbol_height: float
    component_count: int
    component_boxes: tuple = ()


def segment(ink):
    """Cut an ink image into symbols in reading order.

    Parameters
    ----------
    ink : (M, N) ndarray of float
        Ink intensity, 0 paper and 1 full ink (see :func:`py_pipeline.image_input.to_ink`).

    Returns
    -------
    Segmentation
        With no segments when the canvas is empty, uniform, or holds only specks.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"segment expects a 2-D ink image, got shape {ink.shape}")
    empty = Segmentation(segments=[], mask=np.zeros(ink.shape, dtype=bool), stroke_width=0.0, symbol_height=0.0,
                         component_count=0)
    labels, count = _hysteresis_labels(ink)
    if count == 0:
        return empty
    # Everything below runs on the inked region only (plus a pixel of paper): a canvas is mostly margin.
    rows, cols = np.flatnonzero(labels.any(axis=1)), np.flatnonzero(labels.any(axis=0))
    top, left = max(int(rows[0]) - 1, 0), max(int(cols[0]) - 1, 0)
    window = np.s_[top:int(rows[-1]) + 2, left:int(cols[-1]) + 2]
    labels, region_ink = labels[window], ink[window]

    stroke_width = estimate_stroke_width(labels > 0)
    labels, count = _keep_labels(labels, count, _areas(labels, count) >= _speck_area(stroke_width))
    mask = np.zeros(ink.shape, dtype=bool)
    mask[window] = labels > 0
    if count == 0 or count > MAX_COMPONENTS:
        return Segmentation(segments=[], mask=mask, stroke_width=stroke_width, symbol_height=0.0,
                            component_count=count)

    parts = _components(labels, count)
    symbol_height = _symbol_height(parts, stroke_width)
    labels, split_count, borrowed = _split_radicands(labels, count, parts, stroke_width, symbol_height)
    if split_count != count:
        count = split_count
        parts = _components(labels, count)
        symbol_height = _symbol_height(parts, stroke_width)
    _classify_shapes(parts, labels, stroke_width, symbol_height)
    band = _line_band(parts)
    groups = _group(parts, labels, stroke_width, symbol_height, band)
    segments = _segments(groups, parts, labels, region_ink, band, offset=(left, top), borrowed=borrowed)
    return Segmentation(segments=segments, mask=mask, stroke_width=stroke_width, symbol_height=symbol_height,
                        component_count=count,
                        component_boxes=tuple((p.x0 + left, p.y0 + top, p.x1 + left, p.y1 + top) for p in parts))


def binarize(ink):
    """Ink → bool mask: Otsu's threshold, extended by hysteresis down to half of it.

    Parameters
    ----------
    ink : (M, N) ndarray of float

    Returns
    -------
    mask : (M, N) ndarray of bool

    Notes
    -----
    Hysteresis keeps the faint joints of a stroke (where a quick pen movement left less ink, or where
    downscaling averaged a thin stroke with paper) attached to the stroke, without admitting faint
    smudges that touch no real stroke.
    """
    return _hysteresis_labels(ink)[0] > 0


def _hysteresis_labels(ink):
    """Connected components (8-connected) of :func:`binarize`'s mask, labelled 1..count.

    The components of the low-threshold mask that hold at least one pixel above the high threshold are
    exactly the components of the hysteresis mask, so one labelling serves both.
    """
    if ink.size == 0 or float(ink.max()) - float(ink.min()) < MIN_CONTRAST:
        return np.zeros(ink.shape, dtype=np.int32), 0
    high = otsu_threshold(ink)
    labels, count = label(ink > HYSTERESIS_LOW * high, connectivity=2, return_num=True)
    keep = np.zeros(count + 1, dtype=bool)
    keep[labels[ink > high]] = True
    return _keep_labels(labels, count, keep)


def true_runs(flags):
    """``(start, stop)`` of every run of True in a 1-D bool array: the bands of rows or columns with ink."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], np.asarray(flags).astype(np.int8), [0]))))
    return list(zip(edges[::2], edges[1::2]))


def otsu_threshold(ink):
    """Otsu's threshold of ink in [0, 1], from a 256-level histogram counted with ``bincount``.

    The same threshold ``threshold_otsu`` finds with 256 bins, without ``np.histogram``'s general path,
    which costs more than the rest of the binarisation.
    """
    levels = np.rint(np.clip(ink, 0.0, 1.0) * 255).astype(np.uint8)
    counts = np.bincount(levels.ravel(), minlength=256)
    return threshold_otsu(hist=(counts, np.arange(256) / 255.0))


def estimate_stroke_width(mask):
    """The pen's diameter in pixels: twice the median distance-to-paper along the skeleton.

    Parameters
    ----------
    mask : (M, N) ndarray of bool

    Returns
    -------
    width : float
        At least 1.

    Notes
    -----
    On the skeleton, the distance to the nearest paper pixel is half the local stroke thickness; the
    median ignores junctions (thicker) and stroke ends (thinner). The distance is the mean of the
    chessboard and the city-block distances — one under-, the other over-estimates the Euclidean
    distance across a diagonal stroke, their mean is within a pixel of it — because those two chamfer
    transforms cost a fifth of the exact Euclidean one, the most expensive step of segmentation otherwise.
    """
    skeleton = skeletonize(mask)
    if not skeleton.any():
        return 1.0
    chessboard = ndi.distance_transform_cdt(mask, metric="chessboard")[skeleton]
    city_block = ndi.distance_transform_cdt(mask, metric="taxicab")[skeleton]
    return max(1.0, float(np.median(chessboard + city_block)))


def count_junctions(segment):
    """Places where a glyph's centre line branches or crosses itself: clusters of skeleton pixels with three
    or more skeleton neighbours. See :data:`TANGLE_JUNCTIONS`."""
    skeleton = skeletonize(segment.ink > 0.5)
    neighbours = ndi.convolve(skeleton.astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant") - 1
    return int(label(skeleton & (neighbours >= 3), connectivity=2).max())


def split_candidates(segment, stroke_width, symbol_height=None):
    """Columns where a glyph that is too wide for one symbol could be cut into two (or more) symbols.

    Parameters
    ----------
    segment : Segment
    stroke_width : float
        Pen diameter in working pixels.
    symbol_height : float, optional
        Typical symbol height on the line; defaults to the segment's own height.

    Returns
    -------
    cuts : list of int
        Column indices into ``segment.ink`` (sorted, at most :data:`MAX_CUTS`), away from the edges. Empty
        when the glyph is not wide enough to be two symbols.

    Notes
    -----
    Two symbols drawn without lifting the pen meet in one of two ways, and each leaves its own trace:

    * through a thin stroke (``12``, ``-1``): the column projection (ink per column) dips there;
    * side by side, touching (``00``, ``23``): the projection does not dip (two walls meet), but the outline
      does — the top contour sags and the bottom contour rises between the two humps.

    Both kinds of column are proposed, best first; they are only proposals (a ``+`` dips too). The recognizer
    accepts a cut only when the classifier is confident about every part.
    """
    if segment.kind != "glyph":
        return []
    x0, y0, x1, y1 = segment.box
    width, height = x1 - x0, y1 - y0
    if width < SPLIT_WIDTH * max(height, symbol_height or 0):
        return []
    left, top = x0 - segment.origin[0], y0 - segment.origin[1]
    inked = segment.ink[top:top + height, left:left + width] > 0.5
    span = max(1, int(round(stroke_width / 2)))
    window = np.ones(span) / span  # smooths the pixel steps of the outline, keeps a junction's peak

    projection = inked.sum(axis=0)
    has_ink = inked.any(axis=0)
    first = np.where(has_ink, inked.argmax(axis=0), height)
    last = np.where(has_ink, height - 1 - inked[::-1].argmax(axis=0), -1)
    paper_around = np.convolve((first + (height - 1 - last)).astype(np.float64), window, mode="same")

    # Both scores are 0 for an ordinary column and approach 1 at a likely junction: one stroke's worth of
    # ink or less in the column, or paper filling most of the column above and below the ink.
    thin = np.clip(1.0 - projection / (2.0 * stroke_width), 0.0, 1.0)
    sag = np.minimum(paper_around / height, 1.0)
    score = np.maximum(thin, sag)

    # A junction is a peak standing out on both sides (a hump of ink left and right of it): the arm of a
    # "+" is a plateau reaching the edge, and has no prominence.
    peaks, found = find_peaks(np.pad(score, 1), prominence=SPLIT_PROMINENCE)
    peaks -= 1
    margin = max(int(round(stroke_width)), int(0.15 * width))
    cuts = []
    for i in np.argsort(-found["prominences"], kind="stable"):
        column = int(peaks[i])
        inside = margin <= column < width - margin
        if inside and all(abs(column - other) >= 2 * stroke_width for other in cuts):
            cuts.append(column)
        if len(cuts) == MAX_CUTS:
            break
    return sorted(cut + left for cut in cuts)


def side_by_side_cut(segment, stroke_width=None):
    """The column between two upright strokes that make up a glyph side by side, or None.

    Two ``1``s written into each other touch at the top or the foot (a ``Λ``, a ``∐``) and are one glyph,
    narrower than :func:`split_candidates` ever cuts, which the classifier reads as one ``1``, often with
    full confidence: ``116`` read ``16``. Across its middle half, such a glyph crosses two strokes in most
    rows, which a single ``1`` never does. Over the drawings of ``benchmarks/recognition.py --count 600``
    seeds 0-2, at :data:`SIDE_BY_SIDE_ROWS`: all 5 touching pairs of ``1``s and none of the 1040 single ``1``s.
    Given the ``stroke_width``, rows where the two strokes run together count too (:data:`MERGED_STROKES`):
    two ``1``s that touch along a third of their height were read as one ``1`` (``113`` as ``13``).
    Measured with ``benchmarks/recognition.py``: ``--count 1200`` 1146 → 1147 exact, ``--count 600 --seed 4``
    567 → 568; seeds 1-3 and 5, ``--structured``, ``--roots``, ``--photos`` and scribbles as before.

    Returns the median column between the two strokes over the rows that part them, as an index into
    ``segment.ink``.
    """
    inked = segment.ink > 0.5
    rows = np.flatnonzero(inked.any(axis=1))
    if rows.size == 0:
        return None
    height = rows[-1] + 1 - rows[0]
    middle = inked[rows[0] + height // 4:rows[0] + 3 * height // 4]
    if middle.shape[0] == 0:
        return None
    starts = middle & ~np.pad(middle, ((0, 0), (1, 0)))[:, :-1]
    runs = starts.sum(axis=1)
    two = runs == 2
    crossing_two = two.mean()
    if stroke_width and crossing_two >= SIDE_BY_SIDE_SEPARATE:
        merged = (runs == 1) & (middle.sum(axis=1) >= MERGED_STROKES * stroke_width)
        crossing_two += merged.mean()
    if crossing_two < SIDE_BY_SIDE_ROWS:
        return None
    gaps = []
    for row in middle[two]:
        (_, first_stop), (second_start, _) = true_runs(row)
        gaps.append((first_stop + second_start) / 2)
    return int(round(float(np.median(gaps))))


def cut_paths(segment, cuts, stroke_width):
    """For each cut column, the column a cut takes in each row of ``segment.ink``: the path of a drop of water
    falling from the top at that column, around the ink it meets, through it where there is no way round.

    Two digits written into each other overlap: the bottom of a ``3`` reaches under the stem of the ``5``
    after it. No column parts them, and the parts a straight cut leaves were read as three symbols
    (``35`` as ``315``: the stem as a ``1``). The drop slips past ink by at most :data:`CUT_SWAY` pen widths
    either side of its column, so it stays at the junction it was sent to. Paths never cross: each lies at or
    right of the one before it.

    Returns an int array ``(len(cuts), rows)``; a pixel at column ``x`` of row ``y`` is left of cut ``i``
    when ``x < paths[i, y]``.
    """
    inked = segment.ink > 0.5
    rows, width = inked.shape
    sway = max(1, int(round(CUT_SWAY * max(stroke_width, 1.0))))
    paths = np.empty((len(cuts), rows), dtype=np.int64)
    for i, start in enumerate(cuts):
        column, step, met = int(start), 0, int(start)  # step: the way it slides along the ink (never back)
        paths[i, 0] = column
        y = 0
        while y + 1 < rows:
            free = [c for c in (column, column - 1, column + 1) if 0 <= c < width and abs(c - start) <= sway]
            down = next((c for c in free if not inked[y + 1, c]), None)
            if down is not None:
                column, step, y = down, 0, y + 1
            else:
                sides = [step] if step else [-1, 1]
                side = next((d for d in sides if column + d in free and not inked[y, column + d]), None)
                if side is not None:
                    met = column if step == 0 else met
                    column, step = column + side, side
                else:  # no way round: back to where the ink was met, and through it there
                    column = met if step else column
                    paths[i, y] = column
                    step, y = 0, y + 1
            paths[i, y] = column
        if i:
            np.maximum(paths[i], paths[i - 1], out=paths[i])
    return paths


@dataclass
class _Part:
    """One connected component's geometry (working pixels, end exclusive)."""

    label: int
    x0: int
    y0: int
    x1: int
    y1: int
    area: int
    shape: str = "stroke"  # "stroke", "bar" or "dot"

    @property
    def width(self):
        return self.x1 - self.x0

    @property
    def height(self):
        return self.y1 - self.y0

    @property
    def cx(self):
        return (self.x0 + self.x1) / 2

    @property
    def cy(self):
        return (self.y0 + self.y1) / 2


def _speck_area(stroke_width):
    """Area below which a component is a speck: a fraction of the dot the pen leaves."""
    return SPECK_FRACTION * np.pi * stroke_width ** 2 / 4


def _areas(labels, count):
    """Pixel count of each label 0..count."""
    return np.bincount(labels.ravel(), minlength=count + 1)


def _keep_labels(labels, count, keep):
    """Only the labels where ``keep`` (indexed by label) holds, renumbered 1..n; returns ``(labels, n)``."""
    keep = keep.copy()
    keep[0] = False
    kept = int(keep.sum())
    if kept == count:
        return labels, count
    new_ids = np.zeros(count + 1, dtype=labels.dtype)
    new_ids[keep] = np.arange(1, kept + 1)
    return new_ids[labels], kept


def _components(labels, count):
    """Bounding boxes and areas of labels 1..count."""
    areas = _areas(labels, count)
    parts = []
    for index, found in enumerate(ndi.find_objects(labels, max_label=count), start=1):
        rows, cols = found
        parts.append(_Part(index, cols.start, rows.start, cols.stop, rows.stop, int(areas[index])))
    return parts


def _symbol_height(parts, stroke_width):
    """Typical symbol height: median height of the tall components (dots, bars and stroke pieces left out).

    Only components at least half as tall as the tallest count, so that the short pieces of a multi-stroke
    ``+`` or ``×`` do not drag the estimate down when the line has few symbols, and none written small and
    high after another (:func:`py_pipeline.exponents.raised_marks`): the two digits of ``9¹⁰`` made the
    symbols as tall as an exponent, and the ``9`` so tall beside them that its loop stood over its stem as a
    fraction. With none, the tallest component that is more than a dot is a symbol's height: a square root
    with everything under its bar run into it is one wide component. Only bars and dots: a symbol is as tall
    as they are wide.
    """
    dot = DOT_SIZE * stroke_width
    tall = sorted(((p.x0, p.y0, p.x1, p.y1) for p in parts if p.height > dot and p.height * BAR_ASPECT > p.width))
    raised = raised_marks(tall)
    tall = [y1 - y0 for k, (_, y0, _, y1) in enumerate(tall) if k not in raised]
    if tall:
        return float(np.median([h for h in tall if h >= 0.5 * max(tall)]))
    wide = [p.height for p in parts if p.height > dot]
    if wide:
        return float(max(wide))
    return float(max(max(p.width for p in parts), 4 * stroke_width))


def _classify_shapes(parts, labels, stroke_width, symbol_height):
    """Mark each component as a dot, a bar or an ordinary stroke, in place."""
    dot = DOT_SIZE * stroke_width
    for p in parts:
        extent = max(p.width, p.height)
        small = extent <= min(dot, 0.5 * symbol_height)
        # A tap that slid leaves a blob up to two pens long: too short to be a stroke, whatever its shape.
        tap = extent <= 2 * stroke_width
        if small and (tap or _elongation(labels[p.y0:p.y1, p.x0:p.x1] == p.label) <= DOT_ELONGATION):
            p.shape = "dot"
        elif p.width >= BAR_ASPECT * p.height and p.height <= max(3 * stroke_width, 0.35 * symbol_height):
            p.shape = "bar"


def _elongation(blob):
    """Ratio of the long to the short axis of a blob (``(h, w)`` bool), from its second moments."""
    ys, xs = np.nonzero(blob)
    if ys.size < 3:
        return 1.0
    covariance = np.cov(np.vstack([xs, ys]).astype(np.float64)) + np.eye(2) / 12  # a pixel has extent
    small, large = np.linalg.eigvalsh(covariance)
    return float(np.sqrt(large / small))


def _group(parts, labels, stroke_width, symbol_height, band):
    """Partition component indices into symbols (lists of indices into ``parts``)."""
    parent = list(range(len(parts)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Sweep left to right: only strokes whose x-ranges overlap can be pieces of one symbol.
    strokes = sorted((i for i, p in enumerate(parts) if p.shape != "dot"), key=lambda i: parts[i].x0)
    radicals = _radical_bars(parts, labels, strokes, stroke_width, symbol_height)
    for a_pos, a in enumerate(strokes):
        for b in strokes[a_pos + 1:]:
            if parts[b].x0 >= parts[a].x1:
                break
            if _same_symbol(parts[a], parts[b], symbol_height) and not (
                    _under_radical(a, b, parts, radicals, stroke_width)
                    or _under_radical(b, a, parts, radicals, stroke_width)):
                parent[find(a)] = find(b)

    taken = set()
    for bar, dots in _division_signs(parts, strokes, find):
        for d in dots:
            parent[find(d)] = find(bar)
            taken.add(d)
    for upper, lower in _colons(parts, taken, symbol_height, band):
        parent[find(upper)] = find(lower)
        taken.update((upper, lower))

    for piece, owner in _attached_pieces(parts, labels, strokes, find, taken, stroke_width, symbol_height, band,
                                         radicals):
        parent[find(piece)] = find(owner)

    groups = {}
    for i in range(len(parts)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _split_radicands(labels, count, parts, stroke_width, symbol_height):
    """``(labels, count, borrowed)`` with writing run into a square root's bar given labels of its own
    (:func:`py_pipeline.radicals.hanging_pieces`); the same labels when there is none. ``borrowed`` maps
    such a label to the ``(rows, columns)`` of the bar's ink over where it ran into the bar, its top too
    (none for a piece that met the bar only at a corner)."""
    borrowed = {}
    for p in parts:
        if p.width < MIN_BAR_LENGTH * symbol_height:
            continue
        window = labels[p.y0:p.y1, p.x0:p.x1]
        for piece in hanging_pieces(window == p.label, stroke_width, symbol_height):
            count += 1
            window[piece.mask] = count
            rows, columns = np.nonzero(piece.borrowed)
            if rows.size:
                borrowed[count] = (rows + p.y0, columns + p.x0)
    return labels, count, borrowed


def _radical_bars(parts, labels, strokes, stroke_width, symbol_height):
    """``{part: Bar}`` of the strokes shaped as a square root's radical (:func:`py_pipeline.radicals.radical_bar`)."""
    bars = {}
    for i in strokes:
        p = parts[i]
        if p.width >= MIN_BAR_LENGTH * symbol_height:
            bar = radical_bar(labels[p.y0:p.y1, p.x0:p.x1] == p.label, (p.x0, p.y0), stroke_width, symbol_height)
            if bar is not None:
                bars[i] = bar
    return bars


def _under_radical(radical, other, parts, bars, stroke_width):
    """Whether stroke ``other`` is written under the bar of ``radical``, a square root's: then it is what the
    root is of, however much they overlap, not a piece of the same symbol (a ``×`` under a ``√``)."""
    bar = bars.get(radical)
    p = parts[other]
    return bar is not None and bar.covers((p.x0, p.y0, p.x1, p.y1), stroke_width) and bar.reaches(p.y1 - 1, p.height)


def _same_symbol(a, b, symbol_height):
    """Whether two non-dot strokes are pieces of one symbol: heavy x-overlap, close, not two side-by-side."""
    overlap = min(a.x1, b.x1) - max(a.x0, b.x0)
    if overlap < MERGE_OVERLAP * min(a.width, b.width):
        return False
    vertical_gap = max(a.y0, b.y0) - min(a.y1, b.y1)  # negative when they overlap vertically
    if vertical_gap > MERGE_GAP * symbol_height:
        return False
    # Two tall strokes standing side by side at the same height are two symbols (a slanted "17"), not one.
    both_tall = min(a.height, b.height) >= 0.6 * symbol_height
    return not (both_tall and -vertical_gap >= 0.5 * min(a.height, b.height))


def _division_signs(parts, strokes, find):
    """Bars standing alone with a dot centred above and one below: ``(bar index, [dot, dot])`` pairs."""
    alone = {}
    for i in strokes:
        alone.setdefault(find(i), []).append(i)
    dots = [i for i, p in enumerate(parts) if p.shape == "dot"]
    taken = set()
    signs = []
    for members in alone.values():
        if len(members) != 1 or parts[members[0]].shape != "bar":
            continue
        bar = parts[members[0]]
        reach = max(bar.width, 3 * bar.height)
        inner_x0, inner_x1 = bar.x0 + 0.2 * bar.width, bar.x1 - 0.2 * bar.width
        above, below = [], []
        for d in dots:
            dot = parts[d]
            if d in taken or not inner_x0 <= dot.cx <= inner_x1:
                continue
            if 0 <= bar.y0 - dot.y1 <= reach:
                above.append((bar.y0 - dot.y1, d))
            elif 0 <= dot.y0 - bar.y1 <= reach:
                below.append((dot.y0 - bar.y1, d))
        if above and below:
            pair = [min(above)[1], min(below)[1]]
            taken.update(pair)
            signs.append((members[0], pair))
    return signs


def _colons(parts, taken, symbol_height, band):
    """Pairs of dots one above the other, about the middle of the line: ``(upper, lower)`` indices.

    ``:`` is how much of Europe writes division. Left apart, the upper dot joined the nearest digit as a
    piece of it and the lower one became a decimal point: ``8:2`` was calculated as 8.2.
    """
    dots = sorted((i for i, p in enumerate(parts) if p.shape == "dot" and i not in taken),
                  key=lambda i: parts[i].cy)
    middle = None if band is None else (band[0] + band[1]) / 2
    pairs, used = [], set()
    for position, a in enumerate(dots):
        for b in dots[position + 1:]:
            if a in used or b in used:
                continue
            upper, lower = parts[a], parts[b]
            gap = lower.y0 - upper.y1
            aligned = abs(upper.cx - lower.cx) <= max(upper.width, lower.width, upper.height, lower.height)
            around = middle is None or upper.cy < middle < lower.cy
            if aligned and around and COLON_GAP[0] * symbol_height <= gap <= COLON_GAP[1] * symbol_height:
                pairs.append((a, b))
                used.update((a, b))
    return pairs


def _attached_pieces(parts, labels, strokes, find, taken, stroke_width, symbol_height, band, radicals):
    """``(piece, owner)`` pairs: dots and lone bars that are part of a neighbouring symbol, not symbols.

    A dot belongs to the stroke its ink (nearly) touches (:data:`TOUCH_DISTANCE`, :data:`OVER_DISTANCE`); a
    dot or a lone bar in the top band of the line (:data:`TOP_BAND`) belongs to the nearest symbol within
    :data:`ATTACH_REACH`, never to a square root's radical (``radicals``, see :func:`_radical_bars`) whose bar
    it is under. Decided against the stroke groups as they were before any attachment, so that the order of
    the pieces does not matter.
    """
    height = band[1] - band[0] if band is not None else 0.0
    members = {}
    for i in strokes:
        members.setdefault(find(i), []).append(i)
    boxes = {root: (min(parts[i].x0 for i in group), min(parts[i].y0 for i in group),
                    max(parts[i].x1 for i in group), max(parts[i].y1 for i in group))
             for root, group in members.items()}

    def in_top_band(p):
        return height > 0 and (p.cy - band[0]) / height < TOP_BAND

    def nearest_symbol(piece, exclude):
        p = parts[piece]
        best, best_gap = None, ATTACH_REACH * symbol_height
        for root, (x0, y0, x1, y1) in boxes.items():
            if root == exclude or any(_under_radical(m, piece, parts, radicals, stroke_width)
                                      for m in members[root]):
                continue  # a mark under a square root's bar is what the root is of, not a piece of it
            gap = max(x0 - p.x1, p.x0 - x1, y0 - p.y1, p.y0 - y1, 0)
            if gap < best_gap or (gap == best_gap and best is not None and x0 < boxes[best][0]):
                best, best_gap = root, gap
        return best

    pairs = []
    for i, p in enumerate(parts):
        if p.shape == "dot" and i not in taken:
            owner = _touched_symbol(p, parts, labels, symbol_height)
            if owner is None and in_top_band(p):
                owner = nearest_symbol(i, exclude=None)
            if owner is not None:
                pairs.append((i, owner))
    for root, group in members.items():
        bar = parts[group[0]]
        if len(group) == 1 and bar.shape == "bar" and in_top_band(bar):
            owner = nearest_symbol(group[0], exclude=root)
            if owner is None or _exponent_sign(bar, [box for r, box in boxes.items() if r != root], stroke_width):
                continue
            # High on the line, but is it high on the symbol? With few strokes the line's band is a guess (a
            # 4 whose stem is broken in two made a mid-height minus beside it look high).
            owner_top, owner_bottom = boxes[owner][1], boxes[owner][3]
            if (bar.cy - owner_top) < TOP_BAND * (owner_bottom - owner_top):
                pairs.append((group[0], owner))
    return pairs


def _exponent_sign(bar, boxes, stroke_width):
    """Whether a bar high on the line is the minus sign of an exponent (``10⁻³``), not a piece of a symbol.

    The symbol right after the bar is an exponent of the one before it (:func:`py_pipeline.exponents.
    is_exponent`: small, high), and the bar is level with it. A ``5``'s bar drawn apart lies over the
    ``5``, not before it, even when it is flicked out to the right and ends level with an exponent
    (``75³`` was read as 7⁵⁻³); the start of a ``7`` belongs to a full-height symbol.
    """
    before = [box for box in boxes if box[0] < bar.x0]
    after = [box for box in boxes if box[0] >= bar.x1]
    if not before or not after:
        return False
    base = max(before, key=lambda box: box[2])
    if base[2] > bar.x0 + stroke_width:
        return False  # the bar starts over the symbol before it: its top stroke, drawn apart
    exponent = min(after, key=lambda box: box[0])
    return is_exponent(exponent, base) and exponent[1] <= bar.cy <= exponent[3]


def _touched_symbol(dot, parts, labels, symbol_height):
    """Index of the non-dot component whose ink comes close enough to the dot's to own it, or None.

    Distances are measured in a window around the dot only, a fraction of a symbol across: cheap however
    large the drawing.
    """
    reach = int(np.ceil(OVER_DISTANCE * symbol_height)) + 1
    height, width = labels.shape
    y0, x0 = max(dot.y0 - reach, 0), max(dot.x0 - reach, 0)
    window = labels[y0:min(dot.y1 + reach, height), x0:min(dot.x1 + reach, width)]
    distance = ndi.distance_transform_edt(window != dot.label)
    best, best_distance = None, np.inf
    for other in np.unique(window):
        if other == 0 or other == dot.label or parts[other - 1].shape == "dot":
            continue
        part = parts[other - 1]
        near = float(distance[window == other].min()) / symbol_height
        limit = OVER_DISTANCE if part.x0 <= dot.cx < part.x1 else TOUCH_DISTANCE
        if near <= limit and near < best_distance:
            best, best_distance = other - 1, near
    return best


def _line_band(parts):
    """``(top, bottom)`` of the line: median top and bottom of the ordinary strokes (None if there are none)."""
    strokes = [p for p in parts if p.shape == "stroke"]
    if not strokes:
        return None
    return float(np.median([p.y0 for p in strokes])), float(np.median([p.y1 for p in strokes]))


def _kind(members, parts, band):
    """Geometric kind of a group and how sure the geometry is."""
    shapes = sorted(parts[i].shape for i in members)
    if shapes == ["stroke"] and band is not None and _is_comma(parts[members[0]], band):
        return ",", 1.0
    if shapes == ["dot"]:
        dot = parts[members[0]]
        if band is None or band[1] <= band[0]:
            return ".", 1.0
        position = (dot.cy - band[0]) / (band[1] - band[0])
        # A decimal point sits on the baseline; a dot floating higher is a multiplication dot (3·4), or a
        # decimal point written high: the geometry is unsure, and offers the other reading.
        return (".", 1.0) if position >= BASELINE else ("×", 0.5)
    if shapes == ["bar", "dot", "dot"] or shapes == ["dot", "dot"]:
        return "÷", 1.0
    if shapes == ["bar", "bar"]:
        a, b = (parts[i] for i in members)
        similar = min(a.width, b.width) >= 0.4 * max(a.width, b.width)
        stacked = max(a.y0, b.y0) >= min(a.y1, b.y1)
        if similar and stacked:
            return "=", 1.0
    return "glyph", 1.0


def _is_comma(part, band):
    """A short tick hanging from the baseline: a decimal comma, which most of the world writes for ``.``.

    No other symbol is that small and that low on its own: the short strokes of a ``4``, ``5`` or ``+``
    drawn apart overlap their symbol in x and were grouped with it already. Read by the classifier, the tick
    was a ``1`` (``3,5`` became 35 and ``3,5+1`` gave 316).
    """
    top, bottom = band
    height = bottom - top
    if height <= 0 or max(part.width, part.height) > COMMA_SIZE * height:
        return False
    return part.y0 >= top + 0.5 * height and part.y1 >= bottom - 0.1 * height


def has_percent_rings(mask, stroke_width):
    """Whether a glyph's ink (``mask``, with paper around it) has the rings of a ``%``: two small holes, one
    high on the left and one low on the right, wholly apart across the glyph, in ink no wider than tall.

    The classifier knows no ``%``: it read ``50%`` as ``5096`` (cut between the rings, each ring and its half
    of the slash a confident ``9`` and ``6``), a confident wrong answer. The rings are what few digits or
    pairs of digits have. An ``8`` has two loops, but one under the other (:data:`PERCENT_GAP`); two digits
    written into each other, a ``96``, have theirs side by side too, but each loop is half a digit tall: a
    ring's hole is at most :data:`PERCENT_RING` of the glyph's height. An ``8`` leaning back can still pass:
    the classifier, sure of it, says it is a digit. Rings drawn so small that the pen fills them have no
    hole, and the glyph is classified as before. :mod:`py_pipeline.recognize` asks only about the glyphs
    the classifier cannot read.
    """
    height, width = mask.shape
    if width > PERCENT_WIDTH * height:
        return False
    paper, _ = ndi.label(~mask)  # 4-connected: a ring closed only diagonally is no ring
    edge = np.unique(np.concatenate((paper[0], paper[-1], paper[:, 0], paper[:, -1])))
    holes = []
    for index, found in enumerate(ndi.find_objects(paper), start=1):
        if found is None or index in edge:
            continue
        if np.count_nonzero(paper[found] == index) < PINHOLE * stroke_width ** 2:
            continue  # a pinhole where strokes cross, not a ring
        holes.append(found)
    if len(holes) != 2:
        return False
    upper, lower = sorted(holes, key=lambda hole: hole[0].start + hole[0].stop)
    small = all(hole[0].stop - hole[0].start <= PERCENT_RING * height for hole in holes)
    apart = upper[1].stop <= lower[1].start  # the upper ring wholly left of the lower one
    gap = lower[0].start - upper[0].stop  # rows of slash between the rings
    return small and apart and upper[0].stop <= height / 2 <= lower[0].start and gap >= PERCENT_GAP * height


def _segments(groups, parts, labels, ink, band, offset, borrowed):
    """Segments for the groups, in reading order (by the horizontal centre of each group's box).

    ``labels`` and ``ink`` cover a window of the image whose top-left corner is at ``offset`` (x, y); the
    segments' boxes and origins are in the whole image. ``borrowed`` (see :func:`_split_radicands`) is ink
    of other labels that a group's crop shows as its own.
    """
    dx, dy = offset
    boxes = []
    for members in groups:
        x0 = min(parts[i].x0 for i in members)
        y0 = min(parts[i].y0 for i in members)
        x1 = max(parts[i].x1 for i in members)
        y1 = max(parts[i].y1 for i in members)
        boxes.append((x0, y0, x1, y1))
    order = sorted(range(len(groups)), key=lambda g: ((boxes[g][0] + boxes[g][2]) / 2, boxes[g][0]))

    segments = []
    previous_right = None
    for g in order:
        members = groups[g]
        box = boxes[g]
        group_labels = [parts[i].label for i in members]
        extra = [borrowed[label] for label in group_labels if label in borrowed]
        extra = (np.concatenate([r for r, _ in extra]), np.concatenate([c for _, c in extra])) if extra else None
        crop, origin = _group_ink(ink, labels, group_labels, box, extra)
        kind, confidence = _kind(members, parts, band)
        segments.append(Segment(
            box=(int(box[0]) + dx, int(box[1]) + dy, int(box[2]) + dx, int(box[3]) + dy), ink=crop,
            origin=(origin[0] + dx, origin[1] + dy), kind=kind, confidence=confidence,
            gap_before=None if previous_right is None else float(box[0] - previous_right),
            n_components=len(members),
        ))
        previous_right = box[2] if previous_right is None else max(previous_right, box[2])
    return segments


def _group_ink(ink, labels, group_labels, box, borrowed=None):
    """The group's ink in its box plus a one-pixel margin, with the anti-aliased fringe, others' ink removed.

    The mask came from a threshold, so it misses the faint outer edge of each stroke; the classifier was
    trained on whole anti-aliased strokes, so the crop keeps the pixels one step outside the mask too.
    ``borrowed`` (rows, columns), if given, is ink the group shares with another (a square root's bar that
    its top was drawn on): the crop grows to take it in, as the group's own.
    """
    height, width = ink.shape
    if borrowed is not None:
        rows, columns = borrowed
        box = (min(box[0], int(columns.min())), min(box[1], int(rows.min())),
               max(box[2], int(columns.max()) + 1), max(box[3], int(rows.max()) + 1))
    x0, y0 = max(box[0] - 1, 0), max(box[1] - 1, 0)
    x1, y1 = min(box[2] + 1, width), min(box[3] + 1, height)
    window = labels[y0:y1, x0:x1]
    wanted = np.zeros(int(window.max()) + 1, dtype=bool)
    wanted[[g for g in group_labels if g < wanted.size]] = True
    own = wanted[window]
    if borrowed is not None:
        own[rows - y0, columns - x0] = True
    others = (window > 0) & ~own
    keep = ndi.binary_dilation(own, structure=np.ones((3, 3), dtype=bool)) & ~others
    return np.where(keep, ink[y0:y1, x0:x1], 0.0).astype(np.float32), (x0, y0)
