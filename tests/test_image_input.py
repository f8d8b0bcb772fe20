"""Reading image files and turning pixels into ink: formats, polarity, transparency, sizes, broken files.

Files are real PNG/JPEG files written with Pillow (or, for the 30000 × 30000 header, a valid PNG streamed
chunk by chunk, because Pillow would need 900 MB to build that image in memory).
"""

import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from drawing import draw
from py_pipeline.errors import InputImageError
from py_pipeline.image_input import (MAX_SIDE, WORKING_SIDE, _bilinear_up, _ink_from_grey, _luminance, load_image,
                                     to_ink)
from py_pipeline.sheet import block_means
from py_pipeline.segment import segment
from training.photographs import ruled_paper


@pytest.fixture(scope="module")
def expression():
    return draw(["1", "2", "+", "7"], line_height=60, pen_width=6)


def _save(path, array, **options):
    Image.fromarray(array).save(path, **options)
    return path


# --- load_image -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["grey", "rgb", "rgba"])
def test_png_round_trip_keeps_pixels_and_channels(tmp_path, expression, kind):
    arrays = {
        "grey": expression.grey(),
        "rgb": expression.rgba(background=(250, 245, 230))[..., :3],
        "rgba": expression.rgba(),
    }
    array = arrays[kind]
    loaded = load_image(_save(tmp_path / "drawing.png", array))
    assert loaded.dtype == np.uint8
    np.testing.assert_array_equal(loaded, array)


def test_reads_bytes_and_path_objects_alike(tmp_path, expression):
    path = _save(tmp_path / "drawing.png", expression.grey())
    np.testing.assert_array_equal(load_image(path.read_bytes()), load_image(path))
    np.testing.assert_array_equal(load_image(str(path)), load_image(path))


def test_palette_png_with_transparency_comes_back_as_rgba(tmp_path, expression):
    image = Image.fromarray(expression.grey()).convert("P")
    image.info["transparency"] = 255  # palette index of white: transparent paper
    path = tmp_path / "palette.png"
    image.save(path, transparency=255)
    loaded = load_image(path)
    assert loaded.shape == expression.ink.shape + (4,)
    assert loaded[0, 0, 3] == 0


def test_sixteen_bit_grey_is_scaled_to_eight_bits(tmp_path):
    levels = np.full((40, 60), 65535, dtype=np.uint16)
    levels[10:30, 20:25] = 0
    path = tmp_path / "deep.png"
    Image.fromarray(levels).save(path)
    loaded = load_image(path)
    assert loaded.dtype == np.uint8
    assert loaded[0, 0] == 255 and loaded[20, 22] == 0


def test_missing_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.png"
    with pytest.raises(InputImageError, match="nowhere.png: no such file"):
        load_image(missing)


def test_a_text_file_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("12 + 7 = 19, honestly\n")
    with pytest.raises(InputImageError, match="notes.png: not an image"):
        load_image(path)


