"""A composed expression as a phone would photograph it: on printed paper, on a desk, askew, lit unevenly.

The web app's Photo button and the CLI take photos of handwriting, and the pipeline has a stage for each
thing a photo adds to a clean drawing (:mod:`py_pipeline.image_input`, :mod:`py_pipeline.sheet`,
:mod:`py_pipeline.ruled_lines`, :mod:`py_pipeline.straighten`). No photos of handwritten arithmetic can be
had here, so the benchmark makes them: the writing of :func:`training.expression_images.compose_expression`
on a sheet that is blank, lined or squared, turned a little, lying on a darker desk or filling the frame,
lit from one side, enlarged to a camera's size (2000–4000 px along its longer side), with sensor noise and JPEG
compression.

numpy, scikit-image and Pillow only, no TensorFlow.
"""

import io

import numpy as np
from PIL import Image
from skimage.transform import rescale, rotate

PAPERS = ("blank", "lined", "squared")


def photograph(drawing, rng):
    """A photo (uint8 RGB) of a dark-on-light drawing (uint8 grey or RGB), every choice drawn from ``rng``."""
    grey = np.asarray(drawing, dtype=np.float32)
    if grey.ndim == 3:
        grey = grey[..., :3].mean(axis=2)
    grey /= 255.0
    rows = np.flatnonzero((grey < 0.5).any(axis=1))
    text_height = float(rows[-1] - rows[0] + 1) if rows.size else grey.shape[0] / 2.0
    height, width = grey.shape
    pad_rows, pad_cols = int(rng.uniform(0.5, 1.5) * height), int(rng.uniform(0.05, 0.3) * width)
    sheet = np.pad(grey, ((pad_rows, pad_rows), (pad_cols, pad_cols)), constant_values=1.0)
    baseline = pad_rows + (rows[-1] if rows.size else height // 2)
    sheet = np.minimum(sheet, _rules(sheet.shape, rng.choice(PAPERS), rng, text_height, baseline))
    sheet = rotate(sheet, rng.uniform(-6.0, 6.0), resize=True, cval=-1.0, order=1)

    desk = rng.uniform(0.12, 0.45)
    margin = rng.uniform(0.04, 0.15) if rng.random() < 2 / 3 else 0.0  # else the sheet fills the frame
    rows_out, cols_out = (int(margin * side) for side in sheet.shape)
    photo = np.pad(sheet, ((rows_out, rows_out), (cols_out, cols_out)), constant_values=desk)
    photo[photo < 0] = desk  # the corners the turned sheet leaves
    y, x = np.mgrid[0:photo.shape[0], 0:photo.shape[1]]
    fy, fx = rng.choice([-1.0, 1.0], size=2)
    light = ((fx * (x / photo.shape[1] - 0.5)) + (fy * (y / photo.shape[0] - 0.5)) + 1.0) / 2.0  # 0..1
    photo = photo * (1.0 - rng.uniform(0.0, 0.5) * light)

    # A camera's size: 2000-4000 px along the width, or along the height when that is longer (a column of
    # numbers photographed upright), as a phone frames it.
    photo = rescale(photo, rng.uniform(2000, 4000) / max(photo.shape), order=1, anti_aliasing=False)
    photo = photo + rng.normal(0.0, 0.01, photo.shape)
    tint = np.array([1.0, rng.uniform(0.95, 1.0), rng.uniform(0.85, 0.97)])
    rgb = np.clip(photo[..., None] * tint * 255.0, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="JPEG", quality=int(rng.integers(80, 93)))
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"))


def ruled_paper(shape, spacing, level, offset=0.0, thickness=2.0, skew_deg=0.0, squared=False,
                column_offset=None):
    """Paper (float32, 1 white) printed with anti-aliased rules of grey ``level`` (0 black) every ``spacing``
    pixels, one through row ``offset``, turned by ``skew_deg``; ``squared`` adds columns of rules through
    ``column_offset`` (``offset`` when None). The tests of the rule remover print their paper with it too."""
    rows, columns = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float64)
    slope = np.tan(np.radians(skew_deg))

    def coverage(position, at):
        distance = np.abs((position - at + spacing / 2) % spacing - spacing / 2)
        return np.clip(thickness / 2 + 0.5 - distance, 0.0, 1.0)

    rule = coverage(rows - slope * columns, offset)
    if squared:
        rule = np.maximum(rule, coverage(columns + slope * rows, offset if column_offset is None else column_offset))
    return (1.0 - rule * (1.0 - level)).astype(np.float32)


def _rules(shape, paper, rng, text_height, baseline):
    """Paper (1) printed with rules of a random kind, one of them under the writing; all ones when blank."""
    if paper == "blank":
        return np.ones(shape, dtype=np.float32)
    spacing = rng.uniform(1.2, 1.6) * text_height
    level = rng.uniform(0.55, 0.85)
    thickness = rng.uniform(1.5, 3.0)
    squared = paper == "squared"
    column_offset = rng.uniform(0, spacing) if squared else None
    return ruled_paper(shape, spacing, level, offset=baseline, thickness=thickness, squared=squared,
                       column_offset=column_offset)
