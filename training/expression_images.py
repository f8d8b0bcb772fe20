"""Whole handwritten expressions, composed from real MNIST test digits and generated operators.

The end-to-end tests and the recognition benchmark need drawings whose true expression is known and which look
like what the web app exports: canvas strokes of one pen width, symbols of one writer's size, uneven spacing,
in any of the three forms a PNG arrives in (dark ink on paper, light ink on a dark board, ink on a transparent
canvas). Digits are real MNIST **test** digits redrawn with the round pen (:mod:`training.redraw`), so the
classifier never saw them; operators come from the stroke generator (:mod:`training.operators`); ``=``, ``÷``
and ``.`` are drawn here because the classifier does not know them — the pipeline finds them by geometry.

numpy + scikit-image only, no TensorFlow.
"""

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from py_pipeline.evaluate import decimal_text
from py_pipeline.symbols import DIGITS, to_display
from training.operators import symbol_strokes
from training.pen import (blank, draw_polyline, draw_strokes, inked_box, paint, random_writer, to_rgba_png_array,
                          trim)
from training.redraw import redraw_digit

POLARITIES = ("dark-on-light", "light-on-dark", "transparent")


@dataclass(frozen=True)
class ComposedExpression:
    """A drawing with its ground truth: ``text`` is the ASCII expression, ``boxes[i]`` the ink box of symbol i."""

    text: str
    image: np.ndarray
    ink: np.ndarray
    boxes: list


def digits_by_label(images, labels):
    """Index MNIST digits by label: ``{0: (n0, 28, 28) array, …, 9: …}``."""
    return {label: images[labels == label] for label in range(10)}


def compose_expression(text, digits, rng, polarity="dark-on-light", touching=0.0):
    """Draw ``text`` (ASCII: ``0-9 + - * / ( ) . =``, with ``:`` standing for ``÷``) as one writer would.

    Three notations draw what has no character of its own: ``^`` raises the digits (and a leading ``-``) after
    it, written smaller, as an exponent (``2^3``, ``10^-3``); ``{A|B}`` stacks ``A`` over a bar over ``B``, a
    fraction (``2+{1+2|3}``); ``[A]`` writes ``A`` under the bar of a square root (``2*[9+16]``). And ``\n``
    parts lines written one under the other as a column, numbers aligned right and a rule drawn under the
    last, as a sum is written on paper (``120\n+45\n-30``); a last line ``=165`` is written under the rule, as
    the writer's answer. Lines that each hold an ``=`` are sums of their own, one under the other, aligned
    left, as in a notes app (``12+5=\n3*4=``). :func:`expected_expression` says what the pipeline should read
    for them.

    Parameters
    ----------
    text : str
        The expression to draw, one character per symbol.
    digits : dict of int to (n, 28, 28) ndarray
        MNIST digits to draw from, as :func:`digits_by_label` gives.
    rng : numpy.random.Generator
        Everything random (which digit, writer, spacing, strokes) comes from it: same state, same drawing.
    polarity : {"dark-on-light", "light-on-dark", "transparent"}
        ``dark-on-light`` is RGB black on white, ``light-on-dark`` grayscale white on black, ``transparent``
        RGBA black ink on a transparent canvas, as an unfilled canvas exports.
    touching : float
        Chance that a digit is written into the previous one (overlapping it by about a pen width), as a fast
        hand writes ``00`` without lifting: the pipeline then has to cut the pair apart.
    """
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    digit_height, pen = random_writer(rng)
    margin = int(round(0.4 * digit_height + pen))
    if "\n" in text and _each_line(text):
        canvas, boxes = _page_of_lines(text.split("\n"), digits, rng, digit_height, pen, touching, margin)
    elif "\n" in text:
        canvas, boxes = _column(text.split("\n"), digits, rng, digit_height, pen, touching, margin)
    else:
        canvas, boxes = _lay_out(_items(text), digits, rng, digit_height, pen, touching, margin)
    return ComposedExpression(text=text, image=_as_image(canvas, polarity), ink=canvas, boxes=boxes)


