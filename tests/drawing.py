"""Test drawings: expressions drawn stroke by stroke with the round pen, with the box of every symbol known.

Each symbol is a list of strokes in a unit cell (x across the symbol's cell, 0..1 of its width; y down the
line, 0..1 of the line height), the way a person would draw it on the canvas. :func:`draw` lays symbols out
left to right, renders every symbol on its own with :mod:`training.pen` (so its true ink box is measured,
not guessed) and paints them onto one canvas.
"""

from dataclasses import dataclass

import numpy as np

from training.pen import blank, draw_polyline, inked_box, to_rgba_png_array


def _arc(cx, cy, rx, ry, start, stop, n=24):
    """Points on an elliptical arc, angles in degrees (0 = right, 90 = down)."""
    angles = np.radians(np.linspace(start, stop, n))
    return [(cx + rx * np.cos(a), cy + ry * np.sin(a)) for a in angles]


# Symbol name → (cell width in line heights, strokes in unit-cell coordinates).
SYMBOLS = {
    "0": (0.6, [_arc(0.5, 0.5, 0.42, 0.46, -90, 270, 40)]),
    "1": (0.3, [[(0.25, 0.2), (0.5, 0.04), (0.5, 0.96)]]),
    "2": (0.6, [_arc(0.5, 0.3, 0.4, 0.26, 190, 380, 16) + [(0.1, 0.96), (0.92, 0.96)]]),
    "3": (0.6, [_arc(0.45, 0.27, 0.38, 0.23, 200, 450, 16) + _arc(0.45, 0.73, 0.42, 0.23, 270, 520, 16)]),
    "4": (0.6, [[(0.55, 0.04), (0.08, 0.64), (0.92, 0.64)], [(0.7, 0.3), (0.7, 0.96)]]),
    "5": (0.6, [[(0.85, 0.04), (0.2, 0.04), (0.15, 0.45)] + _arc(0.48, 0.68, 0.38, 0.28, 235, 500, 18)]),
    "6": (0.6, [[(0.78, 0.04), (0.4, 0.3)] + _arc(0.5, 0.7, 0.38, 0.26, 200, 560, 30)]),
    "7": (0.6, [[(0.08, 0.06), (0.92, 0.06), (0.4, 0.96)]]),
    "8": (0.6, [_arc(0.5, 0.27, 0.3, 0.23, 90, 450, 24), _arc(0.5, 0.73, 0.4, 0.23, -90, 270, 24)]),
    "9": (0.6, [_arc(0.5, 0.3, 0.38, 0.26, 0, 360, 30), [(0.88, 0.3), (0.8, 0.96)]]),
    "+": (0.6, [[(0.08, 0.5), (0.92, 0.5)], [(0.5, 0.12), (0.5, 0.88)]]),
    "-": (0.6, [[(0.1, 0.5), (0.9, 0.5)]]),
    "×": (0.6, [[(0.12, 0.18), (0.88, 0.82)], [(0.88, 0.18), (0.12, 0.82)]]),
    "/": (0.5, [[(0.85, 0.04), (0.15, 0.96)]]),
    "(": (0.4, [_arc(1.0, 0.5, 0.65, 0.48, 115, 245, 16)]),
    ")": (0.4, [_arc(0.0, 0.5, 0.65, 0.48, -65, 65, 16)]),
    "=": (0.6, [[(0.1, 0.38), (0.9, 0.38)], [(0.1, 0.64), (0.9, 0.64)]]),
    "÷": (0.6, [[(0.1, 0.5), (0.9, 0.5)], [(0.5, 0.26)], [(0.5, 0.76)]]),
    ".": (0.3, [[(0.5, 0.93)]]),
    ",": (0.3, [[(0.55, 0.9), (0.5, 1.0), (0.35, 1.12)]]),   # a decimal comma, hanging from the baseline
    ":": (0.3, [[(0.5, 0.3)], [(0.5, 0.72)]]),                # division, as much of Europe writes it
    "·": (0.3, [[(0.5, 0.5)]]),                               # a multiplication dot
    # Multi-stroke symbols whose strokes do not touch.
    "+split": (0.6, [[(0.08, 0.5), (0.92, 0.5)], [(0.5, 0.1), (0.5, 0.36)], [(0.5, 0.64), (0.5, 0.9)]]),
    "×split": (0.6, [[(0.12, 0.18), (0.88, 0.82)], [(0.88, 0.18), (0.68, 0.35)], [(0.32, 0.65), (0.12, 0.82)]]),
    "4split": (0.6, [[(0.45, 0.04), (0.08, 0.58), (0.92, 0.58)], [(0.68, 0.74), (0.68, 0.98)]]),
    "5split": (0.6, [[(0.22, 0.2), (0.15, 0.45)] + _arc(0.48, 0.68, 0.38, 0.28, 235, 500, 18),
                     [(0.25, 0.04), (0.88, 0.04)]]),
    # The top bar drawn as a second stroke that floats off the body, to the right of it.
    "5float": (0.6, [[(0.22, 0.2), (0.15, 0.45)] + _arc(0.48, 0.68, 0.38, 0.28, 235, 500, 18),
                     [(0.95, 0.02), (1.5, 0.0)]]),
    # The top bar drawn apart, from over the right of the body out past it, as a fast hand flicks it.
    "5flick": (0.6, [[(0.22, 0.2), (0.15, 0.45)] + _arc(0.48, 0.68, 0.38, 0.28, 235, 500, 18),
                     [(0.75, 0.05), (1.25, 0.0)]]),
    # A 5 whose foot is a stroke of its own, under the rest with paper between, as some hands write it.
    "5foot": (0.6, [[(0.85, 0.04), (0.2, 0.04), (0.15, 0.4)] + _arc(0.48, 0.5, 0.36, 0.16, 215, 395, 16),
                    [(0.84, 0.8), (0.62, 0.94), (0.35, 0.96), (0.12, 0.9)]]),
    # Strokes that leave a separate blob: where the pen first landed, where it was lifted.
    # A / written fast, leaning 42° from upright: as far over as a 1 ever leans (the model's own doubt).
    "/lean": (0.93, [[(0.946, 0.04), (0.054, 0.96)]]),
    # Percent: a ring, the slash, a ring, as three strokes, or the first ring run on into the slash.
    "%": (0.7, [_arc(0.22, 0.2, 0.15, 0.15, 0, 360, 20), [(0.85, 0.04), (0.15, 0.96)],
                _arc(0.78, 0.8, 0.15, 0.15, 0, 360, 20)]),
    "%join": (0.7, [_arc(0.22, 0.2, 0.15, 0.15, 0, 360, 20) + [(0.85, 0.04), (0.15, 0.96)],
                    _arc(0.78, 0.8, 0.15, 0.15, 0, 360, 20)]),
    # An 8 leaning back: its loops high on the left and low on the right, like the rings of a %.
    "8back": (0.6, [_arc(0.35, 0.25, 0.22, 0.2, 90, 450, 24), _arc(0.62, 0.7, 0.28, 0.25, -90, 270, 24)]),
    # A 7 whose bar runs on past where its stem leaves it.
    "7over": (0.7, [[(0.05, 0.06), (0.95, 0.06)], [(0.75, 0.06), (0.35, 0.96)]]),
    "7blob": (0.6, [[(-0.15, 0.05)], [(0.14, 0.06), (0.92, 0.06), (0.4, 0.96)]]),
    "3blob": (0.6, [_arc(0.45, 0.27, 0.38, 0.23, 200, 450, 16) + _arc(0.45, 0.73, 0.42, 0.23, 270, 520, 16),
                    [(-0.1, 0.88)]]),
    # A scribble: one stroke round a seven-pointed star {7/3}, crossing itself 14 times.
    "tangle": (1.0, [[(0.5 + 0.46 * np.sin(2 * np.pi * 3 * k / 7), 0.5 - 0.46 * np.cos(2 * np.pi * 3 * k / 7))
                      for k in range(8)]]),
    # A wide 5 whose bar reaches far to the right, touching the body: one component wider than it is tall.
    "+tall": (0.8, [[(0.05, 0.5), (0.95, 0.5)], [(0.5, -0.2), (0.5, 1.2)]]),   # its upright longer than a digit
    "+lean": (0.7, [[(0.05, 0.5), (0.95, 0.5)], [(0.7, -0.1), (0.3, 1.1)]]),   # its upright leaning, long
    "4tall": (0.7, [[(0.55, -0.2), (0.05, 0.64), (0.95, 0.64)], [(0.7, 0.2), (0.7, 1.2)]]),
    "5long": (1.0, [[(1.0, 0.04), (0.2, 0.04), (0.15, 0.45)] + _arc(0.4, 0.68, 0.3, 0.28, 235, 500, 18)]),
}


