"""The converter, for real: tiny Keras models converted to TF.js and run in Node on the wasm backend.

Conversions run in this process (TensorFlow is imported once per module); the command-line errors run
``python -m converter`` in a subprocess, which answers them before importing TensorFlow.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from converter.convert import convert
from converter.errors import ConversionError
from converter.manifest import verify_manifest
from converter.parity import compare
from py_pipeline.symbols import CLASSES

REPO_ROOT = Path(__file__).resolve().parents[1]
VERSION = "tiny-1"

pytestmark = pytest.mark.slow


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def _save_version(models_dir, version, model, classes=CLASSES):
    """Lay a model out as training does: ``<version>/model.keras`` + ``card.json``."""
    folder = models_dir / version
    folder.mkdir(parents=True)
    model.save(folder / "model.keras")
    (folder / "card.json").write_text(json.dumps({"version": version, "classes": list(classes)}), encoding="utf-8")
    return folder


def _tiny_cnn():
    """A small CNN with the classify contract, weights exactly representable in float16.

    float16 quantization is then lossless, so 100% top-1 agreement does not depend on an untrained model's
    near-ties surviving rounding; what is tested is the conversion and the runtime.
    """
    keras = _keras()
    keras.utils.set_random_seed(7)
    inputs = keras.Input((28, 28))
    x = keras.layers.Reshape((28, 28, 1))(inputs)
    x = keras.layers.Conv2D(4, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.set_weights([w.astype(np.float16).astype(np.float32) for w in model.get_weights()])
    return model


def _model_uint8_breaks():
    """A dense model one huge weight makes uint8 quantization collapse: every other weight lands on one level.

    The huge weight reads pixel (0, 0), which normalised crops leave blank, so Keras's answers come from the
    small weights, which uint8 (256 levels from min to max) cannot tell apart.
    """
    keras = _keras()
    inputs = keras.Input((28, 28))
    x = keras.layers.Flatten()(inputs)
    outputs = keras.layers.Dense(len(CLASSES), activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    kernel = np.random.default_rng(3).normal(0, 0.05, (28 * 28, len(CLASSES))).astype(np.float32)
    kernel[0, 0] = 1000.0
    model.set_weights([kernel, np.zeros(len(CLASSES), np.float32)])
    return model


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    models = tmp_path_factory.mktemp("models")
    _save_version(models, VERSION, _tiny_cnn())
    (models / "current").write_text(VERSION + "\n", encoding="utf-8")
    return models


@pytest.fixture(scope="module")
def conversion(models_dir):
    """One float16 conversion of the tiny CNN, through the ``current`` pointer, shared by the module."""
    return convert("current", quantization="float16", models_dir=models_dir)


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "converter", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=60, env=env)


def test_manifest_lists_every_model_file_with_its_sha256(models_dir, conversion):
    tfjs = models_dir / VERSION / "tfjs"
    manifest = json.loads((tfjs / "manifest.json").read_text(encoding="utf-8"))
    on_disk = sorted(p.name for p in tfjs.iterdir() if p.name != "manifest.json")
    assert sorted(f["path"] for f in manifest["files"]) == on_disk
    assert manifest["files"][0]["path"] == "model.json"
    for entry in manifest["files"]:
        data = (tfjs / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
    assert manifest["version"] == VERSION  # the pointer was followed, not recorded as "current"
    assert manifest["classes"] == list(CLASSES)
    assert manifest["quantization"] == "float16"
    assert verify_manifest(tfjs) == []


def test_card_records_parity_and_sizes(models_dir, conversion):
    card = json.loads((models_dir / VERSION / "card.json").read_text(encoding="utf-8"))
    recorded = card["conversion"]
    assert recorded["parity"] == conversion["parity"]
    assert card["classes"] == list(CLASSES)  # training's fields are kept
    parity = recorded["parity"]
    assert parity["top1_agreement"] == 1.0 and parity["top1_disagreements"] == 0
    assert parity["inputs"] >= 1000
    assert parity["sources"]["mnist_test"] >= 1000 and parity["sources"]["operators"] > 0
    assert 0 <= parity["max_abs_softmax_diff"] < 1e-4
    assert "wasm" in parity["runtime"] and recorded["tfjs_version"] == "4.22.0"
    assert recorded["total_bytes"] == sum(recorded["file_sizes"].values()) > 0
    manifest_bytes = (models_dir / VERSION / "tfjs" / "manifest.json").read_bytes()
    assert recorded["manifest_sha256"] == hashlib.sha256(manifest_bytes).hexdigest()
    assert recorded["node_wasm_ms"]["batch10_median"] > 0


def test_no_staging_folders_left_behind(models_dir, conversion):
    assert sorted(p.name for p in (models_dir / VERSION).iterdir()) == ["card.json", "model.keras", "tfjs"]


def test_converting_again_gives_the_same_bytes(models_dir, conversion):
    tfjs = models_dir / VERSION / "tfjs"
    before = (tfjs / "manifest.json").read_bytes()

    again = convert(VERSION, quantization="float16", models_dir=models_dir)

    assert (tfjs / "manifest.json").read_bytes() == before  # model.json is canonicalised, weights deterministic
    assert again["manifest_sha256"] == conversion["manifest_sha256"]
    assert sorted(p.name for p in (models_dir / VERSION).iterdir()) == ["card.json", "model.keras", "tfjs"]


def test_parity_failure_is_refused_and_keeps_the_previous_tfjs(tmp_path):
    folder = _save_version(tmp_path, "breaks-uint8", _model_uint8_breaks())
    convert("breaks-uint8", quantization="none", models_dir=tmp_path)
    before = {p.name: p.read_bytes() for p in (folder / "tfjs").iterdir()}
    card_before = (folder / "card.json").read_bytes()

    with pytest.raises(ConversionError, match=r"conversion refused: TF.js and Keras disagree .*--quantize float16"):
        convert("breaks-uint8", quantization="uint8", models_dir=tmp_path)

    assert {p.name: p.read_bytes() for p in (folder / "tfjs").iterdir()} == before
    assert (folder / "card.json").read_bytes() == card_before
    assert sorted(p.name for p in folder.iterdir()) == ["card.json", "model.keras", "tfjs"]


def test_class_list_that_differs_is_refused_before_converting(models_dir):
    swapped = list(CLASSES)
    swapped[12], swapped[13] = swapped[13], swapped[12]
    folder = models_dir / "swapped"
    folder.mkdir()
    (folder / "model.keras").write_bytes((models_dir / VERSION / "model.keras").read_bytes())
    (folder / "card.json").write_text(json.dumps({"classes": swapped}), encoding="utf-8")

    done = run_cli("swapped", "--models-dir", str(models_dir))

    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("error: model swapped was trained for classes [")
    assert "but the pipeline expects" in message
    assert not (folder / "tfjs").exists()


def test_model_not_found_lists_the_versions_that_exist(models_dir):
    done = run_cli("v-missing", "--models-dir", str(models_dir))

    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("error: no model 'v-missing'")
    assert VERSION in message.split("(available: ")[1].rstrip(")").split(", ")


def test_missing_node_is_named(models_dir):
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # python only, no node

    done = run_cli(VERSION, "--models-dir", str(models_dir), env=env)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("error: Node is not on PATH")


def test_missing_converter_extra_is_named(models_dir, tmp_path):
    """A Python whose site-packages really lacks tensorflowjs: every other installed package is linked in."""
    import site

    packages = tmp_path / "site-packages-without-tfjs"
    packages.mkdir()
    for root in site.getsitepackages():
        for entry in Path(root).iterdir():
            if not entry.name.lower().startswith("tensorflowjs") and not (packages / entry.name).exists():
                (packages / entry.name).symlink_to(entry)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(packages)])}
    done = subprocess.run([sys.executable, "-S", "-m", "converter", VERSION, "--models-dir", str(models_dir)],
                          capture_output=True, text=True, cwd=REPO_ROOT, env=env, timeout=120)

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "error: the TF.js converter is not installed: run `pip install -e '.[convert]'`")


def test_missing_node_modules_is_named(models_dir, tmp_path):
    """A checkout that never ran `npm ci`: the code copied into a folder with no node_modules beside it."""
    import shutil

    checkout = tmp_path / "checkout"
    for package in ("converter", "py_pipeline", "training"):
        shutil.copytree(REPO_ROOT / package, checkout / package, ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-m", "converter", VERSION, "--models-dir", str(models_dir)],
                          capture_output=True, text=True, cwd=checkout, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(checkout)})

    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: node_modules is missing") and last.endswith(f"run `npm ci` in {checkout}")


def test_compare_names_the_rows_whose_top_class_differs():
    keras_probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.7, 0.3]], np.float32)
    tfjs_probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.7, 0.3]], np.float32)

    report = compare(keras_probs, tfjs_probs)

    assert report.disagreeing_indices == (1,) and not report.passed
    assert report.top1_agreement == pytest.approx(2 / 3) and report.max_abs_softmax_diff == pytest.approx(0.2)