def expected_expression(text):
    """The expression text the pipeline should read for a :func:`compose_expression` text: ``:`` is ``/``, a
    stacked ``{A|B}`` and a root ``[A]`` are bracketed as :func:`py_pipeline.expression.expression_text` writes
    them, and a line of a column with no operator before its number is added (``12\n5`` is ``12+5``); lines
    each with an ``=`` are read one by one, and their texts joined by newlines."""
    if "\n" in text and _each_line(text):
        return "\n".join(expected_expression(line) for line in text.split("\n"))
    if "\n" in text:
        first, *others = text.split("\n")
        return expected_expression(first) + "".join(
            expected_expression(line if line[0] in "+-*/:=" else "+" + line) for line in others)
    out = []
    for kind, value in _items(text):
        if kind == "root":
            out.append(f"sqrt({expected_expression(value)})")
        elif kind == "fraction":
            parts = ["(" + part + ")" if not set(part) <= DIGITS | {"."} else part
                     for part in (expected_expression(value[0]), expected_expression(value[1]))]
            out.append(f"({parts[0]}/{parts[1]})")
        else:
            out.append(("^" + value) if kind == "raised" else value.replace(":", "/"))
    return "".join(out)


def _items(text):
    """``(kind, value)`` of what ``text`` draws in order: ``("symbol", char)``, ``("raised", "12")`` (an
    exponent's characters), ``("fraction", (numerator text, denominator text))`` or ``("root", radicand text)``."""
    items, i = [], 0
    while i < len(text):
        if text[i] == "^":
            j = i + 1 + (text[i + 1:i + 2] == "-")
            while j < len(text) and text[j] in DIGITS:
                j += 1
            items.append(("raised", text[i + 1:j]))
            i = j
        elif text[i] == "{":
            close = text.index("}", i)
            numerator, denominator = text[i + 1:close].split("|")
            items.append(("fraction", (numerator, denominator)))
            i = close + 1
        elif text[i] == "[":
            close = text.index("]", i)
            items.append(("root", text[i + 1:close]))
            i = close + 1
        else:
            items.append(("symbol", text[i]))
            i += 1
    return items


def _lay_out(items, digits, rng, digit_height, pen, touching, margin):
    """Ink of a line of items and the box of each symbol on it, in reading order."""
    mid_line = digit_height / 2.0  # distance of the operators' centre above the baseline
    patches = [_item_patch(kind, value, digits, rng, digit_height, pen) for kind, value in items]
    chars = [value if kind == "symbol" else "" for kind, value in items]

    x = float(margin)
    placed = []
    for position, (char, (ink, anchor, inner)) in enumerate(zip(chars, patches)):
        if placed:
            previous = chars[position - 1]
            close = char in DIGITS and previous in DIGITS | {"."}
            if isinstance(anchor, tuple) and anchor[0] == "raised":
                x += digit_height * rng.uniform(0.03, 0.15)
            elif close and previous in DIGITS and rng.random() < touching:
                x -= pen * rng.uniform(0.5, 1.5)
            else:
                x += digit_height * (rng.uniform(0.08, 0.3) if close else rng.uniform(0.15, 0.45))
        # anchor: "base" sits on the baseline, "mid" is centred on the mid line, "under" hangs to the baseline;
        # ("raised", lift) ends lift above the baseline, ("bar", row) has that row on the mid line.
        jitter = rng.normal(0.0, 0.04 * digit_height)
        if anchor == "base":
            bottom = jitter
        elif isinstance(anchor, tuple) and anchor[0] == "raised":
            bottom = -anchor[1] + jitter
        elif isinstance(anchor, tuple) and anchor[0] == "bar":
            bottom = ink.shape[0] - anchor[1] - mid_line + jitter
        else:
            bottom = -mid_line + ink.shape[0] / 2.0 + jitter
        placed.append((ink, x, bottom, inner))
        x += ink.shape[1]
    width = int(np.ceil(x)) + margin
    top_extent = max(ink.shape[0] - bottom for ink, _, bottom, _ in placed)
    low_extent = max(max(bottom for _, _, bottom, _ in placed), 0.0)
    height = int(np.ceil(top_extent + low_extent)) + 2 * margin
    baseline = margin + top_extent

    canvas = blank(height, width)
    boxes = []
    for ink, left, bottom, inner in placed:
        top = int(round(baseline + bottom - ink.shape[0]))
        left = int(round(left))
        paint(canvas, ink, top, left)
        if inner is not None:
            boxes += [[x0 + left, y0 + top, x1 + left, y1 + top] for x0, y0, x1, y1 in inner]
            continue
        rows = np.flatnonzero(ink.max(axis=1) > 0.25)
        cols = np.flatnonzero(ink.max(axis=0) > 0.25)
        boxes.append([left + int(cols[0]), top + int(rows[0]), left + int(cols[-1]) + 1, top + int(rows[-1]) + 1])
    return canvas, boxes


