"""The printed rules of lined and squared paper are erased from a photo's ink; the writing on them is not."""

import math

import numpy as np
import pytest
from scipy import ndimage as ndi

from drawing import draw_fraction, side_by_side
from py_pipeline.image_input import to_ink
from py_pipeline.recognize import recognize_batch
from py_pipeline.ruled_lines import MIN_SPAN, remove_ruled_lines
from py_pipeline.segment import segment
from training.model_store import load_classifier
from training.pen import blank, draw_polyline
from training.photographs import ruled_paper


def _rules(shape, spacing, level, **rules):
    """Paper (uint8 grey) printed with rules of grey ``level`` (0–255), see ``training.photographs.ruled_paper``."""
    return np.round(255.0 * ruled_paper(shape, spacing, level / 255.0, **rules)).astype(np.uint8)


def _on_paper(image, **rules):
    """A dark-on-light drawing (uint8 RGB) written on ruled paper, its lowest ink standing on a rule."""
    bottom = int(np.flatnonzero((image.min(axis=2) < 128).any(axis=1))[-1])
    return np.minimum(image, _rules(image.shape[:2], offset=bottom, **rules)[..., None])


def _ink(drawn):
    """Float ink from pen strokes drawn on ``blank`` (1 = ink)."""
    return np.asarray(drawn, dtype=np.float32)


def _writing(height=300, width=900):
    """A vertical stroke, a dot and a short bar, in pen strokes 7 px wide, as float ink."""
    canvas = blank(height, width)
    draw_polyline(canvas, np.array([[300.0, 60.0], [310.0, 240.0]]), 7.0)  # crosses rows 75, 125, 175, 225
    draw_polyline(canvas, np.array([[500.0, 173.0]]), 8.0)  # a decimal point sitting on the rule at row 175
    draw_polyline(canvas, np.array([[600.0, 100.0], [680.0, 100.0]]), 7.0)  # a minus between two rules
    return _ink(canvas)


def test_the_rules_of_lined_paper_are_erased_and_the_writing_crossing_them_kept():
    writing = _writing()
    paper = 1.0 - _rules(writing.shape, spacing=50, level=120, offset=25).astype(np.float32) / 255.0
    ink, count = remove_ruled_lines(np.maximum(writing, paper))
    assert count == 6  # rows 25, 75, ..., 275
    away = np.ones(writing.shape, dtype=bool)
    away[:, 280:340] = away[:, 480:520] = away[:, 590:690] = False
    assert ink[away].max() == 0.0  # nothing of the rules is left away from the writing
    mask = ink > 0.5
    assert (mask & (writing > 0.5)).sum() >= 0.97 * (writing > 0.5).sum()  # the writing is all still there
    labels, pieces = ndi.label(mask, structure=np.ones((3, 3)))
    assert pieces == 3  # the stroke is one piece across the rules, the dot and the minus are their own
    assert labels[60, 300] == labels[240, 310]


def test_the_rules_of_squared_paper_are_erased_crossings_and_all():
    writing = _writing()
    paper = 1.0 - _rules(writing.shape, spacing=40, level=170, offset=10, skew_deg=2.0,
                         squared=True).astype(np.float32) / 255.0
    ink, count = remove_ruled_lines(np.maximum(writing, paper))
    assert count >= 7 + 22
    labels, pieces = ndi.label(ink > 0.3, structure=np.ones((3, 3)))
    assert pieces == 3, pieces  # no crossing of two rules is left behind as a speck


def test_a_pale_grid_photographed_and_shrunk_is_still_erased():
    """Thin pale rules in a photo three times the working size are barely darker than the paper once shrunk:
    under the ink threshold in stretches, flecks elsewhere, which the segmenter used to join to the digits
    next to them."""
    writing = np.kron(_writing(), np.ones((3, 3), dtype=np.float32))   # 900 × 2700, pen 21 px
    paper = _rules(writing.shape, spacing=150, level=200, offset=30, thickness=1.5, skew_deg=1.0, squared=True)
    grain = np.random.default_rng(0).normal(0.0, 3.0, writing.shape)
    photo = np.clip(paper.astype(np.float32) * (1.0 - writing) + grain, 0, 255).astype(np.uint8)
    read = to_ink(photo)
    assert read.factor == 3 and read.ruled_lines >= 5 + 17
    assert len(segment(read.ink).segments) == 3   # the stroke, the dot and the minus, nothing of the grid


