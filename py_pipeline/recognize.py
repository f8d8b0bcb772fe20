"""A drawing in, the expression, its exact value and every intermediate step out.

The orchestration of the whole pipeline, the same in the browser and in the CLI:

    image ─► to_ink ─► segment (the line, and each stacked fraction's numerator and denominator on their
    own; square roots found by their shape) ─► normalize_batch ─► classify (one batch) ─► split wide glyphs
    (one more batch, and one for the cuts along paths) ─► exponents ─► tokens ─► tree ─► exact value
    and steps

``classify`` is injected — Keras in CPython, TF.js in the browser — and is called at most three times per
:func:`recognize_batch`, however many images and symbols there are: per-call overhead, not arithmetic,
dominates a small CNN. Each of the calls may be followed by one more for a second look at the crops it
was unsure of (:mod:`py_pipeline.views`).

Errors: an image that cannot be used at all (:class:`~py_pipeline.errors.InputImageError`: wrong shape,
absurd size) is *raised*, because there is no drawing to show and only the caller knows which file it was;
a classifier that answers in the wrong shape raises :class:`~py_pipeline.errors.ModelError` (a setup fault,
not the drawing's). Everything about the drawing itself — nothing drawn, an expression that does not parse,
a division by zero — is *captured* in :attr:`Recognition.error`, with the recognised text, symbols and
boxes still filled in so the person can see what was read and where the problem is.
"""

import itertools
import time
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
from scipy.ndimage import binary_dilation

from py_pipeline import views
from py_pipeline.columns import read_column
from py_pipeline.errors import EmptyDrawingError, ExpressionError, InkcalcError, UnreadableSymbolError
from py_pipeline.evaluate import evaluate, steps
from py_pipeline.fraction_bars import find_fractions, find_underlines, read_layout
from py_pipeline.expression import MAX_SYMBOLS, expression_text, parse
from py_pipeline.image_input import InkImage, to_ink
from py_pipeline.line_by_line import calculates_each_line, combined
from py_pipeline.lines import MARK_PENS, column_of_lines, text_lines
from py_pipeline.normalize import SIZE, normalize_batch, normalize_to_mnist
from py_pipeline.radicals import find_radicals, with_radicals
from py_pipeline.rereads import reread_as, reread_to_parse, reread_unlikely_numbers, tokens_of, with_exponents
from py_pipeline.segment import (TANGLE_JUNCTIONS, count_junctions, cut_paths, has_percent_rings, segment,
                                 side_by_side_cut, split_candidates)
from py_pipeline.straighten import bands_when_level, level, page_tilt, straighten
from py_pipeline.symbols import CLASSES, DIGITS

SPLIT_ACCEPT = 0.9
"""A glyph is cut only if the classifier gives every part at least this probability and more than it gave
the uncut glyph: a cut must make the reading clearly better, never merely possible.

This relies on a classifier that knows what is *not* one symbol. One trained on single symbols only read a
touching ``64`` as ``4`` at 0.9999, so the parts could never win and wide blobs had to be cut on geometry
alone, which also cut every wide ``0`` and ``2``. Since model 2026-11-25-d the classifier is trained to be
unsure of two digits written into each other (:mod:`training.touching`): 96% of touching pairs of MNIST
test digits get less than 0.3 on their best class, single redrawn digits almost never. Measured with that
model over 600 benchmark drawings (``benchmarks/recognition.py``, seeds 3–5): 79.8% exact with the old
rule (wide glyphs cut on confident parts alone), 87.3% with this one and :data:`NOT_ONE_SYMBOL`."""

ONE_SYMBOL_SURE = 0.5
"""A glyph the classifier reads as one symbol with at least this probability is never cut. Two digits
written into each other are read below :data:`NOT_ONE_SYMBOL` almost always (see there), so a glyph read
at 0.5 to 0.9 is one symbol drawn oddly: a squashed ``0`` exponent, a ``9`` with a kink. Its pieces, a ``6``
and a ``7``, may read as well as two digits can, and it was cut into them (``797`` read ``7677``). Measured
with ``benchmarks/recognition.py`` on seeds 0-2 (0.9 → 0.5): plain ``--count 600`` 562/563/544 →
563/563/543, ``--structured --count 300`` 267/264/261 → 269/265/265; seeds 3-4 unchanged but for one more
structured drawing. At 0.3 or 0.7 the structured drawings read as at 0.5, the plain ones no better.
(With an earlier model, cutting glyphs read at 0.9 or more too cut wide single ``2``s and ``9``s in two:
1056 instead of 1059 of the 1200 benchmark drawings of seeds 0-5 read exactly.)"""

TWO_SYMBOLS_WIDE = 1.0
"""A glyph at least this many symbol heights wide is wider than any one symbol but ``-`` and ``=``: among
the cuts of a glyph that pass with the fewest parts, those that leave no part this wide are preferred. A
narrower glyph is cut in two at most: a lone ``0`` the classifier was unsure of was cut into three slices
it read as ``131``. Measured with ``benchmarks/recognition.py``: ``--photos --count 200`` seed 0 184 → 185,
``--structured --count 400`` seed 0 366 → 367, other seeds and the plain drawings (seeds 0-4) unchanged;
140 instead of 138 of the 200 scribbles of ``--count 1200 --scribbles 200`` reported as unreadable."""

SPLIT_PART_HEIGHT = 0.7
"""Each part of an accepted cut is at least this fraction of the glyph's height, and is read as a digit.

Two symbols written without lifting the pen are two digits of one number, each as tall as the line; what a
cut through a single symbol leaves is a piece of it: the top bar of a ``5`` or a ``2`` (read as ``-``), the
cap of a ``4`` (read as ``6`` or ``7``), the halves of a ``0`` (read as ``(`` and ``)``). On composed
expressions whose symbols never touch, every cut the classifier accepted had such a part."""

NOT_ONE_SYMBOL = 0.3
"""Below this confidence in its best reading, a glyph is more likely two symbols written into each other
than one symbol, and gets :data:`EVEN_CUTS` extra cut columns: with model 2026-11-25-d, 96.0% of touching
pairs of MNIST test digits and 0.20% of single redrawn ones score below it (at 0.5: 97.5% and 0.30%, and
87.0% instead of 87.3% of the benchmark drawings above read exactly)."""

SPLIT_ACCEPT_NOT_ONE = 0.5
"""The :data:`SPLIT_ACCEPT` of a glyph read below :data:`NOT_ONE_SYMBOL`: its uncut reading is a guess, so
a cut whose parts are merely likely is still the better reading."""

UNSURE_SPLIT_WIDTH = 0.5
"""A glyph the classifier is unsure of and at least this many symbol heights wide may be two symbols."""

EVEN_CUTS = 5
"""Evenly spaced cut columns tried on such a glyph, between a quarter and three quarters of its width."""

