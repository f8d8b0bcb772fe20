"""Synthetic handwritten operators and brackets, drawn stroke by stroke with the canvas pen.

MNIST has digits only. ``+ - × / ( )`` are generated the way a person draws them on the app's canvas: one to
three strokes, each a polyline of pointer positions, with varied length, angle, crossing point, curvature,
wobble, end hooks, slant and pen width, rendered at canvas scale with :mod:`training.pen` and then cut down by
the one normalisation, :func:`py_pipeline.normalize.normalize_to_mnist`.

The ranges are chosen against the confusions that matter once a crop is shrunk to 20×20:

* ``/`` vs ``1``: MNIST 1s lean right by up to 35° (95th percentile; 41° at the 99th; 4 of the 1135 test 1s
  lean 43° or more), so a slash leans 43–68° from vertical — clearly slanted — and never gets a hook at its
  top (which would read as the flag of a 1 or the bar of a 7). A "slash" drawn as steep as a slanted 1 is
  read as a 1: in a 28×28 crop the two are the same picture.
* ``-`` vs ``/`` vs ``1``: a minus stays within 12° of horizontal, a slash at least 22° away from it.
* ``(`` ``)`` vs ``1``: a bracket bows by at least 14% of its height, more than a straight-ish 1 does.
* ``+`` vs ``×``: the arms of a plus stay within 13° of the axes, those of a times within 14° of the
  diagonals (so 18° separate the two); ``*`` (three crossing strokes) is drawn as a variant of ``×``.
* ``+`` vs ``4``/``7``: the bars of a plus cross between 30% and 70% of each other's length, never at an end.

numpy only (plus the numpy/scikit-image normalisation): no TensorFlow, so tests and tools can use it freely.
Deterministic: the same seed gives the same images.
"""

import numpy as np

from py_pipeline.normalize import normalize_to_mnist
from py_pipeline.symbols import CLASSES
from training.pen import blank, draw_polyline, random_writer

GENERATED_CLASSES = ("+", "-", "×", "/", "(", ")")
"""The CNN classes this module draws; the digits come from MNIST."""

SLASH_DEGREES_FROM_VERTICAL = (43.0, 68.0)
MINUS_MAX_DEGREES = 12.0
PLUS_ARM_MAX_DEGREES = 13.0
TIMES_ARM_DEGREES_OFF_DIAGONAL = 14.0
BRACKET_BOW = (0.14, 0.34)
"""Sagitta of a bracket as a fraction of its height."""

MAX_PEN_FRACTION = 0.25
"""Largest pen width as a fraction of the symbol's longer side."""

ASTERISK_SHARE = 0.2
"""Share of ``×`` samples drawn as an asterisk ``*`` (three crossing strokes)."""


def generate_symbols(classes=GENERATED_CLASSES, per_class=1000, seed=0):
    """Draw ``per_class`` normalised images of each class in ``classes``.

    Returns
    -------
    images : (N, 28, 28) ndarray of float32
        Normalised like every crop the pipeline classifies, N = ``per_class * len(classes)``.
    labels : (N,) ndarray of int64
        Index of each image's class in :data:`py_pipeline.symbols.CLASSES`.
    """
    rng = np.random.default_rng(seed)
    images = np.zeros((per_class * len(classes), 28, 28), dtype=np.float32)
    labels = np.zeros(per_class * len(classes), dtype=np.int64)
    i = 0
    for cls in classes:
        for _ in range(per_class):
            images[i] = normalize_to_mnist(draw_symbol(cls, rng))
            labels[i] = CLASSES.index(cls)
            i += 1
    return images, labels


def draw_symbol(cls, rng, digit_height_px=None, pen_width=None):
    """Draw one symbol on a fresh canvas at canvas scale; returns ``(H, W)`` float32 ink in [0, 1].

    Symbols are sized relative to the writer's digit height. Both default to a random writer
    (:func:`training.pen.random_writer`), so the symbol's size relative to its stroke varies as it does between
    people; the pen is capped at :data:`MAX_PEN_FRACTION` of the symbol's size, because a person with a thick
    pen writes larger rather than producing a blot.
    """
    writer_height, writer_pen = random_writer(rng)
    digit_height_px = writer_height if digit_height_px is None else digit_height_px
    pen_width = writer_pen * digit_height_px / writer_height if pen_width is None else pen_width
    strokes = [s * digit_height_px for s in symbol_strokes(cls, rng)]
    points = np.concatenate(strokes)
    pen_width = min(pen_width, MAX_PEN_FRACTION * float((points.max(axis=0) - points.min(axis=0)).max()))
    margin = pen_width / 2.0 + 2.0
    origin = points.min(axis=0) - margin
    size = points.max(axis=0) - origin + margin
    canvas = blank(int(np.ceil(size[1])), int(np.ceil(size[0])))
    for stroke in strokes:
        draw_polyline(canvas, stroke - origin, pen_width)
    return canvas


