"""Keras 3 model → SavedModel → TF.js graph model, with the official converter run in-process.

Why this path: TF.js cannot load a *layers* model converted from Keras 3 (``An InputLayer should be passed
either a batchInputShape or an inputShape``); a graph model converted from ``model.export()``'s SavedModel
loads and matches Keras (see /work/shared/TOOLCHAIN.md). The converter runs in this process because
TensorFlow is already imported to load the Keras model; a ``tensorflowjs_converter`` subprocess would import
it a second time. TensorFlow is imported inside the functions, so importing this module is cheap.
"""

import json
import os
import tempfile
from pathlib import Path

from py_pipeline.normalize import SIZE

from .errors import ConversionError

QUANTIZATIONS = ("float16", "uint8", "none")
"""Weight storage choices: float16 halves the download at ~1e-5 softmax error, uint8 quarters it at ~1e-4."""


def convert_to_graph_model(model, out_dir, quantization):
    """Write ``model`` as a TF.js graph model (``model.json`` + weight shards) into the empty ``out_dir``.

    Parameters
    ----------
    model : keras.Model
        Loaded with the TensorFlow backend; input ``(None, 28, 28)``, as the classify contract feeds it.
    out_dir : str or Path
        Existing empty folder.
    quantization : {"float16", "uint8", "none"}
        Storage of the weights; every weight is quantized (``'*'``), activations stay float32.
    """
    if quantization not in QUANTIZATIONS:
        raise ConversionError(f"unknown quantization {quantization!r}: choose one of {', '.join(QUANTIZATIONS)}")
    if tuple(model.input_shape) != (None, SIZE, SIZE):
        raise ConversionError(f"the model takes input {model.input_shape}; the classify contract feeds "
                              f"(None, {SIZE}, {SIZE}) crops (add the channel inside the model)")
    _require_tensorflow_backend()
    dtype_map = None if quantization == "none" else {quantization: ["*"]}
    with tempfile.TemporaryDirectory(prefix="inkcalc-savedmodel-") as saved_model_dir:
        model.export(saved_model_dir, format="tf_saved_model", verbose=False)
        convert_tf_saved_model = _import_tfjs_converter()
        convert_tf_saved_model(saved_model_dir, str(out_dir), quantization_dtype_map=dtype_map)
    _canonicalise_model_json(Path(out_dir) / "model.json")


def _canonicalise_model_json(path):
    """Rewrite ``model.json`` with sorted keys and no spaces, so the same model always gives the same bytes.

    The converter writes each node's ``attr`` (a protobuf map) in a different order on every run: the model is
    identical but its sha256 changes, so the manifest, the site's cache and git would all see a new model.
    JSON object order means nothing to TF.js; dropping the spaces also saves a few percent of the file.
    """
    topology = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(topology, sort_keys=True, separators=(",", ":")), encoding="utf-8")


def library_versions():
    """Versions of the Python side of the conversion, for the card."""
    import keras
    import tensorflow as tf
    import tensorflowjs

    return {"tensorflow": tf.__version__, "keras": keras.__version__,
            "tensorflowjs_converter": tensorflowjs.__version__}


def _require_tensorflow_backend():
    """``model.export`` writes a SavedModel only from the TensorFlow backend; say so instead of failing deep."""
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ConversionError(
            f"Keras runs on the {keras.backend.backend()!r} backend; the SavedModel export needs TensorFlow: "
            "unset KERAS_BACKEND or set it to 'tensorflow'")


def _import_tfjs_converter():
    """The converter's SavedModel entry point.

    Importing it imports tensorflow_decision_forests, whose welcome banner imports IPython (not installed)
    whenever ``sys.stdout`` is not the terminal's own stream, e.g. under pytest's capture or a redirect:
    ``No module named 'IPython'``. The banner's own switch turns it off.
    """
    os.environ.setdefault("TFDF_DISABLE_WELCOME_MESSAGE", "1")
    try:
        from tensorflowjs.converters.tf_saved_model_conversion_v2 import convert_tf_saved_model
    except ImportError as exc:
        raise ConversionError(
            f"the TF.js converter does not import ({exc}): run `pip install -e '.[convert]'`") from None
    return convert_tf_saved_model