def _item_patch(kind, value, digits, rng, digit_height, pen):
    """``(ink, anchor, boxes)`` of one item; ``boxes`` are its symbols' (None for a single symbol)."""
    if kind == "symbol":
        return (*_symbol_patch(value, digits, rng, digit_height, pen), None)
    if kind == "raised":
        # An exponent: a half-size line whose bottom is about the base digit's middle.
        size = digit_height * rng.uniform(0.5, 0.7)
        ink, boxes = _trimmed(*_lay_out(_items(value), digits, rng, size, pen, 0.0, 0))
        return ink, ("raised", digit_height * rng.uniform(0.4, 0.55)), boxes
    if kind == "root":
        return _root_patch(value, digits, rng, digit_height, pen)
    size = digit_height * rng.uniform(0.75, 0.95)  # fractions are written a little smaller than the line
    over, over_boxes = _trimmed(*_lay_out(_items(value[0]), digits, rng, size, pen, 0.0, 0))
    under, under_boxes = _trimmed(*_lay_out(_items(value[1]), digits, rng, size, pen, 0.0, 0))
    length = max(over.shape[1], under.shape[1]) + 2 * digit_height * rng.uniform(0.05, 0.25)
    space = digit_height * rng.uniform(0.12, 0.3)
    bar_row = int(round(over.shape[0] + space))
    height = int(np.ceil(bar_row + space + under.shape[0] + pen))
    width = int(np.ceil(length + pen))
    ink = blank(height, width)
    offsets = [(int(round((width - part.shape[1]) / 2)), top)
               for part, top in ((over, 0), (under, int(round(bar_row + space))))]
    for part, (left, top) in zip((over, under), offsets):
        paint(ink, part, top, left)
    bar = blank(height, width)
    draw_polyline(bar, [(pen / 2, bar_row), (width - pen / 2, bar_row + rng.normal(0, 0.02) * length)], pen)
    np.maximum(ink, bar, out=ink)
    rows, cols = np.flatnonzero(bar.max(axis=1) > 0.25), np.flatnonzero(bar.max(axis=0) > 0.25)
    shift = lambda boxes, dx, dy: [[x0 + dx, y0 + dy, x1 + dx, y1 + dy] for x0, y0, x1, y1 in boxes]  # noqa
    boxes = (shift(over_boxes, *offsets[0]) + [[int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]]
             + shift(under_boxes, *offsets[1]))
    return ink, ("bar", bar_row), boxes