def test_truncated_png_is_reported_as_corrupt(tmp_path, expression):
    whole = (_save(tmp_path / "whole.png", expression.grey())).read_bytes()
    path = tmp_path / "cut.png"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputImageError, match="cut.png: the file is corrupt or truncated"):
        load_image(path)
    with pytest.raises(InputImageError, match="corrupt or truncated"):
        load_image(whole[: len(whole) // 2])


def _png_header_and_zero_rows(path, width, height):
    """Write a valid 1-bit grey PNG of all-black rows, streaming the compressed data in chunks."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    compressor = zlib.compressobj(9)
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)))
        block = row * 1000
        for _ in range(height // 1000):
            data = compressor.compress(block)
            if data:
                out.write(chunk(b"IDAT", data))
        out.write(chunk(b"IDAT", compressor.compress(row * (height % 1000)) + compressor.flush()))
        out.write(chunk(b"IEND", b""))
    return path


def test_a_decompression_bomb_is_refused_from_its_header(tmp_path):
    path = _png_header_and_zero_rows(tmp_path / "bomb.png", 30000, 30000)
    assert path.stat().st_size < 200_000  # 900 million pixels in a small file: that is the attack
    start = time.perf_counter()
    with pytest.raises(InputImageError, match="bomb.png: the image is far too large"):
        load_image(path)
    assert time.perf_counter() - start < 1.0  # refused without decoding


def test_size_is_checked_before_any_pixel_is_decoded(tmp_path):
    # Over our side limit but under Pillow's own bomb limit, and with its pixel data cut off: if the
    # pixels were decoded first the error would be "truncated", not "too large".
    path = tmp_path / "wide.png"
    Image.new("1", (MAX_SIDE + 2000, 1000)).save(path)
    whole = path.read_bytes()
    path.write_bytes(whole[:200])
    with pytest.raises(InputImageError, match=r"wide.png is 12000×1000 px, too large"):
        load_image(path)


def test_jpeg_is_read_as_rgb(tmp_path, expression):
    path = _save(tmp_path / "photo.jpg", expression.rgba(background=(255, 255, 255))[..., :3], quality=90)
    loaded = load_image(path)
    assert loaded.shape == expression.ink.shape + (3,)


# --- to_ink ---------------------------------------------------------------------------------------------

def _close_to_drawn(ink, drawing, tolerance=0.02):
    assert ink.dtype == np.float32
    assert np.abs(ink - drawing.ink).max() <= tolerance


def test_dark_on_light_and_light_on_dark_give_the_same_ink(expression):
    dark_on_light = to_ink(expression.grey(paper=255, ink_level=0))
    light_on_dark = to_ink(expression.grey(paper=0, ink_level=255))
    _close_to_drawn(dark_on_light.ink, expression)
    _close_to_drawn(light_on_dark.ink, expression)
    assert dark_on_light.factor == 1


def test_grey_paper_and_grey_ink_are_measured_from_the_paper(expression):
    # Chalk on a blackboard: paper 40, chalk 200. Ink is relative, so the strokes are clearly ink.
    ink = to_ink(expression.grey(paper=40, ink_level=200)).ink
    assert ink[expression.ink == 0].max() == 0
    assert ink[expression.ink > 0.99].min() > 0.7


@pytest.mark.parametrize("light_paper", [True, False])
def test_a_photo_lit_unevenly_is_read_against_its_local_paper(expression, light_paper):
    # A sheet (or a blackboard) photographed under a lamp: the paper fades across the picture by more than
    # the ink differs from it on the dim side, so no single paper level can separate the two.
    height, width = expression.ink.shape
    yy, xx = np.mgrid[0:height, 0:width]
    light = 0.98 - 0.55 * (0.6 * xx / width + 0.4 * yy / height)
    sheet = (1.0 - expression.ink) * light  # paper at the lamp's level, ink black
    photo = sheet if light_paper else 1.0 - sheet
    ink = to_ink(np.round(photo * 255).astype(np.uint8)).ink
    assert ink[expression.ink == 0].max() < 0.15
    assert ink[expression.ink > 0.99].min() > 0.85
    assert len(segment(ink).segments) == len(segment(expression.ink).segments) == 4


def test_rules_along_the_edges_of_a_photo_are_not_taken_for_the_paper(expression):
    """A photo of squared paper framed on its rules: the outermost ring of pixels is mostly rule, and read as
    the paper's level it turned the whole sheet into ink. The paper is read from a band along the border."""
    ink = np.kron(np.pad(expression.ink, 40), np.ones((6, 6), dtype=np.float32))   # photo-sized, 1560 × 2226
    paper = ruled_paper(ink.shape, 300, 0.5, offset=1.0, thickness=3.0, squared=True)   # rules along two edges
    read = to_ink(np.round(235 * paper * (1.0 - 0.9 * ink)).astype(np.uint8))
    assert read.ruled_lines >= 5 + 7
    assert read.ink[(ink == 0)[::read.factor, ::read.factor]].mean() < 0.01
    assert len(segment(read.ink).segments) == 4


def test_coloured_ink_on_coloured_paper(expression):
    rgb = expression.rgba(ink_rgb=(20, 40, 200), background=(250, 240, 180))[..., :3]
    ink = to_ink(rgb).ink
    assert ink[expression.ink == 0].max() == 0
    assert ink[expression.ink > 0.99].min() > 0.6


@pytest.mark.parametrize("ink_rgb", [(0, 0, 0), (255, 255, 255), (255, 0, 0)])
def test_transparent_canvas_ink_is_its_alpha_whatever_the_colour(expression, ink_rgb):
    ink = to_ink(expression.rgba(ink_rgb=ink_rgb)).ink
    _close_to_drawn(ink, expression, tolerance=1 / 255 + 1e-6)


def test_colour_of_fully_transparent_pixels_is_ignored(expression):
    rgba = expression.rgba()
    rng = np.random.default_rng(0)
    transparent = rgba[..., 3] == 0
    rgba[transparent, :3] = rng.integers(0, 256, size=(int(transparent.sum()), 3))
    _close_to_drawn(to_ink(rgba).ink, expression, tolerance=1 / 255 + 1e-6)


def test_opaque_paper_with_transparent_margin_reads_the_ink_on_the_paper(expression):
    # A white sheet pasted into a transparent frame: the paper is opaque, so ink is dark, not alpha.
    rgba = expression.rgba(background=(255, 255, 255))
    framed = np.zeros((rgba.shape[0] + 10, rgba.shape[1] + 10, 4), dtype=np.uint8)
    framed[3:-7, 4:-6] = rgba
    framed[0:3] = framed[-7:] = (0, 0, 0, 0)
    ink = to_ink(framed).ink
    inner = ink[3:-7, 4:-6]
    assert np.abs(inner - expression.ink).max() < 0.02
    assert ink[:3].max() == 0


def test_fully_opaque_alpha_is_ignored(expression):
    _close_to_drawn(to_ink(expression.rgba(background=(255, 255, 255))).ink, expression)


def test_bool_and_float_inputs_are_tolerated(expression):
    _close_to_drawn(to_ink(1.0 - expression.ink).ink, expression)
    assert np.array_equal(to_ink(expression.ink > 0.5).ink, (expression.ink > 0.5).astype(np.float32))
    _close_to_drawn(to_ink(255.0 * (1.0 - expression.ink)).ink, expression)


def test_a_large_image_is_shrunk_by_an_integer_factor_and_boxes_map_back():
    drawing = draw(["4", "2"], canvas=(3000, 4000), pen_width=30)
    result = to_ink(drawing.grey())
    assert result.factor == 4
    assert result.ink.shape == (750, 1000)
    assert max(result.ink.shape) <= WORKING_SIDE
    assert result.box_to_input((10, 20, 30, 40)) == [40, 80, 120, 160]
    assert result.box_to_input((990, 740, 1000, 750)) == [3960, 2960, 4000, 3000]
    # Block means keep the amount of ink: a stroke shrinks, it does not vanish.
    assert abs(result.ink.sum() * 16 - drawing.ink.sum()) < 0.01 * drawing.ink.sum()


@pytest.mark.parametrize("channels", [3, 1])
def test_a_large_image_is_shrunk_channel_by_channel_to_the_grey_of_the_whole(channels):
    """A photo's grey is worked out on the shrunk channels (a third of the cost): the luminance of the
    block means must be the block means of the luminance, odd edges included."""
    rng = np.random.default_rng(3)
    shape = (1501, 2050, channels) if channels > 1 else (1501, 2050)
    photo = rng.integers(0, 256, size=shape, dtype=np.uint8)
    shrunk = _luminance(photo, 255.0, factor=3)
    assert shrunk.dtype == np.float32 and shrunk.shape == (501, 684)
    np.testing.assert_allclose(shrunk, block_means(_luminance(photo, 255.0), 3), atol=1e-5)


def test_an_odd_size_is_padded_with_paper_when_shrunk():
    result = to_ink(np.full((1500, 2050), 255, dtype=np.uint8))
    assert result.factor == 3
    assert result.ink.shape == (500, 684)
    assert result.box_to_input((680, 490, 684, 500)) == [2040, 1470, 2050, 1500]
    assert result.ink.max() == 0


@pytest.mark.parametrize("shape, message", [
    ((MAX_SIDE + 1, 500), "too large"),
    ((20, 2000), "strip too thin"),
    ((5, 100), "at least 8 px"),
    ((30, 40, 5), "expected"),
    ((30, 40, 3, 2), "expected"),
])
def test_absurd_arrays_are_refused(shape, message):
    with pytest.raises(InputImageError, match=message):
        to_ink(np.zeros(shape, dtype=np.uint8))


def test_nan_is_refused():
    image = np.ones((20, 20), dtype=np.float32)
    image[3, 4] = np.nan
    with pytest.raises(InputImageError, match="NaN"):
        to_ink(image)


def test_blank_and_uniform_canvases_have_no_ink():
    for level in (0, 128, 255):
        assert to_ink(np.full((120, 300), level, dtype=np.uint8)).ink.max() == 0
    assert to_ink(np.zeros((120, 300, 4), dtype=np.uint8)).ink.max() == 0


@pytest.mark.parametrize("grid_shape, shape", [((32, 70), (1427, 3127)), ((5, 9), (17, 40)), ((1, 4), (4, 15)),
                                               ((3, 3), (3, 3))])
def test_the_paper_level_map_is_enlarged_as_skimage_resize_does(grid_shape, shape):
    from skimage.transform import resize

    grid = np.random.default_rng(5).random(grid_shape, dtype=np.float32)
    np.testing.assert_allclose(_bilinear_up(grid, shape), resize(grid, shape, order=1, mode="edge"), atol=1e-6)


def test_a_dim_page_framed_by_a_dark_desk_is_dark_ink_on_light_paper():
    # A photo lit from one side, its paper 0.6 to 0.85, with a thin strip of desk along three edges: most of the
    # border is desk, and by the border's median the page was light ink on dark paper: all paper became ink.
    grey = np.tile(np.linspace(0.6, 0.85, 1500, dtype=np.float32), (400, 1))
    grey[:5], grey[-5:], grey[:, :5] = 0.3, 0.3, 0.3
    grey[190:210, 300:1200] = 0.1  # a stroke
    ink = _ink_from_grey(grey)
    assert ink[195:205, 310:1190].mean() > 0.8
    assert ink[20:180, 20:1480].mean() < 0.05 and ink[220:380, 20:1480].mean() < 0.05
