"""Exact values of parsed expressions, how to show them, and the steps that lead to them.

Standard library only, so it loads in a bare Pyodide. Arithmetic is done with :class:`fractions.Fraction`:
``0.1+0.2=0.3`` is true and ``1/3*3`` is exactly 1. The values that have no exact form are roots that are
not fractions: the square root of a number that is not the square of a fraction (``√2``), and a fractional
power whose root is not (``2^0.5``, ``10^(1/3)``; but ``8^(2/3)`` is exactly 4). They are worked out to
:data:`WORKING_DIGITS` significant digits, and so is everything calculated from them, which is then
*approximate*: shown rounded after ``≈``, never as a fraction. Work is bounded so no drawing can hang the page:
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
* ``approximate`` is True for a value worked out from an irrational root: then ``value`` is the rounded
  decimal (``"1.414213562"``), ``decimal`` the same with ``…`` and ``display`` ``"≈ 1.414213562"``; an
  equation of such values is true when both sides agree to :data:`AGREEING_DIGITS` significant digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from py_pipeline.errors import EvaluationError
from py_pipeline.expression import POWER, ROOT, Binary, Equation, Number, Percent, Root, Unary, fold, leftmost_symbol

MAX_DIGITS = 4000
"""Most decimal digits a number (numerator plus denominator) may have. Below CPython's 4300-digit limit on
``int``/``str`` conversion, so every value can be written out, and small enough that each step takes
microseconds. With only + - × ÷ sizes grow additively, so honest handwriting never gets near it; a power
multiplies them, so its size is estimated before it is computed (``9^9^9`` is refused, not attempted)."""

EXACT_DECIMAL_PLACES = 30
"""Most places an exact decimal may have; ``1/2**31`` has 31, so it is shown rounded instead."""

APPROXIMATE_DIGITS = 10
"""Significant digits of a rounded decimal."""

WORKING_DIGITS = 40
"""Significant digits an irrational root, and every result calculated from one, is worked out to: far more
than are shown, and few enough that a long calculation with roots stays small."""

AGREEING_DIGITS = 30
"""Significant digits to which the two sides of an equation with an irrational root must agree to be equal:
the working digits, less what a few dozen roundings can cost."""

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

    ``kind`` is ``"number"`` (then ``number`` holds the value: exact, or to :data:`WORKING_DIGITS` when
    ``approximate``) or ``"equation"`` (then ``truth`` says whether both sides are equal and ``left``/``right``
    hold their values).
    """

    kind: str
    number: Fraction | None = None
    truth: bool | None = None
    left: Value | None = None
    right: Value | None = None
    approximate: bool = False

    @classmethod
    def of_number(cls, number, approximate=False):
        return cls("number", number=number, approximate=approximate)

    @classmethod
    def of_equation(cls, left, right):
        """``left`` and ``right`` are ``(number, approximate)``."""
        (left, left_approximate), (right, right_approximate) = left, right
        approximate = left_approximate or right_approximate
        return cls("equation", truth=_agree(left, right) if approximate else left == right,
                   left=cls.of_number(left, left_approximate), right=cls.of_number(right, right_approximate),
                   approximate=approximate)

    def to_dict(self):
        """JSON form; see the module docstring for the meaning of each field."""
        if self.kind == "equation":
            left = _short(self.left.number, self.left.approximate)
            right = _short(self.right.number, self.right.approximate)
            agreeing = f" (to {AGREEING_DIGITS} significant digits)" if self.approximate else ""
            display = f"true: both sides equal {left}{agreeing}" if self.truth else f"false: {left} ≠ {right}"
            return {"kind": "equation", "value": "true" if self.truth else "false", "decimal": None,
                    "exact_decimal": None, "display": display, "approximate": self.approximate,
                    "left": self.left.to_dict(), "right": self.right.to_dict()}
        number = self.number
        if self.approximate:
            rounded = _rounded(number)
            return {"kind": "number", "value": rounded, "decimal": rounded + "…", "exact_decimal": False,
                    "display": f"≈ {_typographic(_with_power_of_ten(rounded))}", "approximate": True}
        decimal, exact = decimal_text(number)
        if number.denominator == 1:
            display = _typographic(decimal)
        elif exact:
            display = f"{_typographic(canonical(number))} = {_typographic(decimal)}"
        else:
            display = f"{_typographic(canonical(number))} ≈ {_typographic(_with_power_of_ten(decimal))}"
        return {"kind": "number", "value": canonical(number), "decimal": decimal if exact else decimal + "…",
                "exact_decimal": exact, "display": display, "approximate": False}