@dataclass
class Drawing:
    """An ink canvas and the true ink box ``[x0, y0, x1, y1]`` (end exclusive) of every symbol, in order.

    ``pieces[i]`` is ``(x, y, ink)``: symbol i's own ink alone, a crop whose top-left is at ``(x, y)``.
    """

    ink: np.ndarray
    boxes: list
    names: list
    pen_width: float
    pieces: list

    def symbol_ink(self, i):
        """Symbol i's own ink on a canvas the size of the drawing."""
        x, y, piece = self.pieces[i]
        canvas = np.zeros_like(self.ink)
        canvas[y:y + piece.shape[0], x:x + piece.shape[1]] = piece
        return canvas

    def rgba(self, **kwargs):
        """The drawing as a canvas export, see :func:`training.pen.to_rgba_png_array`."""
        return to_rgba_png_array(self.ink, **kwargs)

    def grey(self, paper=255, ink_level=0):
        """The drawing as uint8 grey: ``paper`` where there is no ink, ``ink_level`` at full ink."""
        level = paper + (ink_level - paper) * np.clip(self.ink, 0, 1)
        return np.round(level).astype(np.uint8)


EXPONENT_SCALE = 0.55
"""Size of a symbol written as an exponent (``draw(raised=...)``), in line heights."""

