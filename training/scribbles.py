"""Scribbles: ink that is no symbol at all, trained towards "no symbol" like touching pairs.

People scribble: over a mistake, to try the pen, a child on a tablet. The page must say it cannot read that,
not show ``838`` as if it were sure. The pipeline flags a symbol the classifier is unsure of
(:data:`py_pipeline.recognize.UNREADABLE_BELOW`), but a classifier trained on symbols and touching pairs
only is sure of a scribble as often as not: it has never seen one, and a tangle of loops is most like an
``8``. Trained towards the uniform distribution (:data:`training.touching.OUTLIER`), it learns that dense,
tangled ink is no symbol.

A scribble here is one to three strokes of a random walk whose heading drifts, drawn with a writer's pen
(:func:`training.pen.random_writer`), at least :data:`MIN_TANGLE` times as long as it is wide or high: a
short walk can be a ``1``, a ``7`` or a ``(``, which must not be taught as "no symbol".

numpy, SciPy and scikit-image only; no TensorFlow.
"""

import numpy as np

from py_pipeline.normalize import normalize_to_mnist
from training.pen import draw_strokes, random_writer

STEPS = (8, 26)
"""Points of one stroke (high end exclusive)."""

STEP_LENGTH = (0.12, 0.45)
"""Length of one step of the walk, in symbol heights."""

TURN = 1.1
"""Standard deviation of the change of heading per step, in radians: from loose loops to zigzags."""

MIN_TANGLE = 4.5
"""Least ratio of the ink's path length to the larger side of its box: below it the walk may be a symbol
(a ``0`` is about 3.1, an ``8`` about 3.2, a ``0`` traced round twice 6)."""


def scribbles(count, rng):
    """``count`` normalised 28×28 crops of scribbles (see the module docstring); reproducible per ``rng``."""
    out = np.zeros((count, 28, 28), dtype=np.float32)
    for i in range(count):
        out[i] = normalize_to_mnist(scribble_ink(rng))
    return out


def scribble_ink(rng):
    """One scribble at canvas scale: ``(H, W)`` float32 ink in [0, 1]."""
    height, pen = random_writer(rng)
    while True:
        strokes = [_walk(rng) * height for _ in range(int(rng.integers(1, 4)))]
        points = np.concatenate(strokes)
        extent = points.max(axis=0) - points.min(axis=0)
        length = sum(float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in strokes)
        if length >= MIN_TANGLE * max(extent.max(), 1.0):
            break
    return draw_strokes(strokes, pen)


def _walk(rng):
    """Points ``(K, 2)`` of one stroke in symbol heights, starting near the origin."""
    steps = int(rng.integers(*STEPS))
    heading = rng.uniform(0.0, 2.0 * np.pi) + np.cumsum(rng.normal(0.0, TURN, steps))
    lengths = rng.uniform(*STEP_LENGTH, steps)
    moves = np.stack([np.cos(heading), np.sin(heading)], axis=1) * lengths[:, None]
    start = rng.normal(0.0, 0.3, (1, 2))
    return np.vstack([start, start + np.cumsum(moves, axis=0)])