@pytest.mark.parametrize("pen", [1.5, 2.5])
def test_a_thin_stroke_along_a_pale_rule_of_a_photographed_grid_stays(pen):
    """Of a pale grid shrunk from a photo, little passes the ink threshold but a stroke lying along a rule: the
    rules' level taken from the ink on them was the stroke's own, and it was erased as a rule (a ``4`` lost
    its stem, ``70-45`` read ``70^-4.5``). Their level is taken over their whole band now."""
    canvas = blank(300, 900)
    draw_polyline(canvas, np.array([[110.0, 60.0], [110.0, 240.0]]), pen)  # along the rule at column 330
    writing = np.kron(np.maximum(_writing(), _ink(canvas)), np.ones((3, 3), dtype=np.float32))
    paper = _rules(writing.shape, spacing=150, level=170, offset=30, thickness=1.5, squared=True)
    grain = np.random.default_rng(0).normal(0.0, 3.0, writing.shape)
    photo = np.clip(paper.astype(np.float32) * (1.0 - writing) + grain, 0, 255).astype(np.uint8)
    read = to_ink(photo)
    assert read.factor == 3 and read.ruled_lines >= 2 + 17
    assert (read.ink[65:235, 106:115] > 0.4).any(axis=1).mean() > 0.95   # the stroke, top to bottom
    assert len(segment(read.ink).segments) == 4   # and the rest of the writing, nothing of the grid


@pytest.mark.parametrize("lean_deg", [1.625, -1.875])
def test_rules_leaning_between_two_of_the_skews_tried_are_erased_end_to_end(lean_deg):
    """Skews are tried a quarter of a degree apart; a rule two rows thick leaning halfway between two of them
    drifts a row off the band found for it towards each end of the picture, and was left there in dashes that
    the segmenter joined to the writing or read as marks far above it."""
    erased, count = remove_ruled_lines(_leaning_rules(lean_deg))
    assert count == 5
    assert len(segment(erased).segments) == 3   # the stroke, the dot and the minus, nothing of the rules


def test_a_rule_leaving_the_picture_through_its_bottom_edge_is_erased():
    """Leaning 2.125°, the lowest rule runs out of the picture's bottom edge 90 columns short of its right
    one. The band around a rule reaches a row above it, which stays inside the picture some 25 columns longer,
    and the rule was held to reach that far: it was left in, one glyph with the whole line of writing."""
    erased, count = remove_ruled_lines(_leaning_rules(2.125))
    assert count == 5
    assert len(segment(erased).segments) == 3


def _leaning_rules(lean_deg):
    """:func:`_writing` on rules two rows thick, 60 apart, leaning ``lean_deg`` (sharp-edged, ink 0.5, grain)."""
    ink = _writing()
    slope = math.tan(math.radians(lean_deg))
    columns = np.arange(ink.shape[1])
    for start in range(30, ink.shape[0] + 60, 60):
        for row in (0, 1):
            rows = np.floor(start + slope * columns).astype(int) + row
            inside = (rows >= 0) & (rows < ink.shape[0])
            ink[rows[inside], columns[inside]] = np.maximum(ink[rows[inside], columns[inside]], 0.5)
    return np.clip(ink + np.random.default_rng(0).normal(0.0, 0.01, ink.shape), 0.0, 1.0).astype(np.float32)


def test_a_stroke_along_a_rule_stays_when_the_rules_are_fainter_than_its_core():
    """Thin strokes of a shrunk photo are mostly soft edge: their median is no darker than a rule, their cores
    are. Judged by the median, a stroke running along a rule was erased with it."""
    canvas = blank(300, 900)
    draw_polyline(canvas, np.array([[225.0, 60.0], [225.0, 240.0]]), 1.5)   # along the rule at column 225
    for x in (300, 360, 600, 660):
        draw_polyline(canvas, np.array([[x, 60.0], [x + 50, 240.0], [x + 100, 60.0]]), 1.5)
    writing = np.clip(1.2 * ndi.gaussian_filter(_ink(canvas), 0.7), 0.0, 0.9)
    paper = 1.0 - ruled_paper(writing.shape, 50, 0.5, offset=25, thickness=1.5, squared=True)
    ink, count = remove_ruled_lines(np.maximum(writing, paper))
    assert count == 6 + 18
    assert (ink[60:240, 222:229] > 0.4).any(axis=1).mean() > 0.95


def test_a_rule_cut_by_the_frame_is_erased_and_writing_reaching_the_edge_kept():
    """A rule the frame cuts along its length leaves a sliver along the edge, too little to be found as a
    rule; left in, it stood beside the writing as a ``1`` or a ``-``."""
    writing = _writing()
    draw_polyline(writing, np.array([[800.0, 0.0], [800.0, 120.0]]), 7.0)   # a stroke from the top edge
    paper = 1.0 - _rules(writing.shape, spacing=50, level=120, offset=25).astype(np.float32) / 255.0
    paper[:2, :450] = paper[:150, -1] = 0.5   # slivers along half the top and half the right edge
    ink, count = remove_ruled_lines(np.maximum(writing, paper))
    assert count == 6
    assert ink[:2, :450].max() == 0.0 and ink[:, -1].max() == 0.0
    assert (ink[0:115, 795:806] > 0.9).any(axis=1).all()   # the stroke from the edge, whole


