"""Mix real drawn symbols into training: ``DIR/<class>/*.png``.

Folder names are resolved with :func:`py_pipeline.symbols.class_for_folder`, so the common layout of public
symbol sets (``plus/ minus/ multiply/``, or ``0/ … 9/``) works as is. Images may be any size, black on white,
white on black or ink on transparent: each is turned into ink and normalised with the one normalisation, as a
crop from the app would be.
"""

from pathlib import Path

import numpy as np

from py_pipeline.normalize import normalize_to_mnist
from py_pipeline.symbols import CLASSES, class_for_folder
from training.errors import TrainingDataError

IMAGE_SUFFIXES = (".png",)


def load_symbol_folder(root):
    """Load every ``root/<class>/*.png`` whose folder names a CNN class.

    Returns
    -------
    images : (N, 28, 28) ndarray of float32, normalised.
    labels : (N,) ndarray of int64, indices into ``CLASSES``.
    summary : dict
        ``{"path", "counts": {class: n}, "skipped_folders": [...]}`` for the model card and the log.

    Raises
    ------
    TrainingDataError
        ``root`` is not a folder, holds no folder that names a class, or an image cannot be read.
    """
    root = Path(root)
    if not root.is_dir():
        raise TrainingDataError(f"--extra-symbols {root} is not a folder; expected {root}/<class>/*.png")
    images, labels, counts, skipped = [], [], {}, []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        cls = class_for_folder(folder.name)
        if cls is None or cls not in CLASSES:
            skipped.append(folder.name)
            continue
        for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            ink = read_ink(path)
            if ink.max() <= 0:
                continue
            images.append(normalize_to_mnist(ink))
            labels.append(CLASSES.index(cls))
            counts[cls] = counts.get(cls, 0) + 1
    if not images:
        raise TrainingDataError(
            f"no usable symbols in {root}: expected sub-folders named after classes (e.g. 0/ … 9/ plus/ minus/ "
            f"multiply/ slash/ lparen/ rparen/) holding .png files; found folders {skipped or 'none'}")
    summary = {"path": str(root), "counts": counts, "skipped_folders": skipped}
    return np.stack(images).astype(np.float32), np.asarray(labels, dtype=np.int64), summary


def read_ink(path):
    """Read a PNG as ink (0 = paper, 1 = ink) whatever its polarity.

    Transparent pixels are paper. Otherwise the image is composited on white and the paper's brightness is
    taken from the border (symbols are cropped with a margin): a bright border means dark ink on light paper.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            rgba = np.asarray(image.convert("RGBA"), dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as exc:
        raise TrainingDataError(f"cannot read symbol image {path}: {exc}") from exc
    alpha = rgba[..., 3]
    luminance = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if alpha.min() < 1.0 and alpha.max() > 0.0 and np.median(_border(alpha)) < 0.5:
        return alpha  # ink on a transparent canvas
    composited = luminance * alpha + (1.0 - alpha)
    ink = 1.0 - composited if np.median(_border(composited)) >= 0.5 else composited
    ink = ink - np.median(_border(ink))  # paper that is not pure white or black
    return np.clip(ink, 0.0, 1.0)


def _border(image):
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