def evaluate(node):
    """Value of a tree from :func:`py_pipeline.expression.parse`: exact, unless an irrational root is in it.

    Raises :class:`EvaluationError` for a division by zero (at the ``/``) and for numbers beyond
    :data:`MAX_DIGITS` (at the operator that made them, or at the literal).
    """
    if isinstance(node, Equation):
        return Value.of_equation(_exact(node.left, None), _exact(node.right, None))
    return Value.of_number(*_exact(node, None))


def steps(node):
    """The evaluation as human-readable lines in the order it happens, e.g. for ``12+7*(3-1)``:
    ``["3−1 = 2", "7×2 = 14", "12+14 = 26"]``.

    One line per operation (a sign in front of a literal is not an operation); an equation ends with its
    verdict. At most :data:`MAX_STEPS` lines. Raises the same errors as :func:`evaluate`.
    """
    log = _StepLog()
    if isinstance(node, Equation):
        value = Value.of_equation(_exact(node.left, log), _exact(node.right, log))
        left = _short(value.left.number, value.left.approximate)
        right = _short(value.right.number, value.right.approximate)
        log.record(f"{left} = {right}: true" if value.truth else f"{left} ≠ {right}: false")
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
    """``(value, approximate)`` of a calculation tree, the value a Fraction; records steps in ``log`` unless it
    is None. Whatever is calculated from an approximate value is approximate, and rounded to
    :data:`WORKING_DIGITS`."""

    def visit(current, operands):
        values = [value for value, _ in operands]
        approximate = any(inexact for _, inexact in operands)
        if isinstance(current, Number):
            return _bounded(current.value, current.symbols[0]), False
        if isinstance(current, Unary):
            result = -values[0]
            if log is not None and not isinstance(current.operand, Number) and not _is_percentage(current.operand):
                log.record(f"{_MINUS}({_short(values[0], approximate)}){_is(approximate)}"
                           f"{_short(result, approximate)}")
            return result, approximate
        if isinstance(current, Percent):
            result = _bounded(values[0] / 100, current.symbol)
            if log is not None and not isinstance(current.operand, Number):  # (2+3)%: the last step says 5%
                log.record(f"{_operand(values[0], True, approximate)}%{_is(approximate)}"
                           f"{_short(result, approximate)}")
            return _working(result, approximate), approximate
        if isinstance(current, Root):
            result, irrational = _square_root(current, values[0])
            approximate = approximate or irrational
            if log is not None:
                log.record(f"√{_operand(values[0], False, operands[0][1])}{_is(approximate)}"
                           f"{_short(result, approximate)}")
            return _working(result, approximate), approximate
        if isinstance(current, Binary):
            result, approximate = _apply(current, values[0], values[1], log, [inexact for _, inexact in operands])
            return _working(result, approximate), approximate
        raise EvaluationError("'=' may appear only once, between the two sides of an equation", current.symbol)

    return fold(node, visit)


