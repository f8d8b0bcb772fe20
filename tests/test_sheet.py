"""A photo of a sheet lying on a desk is read as the sheet: the desk around it is not taken for the paper."""

import numpy as np
import pytest
from skimage.transform import rotate

from py_pipeline.image_input import to_ink
from py_pipeline.recognize import recognize_batch
from py_pipeline.segment import segment
from py_pipeline.sheet import block_means, isolate_sheet
from training.model_store import load_classifier
from training.pen import blank, draw_polyline


def _on_desk(grey, margin=0.1, desk=0.25, turn=0.0, falloff=0.0, rng=None):
    """A light sheet (``grey`` in [0, 1], with some paper added around it) photographed on a darker desk."""
    height, width = grey.shape
    sheet = np.pad(grey, ((height // 3,) * 2, (width // 20,) * 2), constant_values=1.0)
    if turn:
        sheet = rotate(sheet, turn, resize=True, cval=-1.0, order=1)
    rows, cols = (int(margin * side) for side in sheet.shape)
    photo = np.pad(sheet, ((rows, rows), (cols, cols)), constant_values=desk)
    photo[photo < 0] = desk  # the corners a turned sheet leaves
    if falloff:
        y, x = np.mgrid[0:photo.shape[0], 0:photo.shape[1]]
        photo = photo * (1.0 - falloff * (x / photo.shape[1] + y / photo.shape[0]) / 2)
    if rng is not None:
        photo = photo + rng.normal(0.0, 0.012, photo.shape)
    return np.clip(photo, 0.0, 1.0).astype(np.float32)


def _writing(height=200, width=600):
    """Paper (1) with three dark pen strokes, as grey in [0, 1]."""
    canvas = blank(height, width)
    for x in (150, 300, 450):
        draw_polyline(canvas, np.array([[x, 60.0], [x + 20, 140.0]]), 8.0)
    return 1.0 - canvas


def test_the_desk_around_a_sheet_is_painted_over_with_the_sheets_nearest_paper():
    grey = _writing()
    photo = _on_desk(grey)
    out, sheet = isolate_sheet(photo)
    assert sheet is not None and sheet.shape == photo.shape
    assert sheet[photo.shape[0] // 2, photo.shape[1] // 2] and not sheet[:5].any()
    assert out[:5].min() > 0.95 and out[:, :5].min() > 0.95  # the border is paper now
    strokes = photo < 0.1  # black ink; the desk is at 0.25
    assert strokes.sum() > 3 * 80 * 8 * 0.8
    assert np.array_equal(out[strokes], photo[strokes])  # the writing on the sheet is untouched
    assert to_ink((photo * 255).astype(np.uint8)).ink.mean() < 0.05  # read as a little ink on paper


def test_the_rules_of_a_sheet_on_a_desk_run_from_edge_to_edge_of_the_sheet():
    """The rules stop where the sheet does, short of the picture's edges: they are looked for over the sheet."""
    grey = _writing()
    for row in range(20, grey.shape[0], 40):
        grey[row:row + 2] = np.minimum(grey[row:row + 2], 0.55)
    photo = (_on_desk(grey, margin=0.15) * 255).astype(np.uint8)
    ink = to_ink(photo)
    assert ink.ruled_lines == 5
    assert (ink.ink > 0.5).sum() < 1.1 * 3 * 8 * 85  # the three strokes and nothing else


def test_the_dim_corner_of_a_sheet_lit_from_one_side_is_still_the_sheet():
    """Light falling off into a corner of the sheet left it darker than the threshold between paper and a light
    desk, and the corner was painted over as desk, the stroke written there with it."""
    photo = _on_desk(_writing(), margin=0.03, desk=0.45, falloff=0.65, rng=np.random.default_rng(0))
    out, sheet = isolate_sheet(photo)
    strokes = photo < 0.1  # black ink; the desk is 0.16 at its darkest
    assert sheet is not None and sheet[strokes].all()
    assert np.array_equal(out[strokes], photo[strokes])
    assert len(segment(to_ink((photo * 255).astype(np.uint8)).ink).segments) == 3


@pytest.mark.parametrize("case", ["canvas", "strokes along the border", "light ink on dark", "uneven light"])
def test_a_picture_with_no_sheet_on_a_desk_is_left_alone(case):
    grey = _writing()
    if case == "strokes along the border":  # a scribble running along the edges of an opaque canvas
        canvas = blank(200, 600)
        draw_polyline(canvas, np.array([[2.0, 198.0], [2.0, 2.0], [400.0, 2.0], [420.0, 60.0]]), 9.0)
        grey = np.minimum(grey, 1.0 - canvas)
    elif case == "light ink on dark":  # a big light loop, filled in, is no sheet
        canvas = blank(200, 600)
        loop = np.array([[300 + 90 * np.cos(a), 100 + 90 * np.sin(a)] for a in np.linspace(0, 2 * np.pi, 60)])
        draw_polyline(canvas, loop, 8.0)
        grey = 0.1 + 0.8 * canvas
    elif case == "uneven light":  # a sheet filling the picture, its light falling off to one side
        y, x = np.mgrid[0:200, 0:600]
        grey = grey * (1.0 - 0.5 * (x / 600 + y / 200) / 2)
    grey = grey.astype(np.float32)
    out, sheet = isolate_sheet(grey)
    assert sheet is None and out is grey


@pytest.mark.slow
@pytest.mark.parametrize("desk", [
    dict(desk=0.25),
    dict(desk=0.4, margin=0.06, turn=6.0, falloff=0.3),  # a turned sheet, lit from one side
    dict(desk=0.25, falloff=0.65),  # lit so unevenly that the desk's edge must keep the sheet's lighting
])
def test_an_expression_on_a_sheet_on_a_desk_reads_as_on_the_sheet_alone(paper_drawings, desk):
    """Without the sheet picked out, none of these 20 drawings read: the desk was taken for the paper, the
    whole sheet for ink."""
    classify = load_classifier(None)
    drawings = paper_drawings
    alone = recognize_batch([d.image for d in drawings], classify)
    rng = np.random.default_rng(0)
    photos = [np.round(_on_desk(d.image.mean(axis=2) / 255.0, rng=rng, **desk) * 255).astype(np.uint8)
              for d in drawings]
    on_desk = recognize_batch(photos, classify)
    alone_exact = sum(r.expression == d.text for r, d in zip(alone, drawings))
    desk_exact = sum(r.expression == d.text for r, d in zip(on_desk, drawings))
    assert alone_exact >= 17
    assert desk_exact >= alone_exact - 1, (desk_exact, alone_exact)


@pytest.mark.parametrize("pad", ["constant", "edge"])
@pytest.mark.parametrize("shape, step", [((7, 9), 2), ((12, 6), 3), ((5, 11), 4), ((4, 4), 1)])
def test_block_means_average_each_block_with_partial_blocks_padded(pad, shape, step):
    values = np.random.default_rng(3).random(shape, dtype=np.float32)
    height, width = shape
    padded = np.pad(values.astype(np.float64), ((0, -height % step), (0, -width % step)), mode=pad)
    expected = padded.reshape(padded.shape[0] // step, step, padded.shape[1] // step, step).mean(axis=(1, 3))
    got = block_means(values, step, pad=pad)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6)
