"""Exact evaluation, its bounds, how values are written, and the step list.

The main property test writes random expressions as text while computing, alongside, what they must be
worth with :class:`fractions.Fraction` (and which ``/`` must fail first when a divisor is zero), then checks
``evaluate(parse_text(text))`` against that. No expected value here is copied from the program's output.
"""

import time
from dataclasses import dataclass
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from py_pipeline.errors import EvaluationError
from py_pipeline.evaluate import (
    APPROXIMATE_DIGITS, EXACT_DECIMAL_PLACES, MAX_DIGITS, MAX_STEPS, Value, canonical, decimal_text, evaluate,
    steps,
)
from py_pipeline.expression import MAX_SYMBOLS, Binary, Equation, Number, Unary, parse_text

MINUS = "\u2212"


def _value(text):
    return evaluate(parse_text(text)).to_dict()


def _error(text):
    with pytest.raises(EvaluationError) as caught:
        evaluate(parse_text(text))
    return caught.value


# --- values and how they are written ---------------------------------------------------------------------

def test_the_readme_example():
    assert _value("12+7*(3-1)") == {"kind": "number", "value": "26", "decimal": "26", "exact_decimal": True,
                                    "display": "26", "approximate": False}


@pytest.mark.parametrize("text, value, decimal, exact, display", [
    ("7/2", "7/2", "3.5", True, "7/2 = 3.5"),
    ("-7/2", "-7/2", "-3.5", True, f"{MINUS}7/2 = {MINUS}3.5"),
    ("14/-4", "-7/2", "-3.5", True, f"{MINUS}7/2 = {MINUS}3.5"),
    ("-28", "-28", "-28", True, f"{MINUS}28"),
    ("0-0", "0", "0", True, "0"),
    ("1/8", "1/8", "0.125", True, "1/8 = 0.125"),
    ("6/4", "3/2", "1.5", True, "3/2 = 1.5"),
    ("1/1024", "1/1024", "0.0009765625", True, "1/1024 = 0.0009765625"),
    ("1/3", "1/3", "0.3333333333…", False, "1/3 ≈ 0.3333333333"),
    ("2/3", "2/3", "0.6666666667…", False, "2/3 ≈ 0.6666666667"),
    ("-2/3", "-2/3", "-0.6666666667…", False, f"{MINUS}2/3 ≈ {MINUS}0.6666666667"),
    ("1/70000", "1/70000", "0.00001428571429…", False, "1/70000 ≈ 0.00001428571429"),
    ("1/7000000", "1/7000000", "1.428571429e-7…", False, "1/7000000 ≈ 1.428571429×10⁻⁷"),
    ("1" + "0" * 40 + "/3", "1" + "0" * 40 + "/3", "3.333333333e+39…", False,
     "1" + "0" * 40 + "/3 ≈ 3.333333333×10³⁹"),
    ("1/3*3", "1", "1", True, "1"),
    ("0.1+0.2", "3/10", "0.3", True, "3/10 = 0.3"),
    ("2+3=", "5", "5", True, "5"),
    ("2^10", "1024", "1024", True, "1024"),
    ("-2^2", "-4", "-4", True, f"{MINUS}4"),
    ("(-2)^3", "-8", "-8", True, f"{MINUS}8"),
    ("2^-2", "1/4", "0.25", True, "1/4 = 0.25"),
    ("(2/3)^-2", "9/4", "2.25", True, "9/4 = 2.25"),
    ("0.1^3", "1/1000", "0.001", True, "1/1000 = 0.001"),
    ("2^3^2", "512", "512", True, "512"),
    ("7^0", "1", "1", True, "1"),
    ("(-1)^(10^99+1)", "-1", "-1", True, f"{MINUS}1"),
    ("0^(10^99)", "0", "0", True, "0"),
])
def test_values_are_exact_and_written_canonically(text, value, decimal, exact, display):
    result = _value(text)
    assert (result["kind"], result["value"], result["decimal"], result["exact_decimal"], result["display"]) == (
        "number", value, decimal, exact, display)


def test_exact_decimals_stop_at_the_place_limit():
    places = EXACT_DECIMAL_PLACES
    text, exact = decimal_text(Fraction(1, 2 ** places))
    assert exact and text == "0." + str(5 ** places).rjust(places, "0")
    assert decimal_text(Fraction(1, 2 ** (places + 1)))[1] is False


def test_rounding_that_carries_into_a_new_digit():
    assert decimal_text(1 - Fraction(1, 3 * 10 ** 11)) == ("1", False)
    assert decimal_text(Fraction(10 ** 10) - Fraction(1, 3)) == ("1e+10", False)