def _root_patch(radicand, digits, rng, digit_height, pen):
    """``(ink, "base", boxes)`` of a square root: one stroke, a short tick up, down to the baseline, up to
    above the radicand and along over it. One bar in three is drawn right on top of the radicand, touching
    it; the others start clear of it, and one that sags may run into its last symbols, as a quick hand's
    does."""
    under, under_boxes = _trimmed(*_lay_out(_items(radicand), digits, rng, digit_height, pen, 0.0, 0))
    lead = digit_height * rng.uniform(0.35, 0.65)       # the check's width
    # From the radicand's top to the bar's centre: under half a pen, the bar runs into the radicand.
    clearance = (pen * rng.uniform(0.1, 0.45) if rng.random() < 1 / 3
                 else pen + digit_height * rng.uniform(0.05, 0.25))
    overhang = digit_height * rng.uniform(0.0, 0.25)
    top = clearance + pen / 2                            # the bar's centre row
    left = pen / 2
    radicand_left = left + lead + digit_height * rng.uniform(0.05, 0.2)
    foot = top + clearance + under.shape[0] + digit_height * rng.normal(0.0, 0.04)   # the check's lowest point
    bar_end = radicand_left + under.shape[1] + overhang
    climb = rng.normal(0.0, 0.03) * (bar_end - left - lead)
    stroke = np.array([
        [left, top + under.shape[0] * rng.uniform(0.35, 0.6)],
        [left + lead * rng.uniform(0.15, 0.3), top + under.shape[0] * rng.uniform(0.3, 0.45)],
        [left + lead * rng.uniform(0.4, 0.6), foot],
        [left + lead, top],
        [bar_end, top - climb],
    ])
    height = int(np.ceil(max(foot, top + clearance + under.shape[0]) + pen))
    width = int(np.ceil(bar_end + pen))
    shift = int(np.ceil(abs(climb)))  # room above for a bar that climbs (one that sags stays above the foot)
    ink = blank(height + shift, width)
    radicand_top = int(round(top + clearance)) + shift
    paint(ink, under, radicand_top, int(round(radicand_left)))
    sign = blank(*ink.shape)
    draw_polyline(sign, stroke + [0.0, shift], pen)
    np.maximum(ink, sign, out=ink)
    rows, cols = np.flatnonzero(sign.max(axis=1) > 0.25), np.flatnonzero(sign.max(axis=0) > 0.25)
    boxes = [[int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]] + [
        [x0 + int(round(radicand_left)), y0 + radicand_top, x1 + int(round(radicand_left)), y1 + radicand_top]
        for x0, y0, x1, y1 in under_boxes]
    ink, boxes = _trimmed(ink, boxes)  # the lower of the radicand's foot and the check's on the baseline
    return ink, "base", boxes


def _column(lines, digits, rng, digit_height, pen, touching, margin):
    """Ink and symbol boxes of ``lines`` one under the other, aligned right, with a rule under the last (or
    over an answer, a last line that starts with ``=``)."""
    answered = lines[-1].startswith("=")
    lines = lines[:-1] + [lines[-1].lstrip("=")]
    laid = [_trimmed(*_lay_out(_items(line), digits, rng, digit_height, pen, touching, 0)) for line in lines]
    shifts = [rng.normal(0.0, 0.06 * digit_height) for _ in laid]  # a hand aligns the digits roughly
    right = max(ink.shape[1] - shift for (ink, _), shift in zip(laid, shifts))
    gaps = [digit_height * rng.uniform(0.3, 0.6) for _ in laid[1:]]
    rule_gap = digit_height * rng.uniform(0.15, 0.35)
    if answered:  # the rule goes between the last two lines, with room for it
        gaps[-1] = digit_height * rng.uniform(0.7, 1.0)
    height = sum(ink.shape[0] for ink, _ in laid) + sum(gaps) + rule_gap + 2 * pen
    canvas = blank(int(np.ceil(height)) + 2 * margin, int(np.ceil(right + 0.3 * digit_height)) + 2 * margin)
    boxes, top, lefts = [], float(margin), []
    for k, ((ink, line_boxes), shift) in enumerate(zip(laid, shifts)):
        if answered and k == len(laid) - 1:  # clear of the lines over and under it by a fifth of a digit
            space = top - gaps[-1], top - 0.2 * digit_height - pen
            _rule(canvas, min(lefts), margin + right, space[0] + 0.2 * digit_height, space[1], digit_height, pen,
                  rng)
        left = margin + right - ink.shape[1] + shift
        paint(canvas, ink, int(round(top)), int(round(left)))
        boxes += [[x0 + int(round(left)), y0 + int(round(top)), x1 + int(round(left)), y1 + int(round(top))]
                  for x0, y0, x1, y1 in line_boxes]
        lefts.append(left)
        top += ink.shape[0] + (gaps[k] if k < len(gaps) else rule_gap)
    if not answered:
        _rule(canvas, min(lefts), margin + right, top, np.inf, digit_height, pen, rng)
    return canvas, boxes


