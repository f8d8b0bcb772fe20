"""The round pen that draws every synthetic stroke: width, round caps, transparency like a canvas export."""

import numpy as np
import pytest

from training.pen import blank, draw_polyline, paint, render_strokes, to_rgba_png_array, trim


def test_stroke_thickness_equals_pen_width():
    ink = render_strokes([[(10, 50), (190, 50)]], 100, 200, 12)
    column = ink[:, 100]
    assert abs(column.sum() - 12) < 1.0
    assert ink[50, 100] == 1.0 and ink[10, 100] == 0.0


def test_round_cap_and_single_point_dot():
    canvas = blank(60, 60)
    draw_polyline(canvas, [(30, 30)], 20)
    area = canvas.sum()
    assert abs(area - np.pi * 10 ** 2) / (np.pi * 10 ** 2) < 0.05


def test_overlapping_strokes_do_not_exceed_full_ink():
    ink = render_strokes([[(0, 0), (50, 50)], [(50, 0), (0, 50)]], 50, 50, 8)
    assert ink.max() == 1.0 and ink.min() == 0.0


def test_strokes_outside_the_canvas_are_clipped():
    ink = render_strokes([[(-50, -50), (-10, -10)], [(10, 10), (500, 10)]], 40, 40, 4)
    assert ink[:, :].shape == (40, 40) and ink[10, 39] > 0


def test_rgba_export_transparent_and_opaque():
    ink = render_strokes([[(5, 5), (25, 5)]], 10, 30, 4)
    transparent = to_rgba_png_array(ink)
    assert transparent.dtype == np.uint8 and transparent.shape == (10, 30, 4)
    assert transparent[0, 0, 3] == 0 and transparent[5, 15, 3] == 255
    opaque = to_rgba_png_array(ink, ink_rgb=(255, 255, 255), background=(0, 0, 0))
    assert (opaque[..., 3] == 255).all() and opaque[5, 15, 0] == 255 and opaque[0, 0, 0] == 0


def test_trim_cuts_to_the_ink_and_paint_lays_it_down_clipped():
    ink = blank(10, 12)
    ink[3:5, 4:9] = 0.5
    assert trim(ink).shape == (2, 5) and trim(blank(4, 4)).shape == (1, 1)
    canvas = blank(6, 6)
    canvas[0, 0] = 0.8
    paint(canvas, np.full((3, 4), 0.6, np.float32), 4, 4)  # hangs over the bottom-right edge
    assert canvas[4:, 4:].min() == 0.6 and canvas.sum() == pytest.approx(0.8 + 4 * 0.6)
    paint(canvas, np.full((1, 1), 0.3, np.float32), 0, 0)  # opaque paint: the darker ink stays
    assert canvas[0, 0] == pytest.approx(0.8)
