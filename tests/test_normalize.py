"""The one normalisation: MNIST's 20×20 box, aspect ratio kept, centre of mass centred, saturated strokes."""

import numpy as np
import pytest

from py_pipeline.normalize import BOX, SIZE, normalize_batch, normalize_to_mnist
from training.pen import render_strokes


def _extent(image, axis):
    rows = np.flatnonzero(image.max(axis=axis) > 0.05)
    return rows[-1] - rows[0] + 1


def _centre_of_mass(image):
    total = image.sum()
    ys, xs = np.indices(image.shape)
    return (ys * image).sum() / total, (xs * image).sum() / total


def test_output_shape_dtype_and_range():
    ink = render_strokes([[(20, 20), (60, 140)]], 160, 90, 9)
    out = normalize_to_mnist(ink)
    assert out.shape == (SIZE, SIZE)
    assert out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)


def test_fits_longest_side_into_the_box_and_keeps_aspect_ratio():
    # A 3:1 tall rectangle of ink must come out about 20 high and 7 wide, not stretched square.
    ink = np.zeros((400, 300), dtype=np.float32)
    ink[50:350, 100:200] = 1.0
    out = normalize_to_mnist(ink)
    height, width = _extent(out, 1), _extent(out, 0)
    assert height == BOX
    assert abs(width - BOX / 3) <= 1.5


def test_centre_of_mass_is_at_the_centre_wherever_the_ink_was():
    for x0 in (0, 250, 500):
        ink = render_strokes([[(x0 + 10, 30), (x0 + 40, 30), (x0 + 10, 90)]], 120, 600, 7)
        cy, cx = _centre_of_mass(normalize_to_mnist(ink))
        assert abs(cy - 13.5) <= 1.0 and abs(cx - 13.5) <= 1.0


def test_a_long_thin_minus_stays_saturated():
    # 100 px long, 6 px thick: shrinking anti-aliases it to a faint line unless the peak is restored.
    ink = render_strokes([[(10, 50), (110, 50)]], 100, 120, 6)
    out = normalize_to_mnist(ink)
    assert out.max() == pytest.approx(1.0)
    assert _extent(out, 0) >= BOX - 1


def test_same_glyph_at_any_scale_normalises_to_nearly_the_same_image():
    small = render_strokes([[(5, 5), (25, 45)], [(25, 5), (5, 45)]], 50, 30, 4)
    large = render_strokes([[(20, 20), (100, 180)], [(100, 20), (20, 180)]], 200, 120, 16)
    diff = np.abs(normalize_to_mnist(small) - normalize_to_mnist(large))
    assert diff.mean() < 0.05


def test_mnist_sized_digit_is_almost_unchanged():
    # A glyph already fitted to 20×20 and centred, as MNIST digits are, must not be moved or rescaled.
    digit = np.zeros((28, 28), dtype=np.float32)
    digit[4:24, 11:17] = 1.0
    out = normalize_to_mnist(digit)
    assert np.abs(out - digit).max() < 1e-6


def test_empty_ink_gives_zeros_and_bad_shape_is_refused():
    assert not normalize_to_mnist(np.zeros((30, 40))).any()
    with pytest.raises(ValueError, match="2-D"):
        normalize_to_mnist(np.zeros((3, 4, 5)))


def test_bool_masks_and_batches():
    mask = np.zeros((50, 50), dtype=bool)
    mask[10:40, 20:30] = True
    batch = normalize_batch([mask, mask.astype(np.uint8) * 255])
    assert batch.shape == (2, SIZE, SIZE) and batch.dtype == np.float32
    assert np.allclose(batch[0], batch[1])
