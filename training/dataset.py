"""Assemble the training and validation sets: MNIST digits, their distorted and redrawn copies, operators.

Generation is split into independent jobs, each with its own random stream derived from the run's seed, so the
data is the same whether one process or several build it. Jobs run in spawned worker processes (never forked:
TensorFlow may already be loaded in the parent) because redrawing and drawing are per-image Python loops.
numpy, SciPy and scikit-image only; no TensorFlow here.
"""

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context

import numpy as np

from py_pipeline.normalize import normalize_batch
from py_pipeline.symbols import CLASSES
from training.augment import augment_digits
from training.extra_symbols import load_symbol_folder
from training.operators import GENERATED_CLASSES, generate_symbols
from training.redraw import redraw_batch
from training.scribbles import scribbles
from training.touching import OUTLIER, touching_pairs, touching_parts

# Random streams: one per kind of data, so changing one amount never changes the images of another.
(STREAM_SPLIT, STREAM_AUGMENT, STREAM_REDRAW, STREAM_REDRAW_VAL, STREAM_OPS, STREAM_OPS_VAL, STREAM_TOUCHING,
 STREAM_PARTS, STREAM_SCRIBBLES) = range(1, 10)
STREAM_EVAL_OPS, STREAM_EVAL_REDRAW, STREAM_EVAL_SCRIBBLES = 101, 102, 103

CHUNK = 1000
"""Images per job: small enough to balance two workers, large enough to amortise process overhead."""


@dataclass
class Datasets:
    """Normalised ``(N, 28, 28)`` float32 images and int64 labels (indices into ``CLASSES``, or
    :data:`training.touching.OUTLIER` for a touching pair, in training only)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    val_images: np.ndarray
    val_labels: np.ndarray
    composition: dict = field(default_factory=dict)
    """How many images of each kind went in, for the model card."""


def random_stream(seed, stream, index=0):
    """The generator of job ``index`` in ``stream`` of a run seeded with ``seed``."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream, index)))


