"""Turn one symbol's ink into the 28×28 image the CNN reads, the way MNIST was made.

This is the single normalisation in the project: training calls :func:`normalize_to_mnist` on every training
image (MNIST digits and generated operators alike) and the pipeline calls it on every crop it cuts out of a
drawing, so the classifier never sees two different conventions.
"""

import numpy as np
from skimage.transform import resize

SIZE = 28
"""Side of the square the classifier reads."""

BOX = 20
"""Side of the box the ink is fitted into, as in MNIST (LeCun et al.: 20×20 box, centre of mass centred)."""


def normalize_to_mnist(ink):
    """Fit ink into a 20×20 box, keep its aspect ratio, and put its centre of mass at the centre of 28×28.

    Parameters
    ----------
    ink : (M, N) ndarray
        Ink intensity of one symbol, any size and dtype: 0 is paper, larger is more ink. Bool masks work.

    Returns
    -------
    out : (28, 28) ndarray of float32
        Values in [0, 1], brightest pixel exactly 1. All zeros when ``ink`` has no ink.

    Notes
    -----
    The brightest pixel is rescaled to 1 after resizing because shrinking a long thin stroke (a ``-`` drawn
    100 px wide and 6 px high) to 20 px anti-aliases it into a faint grey line; MNIST strokes are saturated,
    so the classifier would otherwise see something it was never trained on.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"normalize_to_mnist expects a 2-D ink image, got shape {ink.shape}")
    out = np.zeros((SIZE, SIZE), dtype=np.float32)
    rows = np.flatnonzero(ink.max(axis=1) > 0)
    if rows.size == 0:
        return out
    cols = np.flatnonzero(ink.max(axis=0) > 0)
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]

    height, width = crop.shape
    scale = BOX / max(height, width)
    new_shape = (max(1, round(height * scale)), max(1, round(width * scale)))
    if new_shape != crop.shape:
        crop = resize(crop, new_shape, order=1, mode="constant", anti_aliasing=scale < 1, preserve_range=True)
    peak = crop.max()
    if peak <= 0:
        return out
    crop = np.clip(crop / peak, 0.0, 1.0).astype(np.float32)

    top, left = _centre_of_mass_offset(crop)
    out[top:top + crop.shape[0], left:left + crop.shape[1]] = crop
    return out


def normalize_batch(inks):
    """Normalise a sequence of ink images into one ``(N, 28, 28)`` float32 array, ready for ``classify``."""
    batch = np.zeros((len(inks), SIZE, SIZE), dtype=np.float32)
    for i, ink in enumerate(inks):
        batch[i] = normalize_to_mnist(ink)
    return batch


def _centre_of_mass_offset(crop):
    """Top-left corner that puts the crop's centre of mass on the centre of the 28×28 frame, kept inside it."""
    height, width = crop.shape
    total = crop.sum()
    cy = (crop.sum(axis=1) * np.arange(height)).sum() / total
    cx = (crop.sum(axis=0) * np.arange(width)).sum() / total
    centre = (SIZE - 1) / 2
    top = int(np.clip(round(centre - cy), 0, SIZE - height))
    left = int(np.clip(round(centre - cx), 0, SIZE - width))
    return top, left