EXPONENT_BOTTOM = 0.45
"""Where an exponent's lowest ink is, in line heights below the top of the line: about the middle."""


def draw(names, *, line_height=60, pen_width=6, gap=0.25, margin=None, canvas=None, slant=0.0, raised=()):
    """Draw symbols left to right on one line.

    Parameters
    ----------
    names : sequence of str
        Keys of :data:`SYMBOLS`.
    line_height : float
        Height of a digit in pixels (ignored when ``canvas`` is given).
    pen_width : float
        Pen diameter in pixels.
    gap : float or sequence of float
        Space between consecutive cells in line heights; one per gap when a sequence. Negative values make
        neighbours overlap (digits drawn touching).
    margin : float, optional
        Paper around the expression in pixels; defaults to one line height.
    canvas : tuple of int, optional
        ``(height, width)``: scale the line to fill this canvas (with a 10 % margin) instead.
    slant : float
        Horizontal shift of a symbol's top relative to its bottom, in line heights (handwriting leans).
    raised : collection of int
        Indices of symbols written as an exponent: :data:`EXPONENT_SCALE` of the line height, ending
        :data:`EXPONENT_BOTTOM` below the line's top (``2³``).

    Returns
    -------
    Drawing
    """
    gaps = [gap] * max(len(names) - 1, 0) if np.isscalar(gap) else list(gap)
    cells, x = [], 0.0
    scales = [EXPONENT_SCALE if i in raised else 1.0 for i in range(len(names))]
    for i, name in enumerate(names):
        cell_width = SYMBOLS[name][0] * scales[i]
        cells.append((x, cell_width))
        x += cell_width + (gaps[i] if i < len(gaps) else 0.0)
    total_width = x

    if canvas is not None:
        height, width = canvas
        line_height = min(0.8 * width / total_width, 0.6 * height)
        left = (width - total_width * line_height) / 2
        top = (height - line_height) / 2
    else:
        margin = line_height if margin is None else margin
        height = int(np.ceil(line_height + 2 * margin))
        width = int(np.ceil(total_width * line_height + 2 * margin))
        left = top = margin

    ink = np.zeros((height, width), dtype=np.float32)
    boxes, pieces = [], []
    for name, (cell_x, cell_width), scale in zip(names, cells, scales):
        own = np.zeros_like(ink)
        lift = EXPONENT_BOTTOM - scale if scale != 1.0 else 0.0  # the symbol's top, in line heights
        for stroke in SYMBOLS[name][1]:
            points = [(left + (cell_x + u * cell_width + slant * (1 - v) * scale) * line_height,
                       top + (lift + v * scale) * line_height)
                      for u, v in stroke]
            draw_polyline(own, points, pen_width)
        rows = np.flatnonzero((own >= 0.5).any(axis=1))
        cols = np.flatnonzero((own >= 0.5).any(axis=0))
        boxes.append([int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1])
        rows, cols = np.flatnonzero(own.any(axis=1)), np.flatnonzero(own.any(axis=0))
        pieces.append((int(cols[0]), int(rows[0]), own[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1].copy()))
        np.maximum(ink, own, out=ink)
    return Drawing(ink=ink, boxes=boxes, names=list(names), pen_width=pen_width, pieces=pieces)


