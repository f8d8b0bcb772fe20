"""Numbers written in a column, one under the other, as on paper: one calculation, not several lines.

Inkcalc reads one expression on one line (:mod:`py_pipeline.lines`), but the oldest way of writing a sum on
paper is the column::

      120
    +  45
    -  30
    ─────

Pen calculators have read it since the 1990s (CalcWrite's manual: jot down a column of numbers, draw a line
under it, and the total appears; with no operators written, the numbers are added). So a drawing of several
lines is read line by line, and when every line is one number — the first as it is (a ``-`` before it makes
it negative), each other one with an operator written before it or none — the lines are one calculation. A
line with no operator is added, as long as no line over it has one: once an operator is written (``123``
over ``456`` over ``+789``, or ``+`` before every line), each line under it needs one too. A number under
``+7`` with none is more likely an answer whose rule went unseen (a photo turned a little runs the rule into
the lines around it) than one more number to add, and adding the writer's answer into the sum would be a
confident wrong result. ``+`` and ``-`` may stand before any number of lines. ``×`` and ``÷`` (or
``/``) join two lines only: down a column of three, ``a`` over ``-b`` over ``×c`` means ``(a-b)×c`` to a person
doing it step by step and ``a-b×c`` to the precedence rules, and Inkcalc does not guess which.

An ``=`` written after the last number asks for the answer, as after an expression on one line. A rule drawn
under the column, as on paper before the answer, is no symbol. With a number written under it
(the writer's own answer) it stands for ``=``, and the drawing is an equation that comes out true or false,
as ``12+34=46`` written on one line does. Lines that are anything else — two expressions, a number over an
expression — stay the error they were: Inkcalc calculates one line at a time.

Standard library only, like the parser: it reads readings, not pixels.
"""

from py_pipeline.rereads import REREAD_ALTERNATIVE, STROKE_REREAD_ALTERNATIVE
from py_pipeline.symbols import DIGITS

OPERATORS = ("+", "-", "×", "÷", "/")
"""What may stand before a number on a line under the first."""

TWO_LINES_ONLY = ("×", "÷", "/")
"""Operators that join a column of two lines only (see the module docstring)."""

NUMBER_CHARS = DIGITS | {".", ","}


def read_column(lines, answered=False):
    """How the lines of a drawing join into one calculation, or None when they are not a column of numbers.

    Parameters
    ----------
    lines : sequence of sequences of symbols
        Each line's symbols in reading order, top line first; a symbol needs ``char``, ``confidence``,
        ``alternatives``, ``source``, ``raised``, ``role`` and ``gap_before``
        (:class:`py_pipeline.recognize.RecognizedSymbol`).
    answered : bool
        The last line is an answer, written under a rule: one number, negative or not, after an implied ``=``.

    Returns
    -------
    (implied, rereads) or None
        ``implied[k]``: the operator to put before line ``k`` that is not written — ``"+"`` for a line under
        the first with none of its own, ``"="`` for the answer, ``""`` for the first line and for lines that
        bring their own.
        ``rereads[k]``: ``(position in the line, digit, probability)`` of each symbol of line ``k``'s number
        to read as its runner-up digit: nothing but a digit belongs there, so a ``1`` read as ``(`` or ``/``
        is a ``1`` when the classifier gave that at least :data:`~py_pipeline.rereads.STROKE_REREAD_ALTERNATIVE`
        (another misreading, :data:`~py_pipeline.rereads.REREAD_ALTERNATIVE`), as the rereads of one line do
        where only a digit parses. None when some line is not one number (with its operator), a line with no
        operator follows one with an operator, or ``×`` / ``÷`` stands in a column of more than two lines.
    """
    operands = len(lines) - answered
    if operands < 2:
        return None
    implied, rereads, operated = [], [], False
    for position, line in enumerate(lines):
        line = list(line)
        signed = position == 0 or position == operands
        written = bool(line) and line[0].char in (("-",) if signed else OPERATORS)
        if written and line[0].char in TWO_LINES_ONLY and operands > 2:
            return None
        if 0 < position < operands:
            if operated and not written:
                return None
            operated = operated or written
        number = line[1:] if written else line
        if position == len(lines) - 1 and not answered and number and number[-1].char == "=":
            number = number[:-1]  # 12 over +34=: the = asks for the answer, as after one line
        digits, chars = [], []
        for k, symbol in enumerate(number, 1 if written else 0):
            digit = _runner_up_digit(symbol)
            if digit is not None:
                digits.append((k, *digit))
            chars.append(symbol.char if digit is None else digit[0])
        if not _is_number(chars, number):
            return None
        implied.append("=" if position == operands else "" if written or position == 0 else "+")
        rereads.append(digits)
    return implied, rereads


def _runner_up_digit(symbol):
    """``(digit, probability)`` a classifier symbol that is no part of a number may be instead, or None."""
    if symbol.char in NUMBER_CHARS or symbol.source != "cnn":
        return None
    least = STROKE_REREAD_ALTERNATIVE if symbol.char in "/()" else REREAD_ALTERNATIVE
    digits = [(p, c) for c, p in symbol.alternatives if c in DIGITS and p >= least]
    if not digits:
        return None
    p, digit = max(digits)
    return digit, p


def _is_number(chars, symbols):
    """One number as written on a line of its own: digits and at most one decimal point, nothing raised, no
    gap wide enough to part two numbers (the gap after the operator, where numbers are aligned right, is
    any width)."""
    return (any(c in DIGITS for c in chars) and all(c in NUMBER_CHARS for c in chars)
            and sum(c in ".," for c in chars) <= 1 and not any(s.raised or s.role for s in symbols)
            and not any(s.gap_before for s in symbols[1:]))