def test_big_integers_are_exact():
    text = "9" * 200 + "*" + "9" * 200
    assert _value(text)["value"] == str((10 ** 200 - 1) ** 2)


_denominators = st.one_of(
    st.integers(1, 10 ** 40),
    # Only factors 2 and 5: exact decimals up to the place limit, and just beyond it.
    st.builds(lambda twos, fives: 2 ** twos * 5 ** fives, st.integers(0, 34), st.integers(0, 34)),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(-10 ** 60, 10 ** 60), _denominators)
def test_written_forms_mean_the_number(numerator, denominator):
    number = Fraction(numerator, denominator)
    result = Value.of_number(number).to_dict()
    # Canonical: lowest terms, sign on the numerator, no "/1".
    p, slash, q = result["value"].partition("/")
    assert int(p) == number.numerator and (int(q) if slash else 1) == number.denominator
    assert not slash or (int(q) > 1 and not q.startswith("-"))
    assert canonical(number) == result["value"]
    decimal = result["decimal"]
    terminates = 10 ** EXACT_DECIMAL_PLACES % number.denominator == 0
    assert result["exact_decimal"] is terminates
    if terminates:
        assert Fraction(decimal) == number
    else:
        assert decimal.endswith("…")
        approximation = Fraction(decimal[:-1])
        assert abs(approximation - number) <= abs(number) * Fraction(5, 10 ** APPROXIMATE_DIGITS)
        mantissa = decimal[:-1].lstrip("-").split("e")[0].replace(".", "").lstrip("0")
        assert 1 <= len(mantissa) <= APPROXIMATE_DIGITS
    assert "-" not in result["display"]  # people read a typographic minus


# --- equations --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, truth, left, right, display", [
    ("2+3=5", True, "5", "5", "true: both sides equal 5"),
    ("2+3=6", False, "5", "6", "false: 5 ≠ 6"),
    ("0.1+0.2=0.3", True, "3/10", "3/10", "true: both sides equal 0.3"),
    ("1/3*3=1", True, "1", "1", "true: both sides equal 1"),
    ("1/3=0.3333333333", False, "1/3", "3333333333/10000000000", "false: 1/3 ≠ 0.3333333333"),
    ("-2=2", False, "-2", "2", f"false: {MINUS}2 ≠ 2"),
])
def test_equations_are_checked_exactly(text, truth, left, right, display):
    value = evaluate(parse_text(text))
    assert value.kind == "equation" and value.truth is truth
    result = value.to_dict()
    assert result["value"] == ("true" if truth else "false")
    assert (result["left"]["value"], result["right"]["value"], result["display"]) == (left, right, display)
    assert result["decimal"] is None


# --- errors and bounds -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words, index", [
    ("1/0", "cannot divide by 0", 1),
    ("1/0.0", "cannot divide by 0.0", 1),
    ("5/(2-2)", "the divisor 2-2 is 0", 1),
    ("2(3/(1-1))", "the divisor 1-1 is 0", 3),
    ("1/0+1/0", "cannot divide by 0", 1),
    ("7=1/0", "cannot divide by 0", 3),
    ("0^-1", "0 to the power −1", 1),
])
def test_division_by_zero_points_at_the_first_failing_division(text, words, index):
    error = _error(text)
    assert "division by zero" in error.message and words in error.message
    assert error.symbol_index == index
    with pytest.raises(EvaluationError):
        steps(parse_text(text))


def _big(digits):
    """A number with exactly ``digits`` digits, made without int/str conversion (which CPython limits)."""
    return 10 ** (digits - 1) + 7


def test_a_literal_beyond_the_digit_limit_is_a_clear_error():
    literal = Number("<huge>", Fraction(_big(MAX_DIGITS + 1000)), (7, 8))
    with pytest.raises(EvaluationError) as caught:
        evaluate(Binary("+", Number("1", Fraction(1), (5,)), literal, 6))
    assert "too large" in caught.value.message and str(MAX_DIGITS) in caught.value.message
    assert caught.value.symbol_index == 7


def test_repeated_multiplication_stops_at_the_operator_that_crosses_the_limit():
    factor_digits = 1000  # four factors have 3997 digits, five have 4996
    node = Number("f", Fraction(_big(factor_digits)), (0,))
    for i in range(1, 30):
        node = Binary("*", node, Number("f", Fraction(_big(factor_digits)), (2 * i,)), 2 * i - 1)
    start = time.perf_counter()
    with pytest.raises(EvaluationError) as caught:
        evaluate(node)
    assert time.perf_counter() - start < 1.0
    assert "too large" in caught.value.message
    assert caught.value.symbol_index == 7  # the fourth '*', which joins the fifth factor


