"""A round pen of uniform width, drawing anti-aliased polylines the way a browser canvas does.

The web app's ink is canvas strokes (``lineCap = lineJoin = 'round'``) of one width; MNIST is scanned pen on
paper. Generated operators, redrawn MNIST digits and the test drawings all go through this one pen so what the
classifier trains on, and what the tests feed the pipeline, look like what a person's finger leaves on the page.
numpy only: no TensorFlow, so tests and the pipeline benchmark can use it.
"""

import numpy as np


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
    height, width = canvas.shape
    x0 = max(int(np.floor(min(a[0], b[0]) - radius - 1)), 0)
    x1 = min(int(np.ceil(max(a[0], b[0]) + radius + 1)), width - 1)
    y0 = max(int(np.floor(min(a[1], b[1]) - radius - 1)), 0)
    y1 = min(int(np.ceil(max(a[1], b[1]) + radius + 1)), height - 1)
    if x1 < x0 or y1 < y0:
        return
    ys, xs = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    # Pixel centres sit at integer + 0.5 in canvas coordinates.
    px = xs + 0.5 - a[0]
    py = ys + 0.5 - a[1]
    dx, dy = b[0] - a[0], b[1] - a[1]
    length_sq = dx * dx + dy * dy
    if length_sq > 0:
        t = np.clip((px * dx + py * dy) / length_sq, 0.0, 1.0)
    else:
        t = 0.0
    dist = np.hypot(px - t * dx, py - t * dy)
    cover = np.clip(radius + 0.5 - dist, 0.0, 1.0).astype(np.float32)
    region = canvas[y0:y1 + 1, x0:x1 + 1]
    np.maximum(region, cover, out=region)
