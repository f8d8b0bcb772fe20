"""Keras in a subprocess, for the browser tests: reference predictions, and a tiny model when none exists.

Run as a script so TensorFlow (seconds to import, a GB of memory, its own thread pools) never loads into the
pytest process, which also drives chromium on the same two cores.

    python tests/keras_reference.py predict MODEL.keras CROPS.npy OUT.npy
    python tests/keras_reference.py tiny OUT_DIR      # OUT_DIR/model.keras and OUT_DIR/tfjs/ (+ manifest)

The tiny model is for development only, before training has produced ``models/current``: a real graph model
of the right shape ((N, 28, 28) → softmax over the 16 classes), so the whole TF.js path is exercised.
"""

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def predict(model_path, crops_path, out_path):
    import numpy as np

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    model = keras.models.load_model(model_path, compile=False)
    crops = np.load(crops_path)
    np.save(out_path, model.predict(crops, verbose=0).astype(np.float32))


def tiny(out_dir):
    import numpy as np

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # model.export needs the TensorFlow backend
    import keras

    from converter.export import convert_to_graph_model
    from converter.manifest import write_manifest
    from py_pipeline.symbols import CLASSES

    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28))
    x = keras.layers.Reshape((28, 28, 1))(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D(4)(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    model.fit(rng.random((256, 28, 28), dtype=np.float32), rng.integers(0, len(CLASSES), 256), epochs=2, verbose=0)
    out_dir = Path(out_dir)
    (out_dir / "tfjs").mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "model.keras")
    convert_to_graph_model(model, out_dir / "tfjs", "float16")
    write_manifest(out_dir / "tfjs", "dev-tiny", "float16")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    command, *args = sys.argv[1:]
    {"predict": predict, "tiny": tiny}[command](*args)