def test_implicit_multiplication_beyond_the_limit_points_at_its_right_operand():
    big = Number("f", Fraction(_big(3000)), (0,))
    node = Binary("*", big, Number("g", Fraction(_big(3000)), (5,)), None, implicit=True)
    with pytest.raises(EvaluationError) as caught:
        evaluate(node)
    assert caught.value.symbol_index == 5


def test_denominators_count_towards_the_limit():
    node = Number("1", Fraction(1), (0,))
    for i in range(1, 10):
        node = Binary("/", node, Number("f", Fraction(_big(1000)), (2 * i,)), 2 * i - 1)
    with pytest.raises(EvaluationError) as caught:
        evaluate(node)
    assert caught.value.symbol_index == 9  # the fifth '/': 1 over five factors


def test_largest_handwritable_numbers_finish_fast():
    text = "*".join(["9" * 99] * 5)  # 499 symbols, the largest product that fits
    assert len(text) <= MAX_SYMBOLS
    start = time.perf_counter()
    result = _value(text)
    steps(parse_text(text))
    assert time.perf_counter() - start < 1.0
    assert result["value"] == str((10 ** 99 - 1) ** 5)


@pytest.mark.parametrize("text, index", [("9^9^9", 1), ("2^20000", 1), ("10^4001", 2), ("(10^2000)^3", 9)])
def test_powers_too_large_are_refused_before_they_are_computed(text, index):
    start = time.perf_counter()
    error = _error(text)
    assert time.perf_counter() - start < 0.1
    assert "too large" in error.message and error.symbol_index == index


@pytest.mark.parametrize("text, value", [
    ("4^(1/2)", "2"), ("8^(2/3)", "4"), ("9^1.5", "27"), ("27^(-2/3)", "1/9"), ("(9/4)^0.5", "3/2"),
    ("(-8)^(1/3)", "-2"), ("(-32)^0.6", "-8"), ("(-8)^(2/3)", "4"), ("0^0.5", "0"), ("(10^3000)^(1/3)", "1" + "0" * 1000),
])
def test_a_fractional_power_is_exact_where_its_root_is_a_fraction(text, value):
    assert _value(text)["value"] == value and not _value(text)["approximate"]


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-30, max_value=30, max_denominator=12).filter(lambda f: f != 0),
       st.integers(2, 5), st.integers(-4, 4))
def test_the_root_of_any_power_is_exact(base, index, power):
    # (r^q)^(p/q) is r^p for r > 0, and for r < 0 when q is odd (the real odd root keeps the sign).
    assume(base > 0 or index % 2)
    raised = Fraction(base) ** index
    written = f"({raised.numerator}/{raised.denominator})^({power}/{index})"
    value = evaluate(parse_text(written))
    assert value.number == base ** power and not value.approximate


@pytest.mark.parametrize("text, display", [
    ("2^0.5", "≈ 1.414213562"), ("10^(1/3)", "≈ 2.15443469"), ("sqrt(2)^20000", "≈ 1.995063117×10³⁰¹⁰"),
    ("2^-0.5", "≈ 0.7071067812"),
])
def test_a_fractional_power_without_an_exact_value_is_worked_out(text, display):
    # 2^0.5 = √2, 10^(1/3) = 2.1544346900…, 2^10000 = 1.99506311688…×10³⁰¹⁰.
    result = _value(text)
    assert result["approximate"] and result["display"] == display


@pytest.mark.parametrize("text, truth", [
    ("2^0.5=sqrt(2)", True), ("(2^(1/3))^3=2", True), ("5^(2/7)=5^(4/14)", True), ("(3^(1/5))^5=3.0000001", False),
    ("2^(1/3)=1.2599", False),
])
def test_fractional_powers_agree_with_roots_and_their_own_powers(text, truth):
    assert evaluate(parse_text(text)).truth is truth


@pytest.mark.parametrize("text, words, index", [
    ("(-4)^(1/2)", "−4 to the power 0.5 has no real value", 4),
    ("(-8)^0.5", "has no real value", 4),
    ("(-2)^sqrt(2)", "has no real value", 4),
    ("0^(-0.5)", "division by zero", 1),
    ("10^4000.5", "too large", 2),
])
def test_a_fractional_power_without_a_real_value_is_an_error_at_the_power(text, words, index):
    error = _error(text)
    assert words in error.message and error.symbol_index == index