def build_datasets(mnist, config, log=print):
    """Build training and validation data from ``mnist`` (:class:`training.mnist_data.MnistData`).

    Validation holds MNIST training digits never trained on (plus canvas-style redraws of some of them) and
    generated symbols from their own random stream, so early stopping watches both domains.
    """
    started = time.perf_counter()
    extra = None
    if config.extra_symbols:  # first: a wrong folder should fail before minutes of generation
        extra = load_symbol_folder(config.extra_symbols)
        summary = extra[2]
        log(f"data: {len(extra[1])} extra symbols from {config.extra_symbols} {summary['counts']}"
            + (f", skipped folders {summary['skipped_folders']}" if summary["skipped_folders"] else ""))
    digits = mnist.train_images
    labels = mnist.train_labels.astype(np.int64)
    if config.mnist_train_limit:
        digits, labels = digits[:config.mnist_train_limit], labels[:config.mnist_train_limit]
    normalised = normalize_batch(digits.astype(np.float32) / 255.0)
    order = random_stream(config.seed, STREAM_SPLIT).permutation(len(digits))
    val_index, train_index = order[:config.validation_digits], order[config.validation_digits:]
    pick = random_stream(config.seed, STREAM_SPLIT, 1)
    augment_index = pick.choice(train_index, size=min(config.augmented_digits, len(train_index)), replace=False)
    redraw_weight = np.where(labels[train_index] == 1, config.redraw_ones_factor, 1.0)
    redraw_index = pick.choice(train_index, size=min(config.redrawn_digits, len(train_index)), replace=False,
                               p=redraw_weight / redraw_weight.sum())
    redraw_val_index = val_index[:len(val_index) // 4]
    log(f"data: {len(train_index)} MNIST digits to train, {len(val_index)} held out for validation")

    jobs = {"augmented": [], "redrawn": [], "redrawn_val": [], "generated": [], "generated_val": [],
            "touching": [], "parts": [], "scribbles": []}
    for i, chunk in enumerate(_chunks(augment_index)):
        jobs["augmented"].append((_augment_job, normalised[chunk], labels[chunk], config.seed, i,
                                  config.augment))
    for i, chunk in enumerate(_chunks(redraw_index)):
        jobs["redrawn"].append((_redraw_job, digits[chunk], labels[chunk], config.seed, STREAM_REDRAW, i,
                                config.redrawn_augmented_share, config.augment))
    for i, chunk in enumerate(_chunks(redraw_val_index)):
        jobs["redrawn_val"].append((_redraw_job, digits[chunk], labels[chunk], config.seed, STREAM_REDRAW_VAL, i,
                                    0.0, config.augment))
    for i, count in enumerate(_chunk_sizes(config.touching_pairs)):
        jobs["touching"].append((_touching_job, digits[pick.choice(train_index, size=2 * count)], count,
                                 config.seed, i))
    for i, count in enumerate(_chunk_sizes(config.touching_parts)):
        chosen = pick.choice(train_index, size=count)
        jobs["parts"].append((_parts_job, digits[chosen], labels[chosen], count, config.seed, i))
    for i, count in enumerate(_chunk_sizes(config.scribbles)):
        jobs["scribbles"].append((_scribbles_job, count, config.seed, i))
    jobs["generated"] = _symbol_jobs(config.samples_per_class, config.seed, STREAM_OPS)
    jobs["generated_val"] = _symbol_jobs(config.validation_per_class, config.seed, STREAM_OPS_VAL)
    results = run_jobs([job for kind in jobs.values() for job in kind], config.workers, log)

    parts = {}
    for kind, kind_jobs in jobs.items():
        parts[kind], results = results[:len(kind_jobs)], results[len(kind_jobs):]
    generated, generated_val = _concat(parts["generated"]), _concat(parts["generated_val"])
    train = [(normalised[train_index], labels[train_index]),
             (_stack(parts["augmented"]), labels[augment_index]),
             (_stack(parts["redrawn"]), labels[redraw_index]),
             generated,
             (_stack(parts["touching"]), np.full(config.touching_pairs, OUTLIER, dtype=np.int64)),
             _concat(parts["parts"]),
             (_stack(parts["scribbles"]), np.full(config.scribbles, OUTLIER, dtype=np.int64))]
    val = [(normalised[val_index], labels[val_index]),
           (_stack(parts["redrawn_val"]), labels[redraw_val_index]),
           generated_val]
    composition = {"mnist_digits": len(train_index), "augmented_digits": len(augment_index),
                   "redrawn_digits": len(redraw_index), "generated_symbols": len(generated[1]),
                   "touching_pairs": config.touching_pairs, "touching_parts": config.touching_parts,
                   "scribbles": config.scribbles,
                   "validation": {"mnist_digits": len(val_index), "redrawn_digits": len(redraw_val_index),
                                  "generated_symbols": len(generated_val[1])}}
    if extra is not None:
        train.append(extra[:2])
        composition["extra_symbols"] = extra[2]
    train_images, train_labels = _concat(train)
    val_images, val_labels = _concat(val)
    composition["per_class_train"] = {cls: int(n) for cls, n in
                                      zip(CLASSES, np.bincount(train_labels[train_labels >= 0],
                                                               minlength=len(CLASSES)))}
    log(f"data: {len(train_labels)} training and {len(val_labels)} validation images "
        f"in {time.perf_counter() - started:.0f} s")
    return Datasets(train_images, train_labels, val_images, val_labels, composition)


def evaluation_symbols(per_class, seed):
    """Held-out generated symbols for the evaluation report (random streams no training run uses)."""
    return generate_symbols(GENERATED_CLASSES, per_class, seed=np.random.SeedSequence(
        seed, spawn_key=(STREAM_EVAL_OPS,)))


def run_jobs(jobs, workers, log=print):
    """Run ``(function, *args)`` jobs, in order, on ``workers`` spawned processes (1 = in this process)."""
    if workers <= 1 or len(jobs) <= 1:
        return [job[0](*job[1:]) for job in jobs]
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(*job) for job in jobs]
        results = []
        for done, future in enumerate(futures, start=1):
            results.append(future.result())
            if done % max(1, len(futures) // 5) == 0 or done == len(futures):
                log(f"data: {done}/{len(futures)} generation jobs done")
        return results


def _symbol_jobs(per_class, seed, stream):
    jobs = []
    for c, cls in enumerate(GENERATED_CLASSES):
        for i, count in enumerate(_chunk_sizes(per_class)):
            jobs.append((_symbols_job, cls, count, seed, stream, c * 10_000 + i))
    return jobs


def _augment_job(images, labels, seed, index, ranges):
    return augment_digits(images, labels, random_stream(seed, STREAM_AUGMENT, index), ranges)


def _redraw_job(digits, labels, seed, stream, index, augmented_share, ranges):
    rng = random_stream(seed, stream, index)
    images = redraw_batch(digits, rng)
    distort = rng.random(len(images)) < augmented_share
    if distort.any():
        images[distort] = augment_digits(images[distort], labels[distort], rng, ranges)
    return images


def _touching_job(digits, count, seed, index):
    return touching_pairs(digits, count, random_stream(seed, STREAM_TOUCHING, index))


def _parts_job(digits, labels, count, seed, index):
    return touching_parts(digits, labels, count, random_stream(seed, STREAM_PARTS, index))


def _scribbles_job(count, seed, index):
    return scribbles(count, random_stream(seed, STREAM_SCRIBBLES, index))


def _symbols_job(cls, count, seed, stream, index):
    return generate_symbols((cls,), count, seed=np.random.SeedSequence(seed, spawn_key=(stream, index)))


def _chunk_sizes(total):
    """Sizes of the jobs that make ``total`` images: :data:`CHUNK` each, the rest in the last."""
    return [min(CHUNK, total - start) for start in range(0, total, CHUNK)]


def _chunks(index):
    return [index[i:i + CHUNK] for i in range(0, len(index), CHUNK)]


def _stack(image_batches):
    """One ``(N, 28, 28)`` array from job results (an empty one when there were no jobs)."""
    return np.concatenate([np.zeros((0, 28, 28), np.float32), *image_batches]).astype(np.float32)


def _concat(pairs):
    """Concatenate ``(images, labels)`` pairs into one pair."""
    images = _stack([p[0] for p in pairs])
    labels = np.concatenate([np.zeros(0, np.int64), *[p[1] for p in pairs]]).astype(np.int64)
    return images, labels
