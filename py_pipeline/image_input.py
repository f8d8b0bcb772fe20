"""From an image file or a canvas export to the ink image every later stage reads.

Two steps, kept apart because the browser already holds pixels and only the CLI has files:

* :func:`load_image` decodes a file (path or bytes) into a uint8 array with Pillow, refusing absurd sizes
  from the header alone, before a single pixel is decoded.
* :func:`to_ink` turns any such array (grey, RGB, RGBA, a transparent canvas, light ink on dark paper) into
  ink intensity — 0 paper, 1 full ink — at a bounded working size, and says how to map boxes back.

Both apply the same size bounds, so an array that :func:`load_image` returns always passes :func:`to_ink`.
"""

import io
import math
import os
import warnings
from dataclasses import dataclass

import numpy as np

from py_pipeline.errors import InputImageError
from py_pipeline.ruled_lines import remove_ruled_lines
from py_pipeline.sheet import block_means, border_pixels, isolate_sheet

MAX_SIDE = 10_000
"""Longest side accepted, in pixels. A phone photo is ~4000 px; 10 000 leaves room and stops absurd files."""

MAX_PIXELS = 64_000_000
"""Most pixels accepted (e.g. 8000 × 8000): bounds the memory a decoded image takes (~256 MB as RGBA)."""

MIN_SIDE = 8
"""Shortest side accepted: below this not even one symbol fits."""

MAX_ASPECT = 50
"""Longest side over shortest side accepted. A long one-line expression is ~20:1; 50:1 cannot be a drawing."""

WORKING_SIDE = 1024
"""Longest side of the working image, in pixels.

Larger inputs are shrunk by an integer factor so that the longest side is at most this. 1024 keeps a symbol
that takes 1/40 of the width at ~25 px — more than the 20 px box the classifier reads — while bounding the
cost of every later stage (linear in pixels) for 4000 × 3000 photos and high-DPI canvases.
"""


UNEVEN_PAPER = 0.1
"""Spread of the border's levels (5th to 95th percentile, full scale 1) above which the paper is taken to be
lit unevenly, as in a photo, and its level is estimated locally. A canvas export's border is one level
unless the ink reaches it, and a few levels of camera noise stay far below."""

PAPER_BORDER = 0.01
"""Depth of the band along the border the paper's level is read from, as a fraction of the shorter side. A
photo of squared paper may have a rule running along an edge: in the outermost ring alone it can be most
of the pixels, and the dark rule is then taken for the paper (the writing for paper too, every rule for
ink)."""

PAPER_BLOCKS = 32
"""Blocks along the longest side of the grid on which an unevenly lit paper's level is estimated."""


@dataclass(frozen=True)
class InkImage:
    """Ink at working size, and the factor that maps it back to the input image.

    Attributes
    ----------
    ink : (M, N) ndarray of float32
        Ink intensity in [0, 1]: 0 is paper, 1 is full ink, whatever the input's polarity was.
    factor : int
        Input pixels per working pixel along each axis (1 when the input was small enough).
    input_shape : tuple of int
        ``(height, width)`` of the input image.
    """

    ink: np.ndarray
    factor: int
    input_shape: tuple
    ruled_lines: int = 0
    """Printed lines of lined or squared paper erased from the ink (:mod:`py_pipeline.ruled_lines`)."""

    @property
    def scale(self):
        """Working pixels per input pixel (``1 / factor``)."""
        return 1.0 / self.factor

    def box_to_input(self, box):
        """Map a working-image box ``[x0, y0, x1, y1]`` (end exclusive) to input-image pixels, clipped."""
        x0, y0, x1, y1 = (int(v) * self.factor for v in box)
        height, width = self.input_shape
        return [min(x0, width), min(y0, height), min(x1, width), min(y1, height)]