@pytest.mark.parametrize("text", ["2^(1/99999999)", "(10^3000+1)^(1/3)", "7^(123456/1000001)"])
def test_roots_of_any_index_finish_fast(text):
    start = time.perf_counter()
    assert _value(text)["approximate"]
    assert time.perf_counter() - start < 0.1


@settings(max_examples=200, deadline=None)
@given(st.fractions(min_value=-50, max_value=50, max_denominator=20).filter(lambda f: f != 0),
       st.integers(-12, 12))
def test_powers_match_python(base, exponent):
    written = f"({base.numerator}/{base.denominator})^{exponent}".replace("--", "")
    assert evaluate(parse_text(written)).number == base ** exponent


def test_trees_deeper_than_any_recursion_limit_evaluate():
    node = Number("1", Fraction(1), (0,))
    for i in range(20_000):
        node = Unary("-", node, i + 1)
    start = time.perf_counter()
    assert evaluate(node).number == 1  # an even number of signs
    assert time.perf_counter() - start < 1.0


def test_an_equation_inside_an_expression_is_refused():
    one = Number("1", Fraction(1), (0,))
    with pytest.raises(EvaluationError) as caught:
        evaluate(Binary("+", one, Equation(one, one, 3), 1))
    assert caught.value.symbol_index == 3


# --- steps -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("12+7*(3-1)", ["3−1 = 2", "7×2 = 14", "12+14 = 26"]),
    ("-(2+3)*4", ["2+3 = 5", "−(5) = −5", "−5×4 = −20"]),
    ("2*-3", ["2×(−3) = −6"]),
    ("1/3+1/6", ["1÷3 = 1/3", "1÷6 = 1/6", "(1/3)+(1/6) = 0.5"]),
    ("0.5+1", ["0.5+1 = 1.5"]),
    ("2(3+4)", ["3+4 = 7", "2×7 = 14"]),
    ("42", []),
    ("2+3=6", ["2+3 = 5", "5 ≠ 6: false"]),
    ("6=2*3", ["2×3 = 6", "6 = 6: true"]),
    ("2^10-1", ["2¹⁰ = 1024", "1024−1 = 1023"]),
    ("(-2)^2", ["(−2)² = 4"]),
    ("2^-1", ["2⁻¹ = 0.5"]),
    ("1^(10^99)", ["10⁹⁹ = 100000000000…(100 characters)", "1^(100000000000…(100 characters)) = 1"]),
])
def test_steps_in_evaluation_order(text, expected):
    assert steps(parse_text(text)) == expected


def test_steps_are_bounded():
    additions = (MAX_SYMBOLS - 1) // 2
    lines = steps(parse_text("1+" * additions + "1"))
    assert len(lines) == MAX_STEPS + 1
    assert lines[-1] == f"… and {additions - MAX_STEPS} more steps"
    assert lines[0] == "1+1 = 2" and lines[MAX_STEPS - 1] == f"{MAX_STEPS}+1 = {MAX_STEPS + 1}"


def test_long_numbers_are_abbreviated_in_steps():
    (line,) = steps(parse_text("9" * 100 + "+1"))
    assert len(line) < 100 and "100 characters" in line and "101 characters" in line


# --- generated expressions against a reference evaluation --------------------------------------------------

@dataclass(frozen=True)
class Written:
    """Text of an expression as tokens, what it must be worth, and where it must fail if it must.

    ``failing_division`` is the symbol offset (within these tokens) of the first ``/`` whose divisor is 0 in
    evaluation order (left operand, right operand, then the operator); ``value`` is None then.
    """

    tokens: tuple
    value: Fraction | None
    failing_division: int | None
    kind: str  # "num" | "neg" | "group" (self-contained in parentheses) | "impl" (unwrapped implicit product)
    #            | "pct" (ending in %)
    percent: bool = False  # a percentage, maybe in parentheses: added or taken away, it is a share

    @property
    def size(self):
        return sum(len(token) for token in self.tokens)


def _shift(offset, position):
    return None if position is None else position + offset


def wrap(inner):
    return Written(("(",) + inner.tokens + (")",), inner.value, _shift(1, inner.failing_division), "group",
                   inner.percent)


def percentage(inner):
    operand = inner if inner.kind in ("num", "group", "pct") else wrap(inner)
    value = None if operand.value is None else operand.value / 100
    return Written(operand.tokens + ("%",), value, operand.failing_division, "pct", percent=True)


