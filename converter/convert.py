"""One conversion, start to finish: check, convert into a staging folder, parity-check, then move into place.

Nothing under ``models/<version>/tfjs/`` changes unless the new model passed parity: the converter writes into
a hidden staging folder beside it and renames it into place only at the end, so a refused or crashed
conversion leaves the previous ``tfjs/`` (or none) exactly as it was.
"""

import os
import shutil
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from training.mnist_data import sha256_of
from training.model_store import MODEL_FILE, check_classes, load_classifier, model_dir, write_card

from .errors import ConversionError
from .export import QUANTIZATIONS, convert_to_graph_model, library_versions
from .manifest import MANIFEST_NAME, write_manifest
from .parity import REQUIRED_TOP1_AGREEMENT, compare, run_tfjs
from .parity_inputs import parity_inputs
from .toolchain import check_toolchain

TFJS_FOLDER = "tfjs"
_STAGING_PREFIX = ".tfjs-partial-"
_RETIRED_PREFIX = ".tfjs-old-"


def convert(version, quantization="float16", models_dir=None):
    """Convert ``models_dir/<version>/model.keras`` to ``tfjs/`` and record the result in its card.

    Parameters
    ----------
    version : str
        A folder under ``models_dir``, or ``"current"`` for the version ``models_dir/current`` names.
    quantization : {"float16", "uint8", "none"}
        Weight storage. No silent fallback: if float16 changes an answer the conversion is refused and the
        message says to re-run with ``--quantize none``.
    models_dir : str or Path, optional
        Folder holding the versions; default the repository's ``models/``.

    Returns
    -------
    conversion : dict
        The ``"conversion"`` section written into ``card.json``.

    Raises
    ------
    py_pipeline.errors.InkcalcError
        ``ModelError`` from ``training.model_store`` (model not found, class list differs from the pipeline's)
        or :class:`ConversionError` (a tool missing, the model does not convert, parity refused).
    """
    started = time.perf_counter()
    if quantization not in QUANTIZATIONS:
        raise ConversionError(f"unknown quantization {quantization!r}: choose one of {', '.join(QUANTIZATIONS)}")
    folder = model_dir(version, models_dir)  # follows "current"; lists the versions when there is no such model
    check_classes(folder)  # these checks answer before TensorFlow is imported
    tools = check_toolchain()
    crops, sources = parity_inputs()
    classify = load_classifier(folder)
    keras_probs = classify(crops)  # the very classify the CPython CLI uses
    _remove_leftovers(folder)
    staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=folder))
    try:
        convert_to_graph_model(classify.model, staging, quantization)
        tfjs_probs, runtime = run_tfjs(tools.node, staging, crops)
        report = compare(keras_probs, tfjs_probs)
        if not report.passed:
            raise ConversionError(_refusal(report, quantization, folder / TFJS_FOLDER))
        write_manifest(staging, folder.name, quantization)
        sizes = {p.name: p.stat().st_size for p in sorted(staging.iterdir()) if p.name != MANIFEST_NAME}
        _move_into_place(staging, folder / TFJS_FOLDER)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # only still there if something failed

    conversion = _conversion_record(folder, quantization, sizes, report, dict(sources), runtime,
                                    seconds=time.perf_counter() - started)
    write_card(folder, {**classify.card, "conversion": conversion})
    return conversion


def _conversion_record(folder, quantization, sizes, report, sources, runtime, seconds):
    """The card's ``"conversion"`` section: what was written, how it compares with Keras, with what tools."""
    timing = runtime["batch10_ms"]
    return {
        "format": "tfjs_graph_model",
        "quantization": quantization,
        "command": f"python -m converter {folder.name} --quantize {quantization}",
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source_sha256": sha256_of(folder / MODEL_FILE),
        "manifest_sha256": sha256_of(folder / TFJS_FOLDER / MANIFEST_NAME),
        "file_sizes": sizes,
        "total_bytes": sum(sizes.values()),
        "parity": {**report.to_dict(), "required_top1_agreement": REQUIRED_TOP1_AGREEMENT, "sources": sources,
                   "runtime": f"TF.js {runtime['tfjs']} {runtime['backend']} in Node"},
        "tfjs_version": runtime["tfjs"],
        **library_versions(),
        "node_wasm_ms": {"load": round(runtime["load_ms"], 1), "batch10_median": round(timing["median"], 2),
                         "batch10_min": round(timing["min"], 2), "all_inputs": round(runtime["predict_all_ms"], 1)},
        "seconds": round(seconds, 1),
    }


def _refusal(report, quantization, target):
    """The one-line message of a conversion refused for changing answers."""
    first = ", ".join(f"#{i}" for i in report.disagreeing_indices[:5])
    if quantization == "none":
        advice = "the float32 graph itself differs from Keras: check the model's layers are supported by TF.js"
    elif quantization == "uint8":
        advice = "uint8 weights change answers: re-run with `--quantize float16` (or `none` for float32)"
    else:
        advice = "float16 weights change answers: re-run with `--quantize none` (float32)"
    return (f"conversion refused: TF.js and Keras disagree on the top class of "
            f"{len(report.disagreeing_indices)} of {report.inputs} parity crops (first: {first}; "
            f"max softmax difference {report.max_abs_softmax_diff:.2e}); {target} was left unchanged; {advice}")


def _move_into_place(staging, target):
    """Swap the finished ``staging`` folder in as ``target``, retiring any previous one only afterwards."""
    retired = None
    if target.exists():
        retired = target.with_name(f"{_RETIRED_PREFIX}{os.getpid()}")
        os.rename(target, retired)
    staging.chmod(0o755)  # mkdtemp makes it owner-only; the site build and web servers must read it
    os.rename(staging, target)
    if retired is not None:
        shutil.rmtree(retired)


def _remove_leftovers(folder):
    """Tidy up after a conversion that was killed: delete its staging folders, and put back a ``tfjs/`` it
    had retired but not yet replaced (the staging folder is never a checked model; the retired one was)."""
    target = folder / TFJS_FOLDER
    for leftover in sorted(folder.iterdir()):
        if not leftover.is_dir():
            continue
        if leftover.name.startswith(_RETIRED_PREFIX) and not target.exists():
            os.rename(leftover, target)
        elif leftover.name.startswith((_STAGING_PREFIX, _RETIRED_PREFIX)):
            shutil.rmtree(leftover, ignore_errors=True)