def symbol_strokes(cls, rng):
    """The strokes of one symbol as ``(K, 2)`` arrays of ``(x, y)``, in units of the writer's digit height."""
    try:
        make = _MAKERS[cls]
    except KeyError:
        raise ValueError(f"no generator for class {cls!r}; generated classes are {GENERATED_CLASSES}") from None
    return [_hand_drawn(stroke, rng) for stroke in make(rng)]


# --- one function per class: ideal strokes, before the hand's wobble -------------------------------------------

def _minus(rng):
    length = rng.uniform(0.35, 1.0)
    angle = np.radians(rng.uniform(-MINUS_MAX_DEGREES, MINUS_MAX_DEGREES))
    stroke = _line(length, angle, rng, bow=rng.normal(0, 0.03))
    return [_maybe_hooks(stroke, rng, start=0.25, end=0.25)]


def _plus(rng):
    size = rng.uniform(0.45, 0.95)
    aspect = np.exp(rng.uniform(np.log(0.7), np.log(1.45)))  # horizontal arm length / vertical arm length
    v_len, h_len = size / np.sqrt(aspect), size * np.sqrt(aspect)
    v_angle = np.radians(90 + rng.uniform(-PLUS_ARM_MAX_DEGREES, PLUS_ARM_MAX_DEGREES))
    h_angle = np.radians(rng.uniform(-PLUS_ARM_MAX_DEGREES, PLUS_ARM_MAX_DEGREES))
    vertical = _line(v_len, v_angle, rng, bow=rng.normal(0, 0.03), reverse=rng.random() < 0.1)
    horizontal = _line(h_len, h_angle, rng, bow=rng.normal(0, 0.03), reverse=rng.random() < 0.1)
    vertical, horizontal = _cross(vertical, horizontal, rng.uniform(0.32, 0.68), rng.uniform(0.3, 0.7))
    strokes = [_maybe_hooks(vertical, rng, 0.15, 0.15), _maybe_hooks(horizontal, rng, 0.15, 0.2)]
    return strokes if rng.random() < 0.7 else strokes[::-1]


def _times(rng):
    if rng.random() < ASTERISK_SHARE:
        return _asterisk(rng)
    size = rng.uniform(0.35, 0.85)
    off = TIMES_ARM_DEGREES_OFF_DIAGONAL
    down_right = _line(size * rng.uniform(0.8, 1.2), np.radians(45 + rng.uniform(-off, off)), rng,
                       bow=rng.normal(0, 0.04))
    down_left = _line(size * rng.uniform(0.8, 1.2), np.radians(135 + rng.uniform(-off, off)), rng,
                      bow=rng.normal(0, 0.04))
    down_right, down_left = _cross(down_right, down_left, rng.uniform(0.35, 0.65), rng.uniform(0.35, 0.65))
    strokes = [_maybe_hooks(down_right, rng, 0.15, 0.2), _maybe_hooks(down_left, rng, 0.15, 0.2)]
    return strokes if rng.random() < 0.7 else strokes[::-1]


def _asterisk(rng):
    """Three strokes through one point, 60° apart, one of them vertical or horizontal."""
    size = rng.uniform(0.35, 0.75)
    base = rng.choice([0.0, 90.0]) + rng.uniform(-10, 10)
    centre = rng.uniform(0.4, 0.6)
    strokes = []
    for k in range(3):
        angle = np.radians(base + 60 * k + rng.uniform(-8, 8))
        stroke = _line(size * rng.uniform(0.8, 1.15), angle, rng, bow=rng.normal(0, 0.02))
        strokes.append(_place_through(stroke, np.zeros(2), centre + rng.uniform(-0.08, 0.08)))
    return strokes


def _slash(rng):
    length = rng.uniform(0.75, 1.35)
    lean = rng.uniform(*SLASH_DEGREES_FROM_VERTICAL)
    angle = np.radians(90 + lean)  # drawn from the top right down to the bottom left (y grows downwards)
    stroke = _line(length, angle, rng, bow=rng.normal(0, 0.025))
    return [_maybe_hooks(stroke, rng, start=0.0, end=0.12)]