def _apply(node, left, right, log, inexact):
    """``(result, approximate)`` of a binary operation on ``left`` and ``right``, which are approximate as
    ``inexact`` (two flags) says."""
    approximate = any(inexact)
    if node.op in "+-" and isinstance(node.right, Percent):
        return _add_percent(node, left, right, log, approximate), approximate
    if node.op == "+":
        result = left + right
    elif node.op == "-":
        result = left - right
    elif node.op == "*":
        result = left * right
    elif node.op == POWER:
        result, irrational = _power(node, left, right, *inexact)
        approximate = approximate or irrational
    elif right == 0:
        if isinstance(node.right, Number):
            raise EvaluationError(f"division by zero: cannot divide by {node.right.literal}", node.symbol)
        divisor = node.right.text().replace(ROOT, "√")
        raise EvaluationError(f"division by zero: the divisor {_abbreviated(divisor)} is 0", node.symbol)
    else:
        result = left / right
    where = node.symbol if node.symbol is not None else leftmost_symbol(node.right)
    result = _bounded(result, where)
    if log is not None and node.op == POWER:
        base = _operand(left, False, inexact[0])  # (−2)², not −2², which would be −(2²)
        exponent = _short(right, inexact[1])
        raised = (exponent.translate(_SUPERSCRIPTS) if len(exponent) <= _SUPERSCRIPT_LENGTH and
                  exponent.lstrip(_MINUS).isdigit() else f"^({exponent})")
        log.record(f"{base}{raised}{_is(approximate)}{_short(result, approximate)}")
    elif log is not None:
        shown = _STEP_OPERATORS[node.op]
        log.record(f"{_operand_of(node.left, left, True, approximate)}{shown}"
                   f"{_operand_of(node.right, right, False, approximate)}{_is(approximate)}"
                   f"{_short(result, approximate)}")
    return result, approximate


def _add_percent(node, left, share, log, approximate):
    """``left ± p%`` as a calculator reads it: ``left ± p% of left`` (``200+10%`` is 220, ``80-25%`` is 60)."""
    part = _bounded(left * share, node.right.symbol)
    result = _bounded(left + part if node.op == "+" else left - part, node.symbol)
    if log is not None:
        log.record(f"{_operand_of(node.right, share, True, approximate)} of {_operand(left, False, approximate)}"
                   f"{_is(approximate)}{_short(part, approximate)}")
        log.record(f"{_operand(left, True, approximate)}{_STEP_OPERATORS[node.op]}"
                   f"{_operand(part, False, approximate)}{_is(approximate)}{_short(result, approximate)}")
    return result


def _power(node, base, exponent, base_inexact=False, exponent_inexact=False):
    """``(base ** exponent, irrational)``, refused before it is computed when it would be too large.

    A fractional exponent ``p/q`` takes the ``q``-th root: exact when that root is a fraction (``8^(2/3)``
    is 4), otherwise worked out to :data:`WORKING_DIGITS` (``2^0.5``), as is any power of an approximate
    number or to an approximate exponent. An even root of a negative number has no real value, an odd one
    does (``(−8)^(1/3)`` is −2). The size of a power is its exponent times the size of its base, known before
    computing it; only 0, 1 and −1 stay small whatever the exponent.
    """
    shown = f"{_short(base, base_inexact)} to the power {_short(exponent, exponent_inexact)}"
    if base == 0:
        if exponent < 0:
            raise EvaluationError(f"division by zero: 0 to the power {_short(exponent, exponent_inexact)} is "
                                  "1 ÷ 0", node.symbol)
        return (Fraction(0) if exponent != 0 else Fraction(1)), False
    if base == 1:
        return Fraction(1), False
    numerator, denominator = exponent.numerator, exponent.denominator
    if base < 0 and (exponent_inexact or denominator % 2 == 0):
        raise EvaluationError(f"{shown} has no real value: it takes an even root of a negative number"
                              if not exponent_inexact else f"{shown} has no real value", node.symbol)
    sign = -1 if base < 0 and numerator % 2 else 1
    if base == -1:
        return Fraction(sign), False
    magnitude = abs(base)
    exact = not (base_inexact or exponent_inexact)
    # Exactly, numerator and denominator both grow; approximately, only the digits before or after the point.
    sizes = (math.log10(magnitude.numerator), math.log10(magnitude.denominator))
    digits = abs(exponent) * (sum(sizes) if exact else abs(sizes[0] - sizes[1]))
    if digits > MAX_DIGITS:
        raise EvaluationError(
            f"the numbers get too large to calculate exactly: {shown} has more than {MAX_DIGITS} digits",
            node.symbol)
    if exact:
        root = magnitude if denominator == 1 else _exact_root(magnitude, denominator)
        if root is not None:
            return sign * root ** numerator, False
    return sign * _approximate_power(magnitude, exponent), True