def test_a_wedge_of_desk_beside_a_strip_erased_along_the_edge_goes_with_it():
    """A sheet turned a little in the frame leaves a strip of desk along the top edge, erased as a rule where
    it spans the picture, and a wedge under it where it does not: left in, a mark far above the writing."""
    writing = _writing()
    desk = np.zeros_like(writing)
    desk[:2] = 0.6
    wedge = np.linspace(4.0, 0.0, 400)  # rows of it along the left half, from 4 down to none
    for x, depth in enumerate(wedge):
        desk[2:2 + int(round(depth)), x] = 0.6
    ink, count = remove_ruled_lines(np.maximum(writing, desk))
    assert count >= 1
    assert ink[:8].max() == 0.0  # strip and wedge both gone
    assert (ink > 0.5).sum() >= 0.97 * (writing > 0.5).sum()  # and the writing all there


@pytest.mark.parametrize("length, pen", [(860, 40), (880, 38)])
def test_writing_alone_is_left_alone(length, pen):
    """A bar across the whole picture is a minus when it is thicker than a twenty-fifth of its length."""
    canvas = blank(300, 900)
    draw_polyline(canvas, np.array([[20.0, 150.0], [20.0 + length, 150.0]]), float(pen))
    draw_polyline(canvas, np.array([[450.0, 40.0], [450.0, 110.0]]), 8.0)
    ink = _ink(canvas)
    out, count = remove_ruled_lines(ink)
    assert count == 0 and out is ink


def test_the_bars_of_two_fractions_in_a_row_are_no_rule():
    """Two wide fractions side by side, with the ``-`` between their bars, fill 87% of a tightly framed
    drawing's width along one row: nearly a rule from edge to edge, but for the margins. Before rules had
    to reach both ends, the bars were erased and the fractions read as two lines of writing."""
    left = draw_fraction(list("1234+567"), ["8"], after=["-"], bar_overhang=0.5)
    right = draw_fraction(list("9876+54"), ["3"], bar_overhang=0.5)
    ink = side_by_side(left.ink, right.ink, overlap=55)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    margin = 24  # 0.4 line heights, as a drawing cropped to its ink keeps
    ink = ink[rows[0] - margin:rows[-1] + 1 + margin, cols[0] - margin:cols[-1] + 1 + margin]
    bar_rows = (ink > 0.5)[int(np.argmax((ink > 0.5).sum(axis=1))) + np.arange(-3, 4)].any(axis=0)
    assert bar_rows.mean() > MIN_SPAN  # dense enough to pass for a rule
    grey = (255 * (1 - np.clip(ink, 0, 1))).astype(np.uint8)
    assert to_ink(grey).ruled_lines == 0
    result = recognize_batch([grey], load_classifier(None))[0]
    assert (result.expression, result.value) == ("((1234+567)/8)-((9876+54)/3)", "-24679/8")


def test_a_transparent_canvas_has_no_paper_and_so_no_rules():
    """A line drawn across a transparent canvas is writing: only an opaque picture has rules to erase."""
    alpha = _rules((200, 700), spacing=60, level=0, offset=30)
    rgba = np.zeros((200, 700, 4), dtype=np.uint8)
    rgba[..., 3] = 255 - alpha
    transparent = to_ink(rgba)
    assert transparent.ruled_lines == 0 and transparent.ink.max() > 0.9
    opaque = to_ink(np.dstack([alpha] * 3))
    assert opaque.ruled_lines == 3 and opaque.ink.max() == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("paper", [
    dict(level=200, spacing_factor=1.3),  # faint rules, as printed
    dict(level=90, spacing_factor=1.5, thickness=3.0),  # dark, thick rules
    dict(level=150, spacing_factor=1.2, squared=True, skew_deg=2.0),  # squared paper, photographed askew
])
def test_an_expression_on_ruled_paper_reads_as_on_blank_paper(paper_drawings, paper):
    """Without the rules erased, these 20 drawings read 18 exactly on blank paper, 0 on the dark rules and
    12 on the squared paper: every digit standing on a rule became one glyph with it."""
    classify = load_classifier(None)
    drawings = paper_drawings
    blank_results = recognize_batch([d.image for d in drawings], classify)
    paper = dict(paper)
    factor = paper.pop("spacing_factor")
    ruled = []
    for d in drawings:
        rows = np.flatnonzero((d.image.min(axis=2) < 128).any(axis=1))
        ruled.append(_on_paper(d.image, spacing=factor * (rows[-1] - rows[0]), **paper))
    ruled_results = recognize_batch(ruled, classify)
    blank_exact = sum(r.expression == d.text for r, d in zip(blank_results, drawings))
    ruled_exact = sum(r.expression == d.text for r, d in zip(ruled_results, drawings))
    assert blank_exact >= 17
    assert ruled_exact >= blank_exact - 1, (ruled_exact, blank_exact)
    assert all(r.ruled_lines == 0 for r in blank_results)
    if paper["level"] <= 90:  # fainter rules shrunk with a wide photo may fall under the ink threshold whole
        assert all(r.ruled_lines >= 1 for r in ruled_results)
