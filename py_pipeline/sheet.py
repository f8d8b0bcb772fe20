"""Pick the sheet of paper out of a photo that also shows what it lies on.

A photo of a sheet on a desk has the desk all around it, and the rest of the input stage takes the paper's
level from the border of the image: it would take the desk for the paper, and the whole sheet for ink. When
the photo is a light sheet on a darker surface, everything outside the sheet is painted over with the level
of the sheet's paper nearest to it, so that the border shows paper again, lit as the sheet is; nothing is
cropped, so every box keeps its place.

A sheet is told from other light areas by five things: it is one large light region (a fifth of the
picture or more, its writing filled in, mostly paper), it leaves much of the picture's border to something
else, that something is darker and wider than a stroke, and the sheet's edge is a step in brightness. The
last test keeps a sheet lit unevenly from being cut along its dim side: light falling off across a page
changes slowly, a sheet's edge at once. For the same reason, paper that the light falls off into, darker
than the threshold between paper and desk, is still the sheet when it is reached from it in gentle steps.

Measured with a throwaway script (60 composed expressions, dark on light, seed 5, padded with paper and
then with a desk of 10% of the sheet's size at grey level 60, noise σ = 3 levels): 57 of 60 read exactly
on the sheet alone, 0 on the desk before this module, 56 with it; 57 with the sheet also turned by 8° and
lit from one side (falloff 0.35) on a desk at level 90; with falloff 0.65, 56 (35 when the desk was painted
with one paper level for the whole sheet).

numpy and SciPy (a scikit-image dependency); everything is decided on a copy shrunk to
:data:`DETECT_SIDE` pixels, so a 12-megapixel photo costs a few milliseconds.
"""

import numpy as np
from scipy import ndimage as ndi

from py_pipeline.segment import otsu_threshold

DETECT_SIDE = 256
"""Longest side of the shrunk copy the sheet is found on."""

MIN_SHEET = 0.2
"""Least share of the picture the sheet covers."""

MIN_PAPER = 0.7
"""Least share of the sheet (its writing filled in) that is light: paper with writing on it, not the
inside of a loop or a tangle of light strokes on a dark canvas, which filling in makes large and solid."""

MIN_BORDER_OFF_SHEET = 0.25
"""Least share of the picture's border that is not the sheet: the surroundings show."""

MIN_DARK_SURROUNDINGS = 0.7
"""Least share of the picture beyond the sheet that is darker than the paper: a desk, not more paper that
strokes running to the border cut off from the rest."""

MIN_MARGIN_PX = 6.0
"""Least width, in pixels of the shrunk copy (2.3% of the picture's longest side), of the surroundings along
the border. Measured: random scribbles drawn with a canvas pen reach 4–5 where they run along the border;
desk margins of 3% of the picture 6–8, of 5% 9–12. A narrower margin is left alone."""

FRAME = 0.4
"""Share of the picture's border beyond the sheet from which the surroundings count however thin they are. A
sheet that nearly fills the frame, turned a little, leaves thin wedges of desk along much of the border,
thinner than :data:`MIN_MARGIN_PX`, and those alone would be taken for the paper (the border's median):
with this, 172 instead of 162 of 200 simulated photos read exactly (``benchmarks/recognition.py --photos``;
170 with 0.8).
Of 400 random scribbles on an opaque canvas, 1 passes all the tests (one drawn along two edges)."""

SURROUNDINGS_TO_STROKE = 3.0
"""How many times further than the writing's strokes are deep the surroundings must reach: a desk shows as a
margin, strokes drawn along the border of a canvas are as thin as the rest of the writing."""

MIN_EDGE_STEP = 0.15
"""Least brightness step (full scale 1) across the sheet's edge, from just outside to just inside it."""

GENTLE_STEP = 0.02
"""Most that the light on paper changes from one pixel of the shrunk copy to the next (full scale 1)."""

