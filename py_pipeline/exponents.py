"""Exponents written by hand: digits small and high after a number or ``)``, as in ``2³`` or ``(1+2)²``.

Nobody draws a ``^``: a power is written by raising the exponent, and only its place says so. Read as plain
digits, ``2³`` would be the number 23 — a confident wrong answer. So after classification, the symbols'
boxes on the levelled line are compared with the symbol the run follows (its *base*): an exponent is
markedly smaller and sits in the base's upper part. Standard library only.

Digits of one line differ in size, and a hand's baseline wanders, so both tests are relative to the base and
generous in the other direction: a digit written 20% smaller on the line, or one dipping below it, is still
a digit of the same number. Composed benchmark drawings (digits 0.85–1.05 of the line height, baseline
jitter 0.04) must never be read as powers; ``tests/test_exponents.py`` draws both kinds.
"""

from py_pipeline.symbols import DIGITS

EXPONENT_HEIGHT = 0.9
"""An exponent's digits are at most this fraction of the base's height. A digit of the line written a
little smaller is 0.8 of its neighbour or more, but it ends on the line (see :data:`EXPONENT_BOTTOM`); an
exponent after a short base reaches 0.86 of it. At 0.85, 5 of the 1200 structured benchmark drawings of
seeds 0-2 lost such an exponent (``184⁰`` read 1840); at 0.9, the 3000 plain ones of seeds 0-4 read as at
0.85. (Three of seed 4's have a power read into them at both: a small ``7`` ending high against a ``4``, the
top of a ``1`` drawn apart as a small loop, and the flag of a ``5`` cut from its body.)"""

UNLEVELLED_EXPONENT_HEIGHT = 0.85
""":data:`EXPONENT_HEIGHT` for :func:`raised_marks`, which judges the line before it is levelled: there a
digit further along a line climbing 5° sits higher than the one before it, and a ``2`` 0.9 as tall as a
fraction before it, ending 0.67 down, was left out of the line fit as an exponent. Too few marks were left to
fit, and the line was read unlevelled (its tilted ``-`` as ``/``, in a photo)."""

EXPONENT_BOTTOM = 0.73
"""An exponent's digits end (their lowest ink) at most this fraction of the base's height below its top:
well above the line the base sits on. Handwritten exponents end near the base's middle; a digit on the line
ends 0.9 or more down (a smaller one written a little high, 0.75). At 0.70, 8 of 900 structured benchmark
drawings lost an exponent ending just past it (``30⁰`` read 300, at 0.704)."""

_BASES = DIGITS | {")"}


def raised_symbols(chars, boxes):
    """Indices of the symbols written as exponents.

    Parameters
    ----------
    chars : sequence of str
        Each symbol's reading, in reading order.
    boxes : sequence of ``[x0, y0, x1, y1]``
        Each symbol's box on the levelled line (y grows downwards), in one frame.

    Returns
    -------
    set of int
        Digits raised after a digit or ``)``, plus a minus sign raised in front of them (``10⁻³``) and a
        decimal point raised between them (``2⁰·⁵``). Each run is measured against the symbol before it, so
        its digits need not line up with each other exactly; the first symbol back on the line ends the run.
    """
    return _raised(boxes, bases=[c in _BASES for c in chars], digits=[c in DIGITS for c in chars],
                   signs=[c == "-" for c in chars], height=EXPONENT_HEIGHT, points=[c == "." for c in chars])


def raised_marks(boxes):
    """Indices of the marks (in reading order) that are small and high enough to be exponents, before anyone
    knows what they are: :mod:`py_pipeline.straighten` leaves them out of its line fit, because an exponent's
    centre is far off the line and would tilt it (``10³`` fitted as a line climbing by 10°)."""
    every = [True] * len(boxes)
    return _raised(boxes, bases=every, digits=every, signs=[False] * len(boxes), height=UNLEVELLED_EXPONENT_HEIGHT)


def _raised(boxes, bases, digits, signs, height, points=None):
    raised = set()
    base = None  # box of the symbol the current or next exponent would follow
    for i, box in enumerate(boxes):
        if base is not None and digits[i] and is_exponent(box, base, height):
            raised.add(i)
            continue
        if (base is not None and points and points[i] and i - 1 in raised and i + 1 < len(boxes)
                and digits[i + 1] and is_exponent(box, base, height) and is_exponent(boxes[i + 1], base, height)):
            raised.add(i)  # the point of a decimal exponent, between two of its digits
            continue
        if (base is not None and signs[i] and i + 1 < len(boxes) and digits[i + 1]
                and is_exponent(boxes[i + 1], base, height) and _level_with(box, boxes[i + 1])):
            raised.add(i)
            continue
        base = box if bases[i] else None
    return raised


def is_exponent(box, base, height=EXPONENT_HEIGHT):
    """Whether ``box`` is small and high enough next to ``base`` to be its exponent (boxes ``[x0, y0, x1, y1]``),
    at most ``height`` times as tall."""
    base_height = base[3] - base[1]
    return (box[3] - box[1] <= height * base_height
            and box[3] <= base[1] + EXPONENT_BOTTOM * base_height)


def _level_with(sign, digit):
    """Whether a minus sign sits at the height of the digit after it (within its rows)."""
    middle = (sign[1] + sign[3]) / 2
    return digit[1] <= middle <= digit[3]