def _each_line(text):
    """Whether the lines of ``text`` are sums of their own: each holds an ``=``, none starts with one (an
    answer under a column's rule)."""
    return all("=" in line and not line.startswith("=") for line in text.split("\n"))


def _page_of_lines(lines, digits, rng, digit_height, pen, touching, margin):
    """Ink and symbol boxes of ``lines`` one under the other, each a sum of its own, aligned left (roughly, as
    a hand starts each line)."""
    laid = [_trimmed(*_lay_out(_items(line), digits, rng, digit_height, pen, touching, 0)) for line in lines]
    shifts = [abs(rng.normal(0.0, 0.15 * digit_height)) for _ in laid]
    gaps = [digit_height * rng.uniform(0.4, 0.9) for _ in laid[1:]] + [0.0]
    height = sum(ink.shape[0] for ink, _ in laid) + sum(gaps)
    width = max(ink.shape[1] + shift for (ink, _), shift in zip(laid, shifts))
    canvas = blank(int(np.ceil(height)) + 2 * margin, int(np.ceil(width)) + 2 * margin)
    boxes, top = [], float(margin)
    for (ink, line_boxes), shift, gap in zip(laid, shifts, gaps):
        y, x = int(round(top)), int(round(margin + shift))
        paint(canvas, ink, y, x)
        boxes += [[x0 + x, y0 + y, x1 + x, y1 + y] for x0, y0, x1, y1 in line_boxes]
        top += ink.shape[0] + gap
    return canvas, boxes


def random_lines_text(rng, max_lines=3):
    """Sums of their own written one under the other for :func:`compose_expression`: 2–``max_lines`` lines of
    :func:`random_expression_text`, each ending in ``=``."""
    lines = [random_expression_text(rng) for _ in range(int(rng.integers(2, max_lines + 1)))]
    return "\n".join(line if line.endswith("=") else line + "=" for line in lines)


def _rule(canvas, left, right, top, bottom, digit_height, pen, rng):
    """A line drawn from about ``left`` to about ``right``, a little off level, between rows ``top`` and
    ``bottom``."""
    start = left - digit_height * rng.uniform(0.0, 0.25)
    end = right + digit_height * rng.uniform(0.0, 0.25)
    room = max(bottom - top, 0.0)
    climb = float(np.clip(rng.normal(0.0, 0.03) * (end - start), -room, room))
    draw_polyline(canvas, np.array([[start, top + max(0.0, climb)], [end, top + max(0.0, -climb)]]), pen)


def random_column_text(rng, max_lines=4):
    """Numbers written in a column for :func:`compose_expression`: 2–``max_lines`` lines of 1–4 digit numbers
    (sometimes with a decimal point), each under the first with ``+`` or ``-`` before it, or with no operator
    until the last or at all (none adds), or two lines with ``*``; one column in four with its answer written
    under it."""
    count = int(rng.integers(2, max_lines + 1))
    style = rng.choice(["each", "last", "none"])  # which lines under the first have an operator
    lines = []
    for k in range(count):
        number = str(int(rng.integers(0, 10 ** int(rng.integers(1, 5)))))
        if rng.random() < 0.1:
            number += "." + str(int(rng.integers(0, 10)))
        operator = ""
        if k > 0 and (style == "each" or (style == "last" and k == count - 1)):
            operator = str(rng.choice(["+", "-", "*"] if count == 2 else ["+", "-"]))
        lines.append(operator + number)
    if rng.random() < 0.25:
        lines.append("=" + decimal_text(_column_value(lines))[0])
    return "\n".join(lines)