def square_root(inner):
    """The root of ``inner`` times itself, which the evaluator must find exactly (``√((3)*(3))`` is 3)."""
    square = combine("*", inner, inner)
    value = None if square.value is None else abs(inner.value)
    return Written(("√",) + square.tokens, value, _shift(1, square.failing_division), "group")


def _operand(written):
    return wrap(written) if written.kind == "impl" else written


def negate(inner):
    operand = _operand(inner)
    value = None if operand.value is None else -operand.value
    return Written(("-",) + operand.tokens, value, _shift(1, operand.failing_division), "neg")


def combine(op, left, right):
    left, right = _operand(left), _operand(right)
    operator_at = 1 + left.size
    if left.failing_division is not None:
        failing = left.failing_division + 1
    elif right.failing_division is not None:
        failing = right.failing_division + operator_at + 1
    elif op == "/" and right.value == 0:
        failing = operator_at
    else:
        failing = None
    value = None
    if failing is None and op in "+-" and right.percent:  # a calculator's 200+10%: 10% of 200
        share = left.value * right.value
        value = left.value + share if op == "+" else left.value - share
    elif failing is None:
        value = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
                 "/": lambda a, b: a / b}[op](left.value, right.value)
    return Written(("(",) + left.tokens + (op,) + right.tokens + (")",), value, failing, "group")


def multiply_implicitly(left, right, number_after_parenthesis):
    if number_after_parenthesis and right.kind == "num":
        left = wrap(left)  # (L)R
    elif right.kind != "group":
        right = wrap(right)  # L(R)
    failing = left.failing_division
    if failing is None:
        failing = _shift(left.size, right.failing_division)
    value = None if failing is not None else left.value * right.value
    return Written(left.tokens + right.tokens, value, failing, "impl")


_digits = st.text(alphabet="0123456789", min_size=1, max_size=3)
_literals = st.one_of(
    st.sampled_from(["0", "1", "2", "0.0", ".0", "10", "0.5"]),
    st.integers(0, 10 ** 6).map(str),
    st.builds(lambda whole, part: f"{whole}.{part}", _digits, _digits),
    _digits.map(lambda part: "." + part),
    _digits.map(lambda whole: whole + "."),
)
expressions = st.recursive(
    _literals.map(lambda literal: Written((literal,), Fraction(literal), None, "num")),
    lambda children: st.one_of(
        st.builds(negate, children),
        st.builds(combine, st.sampled_from("+-*/"), children, children),
        st.builds(multiply_implicitly, children, children, st.booleans()),
        st.builds(wrap, children),
        st.builds(percentage, children),
        st.builds(square_root, children),
    ),
    max_leaves=12,
)


def _text(written, rnd):
    return "".join(token + (" " if rnd.random() < 0.2 else "") for token in written.tokens)


def _number_in_step(text):
    """The Fraction a step writes after ``=`` (exact decimal, integer or p/q)."""
    return Fraction(text.strip("()").replace(MINUS, "-"))


@settings(max_examples=300, deadline=None)
@given(expressions, st.randoms(use_true_random=False))
def test_evaluate_matches_the_reference(written, rnd):
    assume(written.size <= MAX_SYMBOLS)
    node = parse_text(_text(written, rnd))
    if written.value is None:
        with pytest.raises(EvaluationError) as caught:
            evaluate(node)
        assert "division by zero" in caught.value.message
        assert caught.value.symbol_index == written.failing_division
        return
    value = evaluate(node)
    assert value.kind == "number" and value.number == written.value
    assert Fraction(value.to_dict()["value"]) == written.value
    lines = steps(node)
    if lines:
        assert _number_in_step(lines[-1].rsplit(" = ", 1)[1]) == written.value


@settings(max_examples=200, deadline=None)
@given(expressions, expressions, st.randoms(use_true_random=False))
def test_equations_match_the_reference(left, right, rnd):
    assume(left.size + 1 + right.size <= MAX_SYMBOLS)
    node = parse_text(_text(left, rnd) + "=" + _text(right, rnd))
    if left.value is None or right.value is None:
        with pytest.raises(EvaluationError) as caught:
            evaluate(node)
        expected = left.failing_division
        if expected is None:
            expected = right.failing_division + left.size + 1
        assert caught.value.symbol_index == expected
        return
    value = evaluate(node)
    assert value.kind == "equation"
    assert value.truth is (left.value == right.value)
    assert (value.left.number, value.right.number) == (left.value, right.value)