EDGE_REACH = 2
"""Pixels of the shrunk copy either side of the sheet's edge whose levels are compared (and how far the
painting-over reaches into the sheet, to cover the shadow along its edge)."""


def isolate_sheet(grey):
    """``grey`` with everything but the sheet set to the level of the paper nearest to it, and where the
    sheet is.

    Parameters
    ----------
    grey : (M, N) ndarray of float32
        Luminance in [0, 1] of an opaque image.

    Returns
    -------
    grey : (M, N) ndarray of float32
        A new array when a sheet was found, else the input itself.
    sheet : (M, N) ndarray of bool or None
        Where the sheet is (a little inside its edge), or None when no sheet was found.
    """
    step = max(1, int(np.ceil(max(grey.shape) / DETECT_SIDE)))
    small = block_means(grey, step)
    if min(small.shape) < 4 * EDGE_REACH or float(small.max()) - float(small.min()) < MIN_EDGE_STEP:
        return grey, None
    light = small > otsu_threshold(small)
    # Cheap refusals first, for the drawings that are no photo of a sheet: paper all along the border (the
    # sheet's share of it can only be smaller), or too little light for a sheet (light ink on dark).
    if border_pixels(light).mean() > 1.0 - MIN_BORDER_OFF_SHEET or light.mean() < MIN_PAPER * MIN_SHEET:
        return grey, None
    sheet = _largest(ndi.binary_fill_holes(light))  # the writing on the sheet is holes in the light region
    if sheet is not None:
        shaded = _shaded_paper(small, sheet)
        light |= shaded
        sheet = ndi.binary_fill_holes(sheet | shaded)
    if sheet is None or sheet.mean() < MIN_SHEET or (light & sheet).sum() < MIN_PAPER * sheet.sum():
        return grey, None
    off_border = 1.0 - border_pixels(sheet).mean()
    if off_border < MIN_BORDER_OFF_SHEET:
        return grey, None
    if (light & ~sheet).sum() > (1.0 - MIN_DARK_SURROUNDINGS) * (~sheet).sum():
        return grey, None  # more paper beyond: strokes cut the page up, it does not lie on anything
    # A sheet nearly filling the picture leaves a thin strip all round (FRAME); else the surroundings must be
    # wider than a stroke, or they are writing along the border.
    if off_border < FRAME and _reach(~sheet & ~light) < max(
            MIN_MARGIN_PX, SURROUNDINGS_TO_STROKE * _reach(sheet & ~light, within=False)):
        return grey, None
    inside = sheet & ~ndi.binary_erosion(sheet, iterations=EDGE_REACH, border_value=1)
    outside = ndi.binary_dilation(sheet, iterations=EDGE_REACH) & ~sheet
    if not inside.any() or not outside.any():
        return grey, None
    if float(np.median(small[inside])) - float(np.median(small[outside])) < MIN_EDGE_STEP:
        return grey, None  # a gradual fall of the light, not an edge: no sheet to pick out
    # Each pixel off the sheet takes the level of the nearest paper on it, so the border keeps the sheet's own
    # lighting: a sheet lit unevenly is still read against its local paper level (image_input._local_paper).
    # The picture's own edge counts as an edge of the sheet too: where the sheet nearly fills the frame, a
    # sliver of desk thinner than a pixel of the shrunk copy runs along it, too thin to see there.
    core = ndi.binary_erosion(sheet, iterations=EDGE_REACH, border_value=0)
    paper = core & light
    if not paper.any():
        return grey, None
    nearest = ndi.distance_transform_edt(~paper, return_distances=False, return_indices=True)
    # The brightest level around each paper pixel, so a rule or a stroke at the sheet's edge is not drawn out
    # across the desk as a streak.
    bright = ndi.maximum_filter(np.where(core, small, 0.0), size=2 * EDGE_REACH + 1)
    extended = bright[nearest[0], nearest[1]]
    off_sheet = _enlarge(~core, step, grey.shape)
    levels = _enlarge(extended, step, grey.shape)
    out = grey.copy()
    out[off_sheet] = levels[off_sheet]
    return out, ~off_sheet


