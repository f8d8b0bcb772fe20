"""Two digits written into each other, as one blob: what the classifier must *not* be sure about.

The pipeline decides whether a blob is one symbol or two touching ones by asking the classifier about the
whole and about the parts of candidate cuts (:mod:`py_pipeline.recognize`). A CNN trained only on single
symbols reads a touching ``18`` as an ``8`` with confidence 1.0, so the parts, however clear, can never beat
the whole. Outlier exposure (Hendrycks et al., "Deep Anomaly Detection with Outlier Exposure", ICLR 2019)
teaches it otherwise without a new class: these blobs are trained towards the uniform distribution over all
classes (:data:`OUTLIER`), so the whole of a touching pair scores low and a clean cut wins.

numpy, SciPy and scikit-image only; no TensorFlow.
"""

import numpy as np
from scipy.ndimage import label

from py_pipeline.normalize import normalize_to_mnist
from training.errors import TrainingDataError
from training.pen import blank, paint, random_writer, trim
from training.redraw import redraw_digit

OUTLIER = -1
"""Label of an image that is no single symbol: its training target is uniform over all classes."""

OVERLAP_PEN_WIDTHS = (0.3, 2.0)
"""How far the second digit is written into the first, in pen widths (overlap of their ink boxes)."""

MAX_ATTEMPTS = 1000
"""Pairs drawn before giving up on digits that never touch (only empty images do that)."""


def touching_pairs(digits, count, rng):
    """``count`` normalised 28×28 crops of two different MNIST digits drawn touching, by one writer.

    Parameters
    ----------
    digits : (n, 28, 28) ndarray
        MNIST digits (training digits: the test set stays unseen).
    count : int
    rng : numpy.random.Generator

    Returns
    -------
    (count, 28, 28) float32, each crop one connected blob of ink (pairs that happen not to touch are drawn
    again), normalised like every crop the pipeline makes.
    """
    out = np.zeros((count, 28, 28), dtype=np.float32)
    for i in range(count):
        canvas, _, _, _ = _touching_pair(digits, rng)
        out[i] = normalize_to_mnist(canvas)
    return out


def touching_parts(digits, labels, count, rng):
    """The two digits of touching pairs, each cut out of its pair the way the recogniser cuts: by a column.

    Where two digits overlap, a vertical cut hands each part a sliver of its neighbour, and the cut column
    is only roughly where they meet. Trained on such parts with their digit's label, the classifier reads
    the parts of a real cut as surely as whole digits, so the cut wins over the uncut blob.

    Returns ``(images, labels)``: ``(count, 28, 28)`` float32 and the digit label of each part.
    """
    out = np.zeros((count, 28, 28), dtype=np.float32)
    out_labels = np.zeros(count, dtype=np.int64)
    made = 0
    while made < count:
        canvas, cut, first, second = _touching_pair(digits, rng)
        cut = int(np.clip(round(cut + rng.normal(0.0, 0.05 * canvas.shape[0])), 1, canvas.shape[1] - 1))
        for part, index in ((canvas[:, :cut], first), (canvas[:, cut:], second)):
            if made < count and part.max() > 0:
                out[made] = normalize_to_mnist(part)
                out_labels[made] = labels[index]
                made += 1
    return out, out_labels


def _touching_pair(digits, rng):
    """One blob of two digits written into each other: ``(canvas, cut column, first index, second index)``.

    The cut column is the middle of the overlap, where a column through the pair separates them best.
    """
    for _ in range(MAX_ATTEMPTS):
        height, pen = random_writer(rng)
        indices = [int(rng.integers(len(digits))) for _ in range(2)]
        first, second = (trim(redraw_digit(digits[i], height * rng.uniform(0.85, 1.05), pen, rng))
                         for i in indices)
        overlap = pen * rng.uniform(*OVERLAP_PEN_WIDTHS)
        left = max(int(round(first.shape[1] - overlap)), 1)
        drop = int(round(rng.normal(0.0, 0.04 * height)))  # baselines of one line, not one ruler
        bottom_first, bottom_second = max(0, drop), max(0, -drop)
        rows = max(first.shape[0] + bottom_first, second.shape[0] + bottom_second)
        canvas = blank(rows, max(first.shape[1], left + second.shape[1]))
        paint(canvas, first, rows - bottom_first - first.shape[0], 0)
        paint(canvas, second, rows - bottom_second - second.shape[0], left)
        if label(canvas > 0.5, structure=np.ones((3, 3)))[1] == 1:  # else not touching: the pipeline
            return canvas, (left + first.shape[1]) / 2.0, indices[0], indices[1]  # sees two symbols
    raise TrainingDataError(f"no two of these {len(digits)} digits touched in {MAX_ATTEMPTS} tries: "
                            "are the images empty?")