def _left_bracket(rng):
    return [_bracket(rng, opening=True)]


def _right_bracket(rng):
    return [_bracket(rng, opening=False)]


def _bracket(rng, opening):
    """A bow whose chord is near vertical; ``(`` bulges to the left, ``)`` to the right."""
    height = rng.uniform(0.9, 1.45)
    bow = rng.uniform(*BRACKET_BOW) * height
    tilt = np.radians(rng.uniform(-12, 12))
    peak_at = rng.uniform(0.38, 0.62)  # where along the chord the bulge is deepest
    flat = rng.uniform(0.0, 1.0)  # 0: round arc, 1: flatter middle with tighter ends
    t = np.linspace(0.0, 1.0, rng.integers(14, 24))
    warped = np.where(t < peak_at, 0.5 * t / peak_at, 0.5 + 0.5 * (t - peak_at) / (1 - peak_at))
    profile = np.sin(np.pi * warped) ** (1.0 - 0.6 * flat)
    side = -1.0 if opening else 1.0
    x = side * bow * profile
    y = height * t
    points = np.stack([x * np.cos(tilt) - y * np.sin(tilt), x * np.sin(tilt) + y * np.cos(tilt)], axis=1)
    return _maybe_hooks(points, rng, start=0.12, end=0.12, max_fraction=0.07)


_MAKERS = {"+": _plus, "-": _minus, "×": _times, "/": _slash, "(": _left_bracket, ")": _right_bracket}


# --- stroke helpers ---------------------------------------------------------------------------------------------

def _line(length, angle, rng, bow=0.0, reverse=False):
    """A straight stroke of ``length`` at ``angle`` (radians, y down), bent sideways by ``bow`` × length."""
    t = np.linspace(0.0, 1.0, rng.integers(10, 20))
    direction = np.array([np.cos(angle), np.sin(angle)])
    normal = np.array([-direction[1], direction[0]])
    points = (t[:, None] - 0.5) * length * direction + (bow * length * np.sin(np.pi * t))[:, None] * normal
    return points[::-1] if reverse else points


def _cross(first, second, at_first, at_second):
    """Move ``second`` so that the point ``at_second`` along it lies on ``first`` at ``at_first``."""
    return first, _place_through(second, _point_along(first, at_first), at_second)


def _place_through(stroke, point, at):
    return stroke + (point - _point_along(stroke, at))


def _point_along(stroke, fraction):
    """The point at ``fraction`` of a polyline's arc length."""
    steps = np.hypot(*np.diff(stroke, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(steps)])
    target = fraction * arc[-1]
    return np.array([np.interp(target, arc, stroke[:, 0]), np.interp(target, arc, stroke[:, 1])])


def _maybe_hooks(stroke, rng, start, end, max_fraction=0.12):
    """With probability ``start`` / ``end``, add the little flick a fast hand leaves at a stroke's ends."""
    length = np.hypot(*np.diff(stroke, axis=0).T).sum()
    if rng.random() < start:
        stroke = np.vstack([_hook(stroke[1], stroke[0], length, rng, max_fraction), stroke])
    if rng.random() < end:
        stroke = np.vstack([stroke, _hook(stroke[-2], stroke[-1], length, rng, max_fraction)])
    return stroke


def _hook(inner, tip, length, rng, max_fraction):
    heading = np.arctan2(*(tip - inner)[::-1])
    turn = rng.choice([-1, 1]) * np.radians(rng.uniform(35, 150))
    reach = rng.uniform(0.03, max_fraction) * length
    return (tip + reach * np.array([np.cos(heading + turn), np.sin(heading + turn)]))[None, :]


def _hand_drawn(stroke, rng):
    """Add a smooth low-frequency wobble and a little pointer jitter to an ideal stroke."""
    stroke = np.asarray(stroke, dtype=np.float64)
    if len(stroke) < 3:
        return stroke
    steps = np.hypot(*np.diff(stroke, axis=0).T)
    length = steps.sum()
    s = np.concatenate([[0.0], np.cumsum(steps)]) / max(length, 1e-9)
    wobble = np.zeros_like(stroke)
    for _ in range(2):
        cycles = rng.uniform(0.5, 3.0)
        amplitude = rng.uniform(0.0, 0.012) * length
        wobble += amplitude * np.sin(2 * np.pi * cycles * s[:, None] + rng.uniform(0, 2 * np.pi, size=2))
    jitter = rng.normal(0.0, 0.003 * length, size=stroke.shape)
    return stroke + wobble + jitter