def assert_boxes_close(found, expected, tolerance):
    """Each found box matches its expected box within ``tolerance`` pixels on every side."""
    assert len(found) == len(expected), f"{len(found)} boxes found, {len(expected)} expected"
    for i, (f, e) in enumerate(zip(found, expected)):
        assert np.all(np.abs(np.asarray(f) - np.asarray(e)) <= tolerance), f"box {i}: found {f}, drawn {e}"


def draw_fraction(numerator, denominator, *, before=(), after=(), line_height=60, pen_width=6, gap=0.25,
                  bar_overhang=0.3, bar_gap=None, bar_rise=0.0):
    """A line ``before`` + a stacked fraction + ``after``, as a hand writes ``2+ (1+2)/3 -1``.

    The numerator and the denominator are lines of their own, names or a :class:`Drawing` such as
    :func:`draw_root` makes (cut to its ink), centred over and under a bar that overhangs
    the wider of them by ``bar_overhang`` line heights each side; the bar sits at the middle of the line.
    ``bar_gap`` (line heights, default ``gap``) is the space between the bar's centre line and the numerator's
    lowest and the denominator's highest row: under half a pen width, they touch the bar. ``bar_rise`` (line
    heights) lifts the bar's right end, as a bar drawn quickly climbs into the numerator's last symbols.

    Returns
    -------
    Drawing
        ``names`` and ``boxes`` in reading order: ``before``, the numerator, ``"bar"``, the denominator,
        ``after``. ``pieces`` is empty.
    """
    def line(names):
        if isinstance(names, Drawing):
            rows, cols = inked_box(names.ink)
            return Drawing(ink=names.ink[rows, cols],
                           boxes=[[x0 - cols.start, y0 - rows.start, x1 - cols.start, y1 - rows.start]
                                  for x0, y0, x1, y1 in names.boxes],
                           names=names.names, pen_width=names.pen_width, pieces=[])
        if not names:
            return None
        return draw(list(names), line_height=line_height, pen_width=pen_width, gap=gap, margin=0)

    over, under, left, right = line(numerator), line(denominator), line(before), line(after)
    space = int(round(gap * line_height))
    over_bar = space if bar_gap is None else int(round(bar_gap * line_height))
    bar_width = int(max(over.ink.shape[1], under.ink.shape[1]) + 2 * bar_overhang * line_height)
    margin = int(line_height)
    middle = margin + over.ink.shape[0] + over_bar  # the bar's row, the middle of the line
    height = middle + over_bar + under.ink.shape[0] + margin
    width = 2 * margin + bar_width + sum(p.ink.shape[1] + space for p in (left, right) if p is not None)
    ink = np.zeros((height, width), dtype=np.float32)
    names, boxes = [], []

    def paste(part, x, y):
        np.maximum(ink[y:y + part.ink.shape[0], x:x + part.ink.shape[1]], part.ink,
                   out=ink[y:y + part.ink.shape[0], x:x + part.ink.shape[1]])
        names.extend(part.names)
        boxes.extend([[x0 + x, y0 + y, x1 + x, y1 + y] for x0, y0, x1, y1 in part.boxes])

    x = margin
    line_top = middle - line_height // 2
    if left is not None:
        paste(left, x, line_top)
        x += left.ink.shape[1] + space
    paste(over, x + (bar_width - over.ink.shape[1]) // 2, margin)
    bar = np.zeros_like(ink)
    draw_polyline(bar, [(x + pen_width / 2, middle), (x + bar_width - pen_width / 2, middle - bar_rise * line_height)],
                  pen_width)
    rows, cols = np.flatnonzero((bar >= 0.5).any(axis=1)), np.flatnonzero((bar >= 0.5).any(axis=0))
    np.maximum(ink, bar, out=ink)
    names.append("bar")
    boxes.append([int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1])
    paste(under, x + (bar_width - under.ink.shape[1]) // 2, middle + over_bar)
    x += bar_width + space
    if right is not None:
        paste(right, x, line_top)
    return Drawing(ink=ink, boxes=boxes, names=names, pen_width=pen_width, pieces=[])


def side_by_side(left, right, overlap):
    """The ink of two drawings written one after the other, the right one ``overlap`` columns into the left
    one's right margin (their margins are paper, so only ink closer than that would meet)."""
    join = left.shape[1] - overlap
    ink = np.zeros((max(left.shape[0], right.shape[0]), join + right.shape[1]), np.float32)
    ink[:left.shape[0], :left.shape[1]] = left
    np.maximum(ink[:right.shape[0], join:], right, out=ink[:right.shape[0], join:])
    return ink


def draw_root(radicand, *, before=(), after=(), line_height=60, pen_width=6, gap=0.25, lead=0.55, bar=0.15,
              overhang=0.1, sag=0.0):
    """A line ``before`` + ``√`` over ``radicand`` + ``after``, as a hand writes ``3+√49``.

    The radical is one stroke: a short tick up, down to the line's foot, up to ``bar`` line heights above the
    radicand's top and along over it, ``overhang`` line heights past its end, where it has dropped ``sag``
    line heights (a bar that sags into the radicand's last symbols). ``lead`` (line heights) is the width of
    the check before the radicand.

    Returns
    -------
    Drawing
        ``names`` and ``boxes`` in reading order: ``before``, ``"√"``, the radicand, ``after``. ``pieces`` is
        empty.
    """
    names = list(before) + list(radicand) + list(after)
    gaps = [gap] * max(len(names) - 1, 0)
    if before:
        gaps[len(before) - 1] = gap + lead
    line = draw(names, line_height=line_height, pen_width=pen_width, gap=gaps, margin=line_height)
    shift = 0 if before else int(np.ceil(lead * line_height))
    ink = np.zeros((line.ink.shape[0], line.ink.shape[1] + shift), np.float32)
    ink[:, shift:] = line.ink
    boxes = [[x0 + shift, y0, x1 + shift, y1] for x0, y0, x1, y1 in line.boxes]
    start, end = boxes[len(before)][0], boxes[len(before) + len(radicand) - 1][2]
    top, h = line_height, line_height
    stroke = [(start - lead * h, top + 0.62 * h), (start - 0.85 * lead * h, top + 0.55 * h),
              (start - 0.55 * lead * h, top + h), (start - 0.15 * h, top - bar * h),
              (end + overhang * h, top + (sag - bar) * h)]
    radical = np.zeros_like(ink)
    draw_polyline(radical, stroke, pen_width)
    rows, cols = np.flatnonzero((radical >= 0.5).any(axis=1)), np.flatnonzero((radical >= 0.5).any(axis=0))
    np.maximum(ink, radical, out=ink)
    at = len(before)
    boxes.insert(at, [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1])
    return Drawing(ink=ink, boxes=boxes, names=names[:at] + ["√"] + names[at:], pen_width=pen_width, pieces=[])


def ones_touching_along(top, bottom, *, pen_width=6, canvas_height=None, lean=0.0):
    """Two ``1``s from row ``top`` to ``bottom``, a pen width apart at their ends, that bow together to run as
    one stroke along the middle third of their height, as two ``1``s written too close do. ``lean`` moves each
    row right by that many pixels per row down. Float ink (1 = ink), ``canvas_height`` rows (default: 20 below
    ``bottom``), with a margin of paper left and right."""
    height = bottom - top
    canvas = blank(canvas_height or bottom + 20, 6 * pen_width + 40 + int(lean * height))
    x = 20.0 + pen_width
    for apart in (0.0, 1.0):
        points = np.array([[x + 2 * apart * pen_width, top],
                           [x + apart * pen_width, top + 0.35 * height],
                           [x + apart * pen_width, top + 0.65 * height],
                           [x + 2 * apart * pen_width, bottom]], dtype=np.float64)
        points[:, 0] += lean * (points[:, 1] - top)
        draw_polyline(canvas, points, pen_width)
    return np.asarray(canvas, dtype=np.float32)