def _column_value(lines):
    """The exact value of a column of :func:`random_column_text` (a line without an operator is added)."""
    value = Fraction(lines[0])
    for line in lines[1:]:
        operator, number = (line[0], line[1:]) if line[0] in "+-*" else ("+", line)
        sign = -1 if operator == "-" else 1
        value = value * Fraction(number) if operator == "*" else value + sign * Fraction(number)
    return value


def _trimmed(ink, boxes):
    """``ink`` cut to its inked box (:func:`training.pen.trim`), ``boxes`` moved with it."""
    box = inked_box(ink)
    top, left = int(box[0].start or 0), int(box[1].start or 0)
    return ink[box], [[x0 - left, y0 - top, x1 - left, y1 - top] for x0, y0, x1, y1 in boxes]


def random_expression_text(rng, max_numbers=4):
    """A random well-formed expression in ASCII: 1–3 digit numbers, ``+ - * /``, sometimes parentheses,
    a decimal point or a trailing ``=`` — the shapes of what people write on a calculator."""
    count = int(rng.integers(2, max_numbers + 1))
    parts = []
    inside = None  # numbers written since the open parenthesis; None when none is open
    for i in range(count):
        if i > 0:
            parts.append(str(rng.choice(list("+-*/"))))
        if i < count - 1 and inside is None and rng.random() < 0.2:
            parts.append("(")
            inside = 0
        number = str(int(rng.integers(0, 10 ** int(rng.integers(1, 4)))))
        if rng.random() < 0.1:
            number += "." + str(int(rng.integers(1, 10)))
        parts.append(number)
        if inside is not None:
            inside += 1
            if inside >= 2 and rng.random() < 0.6:
                parts.append(")")
                inside = None
    if inside is not None:
        parts.append(")")
    if rng.random() < 0.2:
        parts.append("=")
    return "".join(parts)


def random_structured_text(rng, max_terms=4):
    """A random expression with the layouts :func:`compose_expression` draws: 2–``max_terms`` terms joined by
    ``+ - * /``, each a 1–3 digit number, a number to a raised power (``7^2``, ``10^-3``) or a stacked fraction
    of two short expressions (``{12+3|4}``)."""
    terms = []
    for _ in range(int(rng.integers(2, max_terms + 1))):
        kind = rng.choice(["number", "power", "fraction"], p=[0.4, 0.3, 0.3])
        if kind == "fraction":
            over = random_expression_text(rng, 2).rstrip("=") if rng.random() < 0.5 else _number(rng, 2)
            under = random_expression_text(rng, 2).rstrip("=") if rng.random() < 0.3 else _number(rng, 2)
            terms.append("{" + over + "|" + under + "}")
            continue
        number = _number(rng, 3)
        if kind == "power":
            number += "^" + ("-" if rng.random() < 0.15 else "") + _number(rng, 1 if rng.random() < 0.8 else 2)
        terms.append(number)
    return "".join(term + (str(rng.choice(list("+-*/"))) if i < len(terms) - 1 else "")
                   for i, term in enumerate(terms))


