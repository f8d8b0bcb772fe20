"""Vectorised augmentation of 28×28 digits: stroke width, affine and elastic distortion.

Closing the gap between scanned MNIST and canvas ink needs variety MNIST does not have: thinner and thicker
strokes, other slants and aspect ratios, and the small local distortions of a hand (Simard et al., 2003, elastic
deformations). Everything works on a whole batch at once — one ``map_coordinates`` call for all images — so
augmenting tens of thousands of digits takes seconds, and every result is passed through
:func:`py_pipeline.normalize.normalize_to_mnist` again, exactly as the pipeline would crop and normalise it.

numpy + SciPy (already a scikit-image dependency); no TensorFlow.
"""

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter, map_coordinates

from py_pipeline.normalize import normalize_batch

PAD = 6
"""Border added around the 28×28 image so rotation and shear do not cut strokes off."""


@dataclass(frozen=True)
class AugmentRanges:
    """How far each augmentation may go; recorded in the model card through the training config."""

    rotation_deg: float = 10.0
    shear: float = 0.2
    """Horizontal shear factor (x += shear × y): the slant of handwriting."""
    aspect: float = 1.25
    """Largest width/height stretch factor (and its inverse)."""
    elastic_alpha: float = 2.2
    """Largest typical elastic displacement, in pixels."""
    elastic_sigma: float = 3.5
    """Smoothness of the elastic field, in pixels."""
    width_steps: tuple = (-0.5, 0.0, 0.5, 1.0)
    """Stroke-width changes, in pixels of dilation (negative = erosion), drawn uniformly."""
    max_one_slant_deg: float = 32.0
    """A ``1`` may not be pushed past this lean, or it becomes a ``/``."""


def augment_digits(images, labels, rng, ranges=AugmentRanges()):
    """Distort a batch of digits and normalise the results.

    Parameters
    ----------
    images : (N, 28, 28) ndarray of float32
        Normalised digits, ink bright in [0, 1].
    labels : (N,) ndarray of int
        Digit of each image; a ``1`` is kept from leaning past ``ranges.max_one_slant_deg`` (if the distortion
        would push it further than it already leaned, the undistorted digit is kept instead).
    rng : numpy.random.Generator
    ranges : AugmentRanges

    Returns
    -------
    out : (N, 28, 28) ndarray of float32, normalised with ``normalize_to_mnist``.
    """
    images = np.asarray(images, dtype=np.float32)
    steps = rng.choice(np.asarray(ranges.width_steps, dtype=np.float32), size=len(images))
    widened = change_stroke_width(images, steps)
    distorted = affine_elastic(widened, rng, ranges)
    out = normalize_batch(distorted)
    ones = np.flatnonzero(np.asarray(labels) == 1)
    if ones.size:
        before, after = slant_degrees(images[ones]), slant_degrees(out[ones])
        too_slanted = (after > ranges.max_one_slant_deg) & (after > before)
        out[ones[too_slanted]] = normalize_batch(widened[ones[too_slanted]])
    return out


def change_stroke_width(images, steps):
    """Thicken (``step > 0``) or thin (``step < 0``) each image's strokes by ``|step|`` pixels (≤ 1).

    Grey-level dilation/erosion with a 3×3 cross, blended for fractional steps. Erosion that would remove
    more than half of a digit's ink (thin strokes) is skipped for that digit.
    """
    images = np.asarray(images, dtype=np.float32)
    steps = np.asarray(steps, dtype=np.float32).reshape(-1, 1, 1)
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    shifted = np.stack([padded[:, 1:-1, 1:-1], padded[:, :-2, 1:-1], padded[:, 2:, 1:-1],
                        padded[:, 1:-1, :-2], padded[:, 1:-1, 2:]])
    dilated, eroded = shifted.max(axis=0), shifted.min(axis=0)
    target = np.where(steps > 0, dilated, eroded)
    out = images + np.abs(steps) * (target - images)
    kept_ink = out.sum(axis=(1, 2)) / np.maximum(images.sum(axis=(1, 2)), 1e-6)
    out[kept_ink < 0.5] = images[kept_ink < 0.5]
    return out


def affine_elastic(images, rng, ranges=AugmentRanges()):
    """Rotate, shear, stretch and elastically distort each image; returns ``(N, 28+2·PAD, 28+2·PAD)``."""
    images = np.pad(np.asarray(images, dtype=np.float32), ((0, 0), (PAD, PAD), (PAD, PAD)))
    n, height, width = images.shape
    angle = np.radians(rng.uniform(-ranges.rotation_deg, ranges.rotation_deg, n))
    shear = rng.uniform(-ranges.shear, ranges.shear, n)
    stretch = np.exp(rng.uniform(-np.log(ranges.aspect), np.log(ranges.aspect), n))
    cos, sin = np.cos(angle), np.sin(angle)
    # Inverse map: output (y, x) → input (y, x), about the image centre. Forward = rotate · shear · stretch.
    forward = np.empty((n, 2, 2))
    forward[:, 0, 0] = cos / np.sqrt(stretch)
    forward[:, 0, 1] = (-sin + cos * shear) * np.sqrt(stretch)
    forward[:, 1, 0] = sin / np.sqrt(stretch)
    forward[:, 1, 1] = (cos + sin * shear) * np.sqrt(stretch)
    # forward acts on (x, y) column vectors; invert it once per image.
    inverse = np.linalg.inv(forward)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    cy, cx = (height - 1) / 2, (width - 1) / 2
    dx, dy = xs - cx, ys - cy
    src_x = inverse[:, 0, 0, None, None] * dx + inverse[:, 0, 1, None, None] * dy + cx
    src_y = inverse[:, 1, 0, None, None] * dx + inverse[:, 1, 1, None, None] * dy + cy
    if ranges.elastic_alpha > 0:
        field = rng.uniform(-1, 1, size=(2, n, height, width))
        field = gaussian_filter(field, sigma=(0, 0, ranges.elastic_sigma, ranges.elastic_sigma), mode="constant")
        field /= np.maximum(np.abs(field).max(axis=(2, 3), keepdims=True), 1e-9)
        strength = ranges.elastic_alpha * rng.uniform(0.0, 1.0, size=(1, n, 1, 1))
        src_x = src_x + strength[0] * field[0]
        src_y = src_y + strength[0] * field[1]
    index = np.broadcast_to(np.arange(n, dtype=np.float64)[:, None, None], src_x.shape)
    out = map_coordinates(images, [index, src_y, src_x], order=1, mode="constant", cval=0.0)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def slant_degrees(images):
    """Lean of each image's main axis from vertical, in degrees; positive = top to the right (like ``/``).

    From second moments of the ink, so it is cheap for a whole batch and means the same for a ``1`` and a
    ``/``.
    """
    images = np.asarray(images, dtype=np.float64)
    _, height, width = images.shape
    ys, xs = np.mgrid[0:height, 0:width]
    mass = np.maximum(images.sum(axis=(1, 2)), 1e-9)
    cx = (images * xs).sum(axis=(1, 2)) / mass
    cy = (images * ys).sum(axis=(1, 2)) / mass
    dx = xs[None] - cx[:, None, None]
    dy = ys[None] - cy[:, None, None]
    myy = (images * dy * dy).sum(axis=(1, 2)) / mass
    mxy = (images * dx * dy).sum(axis=(1, 2)) / mass
    return np.degrees(np.arctan2(-mxy, np.maximum(myy, 1e-9)))