UNREADABLE_BELOW = 0.15
"""A symbol whose best reading has less than this probability is no symbol the classifier knows (it is
trained to spread its belief over all classes for scribbles and for two digits in one blob): the result is
an error at that symbol, not a calculation with a guess in it. Model 2026-11-25-h, with the second look,
puts 0.05% of single redrawn MNIST test digits, no generated operator and 95.95% of held-out scribbles under
it (its card). Before the second look existed, over the 2400 benchmark drawings of seeds 0-11 it flagged 10,
2 of which it had read exactly (under 0.2 flags more drawings read right: with model g, 3 of 8 on seeds 0-5
instead of 0 of 5)."""

UPRIGHT_STROKES = ("1", "/")
"""Readings of a single upright stroke: a glyph read as one that crosses two strokes side by side is two
``1``s written into each other (see :func:`~py_pipeline.segment.side_by_side_cut`). Two slanted ``1``s, the
second one's flag run into the first one's stem, are read as a ``/`` as often as a ``1``."""

WIDE_GAP = 1.0
"""A horizontal gap wider than this many symbol heights separates two numbers (``1  2`` is not 12)."""

_GEOMETRIC_RUNNER_UP = {"×": "."}
"""What a symbol the geometry is unsure of may be instead: a dot at mid-height read as a multiplication
dot may be a decimal point written high (offered as an alternative)."""


@dataclass(frozen=True)
class RecognizedSymbol:
    """One symbol as read, in reading order.

    ``box`` is ``[x0, y0, x1, y1]`` in input-image pixels (end exclusive). ``source`` is ``"cnn"`` or
    ``"geometry"``. ``alternatives`` are the next most likely readings, best first, as ``(char, p)`` pairs.
    ``index``, ``gap_before``, ``raised`` (written as an exponent: :mod:`py_pipeline.exponents`) and ``role``
    (a place in a stacked fraction: :mod:`py_pipeline.fraction_bars`) are what
    :func:`py_pipeline.expression.tokenize` reads. ``line`` is the line of writing it is on, 0 for the top
    one (a drawing of several: a column of numbers, or lines calculated one by one).
    """

    char: str
    confidence: float
    box: list
    source: str
    alternatives: tuple
    index: int
    gap_before: bool = False
    raised: bool = False
    role: str = ""
    line: int = 0

    def to_dict(self):
        return {
            "char": self.char, "confidence": round(float(self.confidence), 6), "box": list(self.box),
            "source": self.source, "gap_before": self.gap_before, "raised": self.raised, "role": self.role,
            "line": self.line,
            "alternatives": [{"char": c, "confidence": round(float(p), 6)} for c, p in self.alternatives],
        }


@dataclass
class Recognition:
    """Everything :func:`recognize` found out about one drawing.

    Attributes
    ----------
    expression : str
        ASCII text of the recognised symbols (``0-9 + - * / ( ) . = %``, and ``^`` where an exponent is written
        raised), filled even when it does not parse.
    value, decimal, display : str or None
        ``"7/2"``, ``"3.5"``, ``"7/2 = 3.5"`` (see :meth:`py_pipeline.evaluate.Value.to_dict`); ``"true"`` /
        ``"false"`` for an equation. None when there is an error.
    error : InkcalcError or None
        What went wrong; ``error.symbol_index`` points into ``symbols``.
    symbols : list of RecognizedSymbol
    tokens : list of dict
    tree : dict or None
    steps : list of str
        The evaluation, one operation per line (``"3−1 = 2"``).
    corrections : list of dict
        ``{"symbol_index", "read", "used", "confidence", "choice"}`` when an unsure symbol was read as a
        runner-up because only that reading parses (see ``reread_to_parse``); ``choice`` 2 is the second
        likeliest reading, 3 the third. Empty otherwise.
    timings_ms : dict
        Milliseconds per stage: input, segment, normalize, classify, parse, evaluate.
    ink_mask : (M, N) ndarray of bool
        The binarised drawing at working size (``mask_factor`` input pixels per mask pixel).
    crops : (S, 28, 28) ndarray of float32
        What the classifier reads for each symbol, ``crops[i]`` for ``symbols[i]`` (geometric symbols are
        normalised too, for the step-by-step view, though the classifier never sees them).
    mask_factor : int
        Input pixels per ``ink_mask`` pixel along each axis.
    tilt_deg : float
        How far the line of writing climbed (counter-clockwise, degrees) and was turned level before it was
        cut into symbols (:mod:`py_pipeline.straighten`); 0 when it was level enough. Boxes and ``ink_mask``
        are in the drawing's own frame either way; ``crops`` are cut from the levelled ink.
    ruled_lines : int
        Printed rules of lined or squared paper erased from a photo's ink before it was cut
        (:mod:`py_pipeline.ruled_lines`); ``ink_mask`` is without them.
    lines : int
        Lines of writing read: more than 1 for a column of numbers (:mod:`py_pipeline.columns`), one
        calculation whose answer belongs under it rather than after it, and for lines calculated one by one.
    results : list of dict
        For lines calculated one by one (:mod:`py_pipeline.line_by_line`), each line's ``expression``,
        ``value``, ``decimal``, ``display``, ``error`` (as JSON), ``tokens``, ``tree``, ``steps`` and
        ``symbols`` (``[first, stop)`` of its symbols); empty otherwise. The drawing's own ``expression`` is
        then the lines' joined by newlines, ``error`` the first line's error, and ``value`` None.
    """

    expression: str = ""
    value: str | None = None
    decimal: str | None = None
    display: str | None = None
    error: InkcalcError | None = None
    symbols: list = field(default_factory=list)
    tokens: list = field(default_factory=list)
    tree: dict | None = None
    steps: list = field(default_factory=list)
    corrections: list = field(default_factory=list)
    timings_ms: dict = field(default_factory=dict)
    ink_mask: np.ndarray = field(default=None, repr=False)
    crops: np.ndarray = field(default=None, repr=False)
    mask_factor: int = 1
    tilt_deg: float = 0.0
    ruled_lines: int = 0
    lines: int = 1
    results: list = field(default_factory=list)

    def to_dict(self):
        """The JSON result of ``docs/architecture.md`` (plus ``display`` and ``steps``)."""
        boxes = [symbol.box for symbol in self.symbols]
        return {
            "expression": self.expression,
            "value": self.value,
            "decimal": self.decimal,
            "display": self.display,
            "error": None if self.error is None else self.error.to_dict(boxes),
            "symbols": [symbol.to_dict() for symbol in self.symbols],
            "tokens": list(self.tokens),
            "tree": self.tree,
            "steps": list(self.steps),
            "corrections": list(self.corrections),
            "tilt_deg": self.tilt_deg,
            "ruled_lines": self.ruled_lines,
            "lines": self.lines,
            "results": list(self.results),
            "timings_ms": {stage: round(ms, 3) for stage, ms in self.timings_ms.items()},
        }