def load_image(source):
    """Decode an image file into a uint8 array, refusing unreadable or absurd files with a clear message.

    Parameters
    ----------
    source : str, os.PathLike, bytes, bytearray or memoryview
        A path to an image file, or the file's bytes (an upload, a canvas ``toBlob()``).

    Returns
    -------
    image : (M, N) or (M, N, 3) or (M, N, 4) ndarray of uint8
        Grey, RGB, or RGBA when the file has transparency (kept: a transparent canvas's ink is its alpha).

    Raises
    ------
    InputImageError
        The file is missing, not an image, corrupt or truncated, or its header claims a size outside the
        bounds (:data:`MAX_SIDE`, :data:`MAX_PIXELS`, :data:`MIN_SIDE`, :data:`MAX_ASPECT`). The size is
        checked from the header, before the pixels are decoded, so a decompression bomb costs nothing.
    """
    name = _describe(source)
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError:
        raise InputImageError("Reading image files needs Pillow: install it with `pip install pillow`.") from None

    opened = source if isinstance(source, (str, os.PathLike)) else io.BytesIO(bytes(source))
    try:
        with warnings.catch_warnings():
            # Pillow warns (and past twice the limit refuses) on huge headers; both are our "too large".
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputImageError(
            f"{name}: the image is far too large to be a drawing (the limit is {MAX_SIDE} px per side and "
            f"{MAX_PIXELS // 1_000_000} million pixels); shrink it or crop it to the expression.") from None
    except FileNotFoundError:
        raise InputImageError(f"{name}: no such file.") from None
    except UnidentifiedImageError:
        raise InputImageError(f"{name}: not an image file Pillow can read (use PNG or JPEG).") from None
    except OSError as error:
        raise InputImageError(f"{name}: cannot be read ({error}).") from None

    with image:
        width, height = image.size
        _check_size(height, width, name)
        try:
            image = ImageOps.exif_transpose(image)  # phone photos of paper carry their rotation in EXIF
            return _to_uint8_array(image)
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise InputImageError(
                f"{name}: the file is corrupt or truncated ({error}); save or export the image again.") from None


def to_ink(image):
    """Turn an image array into ink intensity at working size: 0 paper, 1 ink, polarity and alpha resolved.

    Parameters
    ----------
    image : (M, N), (M, N, 1), (M, N, 2), (M, N, 3) or (M, N, 4) ndarray
        Grey, grey + alpha, RGB or RGBA. uint8 and uint16 are read by their range, bool as black and white,
        float in [0, 1] (floats up to 255 are taken as 8-bit levels).

    Returns
    -------
    InkImage
        The ink, shrunk by an integer factor when the longest side exceeds :data:`WORKING_SIDE`, and that
        factor so boxes map back to input pixels exactly (:meth:`InkImage.box_to_input`).

    Raises
    ------
    InputImageError
        Wrong number of dimensions or channels, NaN values, or a size outside the bounds.

    Notes
    -----
    Which pixels are paper is decided from the image itself:

    * transparency: when most of the image is transparent, the paper is (an unfilled canvas exported with
      ``toBlob()``): ink is the alpha channel and the colour of the pixels is ignored — transparent pixels
      carry no meaningful RGB, and white ink on a transparent canvas must read as ink too. When most of
      the image is opaque, the opaque part is the paper (a sheet with transparent corners or margins): the
      transparent pixels are composited over the sheet's median colour and the image is read as opaque;
    * polarity: paper is the level that fills the border of the image, because a drawing rarely reaches
      more than a few points of the border while its ink may cover much of a small canvas; when the border's
      levels spread widely (a photo, below), the level that fills most of the picture. When the paper
      is light, ink is how much darker than the paper a pixel is, relative to the paper's distance from
      black; when the paper is dark, how much lighter. Pixels on the other side of the paper's level are
      paper;
    * uneven light: when the border's levels spread widely (a photo of a sheet, lit from one side), the
      paper's level is taken locally rather than once for the whole image (:func:`_ink_from_grey`);
    * printed lines: the rules of lined or squared paper belong to the paper, and are erased from the ink
      of an opaque image (:mod:`py_pipeline.ruled_lines`); a transparent canvas has none;
    * surroundings: a photo of a light sheet lying on something darker has that around it at the border;
      it is painted over with the level of the sheet's nearest paper first (:mod:`py_pipeline.sheet`).

    Shrinking averages ``factor × factor`` blocks, so a working pixel is the ink coverage of its block:
    thin strokes become fainter instead of vanishing, and the binarisation (relative, not fixed) still sees
    them.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] in (1, 2, 3, 4):
        height, width = array.shape[:2]
    elif array.ndim == 2:
        height, width = array.shape
    else:
        raise InputImageError(
            f"the image has shape {array.shape}; expected (height, width) grey, or (height, width, 3 or 4) "
            "RGB/RGBA pixels.")
    _check_size(height, width, "the image")

    full = _full_scale(array)
    alpha = _alpha(array, full)
    transparent = alpha is not None and float(alpha.mean()) < 0.5
    factor = max(1, math.ceil(max(height, width) / WORKING_SIDE))
    sheet = None
    if transparent:
        ink = block_means(alpha, factor, pad="constant")  # pads with 0 = paper at the far edges
    else:
        # Shrunk before the paper is found, not after: ink is linear in the grey level, so a working pixel
        # is still the ink coverage of its block, and a phone photo's sheet, paper levels and ink are worked
        # out on a ninth of its pixels (the input stage of benchmarks/recognition.py --photos: 82-93 ms a
        # photo before, 35-38 after). Blocks at the far edges are padded with their edge: paper.
        if alpha is None:
            grey = _luminance(array, full, factor)
        else:
            grey = _luminance(array, full)
            opaque_paper = float(np.median(grey[alpha >= 0.5]))
            grey = block_means(alpha * grey + (1.0 - alpha) * opaque_paper, factor)
        grey, sheet = isolate_sheet(grey)
        ink = _ink_from_grey(grey)
    ink = np.ascontiguousarray(ink, dtype=np.float32)
    rules = 0
    if not transparent:
        ink, rules = remove_ruled_lines(ink, sheet)
    return InkImage(ink=ink, factor=factor, input_shape=(height, width), ruled_lines=rules)


def _check_size(height, width, name):
    """Refuse sizes no drawing has, with the numbers and what to do."""
    if min(height, width) < MIN_SIDE:
        raise InputImageError(f"{name} is {width}×{height} px; at least {MIN_SIDE} px per side are needed.")
    if max(height, width) > MAX_SIDE or height * width > MAX_PIXELS:
        raise InputImageError(
            f"{name} is {width}×{height} px, too large to be a drawing (the limit is {MAX_SIDE} px per side "
            f"and {MAX_PIXELS // 1_000_000} million pixels); shrink it or crop it to the expression.")
    if max(height, width) > MAX_ASPECT * min(height, width):
        raise InputImageError(
            f"{name} is {width}×{height} px, a strip too thin to hold a drawing (at most {MAX_ASPECT}:1).")


def _describe(source):
    """How an error message names the input."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"the image data ({len(source)} bytes)"
    raise InputImageError(f"expected a file path or the image's bytes, got {type(source).__name__}.")


