"""Reading an unsure symbol as one of the classifier's other choices, where the grammar says which.

The classifier reads each crop alone; the expression around it knows more. ``3-()`` cannot be what anyone
meant, and nobody writes ``032`` or ``(2+3)14``: where the symbol that makes such a reading has a runner-up
that fixes it, the runner-up is what was written. One symbol at most is changed, and the result says which
and which choice of the classifier it took (``Recognition.corrections``), so the writer can see it and pick
another. A clearly written mistake (``5++3``) has no such runner-up and keeps its error. Standard library only.
"""

from dataclasses import replace

from py_pipeline.errors import ExpressionError
from py_pipeline.exponents import raised_symbols
from py_pipeline.expression import Symbol, parse, runs_of_one_role, tokenize
from py_pipeline.symbols import DIGITS

REREAD_ALTERNATIVE = 0.1
"""Least probability of a runner-up reading that may replace a symbol to make the expression parse."""

STROKE_REREAD_ALTERNATIVE = 0.01
"""Least probability of a digit that may replace a stroke read as ``/``, ``(`` or ``)`` to make the expression
parse, when no runner-up of :data:`REREAD_ALTERNATIVE` does (see :func:`stroke_rereads`)."""


def tokens_of(symbols):
    """Tokens of recognised symbols (what :func:`~py_pipeline.expression.tokenize` reads of each)."""
    return tokenize(Symbol(s.char, s.index, s.gap_before, s.raised, s.role) for s in symbols)


def with_exponents(symbols, line_boxes):
    """``symbols`` with ``raised`` set on the exponents their readings and boxes show.

    Each run of one role (the line, a numerator, a denominator) is its own line of writing: a numerator's
    digits are smaller and higher than the line's, and no exponent of it.
    """
    raised = set()
    for run in runs_of_one_role(symbols):
        found = raised_symbols([symbols[i].char for i in run], [line_boxes[i] for i in run])
        raised.update(run[k] for k in found)
    return [replace(s, raised=s.index in raised) for s in symbols]


def reread_to_parse(symbols, line_boxes, options=None):
    """Read one unsure symbol as its runner-up so that the expression parses, if that is likely enough.

    ``3-()`` cannot be what anyone meant, and when the classifier gave the ``(`` only 0.61 and a ``1`` 0.39,
    ``3-1`` is what was written: the grammar settles what the pixels could not. Only a classifier symbol
    whose alternative has at least :data:`REREAD_ALTERNATIVE` is changed (or, after those, a stroke read as
    a bracket or slash whose digit runner-up is less likely: :func:`stroke_rereads`), one symbol at most,
    the likeliest alternative first; a clearly written mistake (``5++3``) has no such alternative and keeps
    its error, so the writer sees it. ``options``, ``(probability, symbol index, reading)`` in the order to
    try, narrow the choice. Returns ``(symbols, correction, tokens, tree)`` or None.
    """
    if options is None:
        options = sorted(((p, s.index, char) for s in symbols if s.source == "cnn"
                          for char, p in s.alternatives if p >= REREAD_ALTERNATIVE), reverse=True)
        options += stroke_rereads(symbols)
    for p, index, char in options:
        changed, correction = reread_as(symbols[index], char, p)
        candidate = with_exponents(symbols[:index] + [changed] + symbols[index + 1:], line_boxes)
        try:
            tokens = tokens_of(candidate)
            tree = parse(tokens)
        except ExpressionError:
            continue
        return candidate, correction, tokens, tree
    return None


def reread_as(original, char, p):
    """``original`` read as ``char`` (its alternative of probability ``p``), and the correction that says so.

    The reading it had becomes its first alternative; the correction's ``choice`` is how likely the classifier
    thought the reading used, among all of its readings: a stroke reread can take the third when an operator
    came second (``/`` 0.9, ``-`` 0.05, ``1`` 0.04).
    """
    others = tuple((c, q) for c, q in original.alternatives if c != char)
    changed = replace(original, char=char, confidence=p, alternatives=((original.char, original.confidence),) + others)
    choice = 1 + sum(q > p for q in [original.confidence] + [q for _, q in original.alternatives])
    correction = {"symbol_index": original.index, "read": original.char, "used": char,
                  "confidence": round(float(p), 6), "choice": choice}
    return changed, correction


_STROKE_CANNOT_FOLLOW = ("+", "-", "×", "/", "÷", "(")
"""Symbols that neither ``/`` nor ``)`` can follow, whatever is written after them."""


