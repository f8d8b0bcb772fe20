"""The second look at unsure crops (py_pipeline/views.py): the views themselves, the averaging, and what it
does for the real model on redrawn MNIST test digits."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from py_pipeline import views
from py_pipeline.errors import ModelError
from py_pipeline.symbols import CLASSES


def _blob(row=14.0, col=12.0, sigma=2.0):
    """A soft round dot of ink centred at (row, col): smooth, so interpolation differences stay small."""
    rr, cc = np.mgrid[0:28, 0:28]
    return np.exp(-((rr - row) ** 2 + (cc - col) ** 2) / (2 * sigma ** 2)).astype(np.float32)


def test_views_are_the_crops_moved_one_pixel_each_way():
    crops = np.stack([_blob(), _blob(row=3.0, col=25.0)])
    out = views.views(crops)
    assert out.shape == (len(views.SHIFTS_PX), 2, 28, 28) and out.dtype == np.float32
    for k, shift in enumerate(views.SHIFTS_PX):
        np.testing.assert_allclose(out[k], ndi.shift(crops, (0, *shift), order=1), atol=1e-6)
    assert sorted(map(tuple, np.abs(views.SHIFTS_PX))) == [(0, 1), (0, 1), (1, 0), (1, 0)]


def test_views_of_no_crops_are_empty():
    assert views.views(np.zeros((0, 28, 28), dtype=np.float32)).shape[1] == 0


class _ByInkColumn:
    """Reads "1" the more of a crop's ink lies right of the centre column, "7" the more lies left of it."""

    def __init__(self):
        self.calls = []

    def __call__(self, crops):
        self.calls.append(len(crops))
        right = crops[:, :, 14:].sum(axis=(1, 2)) / np.maximum(crops.sum(axis=(1, 2)), 1e-6)
        out = np.zeros((len(crops), len(CLASSES)), dtype=np.float32)
        out[:, CLASSES.index("1")] = right
        out[:, CLASSES.index("7")] = 1.0 - right
        return out


def test_sure_crops_are_not_looked_at_again():
    classify = _ByInkColumn()
    crops = np.stack([_blob(col=20.0), _blob(col=6.0)])  # all ink on one side: read at ≈ 1.0
    probabilities = classify(crops)
    again, count = views.second_look(classify, crops, probabilities)
    assert count == 0 and classify.calls == [2]
    np.testing.assert_array_equal(again, probabilities)


def test_an_unsure_crop_is_the_average_of_its_views_in_one_more_call():
    classify = _ByInkColumn()
    crops = np.stack([_blob(col=20.0), _blob(col=12.5), _blob(col=6.0)])  # the middle one is unsure
    probabilities = classify(crops)
    again, count = views.second_look(classify, crops, probabilities)
    assert count == 1 and classify.calls == [3, len(views.views(crops[:1]))]
    looks = classify(views.views(crops[1:2])[:, 0])
    np.testing.assert_allclose(again[1], (probabilities[1] + looks.sum(axis=0)) / (len(looks) + 1), atol=1e-6)
    np.testing.assert_array_equal(again[[0, 2]], probabilities[[0, 2]])
    assert not np.allclose(again[1], probabilities[1], atol=1e-3)  # its views read differently
    np.testing.assert_allclose(again.sum(axis=1), 1.0, atol=1e-5)


def test_a_classifier_that_answers_the_second_look_wrongly_is_a_model_error():
    crops = np.stack([_blob(col=13.5)])
    unsure = np.full((1, len(CLASSES)), 1.0 / len(CLASSES), dtype=np.float32)
    with pytest.raises(ModelError, match="second look"):
        views.second_look(lambda c: np.ones((len(c), 3), dtype=np.float32), crops, unsure)


# --- with the trained model ----------------------------------------------------------------------------

REDRAWN_DIGITS = 4000


@pytest.fixture(scope="module")
def redrawn_test_digits():
    from training.mnist_data import load_mnist
    from training.redraw import redraw_batch

    mnist = load_mnist()
    digits = mnist.test_images[-REDRAWN_DIGITS:]
    return redraw_batch(digits, np.random.default_rng(20261126)), mnist.test_labels[-REDRAWN_DIGITS:]


def test_the_second_look_reads_redrawn_digits_at_least_as_well_as_the_model_alone(redrawn_test_digits):
    from training.model_store import load_classifier

    classify = load_classifier(None)  # models/current, as the CLI and the site use
    crops, labels = redrawn_test_digits
    alone = classify(crops)
    again, count = views.second_look(classify, crops, alone)
    sure = alone.max(axis=1) >= views.SECOND_LOOK_BELOW
    assert 0 < count < 0.2 * len(crops) and count == (~sure).sum()
    np.testing.assert_array_equal(again[sure], alone[sure])
    right_alone = int((alone.argmax(axis=1) == labels).sum())
    right_again = int((again.argmax(axis=1) == labels).sum())
    print(f"{right_alone} alone, {right_again} with the second look, of {len(labels)}; looked again at {count}")
    assert right_again >= right_alone, (right_alone, right_again)