def _to_uint8_array(image):
    """Pillow image → uint8 array: grey, RGB, or RGBA when any transparency is present."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        values = np.asarray(image, dtype=np.float64)
        full = 65535.0 if values.max(initial=0) > 255 else 255.0
        return np.clip(np.round(values * (255.0 / full)), 0, 255).astype(np.uint8)
    if has_alpha:
        return np.asarray(image.convert("RGBA"), dtype=np.uint8)
    if image.mode in ("1", "L"):
        return np.asarray(image.convert("L"), dtype=np.uint8)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _channel(array, index, full):
    """Channel ``index`` of ``array`` (the array itself when it is grey) as float32 in [0, 1].

    Channels are converted one at a time, so a 12-megapixel RGBA photo never exists as a 4-channel float
    array (190 MB): the browser's memory is the limit that matters here.
    """
    values = array[..., index] if array.ndim == 3 else array
    return np.clip(values.astype(np.float32) / np.float32(full), 0.0, 1.0)


def _luminance(array, full, factor=1):
    """Rec. 709 luminance of RGB(A), or the grey channel, shrunk by ``factor`` (block means); made only for an
    opaque drawing (a transparent one's ink is its alpha, and its colours were a third of the input stage).

    Shrunk, each channel is averaged straight from its 8-bit levels and only the small planes are weighed
    and summed: the same grey to 1e-6, at a third of the cost of a full-size float image of a photo.
    """
    channels = (0, 1, 2) if array.ndim == 3 and array.shape[2] >= 3 else (0,)
    weights = (0.2126, 0.7152, 0.0722) if len(channels) == 3 else (1.0,)
    if factor == 1:
        return sum(weight * _channel(array, index, full) for weight, index in zip(weights, channels))
    planes = [block_means(array[..., index] if array.ndim == 3 else array, factor) for index in channels]
    grey = sum(weight * plane for weight, plane in zip(weights, planes))
    return np.clip(grey / np.float32(full), 0.0, 1.0).astype(np.float32, copy=False)


def _alpha(array, full):
    """The alpha channel, or ``None`` when there is none or it is fully opaque (it says nothing then)."""
    if array.ndim != 3 or array.shape[2] not in (2, 4):
        return None
    alpha = _channel(array, array.shape[2] - 1, full)
    return None if alpha.min() >= 1.0 else alpha


def _full_scale(array):
    """The value that means "full intensity" for this array's dtype and range."""
    if array.dtype == bool:
        return 1.0
    if array.dtype == np.uint8:
        return 255.0  # every value is in range: no pass over the pixels (a millisecond of a canvas's input stage)
    if np.issubdtype(array.dtype, np.integer):
        low, top = int(array.min(initial=0)), int(array.max(initial=0))
        if low < 0 or top > 65535:
            raise InputImageError(f"pixel values of {array.dtype} span {low}..{top}; expected 0..255.")
        return 255.0 if (array.dtype.itemsize == 1 or top <= 255) else 65535.0
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise InputImageError("the image contains NaN or infinite values.")
        return 255.0 if 1.0 < float(array.max(initial=0)) <= 255.0 else 1.0
    raise InputImageError(f"pixels of type {array.dtype} are not an image; expected uint8.")


def _ink_from_grey(grey):
    """Ink as the distance from the paper's level towards the far end (black on light paper, white on dark).

    A canvas or a scan has one paper level, read off the border. A photo of a sheet is lit unevenly: its
    paper may fade from white to mid-grey across the picture, and one level would make the dim side all ink.
    When the border itself spans more than :data:`UNEVEN_PAPER`, the paper level is estimated locally
    (:func:`_local_paper`) instead, and whether the paper is light is told by the median of the whole picture:
    a thin strip of dark desk along three edges of a dim photo was most of its border, and the whole page
    was read as light ink on dark paper.
    """
    # Python floats: a numpy float64 scalar would turn the float32 image into float64 (NEP 50), at twice the cost.
    border = border_pixels(grey, depth=math.ceil(PAPER_BORDER * min(grey.shape)))
    low, paper, high = (float(v) for v in np.percentile(border, [5, 50, 95]))
    if high - low <= UNEVEN_PAPER:
        ink = (paper - grey) / paper if paper >= 0.5 else (grey - paper) / (1.0 - paper)
        return np.clip(ink, 0.0, 1.0)
    paper = float(np.median(grey[::8, ::8]))  # the sheet fills the picture, the ink covers little of it
    page = grey if paper >= 0.5 else 1.0 - grey  # from here on the paper is light and the ink dark
    level = _local_paper(page)
    return np.clip((level - page) / np.maximum(level, 1e-3), 0.0, 1.0)


def _local_paper(page):
    """The paper level at every pixel of a page with light paper: the brightest level nearby, smoothed.

    The brightest pixel of a block is paper unless ink covers the whole block, so each block also takes the
    brightest of its neighbours; a block is a :data:`PAPER_BLOCKS`-th of the longest side, wider than any
    pen stroke that leaves room for a second symbol beside it.
    """
    from scipy.ndimage import maximum_filter, uniform_filter

    height, width = page.shape
    block = max(4, math.ceil(max(height, width) / PAPER_BLOCKS))
    rows, cols = math.ceil(height / block), math.ceil(width / block)
    padded = np.pad(page, ((0, rows * block - height), (0, cols * block - width)), mode="edge")
    grid = padded.reshape(rows, block, cols, block).max(axis=(1, 3))
    grid = uniform_filter(maximum_filter(grid, size=3, mode="nearest"), size=3, mode="nearest")
    return _bilinear_up(grid, (height, width))


def _bilinear_up(grid, shape):
    """``grid`` enlarged to ``shape`` by linear interpolation along each axis, pixel centres on pixel
    centres and the edges held: what skimage's ``resize(order=1, mode="edge")`` gives (to 1e-6).

    Done one axis at a time, across the small grid first: 12 ms instead of resize's 48 for a phone photo's
    level map, which were two fifths of the ~120 ms a photo spent in the input stage.
    """
    def taps(size, out_size):
        x = np.clip((np.arange(out_size) + 0.5) * (size / out_size) - 0.5, 0, size - 1)
        low = np.floor(x).astype(np.intp)
        return low, np.minimum(low + 1, size - 1), (x - low).astype(np.float32)

    grid = np.asarray(grid, dtype=np.float32)
    row_low, row_high, row_weight = taps(grid.shape[0], shape[0])
    col_low, col_high, col_weight = taps(grid.shape[1], shape[1])
    across = grid[:, col_low] * (1 - col_weight) + grid[:, col_high] * col_weight
    out = across[row_low]
    step = across[row_high] - out
    step *= row_weight[:, None]
    out += step
    return out