def stroke_rereads(symbols):
    """``(probability, symbol index, digit)`` options, likeliest first, for reading a stroke as a digit.

    A ``1`` drawn with a slight bow or lean is one stroke, like a bracket or a slash, and the classifier can be
    sure of the wrong one: ``809/1/7`` read ``809///7`` with the ``1`` at 0.06, ``7+97`` read ``)+97`` with the
    ``7`` at 0.06. Where such a reading cannot parse, a digit runner-up of :data:`STROKE_REREAD_ALTERNATIVE`
    is the likelier writing. Two places are left alone, because half-written input looks like them and its
    error is the right answer: the last symbol (``1+1/`` is not ``1+11``), and a ``(`` that something other
    than an operator follows (``(3+4`` is not ``13+4``); a ``(`` that ``+``, ``×``, ``/`` or ``)`` follows
    was never a bracket. A last ``/`` or ``)`` right after an operator or ``(`` is no half-written input,
    though: nothing written after it could make ``1+/`` parse, so it is read ``1+1``.
    Measured on held-out symbols (model 2026-11-25-h, one look): a true ``/`` has a digit runner-up of 0.01
    or more 52 times in 1000, a ``1`` misread as ``/`` 24 times in 32.
    """
    options = []
    for s, before, after in zip(symbols, [None] + symbols[:-1], symbols[1:] + [None]):
        if s.source != "cnn" or s.char not in "/()":
            continue
        if after is None and (s.char == "(" or before is None or before.char not in _STROKE_CANNOT_FOLLOW):
            continue
        if s.char == "(" and after.char not in ("+", "×", "/", "÷", ")"):
            continue
        options += [(p, s.index, char) for char, p in s.alternatives
                    if char in DIGITS and STROKE_REREAD_ALTERNATIVE <= p < REREAD_ALTERNATIVE]
    return sorted(options, reverse=True)


def reread_unlikely_numbers(symbols, tokens, line_boxes):
    """Read one digit of a number nobody writes as its runner-up, if that parses.

    Two kinds of number parse but are not what was written, and each has a digit the classifier was unsure of:

    - ``(6/9)188`` parses (a bracket next to a number multiplies), but nobody writes a product that way round:
      it was ``(6/9)/88`` with the ``/`` read as a ``1`` at 0.55 against 0.45, a confident-looking wrong
      answer. The other way round, ``6731(801-0)`` was ``673/(801-0)``: ``2(3+4)`` is written, but a number
      whose last digit might as well be an operator is likelier a number and that operator. So when the
      first digit of a number right after ``)``, or the last digit of one right before ``(`` or a stacked
      fraction (``61¾`` is the mixed number 61.75 otherwise), has an operator for its runner-up, the operator
      is read instead.
    - ``032/7.4`` was ``532/7.4``, the ``5`` read as a ``0`` at 0.51 against 0.34: a whole number is not
      written with a leading zero, so a first ``0`` followed by a digit is read as its likeliest other digit.

    The runner-up needs at least :data:`REREAD_ALTERNATIVE`, as in :func:`reread_to_parse`, which does the
    reading. Returns what it returns, or None.
    """
    operator_for = []  # digits that may be an operator
    for before, after in zip(tokens, tokens[1:]):
        # A mixed number's implied + points at its fraction's bar.
        mixed = after.kind == "op" and after.text == "+" and symbols[after.symbols[0]].role == "fraction"
        if before.kind == "rparen" and after.kind == "number":
            operator_for.append(symbols[after.symbols[0]])
        elif before.kind == "number" and (after.kind == "lparen" or mixed):
            operator_for.append(symbols[before.symbols[-1]])
    leading_zeros = [symbols[t.symbols[0]] for t in tokens
                     if t.kind == "number" and t.text[:1] == "0" and t.text[1:2].isdigit()]
    options = [(p, s.index, char) for s in operator_for if s.source == "cnn" for char, p in s.alternatives
               if char not in DIGITS and char not in "()" and p >= REREAD_ALTERNATIVE]
    options += [(p, s.index, char) for s in leading_zeros if s.source == "cnn" for char, p in s.alternatives
                if char in DIGITS and char != "0" and p >= REREAD_ALTERNATIVE]
    return reread_to_parse(symbols, line_boxes, sorted(options, reverse=True)) if options else None
