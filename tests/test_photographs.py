"""The benchmark's simulated phone photos: camera-sized, deterministic per seed, and still readable."""

import numpy as np

from py_pipeline.recognize import recognize, recognize_batch
from training.expression_images import compose_expression, digits_by_label, random_expression_text
from training.mnist_data import load_mnist
from training.model_store import load_classifier
from training.photographs import photograph


def _drawing(seed):
    mnist = load_mnist()
    rng = np.random.default_rng(seed)
    digits = digits_by_label(mnist.test_images[:2000], mnist.test_labels[:2000])
    return compose_expression(random_expression_text(rng), digits, rng, "dark-on-light")


def test_a_photograph_is_a_camera_sized_rgb_image_the_same_for_the_same_seed():
    drawing = _drawing(1)
    first = photograph(drawing.image, np.random.default_rng(7))
    again = photograph(drawing.image, np.random.default_rng(7))
    other = photograph(drawing.image, np.random.default_rng(8))
    assert first.dtype == np.uint8 and first.ndim == 3 and first.shape[2] == 3
    assert 2000 <= first.shape[1] <= 4000
    assert np.array_equal(first, again) and first.shape != other.shape


def test_the_writing_survives_the_photograph():
    """Photographed four ways (paper, turn, desk, light all drawn from the seed), a drawing reads as itself."""
    classify = load_classifier(None)
    # The photograph is under test, not the classifier: start from a drawing that reads right as drawn.
    drawing = next(d for d in map(_drawing, range(2, 12)) if recognize(d.image, classify).expression == d.text)
    photos = [photograph(drawing.image, np.random.default_rng(seed)) for seed in range(4)]
    read = [result.expression for result in recognize_batch(photos, classify)]
    assert read.count(drawing.text) >= 3, read