def recognize(image, classify, *, top_k=3, second_look=True):
    """Read and calculate one drawing.

    Parameters
    ----------
    image : (M, N), (M, N, 3) or (M, N, 4) ndarray of uint8
        The drawing: grey, RGB or RGBA (a transparent canvas works), any polarity. See
        :func:`py_pipeline.image_input.to_ink`.
    classify : callable
        ``(K, 28, 28)`` float32 in [0, 1] → ``(K, len(CLASSES))`` probabilities in ``CLASSES`` order.
    top_k : int
        Readings listed per classified symbol: the chosen one plus ``top_k - 1`` alternatives.
    second_look : bool
        Read the crops the classifier is unsure of again, moved a pixel each way, and average
        (:mod:`py_pipeline.views`). Off only to measure what it brings, or to test the rules with a stand-in
        classifier that answers by call.

    Returns
    -------
    Recognition

    Raises
    ------
    InputImageError
        The image cannot be used at all (wrong shape or dtype, absurd size).
    ModelError
        ``classify`` returned something other than one probability row per crop.
    """
    return recognize_batch([image], classify, top_k=top_k, second_look=second_look)[0]


def recognize_batch(images, classify, *, top_k=3, second_look=True):
    """:func:`recognize` for many drawings with three ``classify`` calls at most (six with the second look).

    Every image is converted and segmented first; then the crops of all images go to ``classify`` in one
    call, the candidate parts of all too-wide glyphs in one more, and the glyphs those parts show to be two
    symbols or more, cut along paths instead (:meth:`_Drawing.propose_path_splits`), in a last one. Each
    result's ``classify`` timing is its share of the calls, in proportion to its crops.

    Raises the same errors as :func:`recognize`, before ``classify`` is ever called.
    """
    if top_k < 1:
        raise ValueError(f"top_k must be at least 1, got {top_k}")
    drawings = [_Drawing(image) for image in images]
    for drawing in drawings:
        drawing.read_lines()  # several lines of writing may be a column of numbers: each line is read

    pending = [reader for d in drawings for reader in [d] + d.line_readers if reader.error is None]
    probabilities = _classify_all(classify, [d.glyph_crops for d in pending], pending, second_look)
    for drawing, rows in zip(pending, probabilities):
        drawing.glyph_probabilities = rows

    for drawing in pending:
        drawing.propose_splits()
    part_probabilities = _classify_all(classify, [d.part_crops for d in pending], pending, second_look)
    for drawing, rows in zip(pending, part_probabilities):
        drawing.part_probabilities = rows

    for drawing in pending:
        drawing.propose_path_splits()
    path_probabilities = _classify_all(classify, [d.path_crops for d in pending], pending, second_look)
    for drawing, rows in zip(pending, path_probabilities):
        drawing.path_probabilities = rows

    return [drawing.finish(top_k) for drawing in drawings]


