"""Exact values of parsed expressions, how to show them, and the steps that lead to them.

Standard library only, so it loads in a bare Pyodide. Arithmetic is done with :class:`fractions.Fraction`:
``0.1+0.2=0.3`` is true and ``1/3*3`` is exactly 1. Work is bounded so no drawing can hang the page:
every literal and every intermediate result may have at most :data:`MAX_DIGITS` digits (numerator and
denominator together), and tree walks are iterative (:func:`py_pipeline.expression.fold`).

Rendering (:meth:`Value.to_dict`):

* ``value`` is canonical: ``"-28"`` or ``"p/q"`` in lowest terms with the sign on ``p``; ``"true"`` or
  ``"false"`` for an equation.
* ``decimal`` is exact when the denominator has only the factors 2 and 5 and at most
  :data:`EXACT_DECIMAL_PLACES` places are needed (``"3.5"``); otherwise it is rounded half-even to
  :data:`APPROXIMATE_DIGITS` significant digits and ends with ``…`` (``"0.3333333333…"``). Very large or
  small approximations use an exponent (``"3.333333333e+39…"``).
* ``display`` is what a person reads, with a typographic minus: ``"−28"``, ``"7/2 = 3.5"``,
  ``"1/3 ≈ 0.3333333333"``, ``"1/7000000 ≈ 1.428571429×10⁻⁷"``, ``"true: both sides equal 5"``,
  ``"false: 5 ≠ 6"``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from py_pipeline.errors import EvaluationError
from py_pipeline.expression import POWER, Binary, Equation, Number, Percent, Root, Unary, fold, leftmost_symbol

MAX_DIGITS = 4000
"""Most decimal digits a number (numerator plus denominator) may have. Below CPython's 4300-digit limit on
``int``/``str`` conversion, so every value can be written out, and small enough that each step takes
microseconds. With only + - × ÷ sizes grow additively, so honest handwriting never gets near it; a power
multiplies them, so its size is estimated before it is computed (``9^9^9`` is refused, not attempted)."""

EXACT_DECIMAL_PLACES = 30
"""Most places an exact decimal may have; ``1/2**31`` has 31, so it is shown rounded instead."""

APPROXIMATE_DIGITS = 10
"""Significant digits of a rounded decimal."""

MAX_STEPS = 200
"""Most steps :func:`steps` lists; the rest are summarised in one line."""

_LONG_OPERAND = 40
"""Operands longer than this are abbreviated in steps and messages."""

_MINUS = "\u2212"
_STEP_OPERATORS = {"+": "+", "-": _MINUS, "*": "×", "/": "÷"}
_SUPERSCRIPTS = str.maketrans("0123456789-" + _MINUS, "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁻")
_SUPERSCRIPT_LENGTH = 6
"""Longest exponent a step writes raised (``2¹⁰``); a longer one is written ``^(…)``."""


@dataclass(frozen=True)
class Value:
    """The result of :func:`evaluate`.

    ``kind`` is ``"number"`` (then ``number`` holds the exact value) or ``"equation"`` (then ``truth`` says
    whether both sides are equal and ``left``/``right`` hold their values).
    """

    kind: str
    number: Fraction | None = None
    truth: bool | None = None
    left: Value | None = None
    right: Value | None = None

    @classmethod
    def of_number(cls, number):
        return cls("number", number=number)

    @classmethod
    def of_equation(cls, left, right):
        return cls("equation", truth=left == right, left=cls.of_number(left), right=cls.of_number(right))

    def to_dict(self):
        """JSON form; see the module docstring for the meaning of each field."""
        if self.kind == "equation":
            left, right = _short(self.left.number), _short(self.right.number)
            display = f"true: both sides equal {left}" if self.truth else f"false: {left} ≠ {right}"
            return {"kind": "equation", "value": "true" if self.truth else "false", "decimal": None,
                    "exact_decimal": None, "display": display,
                    "left": self.left.to_dict(), "right": self.right.to_dict()}
        number = self.number
        decimal, exact = decimal_text(number)
        if number.denominator == 1:
            display = _typographic(decimal)
        elif exact:
            display = f"{_typographic(canonical(number))} = {_typographic(decimal)}"
        else:
            display = f"{_typographic(canonical(number))} ≈ {_typographic(_with_power_of_ten(decimal))}"
        return {"kind": "number", "value": canonical(number), "decimal": decimal if exact else decimal + "…",
                "exact_decimal": exact, "display": display}


def evaluate(node):
    """Exact value of a tree from :func:`py_pipeline.expression.parse`.

    Raises :class:`EvaluationError` for a division by zero (at the ``/``) and for numbers beyond
    :data:`MAX_DIGITS` (at the operator that made them, or at the literal).
    """
    if isinstance(node, Equation):
        return Value.of_equation(_exact(node.left, None), _exact(node.right, None))
    return Value.of_number(_exact(node, None))


def steps(node):
    """The evaluation as human-readable lines in the order it happens, e.g. for ``12+7*(3-1)``:
    ``["3−1 = 2", "7×2 = 14", "12+14 = 26"]``.

    One line per operation (a sign in front of a literal is not an operation); an equation ends with its
    verdict. At most :data:`MAX_STEPS` lines. Raises the same errors as :func:`evaluate`.
    """
    log = _StepLog()
    if isinstance(node, Equation):
        left, right = _exact(node.left, log), _exact(node.right, log)
        if left == right:
            log.record(f"{_short(left)} = {_short(right)}: true")
        else:
            log.record(f"{_short(left)} ≠ {_short(right)}: false")
    else:
        _exact(node, log)
    return log.lines()


def canonical(number):
    """``"-28"`` or ``"-7/2"``: lowest terms (Fraction keeps them), sign on the numerator."""
    if number.denominator == 1:
        return str(number.numerator)
    return f"{number.numerator}/{number.denominator}"


def decimal_text(number):
    """``(text, exact)``: the exact decimal when it is short enough, else a rounded one (no ``…`` added)."""
    if number.denominator == 1:
        return str(number.numerator), True
    places = _terminating_places(number.denominator)
    if places is not None:
        return _fixed_point(number, places), True
    return _rounded(number), False


class _StepLog:
    def __init__(self):
        self._lines = []
        self._skipped = 0

    def record(self, line):
        if len(self._lines) < MAX_STEPS:
            self._lines.append(line)
        else:
            self._skipped += 1

    def lines(self):
        if self._skipped:
            return self._lines + [f"… and {self._skipped} more steps"]
        return list(self._lines)


def _exact(node, log):
    """Fraction value of a calculation tree; records steps in ``log`` unless it is None."""

    def visit(current, operands):
        if isinstance(current, Number):
            return _bounded(current.value, current.symbols[0])
        if isinstance(current, Unary):
            result = -operands[0]
            if log is not None and not isinstance(current.operand, Number) and not _is_percentage(current.operand):
                log.record(f"{_MINUS}({_short(operands[0])}) = {_short(result)}")
            return result
        if isinstance(current, Percent):
            result = _bounded(operands[0] / 100, current.symbol)
            if log is not None and not isinstance(current.operand, Number):  # (2+3)%: the last step says 5%
                log.record(f"{_operand(operands[0], first=True)}% = {_short(result)}")
            return result
        if isinstance(current, Root):
            result = _square_root(current, operands[0])
            if log is not None:
                log.record(f"√{_operand(operands[0], first=False)} = {_short(result)}")
            return result
        if isinstance(current, Binary):
            return _apply(current, operands[0], operands[1], log)
        raise EvaluationError("'=' may appear only once, between the two sides of an equation", current.symbol)

    return fold(node, visit)


def _apply(node, left, right, log):
    if node.op in "+-" and isinstance(node.right, Percent):
        return _add_percent(node, left, right, log)
    if node.op == "+":
        result = left + right
    elif node.op == "-":
        result = left - right
    elif node.op == "*":
        result = left * right
    elif node.op == POWER:
        result = _power(node, left, right)
    elif right == 0:
        if isinstance(node.right, Number):
            raise EvaluationError(f"division by zero: cannot divide by {node.right.literal}", node.symbol)
        raise EvaluationError(f"division by zero: the divisor {_abbreviated(node.right.text())} is 0", node.symbol)
    else:
        result = left / right
    where = node.symbol if node.symbol is not None else leftmost_symbol(node.right)
    result = _bounded(result, where)
    if log is not None and node.op == POWER:
        base = _operand(left, first=False)  # (−2)², not −2², which would be −(2²)
        exponent = _short(right)
        raised = exponent.translate(_SUPERSCRIPTS) if len(exponent) <= _SUPERSCRIPT_LENGTH else f"^({exponent})"
        log.record(f"{base}{raised} = {_short(result)}")
    elif log is not None:
        shown = _STEP_OPERATORS[node.op]
        log.record(f"{_operand_of(node.left, left, first=True)}{shown}{_operand_of(node.right, right, first=False)}"
                   f" = {_short(result)}")
    return result


def _add_percent(node, left, share, log):
    """``left ± p%`` as a calculator reads it: ``left ± p% of left`` (``200+10%`` is 220, ``80-25%`` is 60)."""
    part = _bounded(left * share, node.right.symbol)
    result = _bounded(left + part if node.op == "+" else left - part, node.symbol)
    if log is not None:
        log.record(f"{_operand_of(node.right, share, first=True)} of {_operand(left, first=False)} = {_short(part)}")
        log.record(f"{_operand(left, first=True)}{_STEP_OPERATORS[node.op]}{_operand(part, first=False)}"
                   f" = {_short(result)}")
    return result


def _power(node, base, exponent):
    """``base ** exponent`` for a whole exponent, refused before it is computed when it would be too large.

    A fractional exponent has no exact value in general (``2^0.5``), so it is an error rather than a float.
    The size of a power is its exponent times the size of its base, known before computing it; only 0, 1
    and −1 stay small whatever the exponent.
    """
    if exponent.denominator != 1:
        raise EvaluationError(
            f"the exponent {_short(exponent)} is not a whole number: Inkcalc calculates exactly, and "
            f"{_short(base)} to that power has no exact value", node.symbol)
    if base == 0 and exponent < 0:
        raise EvaluationError(f"division by zero: 0 to the power {_short(exponent)} is 1 ÷ 0", node.symbol)
    if base in (0, 1):
        return base if exponent != 0 else Fraction(1)
    if base == -1:
        return Fraction(-1 if exponent.numerator % 2 else 1)
    digits = abs(exponent.numerator) * (math.log10(abs(base.numerator)) + math.log10(base.denominator))
    if digits > MAX_DIGITS:
        raise EvaluationError(
            f"the numbers get too large to calculate exactly: {_short(base)} to the power {_short(exponent)} "
            f"has more than {MAX_DIGITS} digits", node.symbol)
    return base ** exponent.numerator


def _square_root(node, number):
    """The exact square root of ``number``, which must be the square of a fraction (``√(9/4)`` is 3/2).

    Like a fractional power, any other root has no exact value (``√2``), so it is an error rather than a
    float; so is the root of a negative number, which has no real value at all.
    """
    if number < 0:
        raise EvaluationError(f"the square root of a negative number, {_short(number)}, has no real value",
                              node.symbol)
    numerator, denominator = math.isqrt(number.numerator), math.isqrt(number.denominator)
    if numerator * numerator != number.numerator or denominator * denominator != number.denominator:
        raise EvaluationError(
            f"√{_operand(number, first=False)} has no exact value: Inkcalc calculates exactly, and "
            f"{_short(number)} is not the square of a whole number or a fraction", node.symbol)
    return Fraction(numerator, denominator)


def _bounded(number, symbol_index):
    """``number``, unless it has more than MAX_DIGITS digits; estimated from bit lengths, no conversion."""
    digits = _digit_estimate(number.numerator) + _digit_estimate(number.denominator)
    if digits > MAX_DIGITS:
        raise EvaluationError(
            f"the numbers get too large to calculate exactly: about {digits} digits, the limit is {MAX_DIGITS}",
            symbol_index)
    return number


def _digit_estimate(integer):
    """Decimal digits of ``integer``, possibly one too many: log10(2) ≈ 0.30103 digits per bit."""
    return int(abs(integer).bit_length() * 0.30103) + 1


def _terminating_places(denominator):
    """Places of the exact decimal of ``p/denominator`` (lowest terms), None if beyond EXACT_DECIMAL_PLACES."""
    for places in range(EXACT_DECIMAL_PLACES + 1):
        if 10 ** places % denominator == 0:
            return places
    return None


def _fixed_point(number, places):
    scaled = abs(number.numerator) * 10 ** places // number.denominator
    digits = str(scaled).rjust(places + 1, "0")
    sign = "-" if number < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def _rounded(number):
    """APPROXIMATE_DIGITS significant digits, half-even; positional for 1e-5 ≤ |x| < 1e10, else ``d.ddde±N``."""
    magnitude = abs(number)
    exponent = _decimal_exponent(magnitude)
    mantissa = round(magnitude * Fraction(10) ** (APPROXIMATE_DIGITS - 1 - exponent))
    if mantissa == 10 ** APPROXIMATE_DIGITS:  # rounding carried into a new digit: 9.9999999999 → 10.00000000
        mantissa //= 10
        exponent += 1
    digits = str(mantissa)
    sign = "-" if number < 0 else ""
    if -5 <= exponent < APPROXIMATE_DIGITS:
        if exponent >= 0:
            whole, fraction = digits[:exponent + 1], digits[exponent + 1:]
        else:
            whole, fraction = "0", "0" * (-exponent - 1) + digits
        fraction = fraction.rstrip("0")
        return sign + whole + (f".{fraction}" if fraction else "")
    fraction = digits[1:].rstrip("0")
    return f"{sign}{digits[0]}{'.' + fraction if fraction else ''}e{exponent:+d}"


def _decimal_exponent(magnitude):
    """The ``e`` with ``10**e <= magnitude < 10**(e+1)``, for a positive Fraction.

    A p-digit numerator over a q-digit denominator lies between 10**(p-q-1) and 10**(p-q+1), so the answer
    is ``p-q`` or one less.
    """
    exponent = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    if magnitude < Fraction(10) ** exponent:
        exponent -= 1
    return exponent


def _with_power_of_ten(decimal):
    """``3.3e+39`` → ``3.3×10³⁹`` for people; positional text is returned unchanged."""
    mantissa, e, exponent = decimal.partition("e")
    if not e:
        return decimal
    return f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPTS)}"


def _typographic(text):
    return text.replace("-", _MINUS)


def _short(number):
    """How a step shows a number: ``14``, ``−2``, ``1.5`` (exact decimals only), otherwise ``7/3``."""
    if number.denominator != 1 and _terminating_places(number.denominator) is None:
        return _abbreviated(_typographic(canonical(number)))
    return _abbreviated(_typographic(decimal_text(number)[0]))


def _is_percentage(node):
    """A percentage written as a plain number, ``10%``: a step shows it as it is written."""
    return isinstance(node, Percent) and isinstance(node.operand, Number)


def _operand_of(child, number, first):
    """The operand ``child`` (a tree node) of value ``number`` in a step: a percentage as one (``10%``)."""
    if isinstance(child, Percent):
        return _operand(number * 100, first) + "%"
    return _operand(number, first)


def _operand(number, first):
    """An operand inside a step: fractions, and negatives not in first place, get parentheses."""
    text = _short(number)
    if "/" in text or (text.startswith(_MINUS) and not first):
        return f"({text})"
    return text


def _abbreviated(text):
    if len(text) <= _LONG_OPERAND:
        return text
    return f"{text[:12]}…({len(text)} characters)"
