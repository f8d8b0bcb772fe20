"""A line of writing that climbs or falls is turned level before it is cut, and read as if written level."""

import math

import numpy as np
import pytest
from skimage.transform import rotate

from py_pipeline.recognize import recognize_batch
from py_pipeline.straighten import MIN_TILT_DEG, line_tilt, page_tilt, straighten
from training.expression_images import compose_expression, digits_by_label, random_expression_text
from training.mnist_data import load_mnist
from training.model_store import load_classifier


def _boxes_along(degrees, count=6, height=40.0, spacing=50.0):
    boxes = []
    for i in range(count):
        cx = 100 + i * spacing
        cy = 300 - i * spacing * math.tan(math.radians(degrees))  # rows grow downwards: climbing
        boxes.append((cx - 12, cy - height / 2, cx + 12, cy + height / 2))
    return boxes


@pytest.mark.parametrize("degrees", [-12.0, -4.0, 0.0, 6.0, 15.0])
def test_the_tilt_is_the_climb_of_the_symbols_centres(degrees):
    assert line_tilt(_boxes_along(degrees)) == pytest.approx(degrees, abs=0.01)


@pytest.mark.parametrize("degrees", [-8.0, -3.0, 5.0])
def test_lines_one_under_the_other_give_the_tilt_of_the_page(degrees):
    """Three lines of writing and a rule, turned together: their centres give no line, their rows do."""
    from drawing import draw
    from training.pen import draw_polyline

    lines = [draw(names, line_height=40, pen_width=4, margin=0).ink
             for names in (["1", "2", "0", "7"], ["+", "4", "5"], ["9", "9", "1", "3"])]
    ink = np.zeros((300, 320), np.float32)
    for k, line in enumerate(lines):
        ink[30 + 70 * k:30 + 70 * k + line.shape[0], 300 - line.shape[1]:300] = line
    draw_polyline(ink, [(60, 240), (310, 240)], 4)
    assert page_tilt(ink > 0.5) is None or abs(page_tilt(ink > 0.5)) < MIN_TILT_DEG
    turned = rotate(ink, degrees, resize=True, order=1) > 0.5
    assert page_tilt(turned) == pytest.approx(degrees, abs=1.0)


def test_dots_and_bars_do_not_sway_the_fit():
    boxes = _boxes_along(5.0) + [(400, 380, 410, 390), (150, 100, 190, 106)]  # a low dot, a high bar
    assert line_tilt(boxes) == pytest.approx(5.0, abs=0.01)


def test_too_few_symbols_or_a_column_give_no_tilt():
    assert line_tilt(_boxes_along(8.0, count=2)) is None
    column = [(100, 100 + 50 * i, 124, 140 + 50 * i) for i in range(4)]
    assert line_tilt(column) is None
    assert line_tilt([]) is None


def test_a_level_line_is_left_untouched():
    ink = np.zeros((80, 400), np.float32)
    kept = straighten(ink, _boxes_along(MIN_TILT_DEG / 2))
    assert kept.tilt_deg == 0.0 and kept.ink is ink
    assert kept.box_to_original([3, 4, 50, 60]) == [3, 4, 50, 60]


def test_boxes_and_mask_map_back_onto_the_drawing():
    ink = np.zeros((200, 500), np.float32)
    ink[90:110, 380:400] = 1.0  # one mark, right of centre
    level = straighten(ink, _boxes_along(10.0))
    assert level.tilt_deg == pytest.approx(10.0, abs=0.01) and level.ink.shape != ink.shape
    rows, cols = np.nonzero(level.ink > 0.5)
    box = [int(cols.min()), int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1]
    x0, y0, x1, y1 = level.box_to_original(box)
    assert x0 <= 381 and y0 <= 91 and x1 >= 399 and y1 >= 109  # holds the mark where it was drawn
    assert (x1 - x0) * (y1 - y0) < 2 * 20 * 20 * 1.5  # and not much more
    back = level.mask_to_original(level.ink > 0.5)
    assert back.shape == ink.shape
    assert back[92:108, 382:398].all() and not back[:, :300].any()


@pytest.fixture(scope="module")
def drawings():
    mnist = load_mnist()
    digits = digits_by_label(mnist.test_images, mnist.test_labels)
    rng = np.random.default_rng(11)
    return [compose_expression(random_expression_text(rng), digits, rng, "light-on-dark") for _ in range(20)]


def _tilted(image, degrees):
    pad = image.shape[1] // 5
    padded = np.pad(image.astype(np.float32) / 255.0, ((pad, pad), (0, 0)))
    return np.round(rotate(padded, degrees, order=1) * 255).astype(np.uint8)


@pytest.mark.slow
@pytest.mark.parametrize("degrees", [-8.0, 8.0])
def test_a_tilted_expression_is_read_as_if_written_level(drawings, degrees):
    classify = load_classifier(None)
    level = recognize_batch([d.image for d in drawings], classify)
    tilted_images = [_tilted(d.image, degrees) for d in drawings]
    tilted = recognize_batch(tilted_images, classify)
    level_exact = sum(r.expression == d.text for r, d in zip(level, drawings))
    tilted_exact = sum(r.expression == d.text for r, d in zip(tilted, drawings))
    assert tilted_exact >= level_exact - 1, (tilted_exact, level_exact)
    # Three or four marks make a rough fit ("4/2=" came out at 4.2° and 9.8°), enough to read them right.
    tilts = [result.tilt_deg for result in tilted]
    assert np.median(tilts) == pytest.approx(degrees, abs=1.0)
    assert sum(abs(tilt - degrees) <= 2.0 for tilt in tilts) >= 17, tilts
    for image, result in zip(tilted_images, tilted):
        assert result.to_dict()["tilt_deg"] == result.tilt_deg
        factor = result.mask_factor  # the mask is the drawing's own frame, shrunk as the pipeline shrinks it
        assert result.ink_mask.shape == tuple(-(-side // factor) for side in image.shape)
        for symbol in result.symbols:  # every box holds ink of the drawing as it was drawn
            x0, y0, x1, y1 = symbol.box
            assert image[y0:y1, x0:x1].max() > 128, symbol