class _Drawing:
    """One image's way through the pipeline; the classifier calls happen outside, for all images at once."""

    def __init__(self, image, ink_image=None, fractions=False):
        """Ink, segments and normalised glyph crops (raises InputImageError for an unusable image).

        ``ink_image``, when given, is the ink to read instead of ``image``'s: one line of a drawing of several
        (:meth:`read_lines`), where no second line is looked for, and no stacked fraction unless
        ``fractions``: cut out of a column, a line of a few symbols has little to measure them by, and a ``4``
        drawn in pieces, its stem under its crossbar, was read as the fraction ``1/1``. Square roots are
        looked for: a line calculated on its own (:mod:`py_pipeline.line_by_line`) may hold one.
        """
        one_line = ink_image is not None
        fractions = fractions or not one_line
        self.timings = {"input": 0.0, "segment": 0.0, "normalize": 0.0, "classify": 0.0, "parse": 0.0,
                        "evaluate": 0.0}
        self.error = None
        self.part_crops = np.zeros((0, SIZE, SIZE), dtype=np.float32)
        self.splits = {}
        self.path_crops = np.zeros((0, SIZE, SIZE), dtype=np.float32)
        self.path_splits = {}
        self.straight_best = {}  # position: the best partition of its straight cuts, or None (propose_path_splits)
        self.tangles = set()  # indices of symbols whose strokes cross and branch like a scribble's
        self.percents = set()  # positions of the glyphs read as % (see propose_splits)
        self.side_by_side = set()  # positions of the glyphs read as a 1 that are two (see propose_splits)
        self.column = None  # the lines of a drawing of several, each one band of rows (read_lines)
        self.drawn_layout = None  # the stacked fractions of those lines, read whole
        self.line_readers = []  # one _Drawing per line of those

        start = time.perf_counter()
        self.ink_image = to_ink(image) if ink_image is None else ink_image
        self._lap("input", start)

        start = time.perf_counter()
        read = _read_page(self.ink_image.ink, one_line, fractions)
        page = None  # lines one under the other, turned level together (a photo of them held askew)
        if not one_line:
            turned = _turned_column(self.ink_image.ink, read)
            if turned is not None:
                page, read = turned
        ink, seg, layout, column = read.ink, read.segmentation, read.layout, read.column
        # Lines are counted as drawn (levelling can merge two), unless a fraction's numerator has to be told
        # from a line of its own: then on the fraction's layout, after levelling.
        drawn_lines = None if layout else read.lines
        self.segmentation = seg
        self.roles = None  # each segment's place in a stacked fraction, when there are any
        part_lines = []
        if column:  # perhaps a column of numbers: each line is read too (read_lines)
            self.column, self.drawn_ink = column, ink
            self.drawn_layout = layout
        # Several lines are levelled one by one (read_lines): a tilt fitted through them all means nothing.
        self.straight = page or straighten(ink, [] if column and not layout else _line_boxes(seg, layout))
        if self.straight.tilt_deg and page is None:
            ink = self.straight.ink  # cut the level line, not the tilted one
            seg = self.segmentation = segment(ink)
            # A bar tilted with the line is found once it is level.
            layout = _fraction_layout(ink, seg) if fractions else None
        if layout:
            self.segmentation, self.roles = layout.segmentation, layout.roles
            lines = text_lines(layout.line_mask, mark_height=MARK_PENS * seg.stroke_width)
            part_lines = [(role, text_lines(part.mask, line_height=seg.symbol_height))
                          for role, part in layout.parts]
        else:
            lines = drawn_lines if drawn_lines is not None else text_lines(
                seg.mask, mark_height=MARK_PENS * seg.stroke_width)
        lines_levelled = lines is not drawn_lines or page is not None  # counted on levelled ink, not as drawn
        seg = self.segmentation
        # Roots on the line, and in a stacked fraction's numerator or denominator (1 over √2 is not 1/52).
        parts = ("", "numerator", "denominator") if self.roles else ("",)
        radicals = [radical for part in parts
                    for radical in find_radicals(seg.segments, seg.stroke_width, seg.symbol_height, self.roles, part)]
        if radicals:
            segments, self.roles = with_radicals(seg.segments, radicals, self.roles)
            self.segmentation = replace(seg, segments=segments)
        self._lap("segment", start)

        segments = self.segmentation.segments
        self.glyphs = [i for i, s in enumerate(segments) if s.kind == "glyph"]
        marks = len(segments) or self.segmentation.component_count  # not grouped when far too many
        if marks > MAX_SYMBOLS:
            self.column = None  # no line of it is read either
            self.error = ExpressionError(
                f"too many separate marks: {marks}; one expression may have at most {MAX_SYMBOLS} "
                "symbols. Is this a photo of a whole page? Crop it to the expression.")
        elif not segments:
            self.error = EmptyDrawingError(
                "Nothing was drawn (or only specks too small to be a symbol): write an expression such as 12+7.")
        elif len(lines) > 1:
            strays = [i for i, line in enumerate(lines) if line.stray]
            if strays:
                message = ("There is a mark far above or below the writing: scribble over it if it is not part of "
                           "the expression (a photo: crop it to the writing), or clear and write one line.")
            elif self.column:  # unless its lines are a column, or calculated one by one (_finish_lines)
                message = (f"This is {len(lines)} lines of writing, neither a column of numbers nor lines ending "
                           "in =: write = after each line to calculate it on its own, scribble over the lines you "
                           "do not want, or clear and write one line.")
            else:
                message = (f"This is {len(lines)} lines of writing, and Inkcalc calculates one line at a time, or "
                           "a column of numbers: scribble over the lines you do not want, or clear and write one "
                           "line.")
            shown = lines[strays[0] if strays else 1].box
            self.error = ExpressionError(
                message, box=self.ink_image.box_to_input(self._drawn_box(shown, levelled=lines_levelled)))
        else:
            for role, found in part_lines:
                if len(found) > 1:
                    self.error = ExpressionError(
                        f"A fraction's {role} is {len(found)} lines of writing: write it on one line (a fraction "
                        "inside a fraction can be written on one line with brackets and ÷).",
                        box=self.ink_image.box_to_input(self._drawn_box(found[1].box, levelled=True)))
                    break

        start = time.perf_counter()
        if self.error is None:
            self.glyph_crops = normalize_batch([segments[i].ink for i in self.glyphs])
        else:
            self.glyph_crops = np.zeros((0, SIZE, SIZE), dtype=np.float32)
        self._lap("normalize", start)

    def _input_box(self, box):
        """``box`` on the levelled ink in the input image's pixels."""
        return self.ink_image.box_to_input(self.straight.box_to_original(box))

    def _drawn_box(self, box, levelled):
        """``box`` in the drawing's own pixels, from the levelled ink's frame (``levelled``; the same as the
        drawing's when it was level enough) or the drawing's."""
        return self.straight.box_to_original(box) if levelled else list(box)

    def propose_splits(self):
        """Crops of every part between candidate cuts of each glyph that may be two symbols.

        Candidates are the junctions :func:`~py_pipeline.segment.split_candidates` finds in a wide glyph,
        plus evenly spaced columns when the classifier could not read the glyph as one symbol.

        A glyph it could not read that has the rings of a ``%`` (:func:`~py_pipeline.segment.has_percent_rings`)
        is one, and is not cut: trained to be unsure of what is no digit or operator, the classifier reads an
        ``8`` leaning back, which may have such rings too, as an 8. Only these unsure glyphs are looked at,
        and those read as one upright stroke (:data:`UPRIGHT_STROKES`) that are two strokes side by side
        (:func:`~py_pipeline.segment.side_by_side_cut`): two ``1``s written into each other, cut between them
        however sure the classifier was of one ``1``. Measured with ``benchmarks/recognition.py``: ``--count
        600`` seeds 0-5 3405 → 3407 exact, ``--count 1200`` 1141 → 1143, ``--structured --count 400`` seed 0
        365 → 366; roots, photos and scribbles as before.
        Two ``1``s pressed so close that the classifier cannot read them at all (``116`` was unreadable, at best
        ``-``) are asked too, when the glyph is narrower than :data:`UNSURE_SPLIT_WIDTH` symbol heights; then
        no other cut of it is tried. Wider unreadable glyphs are not: given the side-by-side cut beside their
        junctions, ``14`` and ``01`` written into each other were cut at it and misread. Measured: ``--count
        600`` seeds 0-5 3411 → 3414 exact (one more drawing wrong differently), ``--structured`` seeds 0-1,
        ``--roots`` seeds 0-2, ``--photos`` seeds 0-1 and scribbles as before.
        """
        start = time.perf_counter()
        segmentation = self.segmentation
        inks = []
        for position, index in enumerate(self.glyphs):
            seg = segmentation.segments[index]
            row = self.glyph_probabilities[position]
            whole_confidence = float(row.max())
            narrow_unreadable = (whole_confidence < NOT_ONE_SYMBOL
                                 and _is_narrow(seg.box, segmentation.symbol_height))
            between_strokes = (side_by_side_cut(seg, segmentation.stroke_width)
                               if CLASSES[int(row.argmax())] in UPRIGHT_STROKES or narrow_unreadable else None)
            if whole_confidence >= ONE_SYMBOL_SURE and between_strokes is None:
                continue  # read as one symbol with confidence: never cut
            if whole_confidence < NOT_ONE_SYMBOL and has_percent_rings(seg.ink > 0.5, segmentation.stroke_width):
                self.percents.add(position)
                continue
            if between_strokes is not None:
                self.side_by_side.add(position)
                junctions = [between_strokes]
            else:
                junctions = split_candidates(seg, segmentation.stroke_width, segmentation.symbol_height)
            cuts = junctions
            if whole_confidence < NOT_ONE_SYMBOL:
                cuts = _with_even_cuts(cuts, seg, segmentation.stroke_width, segmentation.symbol_height)
            if not cuts:
                continue
            bounds = [0] + cuts + [seg.ink.shape[1]]
            fallback = {i for i, cut in enumerate(bounds) if 0 < i < len(bounds) - 1 and cut not in junctions}

            def between_columns(a, b):
                part = np.zeros_like(seg.ink)
                part[:, bounds[a]:bounds[b]] = seg.ink[:, bounds[a]:bounds[b]]
                return part

            self.splits[position] = (bounds, _parts_between(len(bounds), between_columns, seg.origin, inks),
                                     fallback)
        self.part_crops = normalize_batch(inks) if inks else np.zeros((0, SIZE, SIZE), dtype=np.float32)
        self._lap("normalize", start)

    def propose_path_splits(self):
        """Crops of the parts between cuts along paths (:func:`~py_pipeline.segment.cut_paths`) of each glyph
        that straight cuts make two symbols or more of.

        Two digits written into each other overlap: the bottom of a ``3`` reaches under the stem of the ``5``
        after it, no column parts them, and straight cuts read them as three symbols, the stem a ``1``
        (``35`` as ``315``). Cut along paths, the two parts may each read with confidence; then they are
        taken (:meth:`_glyph_parts`). A glyph that straight cuts make two symbols of is cut along each path
        once only, into two parts, taken when they read surer than the straight ones: the parts of a straight
        cut through an overlap keep a piece of their neighbour (the ``2`` of ``24``, with the 4's foot, was
        read as a ``7``). Measured with ``benchmarks/recognition.py --count 600`` on seeds 0-5: 3400 → 3405
        exact, one drawing read worse. Glyphs no straight cut makes symbols of are not cut along paths: that
        read one more drawing right, but 4 more of 200 scribbles as a calculation (``--scribbles``); cutting
        every partition of every unsure glyph along paths cost an eighth of the throughput, and let a lone
        ``0`` be read as three digits.
        """
        start = time.perf_counter()
        segmentation = self.segmentation
        inks = []
        for position, (bounds, parts, _) in self.splits.items():
            seg = segmentation.segments[self.glyphs[position]]
            best = self.straight_best[position] = self._best_partition(position, seg, parts,
                                                                       self.part_probabilities)
            if best is None:
                continue  # no straight cut reads as symbols: a glyph in pieces, or a scribble
            rows, width = seg.ink.shape
            paths = np.vstack([np.zeros((1, rows), dtype=np.int64),
                               cut_paths(seg, bounds[1:-1], segmentation.stroke_width),
                               np.full((1, rows), width, dtype=np.int64)])
            columns = np.arange(width)

            def between_paths(a, b):
                between = (columns >= paths[a][:, None]) & (columns < paths[b][:, None])
                return np.where(between, seg.ink, 0).astype(seg.ink.dtype)

            self.path_splits[position] = _parts_between(len(bounds), between_paths, seg.origin, inks,
                                                        one_cut=len(best) == 2)
        self.path_crops = normalize_batch(inks) if inks else np.zeros((0, SIZE, SIZE), dtype=np.float32)
        self._lap("normalize", start)

    def finish(self, top_k):
        """Symbols, text, tokens, tree, value and steps; errors about the drawing are captured."""
        mask = self.straight.mask_to_original(self.segmentation.mask)
        result = Recognition(timings_ms=self.timings, ink_mask=mask, mask_factor=self.ink_image.factor,
                             tilt_deg=round(self.straight.tilt_deg, 1), ruled_lines=self.ink_image.ruled_lines,
                             crops=np.zeros((0, SIZE, SIZE), dtype=np.float32))
        if self.line_readers:
            read = self._finish_lines(result, top_k)
            if read is not None:
                return read
        if self.error is not None:
            result.error = self.error
            return result

        start = time.perf_counter()
        symbols, crops = self._symbols(top_k)
        self._lap("normalize", start)  # all but the geometric symbols' crops were made before classifying
        return self._calculate(result, symbols, crops, self.tangles, self.line_boxes)

    def _calculate(self, result, symbols, crops, tangles, line_boxes, rereads=()):
        """``result`` with the symbols, their text, tokens, tree, value and steps; errors captured.

        ``tangles`` are indices of symbols that are a scribble's tangle of strokes, ``line_boxes`` the
        symbols' boxes on the levelled line (what the rereads measure raised digits on). ``rereads``,
        ``(index, char, probability)``, are symbols to read as a runner-up before parsing, once they have
        been found readable (the numbers of a column: :func:`py_pipeline.columns.read_column`).
        """
        result.symbols = symbols
        result.expression = expression_text(symbols)
        result.crops = np.stack(crops) if crops else result.crops

        start = time.perf_counter()
        try:
            unreadable = _first_unreadable(symbols, tangles)
            if unreadable is not None:
                raise unreadable
            if rereads:
                symbols = list(symbols)
                for index, char, p in rereads:
                    symbols[index], correction = reread_as(symbols[index], char, p)
                    result.corrections = result.corrections + [correction]
                result.symbols, result.expression = symbols, expression_text(symbols)
            try:
                tokens = tokens_of(symbols)
                result.tokens = [token.to_dict() for token in tokens]
                tree = parse(tokens)
                reread = reread_unlikely_numbers(symbols, tokens, line_boxes)
            except ExpressionError:
                reread = reread_to_parse(symbols, line_boxes)
                if reread is None:
                    raise
            if reread is not None:
                symbols, correction, tokens, tree = reread
                result.symbols = symbols
                result.expression = expression_text(symbols)
                result.tokens = [token.to_dict() for token in tokens]
                result.corrections = result.corrections + [correction]
            result.tree = tree.to_dict()
        except InkcalcError as error:
            result.error = error
            return result
        finally:
            self._lap("parse", start)

        start = time.perf_counter()
        try:
            value = evaluate(tree).to_dict()
            result.steps = steps(tree)
            result.value, result.decimal, result.display = value["value"], value["decimal"], value["display"]
        except InkcalcError as error:
            result.error = error
        finally:
            self._lap("evaluate", start)
        return result

    def read_lines(self):
        """A :class:`_Drawing` for each line of a drawing of several lines, each one band of inked rows.

        Cut apart halfway between the lines (only paper lies between them), each line is segmented, levelled
        and classified as a drawing of one line would be; :meth:`_finish_lines` then decides from what they
        read whether they are one calculation (:func:`py_pipeline.columns.read_column`), one each
        (:mod:`py_pipeline.line_by_line`) or neither. A line is searched for stacked fractions when the whole
        drawing has a fraction bar in its rows: ``1`` over ``2`` then ``+3=`` fills one band of rows, and
        read as numbers only it was ``2+3=``, 5.
        """
        bars = self.drawn_layout.bar_boxes if self.drawn_layout else []
        for start, stop in self.column.bands if self.column else []:
            band = self.drawn_ink[start:stop]
            fractions = any(start <= (y0 + y1) / 2 < stop for _, y0, _, y1 in bars)
            self.line_readers.append(_Drawing(None, ink_image=InkImage(band, 1, band.shape), fractions=fractions))

    def _finish_lines(self, result, top_k):
        """``result`` for a drawing of several lines that are a column of numbers (:mod:`py_pipeline.columns`)
        or lines calculated one by one (:mod:`py_pipeline.line_by_line`); None when they are neither."""
        for reader in self.line_readers:
            for stage, ms in reader.timings.items():
                self.timings[stage] += ms
        if any(reader.error is not None for reader in self.line_readers):
            return None
        start = time.perf_counter()
        lines = [reader._symbols(top_k) for reader in self.line_readers]
        self._lap("normalize", start)
        read = [line_symbols for line_symbols, _ in lines]
        column = read_column(read, self.column.rule is not None)
        if column is not None:
            return self._finish_column(result, lines, column)
        if not calculates_each_line(read):
            return None
        if self.drawn_layout and _parts_fraction(self.column, self.drawn_layout):
            result.error = ExpressionError(
                f"This is {len(lines)} lines of writing with a stacked fraction standing on lines of its own: "
                "write it with / on its line (1/2=), or clear and write one line.",
                box=self._input_box(self.drawn_layout.bar_boxes[0]))
            return result
        return self._finish_each_line(result, lines)

    def _on_page(self, k, symbol, index):
        """``symbol`` of line ``k`` as read on its own, as a symbol of the whole drawing: its box in the
        drawing's pixels, and ``index`` its place among the drawing's symbols."""
        top = self.column.bands[k][0]
        b = symbol.box
        return replace(symbol, index=index, line=k, box=self._input_box([b[0], b[1] + top, b[2], b[3] + top]))

    def _finish_column(self, result, lines, column):
        """``result`` for the lines of a column of numbers, ``column`` as :func:`~py_pipeline.columns.read_column`
        reads them: with the ``+`` a line without an operator implies, and the ``=`` a rule over an answer
        stands for, as symbols from the layout."""
        implied, rereads = column
        symbols, crops, tangles, line_boxes, column_rereads = [], [], set(), [], []
        for k, (reader, (line_symbols, line_crops), operator, digits, line) in enumerate(zip(
                self.line_readers, lines, implied, rereads, self.column.boxes)):
            top = self.column.bands[k][0]
            if operator:  # the rule over the answer, or where the operator would have been written
                x0, y0, _, y1 = line
                written_at = self.column.rule if operator == "=" else [max(0, x0 - (y1 - y0) // 2), y0, x0, y1]
                line_boxes.append(written_at)
                symbols.append(RecognizedSymbol(char=operator, confidence=1.0, box=self._input_box(written_at),
                                                source="geometry", alternatives=(), index=len(symbols), line=k))
                crops.append(np.zeros((SIZE, SIZE), dtype=np.float32))
            first = len(symbols)
            tangles.update(first + i for i in reader.tangles)
            for symbol, crop, (x0, y0, x1, y1) in zip(line_symbols, line_crops, reader.line_boxes):
                symbols.append(self._on_page(k, symbol, len(symbols)))
                crops.append(crop)
                line_boxes.append([x0, y0 + top, x1, y1 + top])
            column_rereads += [(first + position, char, p) for position, char, p in digits]
        result.lines = len(self.line_readers)
        return self._calculate(result, symbols, crops, tangles, line_boxes, column_rereads)

    def _finish_each_line(self, result, lines):
        """``result`` for lines calculated one by one (:mod:`py_pipeline.line_by_line`): each line's symbols
        are read, reread and calculated as a drawing of that one line would be."""
        symbols, crops, calculated, spans, errors = [], [], [], [], []
        for k, (reader, (line_symbols, line_crops)) in enumerate(zip(self.line_readers, lines)):
            on_page = [self._on_page(k, symbol, symbol.index) for symbol in line_symbols]
            line = self._calculate(Recognition(crops=result.crops), on_page, line_crops, reader.tangles,
                                   reader.line_boxes)
            first = len(symbols)
            symbols += [replace(symbol, index=first + symbol.index) for symbol in line.symbols]
            crops += list(line.crops)
            spans.append((first, len(symbols)))
            calculated.append(line.to_dict())
            result.corrections = result.corrections + [
                dict(correction, symbol_index=first + correction["symbol_index"]) for correction in line.corrections]
            if line.error is not None:
                index = line.error.symbol_index
                errors.append(type(line.error)(line.error.message, None if index is None else first + index,
                                               line.error.box))
        whole = combined(calculated, spans)
        result.symbols, result.crops = symbols, np.stack(crops) if crops else result.crops
        result.expression, result.tokens, result.results = whole["expression"], whole["tokens"], whole["results"]
        result.error = errors[0] if errors else None
        result.lines = len(self.line_readers)
        return result

    def _symbols(self, top_k):
        """Recognised symbols in reading order, and the 28×28 crop of each."""
        segmentation = self.segmentation
        wide_gap = WIDE_GAP * segmentation.symbol_height
        glyph_position = {index: position for position, index in enumerate(self.glyphs)}
        symbols, crops = [], []
        self.line_boxes = []  # on the levelled line, where "raised" means raised

        def add(char, confidence, box, source, alternatives, crop, gap_before):
            self.line_boxes.append(box)
            box = self._input_box(box)  # the drawing's own pixels
            symbols.append(RecognizedSymbol(
                char=char, confidence=float(confidence), box=box, source=source,
                alternatives=tuple(alternatives), index=len(symbols), gap_before=gap_before, role=role))
            crops.append(crop)

        for index, seg in enumerate(segmentation.segments):
            role = self.roles[index] if self.roles else ""
            gap_before = seg.gap_before is not None and seg.gap_before > wide_gap
            if seg.kind != "glyph":
                alternatives = []
                if seg.confidence < 1.0 and seg.kind in _GEOMETRIC_RUNNER_UP:
                    alternatives = [(_GEOMETRIC_RUNNER_UP[seg.kind], 1.0 - seg.confidence)]
                add(seg.kind, seg.confidence, seg.box, "geometry", alternatives, normalize_to_mnist(seg.ink),
                    gap_before)
                continue
            position = glyph_position[index]
            if position in self.percents:
                row = self.glyph_probabilities[position]
                ranked = np.argsort(-row, kind="stable")[:top_k - 1]
                add("%", 1.0, seg.box, "geometry", [(CLASSES[c], float(row[c])) for c in ranked],
                    self.glyph_crops[position], gap_before)
                continue
            parts = self._glyph_parts(position, seg)
            if len(parts) == 1:  # a glyph cut into parts the classifier read with confidence is no scribble
                start = time.perf_counter()
                if count_junctions(seg) >= TANGLE_JUNCTIONS:
                    self.tangles.add(len(symbols))
                self._lap("segment", start)
            for k, (crop, box, row) in enumerate(parts):
                ranked = np.argsort(-row, kind="stable")[:top_k]
                alternatives = [(CLASSES[c], float(row[c])) for c in ranked[1:]]
                add(CLASSES[ranked[0]], row[ranked[0]], box, "cnn", alternatives, crop, gap_before and k == 0)
        return with_exponents(symbols, self.line_boxes), crops

    def _glyph_parts(self, position, seg):
        """``(crop, working box, probabilities)`` of the glyph, or of its parts when a cut is accepted."""
        whole = (self.glyph_crops[position], seg.box, self.glyph_probabilities[position])
        if position not in self.splits:
            return [whole]
        _, parts, _ = self.splits[position]
        crops, probabilities = self.part_crops, self.part_probabilities
        best = self.straight_best[position]
        path_parts, path_probabilities = self.path_splits.get(position), self.path_probabilities
        if path_parts is not None:  # best has two parts or more
            if len(best) > 2:  # along paths, fewer parts may do
                along = self._best_partition(position, seg, path_parts, path_probabilities, most=len(best) - 1)
                better = along is not None
            else:  # two parts along a path, if they read surer than the two straight ones
                along = self._best_partition(position, seg, path_parts, path_probabilities, most=2)
                better = along is not None and (_least_sure(along, path_parts, path_probabilities)
                                                > _least_sure(best, parts, probabilities))
            if better:
                best, parts, crops, probabilities = along, path_parts, self.path_crops, path_probabilities
        if best is None:
            return [whole]
        return [(crops[number], box, probabilities[number]) for number, _, box in (parts[piece] for piece in best)]

    def _best_partition(self, position, seg, parts, probabilities, most=None):
        """The pieces ``(a, b)`` of the best accepted partition of a glyph into ``parts``, at most ``most`` of
        them, or None."""
        bounds, _, fallback = self.splits[position]
        height = self.segmentation.symbol_height
        whole_confidence = float(self.glyph_probabilities[position].max())
        accept = SPLIT_ACCEPT if whole_confidence >= NOT_ONE_SYMBOL else SPLIT_ACCEPT_NOT_ONE
        best, best_rank = None, None
        inner = range(1, len(bounds) - 1)
        for count in range(1, min(len(bounds) - 1, most or len(bounds))):
            if count > 1 and not _is_wide(seg.box, height):
                break  # three symbols or more in a glyph narrower than two: a symbol in pieces
            for chosen in itertools.combinations(inner, count):
                edges = (0, *chosen, len(bounds) - 1)
                pieces = list(zip(edges, edges[1:]))
                if not all(piece in parts for piece in pieces):
                    continue
                if not all(self._plausible_part(parts[piece], seg, probabilities) for piece in pieces):
                    continue
                score = _least_sure(pieces, parts, probabilities)
                if score < accept or (score <= whole_confidence and position not in self.side_by_side):
                    continue
                # Prefer fewer cuts: two symbols written into each other are far likelier than three, and a
                # wide 0 or 2 cut in half reads as well as a narrow one (benchmark drawings of seeds 6-11:
                # 1085 instead of 1065 of 1200 exact with fewer cuts ranked before narrower parts). Then no
                # part still too wide for one symbol, then cuts at junctions (where the outline says two
                # symbols meet) over evenly spaced ones, then the surest.
                still_wide = sum(_is_wide(parts[piece][2], height) for piece in pieces)
                rank = (-count, -still_wide, -len(fallback.intersection(chosen)), score)
                if best_rank is None or rank > best_rank:
                    best, best_rank = pieces, rank
        return best

    def _plausible_part(self, part, seg, probabilities):
        """Whether a part between cuts can be a symbol of its own: a digit, nearly as tall as the glyph."""
        number, _, box = part
        glyph_height = seg.box[3] - seg.box[1]
        is_digit = CLASSES[int(np.argmax(probabilities[number]))] in DIGITS
        return is_digit and box[3] - box[1] >= SPLIT_PART_HEIGHT * glyph_height

    def _lap(self, stage, start):
        self.timings[stage] += (time.perf_counter() - start) * 1000.0


class _Page(NamedTuple):
    """A drawing as :func:`_read_page` reads it before it is levelled."""

    ink: np.ndarray
    """Without the lines drawn under the writing."""
    segmentation: object
    layout: object
    """Its stacked fractions (:func:`_fraction_layout`), or None."""
    lines: list
    """Its lines of writing as drawn (:func:`~py_pipeline.lines.text_lines`)."""
    column: object
    """The lines as a column of numbers, if they may be one (:func:`~py_pipeline.lines.column_of_lines`)."""


def _read_page(ink, one_line, fractions=True):
    """A :class:`_Page`. ``one_line``: one line of a drawing of several, where no column is looked for, and
    stacked fractions only with ``fractions``."""
    ink, seg = _without_underlines(ink)
    layout = _fraction_layout(ink, seg) if fractions else None
    marks = MARK_PENS * seg.stroke_width
    lines = text_lines(seg.mask, mark_height=marks)
    column = None if one_line else column_of_lines(seg.mask, lines, marks)
    return _Page(ink, seg, layout, lines, column)


TALL_LINE = 1.8
"""A line of writing this many symbol heights tall may be two lines run together by a tilt."""


def _turned_column(ink, read):
    """``(page, its _Page)`` when the drawing turned level (:func:`~py_pipeline.straighten.page_tilt`) is lines
    one under the other, each one band of rows (:func:`~py_pipeline.lines.column_of_lines`: a column of numbers,
    or lines to calculate one by one) and, as drawn (``read``), it is not, or one of its lines is
    :data:`TALL_LINE` tall; None otherwise.

    In a photo held a few degrees askew, a long line of a column fills the rows of paper between it and the
    rule under it, and they are one band of ink: the column was read as two lines or as garbage. Long lines
    one under the other run into each other altogether: a page of sums was read as one line. Only such
    drawings are turned (one line only when it is that tall and its ink, turned, falls apart into bands of
    rows: a line with a stacked fraction in it is as tall), and only kept turned when that makes them lines:
    level ones read as they are (turning one resamples every stroke, and short right-aligned lines can fake a
    tilt).
    """
    height = read.segmentation.symbol_height
    tall = any(line.box[3] - line.box[1] > TALL_LINE * height for line in read.lines)
    if not tall and (len(read.lines) < 2 or read.column is not None):
        return None
    tilt = page_tilt(read.segmentation.mask)
    if not tilt or (len(read.lines) < 2 and bands_when_level(read.segmentation.mask, tilt) < 2):
        return None  # one line, and as one line it stays: a stacked fraction is taller than the line around it
    page = level(ink, tilt)
    if not page.tilt_deg:
        return None
    turned = _read_page(page.ink, False)
    return (page, turned) if turned.column is not None else None


FRACTION_ROLES = ("numerator", "fraction", "denominator")


def _parts_fraction(column, layout):
    """Whether a line of ``column`` is nothing but a stacked fraction's numerator, bar or denominator
    (``layout``, :func:`_fraction_layout`): the lines then cut through the fraction, and are not calculated
    one by one.

    ``1`` over a bar beside an ``=``, over ``2``, then a line under them, is three lines one band each (the
    ``=`` fills the rows between the ``1`` and the bar), and each was calculated on its own: ``1=``, ``2``.
    A column of numbers is not held to this: a ``5``'s flag drawn apart looks like a bar between the digits
    over and under it, and ``7`` over ``5`` over ``6`` was refused."""
    lines = [[] for _ in column.boxes]  # whether each segment in the line's rows has a place in a fraction
    for seg, role in zip(layout.segmentation.segments, layout.roles):
        for k, (_, y0, _, y1) in enumerate(column.boxes):
            if seg.box[1] < y1 and seg.box[3] > y0:
                lines[k].append(role.split(" ")[0] in FRACTION_ROLES)
    return any(roles and all(roles) for roles in lines)


def _without_underlines(ink):
    """``(ink, segmentation)``: ``ink`` segmented, with any line drawn under the writing erased first (with its
    soft edge) and the rest cut again."""
    segmentation = segment(ink)
    underlines = find_underlines(segmentation.mask, segmentation.stroke_width, segmentation.symbol_height)
    if underlines is None:
        return ink, segmentation
    ink = np.where(binary_dilation(underlines, iterations=2), 0.0, ink).astype(np.float32)
    return ink, segment(ink)


def _fraction_layout(ink, seg):
    """The drawing read with its stacked fractions (:func:`~py_pipeline.fraction_bars.read_layout`), or None
    when it has none."""
    fractions, labels = find_fractions(seg.mask, seg.stroke_width, seg.symbol_height, seg.component_boxes)
    return read_layout(ink, seg, fractions, labels) if fractions else None


def _line_boxes(seg, layout):
    """The boxes whose centres run along the line, for :func:`~py_pipeline.straighten.straighten`: the glyphs,
    and for each stacked fraction a box as high as the tallest glyph around its bar (the bar is on the line;
    its numerator and denominator are not, and the whole stack is so tall that every glyph after it looked
    like its exponent, to be left out of the fit).

    Around the bar, not the stack's middle: a root makes a numerator or a denominator taller, and the middles
    of ``6`` over ``√93`` and ``√2`` over ``9`` climbed by 3° on a level line, which was turned, sometimes so
    far that a root and the minus after it ran into one glyph. ``benchmarks/recognition.py --roots`` seeds
    0-5: 1112 → 1126 of 1200 read exactly, none worse; ``--structured --count 400`` seeds 0/1 unchanged
    (367/360)."""
    if layout is None:
        return [s.box for s in seg.segments if s.kind == "glyph"]
    glyphs = [s.box for s, role in zip(layout.segmentation.segments, layout.roles) if not role and s.kind == "glyph"]
    if not glyphs:
        return []
    half = max(y1 - y0 for _, y0, _, y1 in glyphs) / 2
    return glyphs + [(x0, (y0 + y1) / 2 - half, x1, (y0 + y1) / 2 + half) for x0, y0, x1, y1 in layout.bar_boxes]


def _first_unreadable(symbols, tangles):
    """An :class:`UnreadableSymbolError` at the first classifier symbol read below :data:`UNREADABLE_BELOW`
    or whose strokes are a tangle (``tangles``: symbol indices, see
    :data:`~py_pipeline.segment.TANGLE_JUNCTIONS`).

    A drawing that is one number and nothing else (a digit, ``24``) is unreadable where a digit of it is read
    below :data:`NOT_ONE_SYMBOL` already: there is nothing to calculate and no expression around it to settle
    a doubt, and a scribble read as ``5`` at 0.25 is a confident-looking answer to nothing. Measured with
    model 2026-11-25-h on 600 scribbles (``training.expression_images.scribble_drawing``, seeds 0, 7 and 8):
    431 → 447 reported as unreadable (443 for a single symbol alone); 1500 single redrawn MNIST test digits and
    1000 numbers of 2-3 of them, each drawn alone, reported as before (a single symbol alone at 0.5: 26 more
    scribbles, but 5 digits read right were reported as unreadable).
    """
    one_number = all(s.char in DIGITS or s.char == "." for s in symbols)
    for s in symbols:
        if s.source != "cnn":
            continue
        if s.index in tangles:
            what = "is a tangle of strokes, no digit or operator"
        elif s.confidence < UNREADABLE_BELOW or (one_number and s.confidence < NOT_ONE_SYMBOL):
            what = "does not look like any digit or operator"
        else:
            continue
        return UnreadableSymbolError(
            f"symbol {s.index + 1} {what} (at best {s.char!r}, {s.confidence:.0%} sure): write it again, "
            "or pick what it is", symbol_index=s.index)
    return None


def _with_even_cuts(cuts, seg, stroke_width, symbol_height):
    """``cuts`` plus :data:`EVEN_CUTS` evenly spaced columns, for a glyph the classifier cannot read as one.

    The junction finder of :func:`~py_pipeline.segment.split_candidates` looks for dips and sags, and a
    ``1`` leaning into the digit after it leaves neither. When the classifier is unsure of the whole — as it
    was trained to be on two digits written into each other — trying a few plain columns costs a few crops
    and finds the cut the junction finder missed. Columns closer than a pen width to a proposed cut add
    nothing and are skipped.
    """
    if _is_narrow(seg.box, symbol_height):
        return cuts
    x0, _, x1, _ = seg.box
    width = x1 - x0
    left = x0 - seg.origin[0]
    merged = list(cuts)
    for fraction in np.linspace(0.25, 0.75, EVEN_CUTS):
        column = left + int(round(fraction * width))
        if all(abs(column - other) >= stroke_width for other in merged):
            merged.append(column)
    return sorted(merged)


def _is_narrow(box, symbol_height):
    """Whether a box is narrower than :data:`UNSURE_SPLIT_WIDTH` symbol heights: too narrow for two symbols
    side by side, unless two upright strokes."""
    x0, y0, x1, y1 = box
    return x1 - x0 < UNSURE_SPLIT_WIDTH * max(y1 - y0, symbol_height)


def _is_wide(box, symbol_height):
    """Whether a box is :data:`TWO_SYMBOLS_WIDE`: at least that many times wider than a symbol is tall."""
    x0, y0, x1, y1 = box
    return x1 - x0 >= TWO_SYMBOLS_WIDE * max(y1 - y0, symbol_height)


def _parts_between(count, ink_between, origin, inks, one_cut=False):
    """``{(a, b): (crop number, ink, box)}`` of the part of a glyph between each two of its ``count`` bounds
    (``ink_between(a, b)``), all but the whole glyph, which is classified already; each part's ink is
    appended to ``inks``. A part without ink makes its whole partition impossible, and is left out. With
    ``one_cut``, only the parts of partitions in two: those that reach one end of the glyph."""
    parts = {}
    for a, b in itertools.combinations(range(count), 2):
        if (a, b) == (0, count - 1) or (one_cut and 0 < a and b < count - 1):
            continue
        part = ink_between(a, b)
        if part.max() > 0:
            parts[(a, b)] = (len(inks), part, _ink_box(part, origin))
            inks.append(part)
    return parts


def _least_sure(pieces, parts, probabilities):
    """The lowest confidence of a partition's ``pieces`` (keys of ``parts``, see :func:`_parts_between`)."""
    return min(float(probabilities[parts[piece][0]].max()) for piece in pieces)


def _ink_box(ink, origin):
    """Tight ``(x0, y0, x1, y1)`` of the ink (> 0) in working pixels; ``ink`` has some."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    x, y = origin
    return (x + int(cols[0]), y + int(rows[0]), x + int(cols[-1]) + 1, y + int(rows[-1]) + 1)


def _classify_all(classify, batches, drawings, second_look=True):
    """Call ``classify`` once on all crops of all drawings, once more for a second look at the unsure ones
    (:mod:`py_pipeline.views`); split the rows back; charge the time by share."""
    counts = [len(batch) for batch in batches]
    total = sum(counts)
    if total == 0:
        return [np.zeros((0, len(CLASSES)), dtype=np.float32) for _ in batches]
    crops = np.concatenate(batches).astype(np.float32, copy=False)
    start = time.perf_counter()
    probabilities = views.read(classify, crops)
    if second_look:
        probabilities, _ = views.second_look(classify, crops, probabilities)
    elapsed = (time.perf_counter() - start) * 1000.0
    rows = np.split(probabilities, np.cumsum(counts)[:-1])
    for drawing, count in zip(drawings, counts):
        drawing.timings["classify"] += elapsed * count / total
    return rows
