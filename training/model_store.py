"""Versioned models on disk, the ``models/current`` pointer, and the loader the CLI uses.

Layout::

    models/
      current                 one line: the version in use (a plain file works on every OS and on GitHub Pages)
      <version>/model.keras   the trained Keras model
      <version>/card.json     what it is, how it was made, how well it does
      <version>/*.png         its evaluation report

TensorFlow is imported inside :func:`load_classifier` only, so the pipeline's CLI can import this module, and
report a missing model or a missing TensorFlow as one :class:`~py_pipeline.errors.ModelError` line.
"""

import json
import os
import re
from datetime import date
from pathlib import Path

import numpy as np

from py_pipeline.errors import ModelError
from py_pipeline.symbols import CLASSES

MODELS_ROOT = Path(__file__).resolve().parents[1] / "models"
POINTER = "current"
MODEL_FILE = "model.keras"
CARD_FILE = "card.json"

_VERSION_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def models_root(root=None):
    """The models folder: ``root`` if given, else ``models/`` at the repository root."""
    return Path(root) if root is not None else MODELS_ROOT


def current_version(root=None):
    """The version ``models/current`` names; :class:`ModelError` when there is none."""
    pointer = models_root(root) / POINTER
    try:
        version = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ModelError(f"no current model: {pointer} does not exist; train one with "
                         "`python -m training train` or pick one with `python -m training use VERSION`") from None
    check_version_name(version)
    return version


def check_version_name(version):
    """Refuse names that are not a plain folder name (no paths, no ``..``), with the rule in the message."""
    if not isinstance(version, str) or not _VERSION_PATTERN.match(version) or version == POINTER:
        raise ModelError(f"invalid model version {version!r}: use letters, digits, '.', '_' and '-' "
                         "(e.g. 2026-11-25-a or v1)")
    return version


def model_dir(version=None, root=None):
    """Folder of ``version`` (``None`` or ``"current"`` = the current one); it must hold a model."""
    if version is None or version == POINTER:
        version = current_version(root)
    folder = models_root(root) / check_version_name(version)
    if not (folder / MODEL_FILE).is_file():
        available = ", ".join(list_versions(root)) or "none"
        raise ModelError(f"no model {version!r}: {folder / MODEL_FILE} does not exist (available: {available})")
    return folder


def list_versions(root=None):
    """Versions that hold a model, sorted by name (date-based names sort by date)."""
    folder = models_root(root)
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / MODEL_FILE).is_file())


def read_card(folder):
    """The model card of a model folder as a dict; :class:`ModelError` if it is missing or unreadable."""
    path = Path(folder) / CARD_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path} is missing: every model needs its card (retrain or restore the file)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path} is not readable JSON: {exc}") from exc


def write_card(folder, card):
    """Write ``card`` as ``card.json`` (pretty, UTF-8, keys in insertion order), atomically: the converter
    rewrites the card after training, and an interrupted write must not leave a model without its card."""
    path = Path(folder) / CARD_FILE
    staging = path.with_name(CARD_FILE + ".tmp")
    staging.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staging, path)
    return path


def check_classes(folder):
    """Return the card after checking its class list equals ``py_pipeline.symbols.CLASSES``."""
    card = read_card(folder)
    if list(card.get("classes", [])) != list(CLASSES):
        raise ModelError(f"model {Path(folder).name} was trained for classes {card.get('classes')}, but the "
                         f"pipeline expects {list(CLASSES)}; use a model trained with this code")
    return card


def set_current(version, root=None):
    """Point ``models/current`` at ``version`` after checking it exists and its classes match (rollback)."""
    folder = model_dir(check_version_name(version), root)
    check_classes(folder)
    pointer = models_root(root) / POINTER
    staging = pointer.with_name(POINTER + ".tmp")
    staging.write_text(version + "\n", encoding="utf-8")
    os.replace(staging, pointer)  # atomic: a reader never sees a half-written pointer
    return folder


