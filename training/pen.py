"""A round pen of uniform width, drawing anti-aliased polylines the way a browser canvas does.

The web app's ink is canvas strokes (``lineCap = lineJoin = 'round'``) of one width; MNIST is scanned pen on
paper. Generated operators, redrawn MNIST digits and the test drawings all go through this one pen so what the
classifier trains on, and what the tests feed the pipeline, look like what a person's finger leaves on the page.
numpy only: no TensorFlow, so tests and the pipeline benchmark can use it.
"""

import numpy as np


DIGIT_HEIGHT_PX = (50.0, 220.0)
"""Range of digit heights on the app's canvas, in pixels: small writing on a phone to large on a tablet."""

DIGITS_PER_PEN_WIDTH = (6.0, 26.0)
"""Digit height divided by pen width: a thick marker (6) down to a fine pen on a large canvas (26)."""


def random_writer(rng):
    """Draw a writer's ``(digit_height_px, pen_width)`` from the ranges above.

    Generated symbols, redrawn training digits and redrawn test digits all sample their scale and pen here, so
    they agree on what "canvas style" means.
    """
    digit_height_px = rng.uniform(*DIGIT_HEIGHT_PX)
    return digit_height_px, digit_height_px / rng.uniform(*DIGITS_PER_PEN_WIDTH)


def blank(height, width):
    """An empty ink canvas: ``(height, width)`` float32 zeros, 1 means full ink."""
    return np.zeros((height, width), dtype=np.float32)


def draw_polyline(canvas, points, width):
    """Draw one stroke through ``points`` with a round pen of diameter ``width``, in place.

    Parameters
    ----------
    canvas : (M, N) ndarray of float32
        Ink canvas, modified in place; overlapping ink takes the maximum, as opaque paint does.
    points : (K, 2) array_like of float
        Stroke points as ``(x, y)`` in pixels (canvas convention: x to the right, y down). K = 1 is a dot.
    width : float
        Pen diameter in pixels.

    Returns
    -------
    canvas : the same array, for chaining.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    radius = max(width, 0.5) / 2.0
    if len(pts) == 1:
        pts = np.vstack([pts, pts])
    for a, b in zip(pts[:-1], pts[1:]):
        _draw_capsule(canvas, a, b, radius)
    return canvas


def trim(ink):
    """``ink`` cut to the box of its inked pixels (> 0); a 1×1 corner when there is no ink at all."""
    return ink[inked_box(ink)]


def inked_box(ink):
    """The slices ``(rows, columns)`` of the box of ``ink``'s inked pixels (> 0); a 1×1 corner when there is
    no ink at all."""
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    if rows.size == 0:
        return np.s_[:1, :1]
    return np.s_[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def paint(canvas, ink, top, left):
    """Lay ``ink`` on ``canvas`` with its top-left corner at ``(top, left)``, in place, as opaque paint
    (the maximum); what falls outside the canvas is cut off."""
    region = canvas[top:top + ink.shape[0], left:left + ink.shape[1]]
    np.maximum(region, ink[:region.shape[0], :region.shape[1]], out=region)
    return canvas


def draw_strokes(strokes, pen_width):
    """Strokes (``(K, 2)`` arrays of ``(x, y)``) drawn on a fresh canvas just big enough for them: their box
    plus a pen width on every side."""
    points = np.concatenate(strokes)
    origin = points.min(axis=0) - pen_width
    size = points.max(axis=0) - origin + pen_width
    canvas = blank(int(np.ceil(size[1])) + 1, int(np.ceil(size[0])) + 1)
    for stroke in strokes:
        draw_polyline(canvas, stroke - origin, pen_width)
    return canvas


def render_strokes(strokes, height, width, pen_width):
    """Render a list of strokes (each a ``(K, 2)`` sequence of ``(x, y)``) onto a fresh canvas."""
    canvas = blank(height, width)
    for stroke in strokes:
        draw_polyline(canvas, stroke, pen_width)
    return canvas


def to_rgba_png_array(ink, ink_rgb=(0, 0, 0), background=None):
    """Turn an ink canvas into the uint8 RGBA a canvas exports.

    With ``background=None`` the paper is transparent (alpha = ink), exactly what ``canvas.toBlob()`` gives
    for an unfilled canvas; otherwise ``background`` is an RGB triple and alpha is 255 everywhere.
    """
    ink = np.clip(np.asarray(ink, dtype=np.float32), 0, 1)
    out = np.zeros(ink.shape + (4,), dtype=np.uint8)
    if background is None:
        out[..., :3] = np.asarray(ink_rgb, dtype=np.uint8)
        out[..., 3] = np.round(ink * 255).astype(np.uint8)
        return out
    bg = np.asarray(background, dtype=np.float32)
    fg = np.asarray(ink_rgb, dtype=np.float32)
    out[..., :3] = np.round(bg + (fg - bg) * ink[..., None]).astype(np.uint8)
    out[..., 3] = 255
    return out


def _draw_capsule(canvas, a, b, radius):
    """Ink every pixel within ``radius`` of segment ab, with a one-pixel anti-aliased edge."""
    # Plain floats and broadcast 1-D grids: this runs once per segment, thousands of times per data set.
    ax, ay, bx, by = float(a[0]), float(a[1]), float(b[0]), float(b[1])
    height, width = canvas.shape
    x0 = max(int(np.floor(min(ax, bx) - radius - 1)), 0)
    x1 = min(int(np.ceil(max(ax, bx) + radius + 1)), width - 1)
    y0 = max(int(np.floor(min(ay, by) - radius - 1)), 0)
    y1 = min(int(np.ceil(max(ay, by) + radius + 1)), height - 1)
    if x1 < x0 or y1 < y0:
        return
    # Pixel centres sit at integer + 0.5 in canvas coordinates.
    px = np.arange(x0, x1 + 1, dtype=np.float64)[None, :] + (0.5 - ax)
    py = np.arange(y0, y1 + 1, dtype=np.float64)[:, None] + (0.5 - ay)
    dx, dy = bx - ax, by - ay
    length_sq = dx * dx + dy * dy
    if length_sq > 0:
        t = np.minimum(np.maximum((px * dx + py * dy) / length_sq, 0.0), 1.0)
        dist = np.hypot(px - t * dx, py - t * dy)
    else:
        dist = np.hypot(px, py)
    cover = np.minimum(np.maximum(radius + 0.5 - dist, 0.0), 1.0).astype(np.float32)
    region = canvas[y0:y1 + 1, x0:x1 + 1]
    np.maximum(region, cover, out=region)