def _exact_root(number, index):
    """The ``index``-th root of a fraction ≥ 0 when it is a fraction itself, else None."""
    if number == 0:
        return number
    roots = []
    for part in (number.numerator, number.denominator):
        if part.bit_length() < index and part != 1:
            return None  # 2 ** index is already larger: only 1 is a perfect power that small
        root = _integer_root(part, index)
        if root ** index != part:
            return None
        roots.append(root)
    return Fraction(*roots)


def _integer_root(number, index):
    """The largest integer whose ``index``-th power is at most ``number`` (≥ 1), by Newton's method."""
    root = 1 << -(-number.bit_length() // index)  # a power of two at or above the root
    while True:
        better = ((index - 1) * root + number // root ** (index - 1)) // index
        if better >= root:
            return root
        root = better


def _approximate_power(base, exponent):
    """``base ** exponent`` for a positive ``base``, to :data:`WORKING_DIGITS` and more (ten guard digits),
    as exp(exponent × ln base) in :mod:`decimal`, whose functions round correctly at any precision."""
    with localcontext() as context:
        context.prec = WORKING_DIGITS + 10
        logarithm = (Decimal(base.numerator).ln() - Decimal(base.denominator).ln())
        return Fraction((logarithm * Decimal(exponent.numerator) / Decimal(exponent.denominator)).exp())


def _square_root(node, number):
    """``(root, irrational)``: the exact square root of the square of a fraction (``√(9/4)`` is 3/2), or the
    root of any other number worked out to :data:`WORKING_DIGITS` significant digits (``√2``).

    The root of a negative number has no real value at all: an error.
    """
    if number < 0:
        raise EvaluationError(f"the square root of a negative number, {_short(number)}, has no real value",
                              node.symbol)
    root = _exact_root(number, 2)
    if root is not None:
        return root, False
    # √(p/q) = √(p·q)/q; scaled by 10^k so that the integer root has the working digits and more.
    product = number.numerator * number.denominator
    places = max(WORKING_DIGITS - _digit_estimate(product) // 2 + 2, 0)
    return Fraction(math.isqrt(product * 10 ** (2 * places)), number.denominator * 10 ** places), True


def _working(number, approximate):
    """``number`` rounded to :data:`WORKING_DIGITS` significant digits if it is approximate: the digits beyond
    are noise, and would only make every later step slower."""
    if not approximate or number == 0:
        return number
    scale = Fraction(10) ** (WORKING_DIGITS - 1 - _decimal_exponent(abs(number)))
    return Fraction(round(number * scale)) / scale


def _agree(left, right):
    """Whether two approximate values agree to :data:`AGREEING_DIGITS` significant digits."""
    largest = max(abs(left), abs(right))
    return largest == 0 or abs(left - right) <= largest * Fraction(1, 10 ** AGREEING_DIGITS)


def _is(approximate):
    """How a step joins what it calculates to its result."""
    return " ≈ " if approximate else " = "


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


def _short(number, approximate=False):
    """How a step shows a number: ``14``, ``−2``, ``1.5`` (exact decimals only), otherwise ``7/3``; an
    approximate one rounded, ``1.414213562``."""
    if approximate:
        return _abbreviated(_typographic(_with_power_of_ten(_rounded(number))))
    if number.denominator != 1 and _terminating_places(number.denominator) is None:
        return _abbreviated(_typographic(canonical(number)))
    return _abbreviated(_typographic(decimal_text(number)[0]))


def _is_percentage(node):
    """A percentage written as a plain number, ``10%``: a step shows it as it is written."""
    return isinstance(node, Percent) and isinstance(node.operand, Number)


def _operand_of(child, number, first, approximate=False):
    """The operand ``child`` (a tree node) of value ``number`` in a step: a percentage as one (``10%``)."""
    if isinstance(child, Percent):
        return _operand(number * 100, first, approximate) + "%"
    return _operand(number, first, approximate)


def _operand(number, first, approximate=False):
    """An operand inside a step: fractions, and negatives not in first place, get parentheses."""
    text = _short(number, approximate)
    if "/" in text or (text.startswith(_MINUS) and not first):
        return f"({text})"
    return text


def _abbreviated(text):
    if len(text) <= _LONG_OPERAND:
        return text
    return f"{text[:12]}…({len(text)} characters)"