def new_version_name(root=None, prefix="", today=None):
    """The next free ``[prefix]YYYY-MM-DD-<letter>`` name: ``2026-11-25-a``, then ``-b``, …"""
    stem = f"{prefix}{(today or date.today()).isoformat()}-"
    taken = {p.name for p in models_root(root).iterdir()} if models_root(root).is_dir() else set()
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if stem + letter not in taken:
            return stem + letter
    raise ModelError(f"26 models named {stem}* already exist in {models_root(root)}; pass --version")


class KerasClassifier:
    """The ``classify`` callable: ``(N, 28, 28)`` float32 in [0, 1] → ``(N, len(CLASSES))`` probabilities."""

    def __init__(self, model, folder, card):
        self.model = model
        self.folder = Path(folder)
        self.card = card
        self.version = card.get("version", self.folder.name)
        self._run = None

    def __call__(self, crops):
        crops = np.asarray(crops, dtype=np.float32)
        if crops.ndim != 3 or crops.shape[1:] != (28, 28):
            raise ValueError(f"classify expects crops of shape (N, 28, 28), got {crops.shape}")
        if len(crops) == 0:
            return np.zeros((0, len(CLASSES)), dtype=np.float32)
        if self._run is None:
            self._run = self._runner()
        # Large batches are split to bound memory.
        outputs = [np.asarray(self._run(crops[i:i + 4096]), dtype=np.float32) for i in range(0, len(crops), 4096)]
        return np.concatenate(outputs)

    def _runner(self):
        """The model as one TensorFlow graph, traced once for every batch size.

        ``predict()`` costs several times more than a direct call for the handful of crops of a drawing, and
        a direct (eager) call runs the layers one by one: as a graph, 20 crops take 4 ms instead of 10, and
        4000 crops 0.41 s instead of 0.51 (measured on this 2-core machine). With ``KERAS_BACKEND`` set to
        another backend, the model is called directly.
        """
        keras = import_keras()
        if keras.backend.backend() != "tensorflow":
            return lambda batch: keras.ops.convert_to_numpy(self.model(batch, training=False))
        import tensorflow as tf
        return tf.function(lambda batch: self.model(batch, training=False),
                           input_signature=[tf.TensorSpec([None, 28, 28], tf.float32)])

    def __repr__(self):
        return f"KerasClassifier(version={self.version!r}, folder={str(self.folder)!r})"


def load_classifier(version_or_dir=None, root=None):
    """Load a model as a ``classify`` callable.

    Parameters
    ----------
    version_or_dir : str or Path, optional
        A folder holding ``model.keras`` (e.g. ``models/2026-11-25-a``), a version name, or ``None`` /
        ``"current"`` for the version ``models/current`` names.
    root : str or Path, optional
        Models folder to resolve version names in (default: the repository's ``models/``).

    Raises
    ------
    ModelError
        No such model, no card or a class list that differs from the pipeline's, or TensorFlow/Keras missing.
    """
    candidate = Path(version_or_dir) if version_or_dir is not None else None
    if candidate is not None and (candidate / MODEL_FILE).is_file():
        folder = candidate
    elif candidate is not None and (candidate.is_dir() or len(candidate.parts) > 1):
        raise ModelError(f"{candidate} holds no {MODEL_FILE}; give a model folder such as models/<version>")
    else:
        folder = model_dir(None if version_or_dir is None else str(version_or_dir), root)
    card = check_classes(folder)
    keras = import_keras()
    try:
        model = keras.saving.load_model(folder / MODEL_FILE, compile=False)
    except Exception as exc:  # Keras raises ValueError, OSError, zipfile errors… all mean "unusable file".
        raise ModelError(f"cannot load {folder / MODEL_FILE}: {type(exc).__name__}: {exc}") from exc
    outputs = model.outputs[0].shape[-1]
    if outputs != len(CLASSES):
        raise ModelError(f"{folder / MODEL_FILE} outputs {outputs} classes, the pipeline expects {len(CLASSES)}")
    return KerasClassifier(model, folder, card)


def import_keras():
    """Import Keras on the TensorFlow backend, quietly; :class:`ModelError` when it is not installed."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import keras
    except ImportError as exc:
        raise ModelError(f"TensorFlow/Keras is not installed ({exc}); install the train extra: "
                         "pip install -e '.[train]'") from exc
    return keras