def random_root_text(rng, max_terms=3):
    """A random expression with square roots: 2–``max_terms`` terms joined by ``+ - * /``, each a 1–3 digit
    number (two in five), a root (``[A]``) of one or of a short expression, sometimes after a factor
    (``2[9]``; two in five), or a stacked fraction with a root of a number in its numerator or its
    denominator (``{1+[5]|2}``, ``{3|[16]}``; one in five)."""
    terms = []
    for _ in range(int(rng.integers(2, max_terms + 1))):
        kind = rng.random()
        if kind < 0.4:
            terms.append(_number(rng, 3))
            continue
        if kind >= 0.8:
            root, other = f"[{_number(rng, 2)}]", _number(rng, 2)
            if rng.random() < 0.3:
                root = f"{_number(rng, 1)}{rng.choice(list('+-'))}{root}"
            over, under = (root, other) if rng.random() < 0.5 else (other, root)
            terms.append("{" + over + "|" + under + "}")
            continue
        inside = random_expression_text(rng, 2).rstrip("=") if rng.random() < 0.3 else _number(rng, 3)
        factor = _number(rng, 1) if rng.random() < 0.15 else ""
        terms.append(f"{factor}[{inside}]")
    return "".join(term + (str(rng.choice(list("+-*/"))) if i < len(terms) - 1 else "")
                   for i, term in enumerate(terms))


def _number(rng, most_digits):
    return str(int(rng.integers(0, 10 ** int(rng.integers(1, most_digits + 1)))))


def scribble_drawing(rng, width=600, height=256):
    """A drawing that is only a scribble: one to three random walks of Gaussian steps, each with its own pen.

    Deliberately not :mod:`training.scribbles` (what the classifier learns "no symbol" from), so that how the
    pipeline handles scribbles is measured on scribbles whose look it has not been taught. Dark on light
    grayscale, ``(height, width)`` uint8.
    """
    ink = blank(height, width)
    for _ in range(rng.integers(1, 4)):
        walk = np.cumsum(rng.normal(0, 40, size=(rng.integers(10, 40), 2)), axis=0) + [width / 2, height / 2]
        draw_polyline(ink, np.clip(walk, 5, [width - 5, height - 5]), rng.uniform(4, 12))
    return np.round(255 - ink * 255).astype(np.uint8)


def _symbol_patch(char, digits, rng, digit_height, pen):
    """Ink of one symbol at canvas scale, trimmed to its ink, and how it sits on the line."""
    if char in DIGITS:
        pool = digits[int(char)]
        digit = pool[int(rng.integers(len(pool)))]
        return trim(redraw_digit(digit, digit_height * rng.uniform(0.85, 1.05), pen, rng)), "base"
    if char == ".":
        # A tap rarely lands as one point: the finger slides a little, leaving a blob up to ~2 pens wide.
        tap = np.array([[0.0, 0.0], [pen * rng.uniform(0.0, 1.0), pen * rng.uniform(-0.5, 0.5)]])
        return trim(draw_strokes([tap], pen)), "base"
    if char == "=":
        length = digit_height * rng.uniform(0.45, 0.8)
        gap = digit_height * rng.uniform(0.22, 0.38)
        bars = [np.array([[0.0, 0.0], [length, rng.normal(0, 0.03) * length]]),
                np.array([[rng.normal(0, 0.05) * length, gap], [length, gap]])]
        return trim(draw_strokes(bars, pen)), "mid"
    if char == ":":
        length = digit_height * rng.uniform(0.45, 0.75)
        gap = digit_height * rng.uniform(0.2, 0.32)
        centre = length * rng.uniform(0.4, 0.6)
        dot = pen * rng.uniform(0.0, 0.8)
        strokes = [np.array([[0.0, 0.0], [length, 0.0]]), np.array([[centre, -gap], [centre + dot, -gap]]),
                   np.array([[centre, gap], [centre + dot, gap + dot / 2]])]
        return trim(draw_strokes(strokes, pen)), "mid"
    cls = to_display(char)
    strokes = [stroke * digit_height for stroke in symbol_strokes(cls, rng)]
    return trim(draw_strokes(strokes, pen)), "mid"


def _as_image(ink, polarity):
    if polarity == "transparent":
        return to_rgba_png_array(ink)
    if polarity == "dark-on-light":
        return to_rgba_png_array(ink, ink_rgb=(20, 20, 30), background=(255, 255, 255))[..., :3]
    return np.round(ink * 255).astype(np.uint8)