def _shaded_paper(small, sheet):
    """Paper beyond ``sheet`` that the light falls off into: reached from it without crossing an edge.

    Light falling off across a page can leave its dim corner darker than the threshold between paper and
    desk, and that corner, writing and all, was painted over as desk. But light changes slowly from pixel to
    pixel, a sheet's edge at once: what can be reached from the sheet in steps of at most
    :data:`GENTLE_STEP` is more of it. Measured with ``benchmarks/recognition.py --photos --count 200``, seeds
    0 / 1 / 2: 189 / 182 / 186 read exactly before, 190 / 182 / 186 with it (``(98/423.5)`` had lost its
    ``(9`` with the corner); 0.14 ms a photo.
    """
    steps = np.zeros(small.shape, dtype=np.float32)
    rows, cols = np.abs(np.diff(small, axis=0)), np.abs(np.diff(small, axis=1))
    steps[1:] = np.maximum(steps[1:], rows)
    steps[:-1] = np.maximum(steps[:-1], rows)
    steps[:, 1:] = np.maximum(steps[:, 1:], cols)
    steps[:, :-1] = np.maximum(steps[:, :-1], cols)
    gentle = steps < GENTLE_STEP
    labels, _ = ndi.label(gentle | sheet)
    reached = np.unique(labels[sheet])
    return np.isin(labels, reached[reached > 0]) & ~sheet


def border_pixels(values, depth=1):
    """The ``depth`` outermost rings of pixels of a 2-D array, flattened, each pixel once."""
    depth = max(1, min(depth, min(values.shape) // 2))
    return np.concatenate([values[:depth].ravel(), values[-depth:].ravel(),
                           values[depth:-depth, :depth].ravel(), values[depth:-depth, -depth:].ravel()])


def _reach(mask, within=True):
    """How far (99th percentile) the pixels of ``mask`` lie from its edge: half the width of its strokes, or
    the width of a margin along the picture's border (``within``: the border counts as inside the mask)."""
    if not mask.any():
        return 0.0
    padded = np.pad(mask, 1, constant_values=within)
    depth = ndi.distance_transform_edt(padded)[1:-1, 1:-1]
    return float(np.percentile(depth[mask], 99))


def block_means(values, step, pad="edge"):
    """Means of ``step × step`` blocks; a partial last row or column of blocks is padded with ``pad``
    (:func:`numpy.pad`'s mode: ``"edge"`` repeats the border, ``"constant"`` adds zeros).

    Summed one block offset at a time, without padding for zeros: a strided add per offset is ten times
    faster than numpy's mean over the axes of a reshaped block view (skimage's ``downscale_local_mean``):
    0.9 ms instead of 10 for a 2401 × 700 float32 plane halved, and the input stage was a quarter of a
    benchmark drawing's time.
    """
    if step == 1:
        return values
    height, width = values.shape
    if pad != "constant":
        values = np.pad(values, ((0, -height % step), (0, -width % step)), mode=pad)
    total = np.zeros((-(-height // step), -(-width // step)), dtype=np.result_type(values.dtype, np.float32))
    for row in range(step):
        for col in range(step):
            part = values[row::step, col::step]  # zeros where a partial block has no such offset
            total[:part.shape[0], :part.shape[1]] += part
    total /= step * step
    return total


def _enlarge(small, step, shape):
    """Each pixel of the shrunk copy repeated over the ``step × step`` block it came from, cut to ``shape``."""
    return np.repeat(np.repeat(small, step, axis=0), step, axis=1)[:shape[0], :shape[1]]


def _largest(mask):
    """The largest 4-connected region of ``mask``, or None when it has none."""
    labels, count = ndi.label(mask)
    if count == 0:
        return None
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == int(sizes.argmax())
