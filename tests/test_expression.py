"""Tokens and syntax trees: digit grouping, precedence, signs, implicit multiplication, and errors that point.

The property tests generate a tree, write it as text in one of many equivalent ways (explicit parentheses,
redundant parentheses, every implicit-multiplication form, random gaps between tokens) and check that the
parser rebuilds exactly that tree, with symbol indices that point at the right characters.
"""

import sys
import time
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from py_pipeline.errors import ExpressionError
from py_pipeline.evaluate import evaluate
from py_pipeline.expression import (
    MAX_NESTING, MAX_SYMBOLS, Binary, Equation, Number, Percent, Root, Symbol, Unary, expression_text, fold, parse,
    parse_text, root_part, stack_part, symbols_from_text, tokenize,
)


def _error(text):
    with pytest.raises(ExpressionError) as caught:
        parse_text(text)
    return caught.value


def _num(literal):
    return {"number": literal}


def _bin(op, left, right, implicit=False):
    return {"op": op, "left": left, "right": right, "implicit": implicit}


# --- tokens ---------------------------------------------------------------------------------------------

def test_tokens_group_digits_and_one_decimal_point():
    tokens = tokenize(symbols_from_text("12+3.5*(.5-5.)="))
    assert [(t.kind, t.text, t.symbols) for t in tokens] == [
        ("number", "12", (0, 1)), ("op", "+", (2,)), ("number", "3.5", (3, 4, 5)), ("op", "*", (6,)),
        ("lparen", "(", (7,)), ("number", ".5", (8, 9)), ("op", "-", (10,)), ("number", "5.", (11, 12)),
        ("rparen", ")", (13,)), ("equals", "=", (14,)),
    ]
    assert tokens[0].to_dict() == {"kind": "number", "text": "12", "symbols": [0, 1]}


def test_a_gap_splits_a_number_even_before_a_decimal_point():
    assert [t.text for t in tokenize(symbols_from_text("1 2"))] == ["1", "2"]
    assert [t.text for t in tokenize(symbols_from_text("1 .5"))] == ["1", ".5"]
    assert [t.symbols for t in tokenize(symbols_from_text("12 34"))] == [(0, 1), (2, 3)]


def test_accepts_symbols_tuples_and_objects_with_their_own_indices_and_display_operators():
    class Recognised:  # what a recognizer might hand over: only char and index
        def __init__(self, char, index):
            self.char, self.index = char, index

    symbols = [Symbol("7", 10), ("×", 11), Recognised("2", 12), ("÷", 13, False), ("4", 14, True)]
    tokens = tokenize(symbols)
    assert [(t.text, t.symbols) for t in tokens] == [("7", (10,)), ("*", (11,)), ("2", (12,)), ("/", (13,)),
                                                     ("4", (14,))]


def test_errors_point_at_the_symbol_index_not_the_position():
    symbols = [("1", 40), ("+", 41), ("+", 42), ("2", 43)]
    with pytest.raises(ExpressionError) as caught:
        parse(tokenize(symbols))
    assert caught.value.symbol_index == 42


@pytest.mark.parametrize("text, number", [("12,5", "12.5"), ("0,125", "0.125"), ("1234,567", "1234.567"),
                                          ("3,14", "3.14")])
def test_a_decimal_comma_is_the_decimal_point(text, number):
    assert [t.text for t in tokenize(symbols_from_text(text))] == [number]


@pytest.mark.parametrize("text, asked", [("1,000+5", "write 1000 or 1.000"), ("2*12,500", "write 12500 or 12.500")])
def test_a_comma_that_may_group_thousands_is_asked_about(text, asked):
    error = _error(text)
    assert asked in error.message and text[error.symbol_index] == ","


def test_a_second_comma_says_how_to_write_thousands():
    error = _error("1,000,000")
    assert "second decimal point after 1,000" in error.message and "thousands without it" in error.message
    assert error.symbol_index == 5


def test_second_decimal_point_and_lone_point_are_errors():
    error = _error("1.2.3")
    assert "second decimal point" in error.message and error.symbol_index == 3
    error = _error("2+.")
    assert "decimal point on its own" in error.message and error.symbol_index == 2
    error = _error("1 . 5")
    assert "decimal point on its own" in error.message and error.symbol_index == 1


def test_unknown_symbol_is_an_error_at_that_symbol():
    error = _error("2+x")
    assert "'x'" in error.message and error.symbol_index == 2


def test_literal_values_are_exact():
    assert parse_text("5.").value == 5
    assert parse_text(".5").value == Fraction(1, 2)
    assert parse_text("0.1").value == Fraction(1, 10)
    assert parse_text("007.250").value == Fraction(29, 4)


# --- structure ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, tree", [
    ("1-2-3", _bin("-", _bin("-", _num("1"), _num("2")), _num("3"))),
    ("8/4/2", _bin("/", _bin("/", _num("8"), _num("4")), _num("2"))),
    ("1+2*3", _bin("+", _num("1"), _bin("*", _num("2"), _num("3")))),
    ("(1+2)*3", _bin("*", _bin("+", _num("1"), _num("2")), _num("3"))),
    ("2*-3", _bin("*", _num("2"), {"op": "neg", "operand": _num("3")})),
    ("--3", {"op": "neg", "operand": {"op": "neg", "operand": _num("3")}}),
    ("2--3", _bin("-", _num("2"), {"op": "neg", "operand": _num("3")})),
    ("2(3+4)", _bin("*", _num("2"), _bin("+", _num("3"), _num("4")), implicit=True)),
    ("(1+2)(3+4)", _bin("*", _bin("+", _num("1"), _num("2")), _bin("+", _num("3"), _num("4")), implicit=True)),
    ("(2)3", _bin("*", _num("2"), _num("3"), implicit=True)),
    ("8/2(4)", _bin("*", _bin("/", _num("8"), _num("2")), _num("4"), implicit=True)),
    ("2+3=", _bin("+", _num("2"), _num("3"))),
    ("2+3=5", {"op": "=", "left": _bin("+", _num("2"), _num("3")), "right": _num("5")}),
    ("(((7)))", _num("7")),
    ("2^3", _bin("^", _num("2"), _num("3"))),
    ("2^3^2", _bin("^", _num("2"), _bin("^", _num("3"), _num("2")))),
    ("-2^2", {"op": "neg", "operand": _bin("^", _num("2"), _num("2"))}),
    ("(-2)^2", _bin("^", {"op": "neg", "operand": _num("2")}, _num("2"))),
    ("2^-1", _bin("^", _num("2"), {"op": "neg", "operand": _num("1")})),
    ("2^-3^2", _bin("^", _num("2"), {"op": "neg", "operand": _bin("^", _num("3"), _num("2"))})),
    ("2*3^2", _bin("*", _num("2"), _bin("^", _num("3"), _num("2")))),
    ("2(3)^2", _bin("*", _num("2"), _bin("^", _num("3"), _num("2")), implicit=True)),
    ("(1+2)^2", _bin("^", _bin("+", _num("1"), _num("2")), _num("2"))),
])
def test_parses_to_the_expected_tree(text, tree):
    assert parse_text(text).to_dict() == tree


def test_raised_digits_are_an_exponent_and_end_where_the_writing_comes_down():
    # 2³+1, 2¹⁰, (1+2)², 2³4: what a drawing hands over, with no "^" symbol of its own.
    def raised_symbols(chars, raised):
        return [Symbol(char, i, False, i in raised) for i, char in enumerate(chars)]

    tokens = tokenize(raised_symbols("23+1", {1}))
    assert [(t.kind, t.text, t.symbols) for t in tokens] == [
        ("number", "2", (0,)), ("op", "^", (1,)), ("number", "3", (1,)), ("op", "+", (2,)), ("number", "1", (3,))]
    assert parse(tokens).to_dict() == _bin("+", _bin("^", _num("2"), _num("3")), _num("1"))
    assert parse(tokenize(raised_symbols("210", {1, 2}))).to_dict() == _bin("^", _num("2"), _num("10"))
    assert parse(tokenize(raised_symbols("(1+2)2", {5}))).text() == "(1+2)^2"
    power = parse(tokenize(raised_symbols("23", {1})))
    assert power.symbol == 1  # an error about the power points at its exponent
    with pytest.raises(ExpressionError) as caught:
        parse(tokenize(raised_symbols("234", {1})))
    assert "missing operator between 3 and 4" in caught.value.message and caught.value.symbol_index == 2


def _stacked(line_before, numerator, denominator, line_after=""):
    """Symbols of a line with a stacked fraction in it, roles set as a drawing's are."""
    parts = [(line_before, ""), (numerator, "numerator"), ("/", "fraction"), (denominator, "denominator"),
             (line_after, "")]
    chars = [(char, role) for text, role in parts for char in text]
    return [Symbol(char, i, False, False, role) for i, (char, role) in enumerate(chars)]


@pytest.mark.parametrize("parts, text, tree", [
    (("", "3", "4"), "(3/4)", _bin("/", _num("3"), _num("4"))),
    (("2+", "1+2", "3", "-1"), "2+((1+2)/3)-1",
     _bin("-", _bin("+", _num("2"), _bin("/", _bin("+", _num("1"), _num("2")), _num("3"))), _num("1"))),
    (("6/", "7", "2-1"), "6/(7/(2-1))", _bin("/", _num("6"), _bin("/", _num("7"), _bin("-", _num("2"), _num("1"))))),
    # A whole number right before a proper fraction is a mixed number, as on paper; before an improper one,
    # or after a decimal, the two multiply.
    (("2", "1", "2"), "(2+(1/2))", _bin("+", _num("2"), _bin("/", _num("1"), _num("2")))),
    (("3*12", "3", "4", "-1"), "3*(12+(3/4))-1",
     _bin("-", _bin("*", _num("3"), _bin("+", _num("12"), _bin("/", _num("3"), _num("4")))), _num("1"))),
    (("-2", "1", "2"), "-(2+(1/2))", {"op": "neg", "operand": _bin("+", _num("2"), _bin("/", _num("1"), _num("2")))}),
    (("2", "7", "4"), "2(7/4)", _bin("*", _num("2"), _bin("/", _num("7"), _num("4")), implicit=True)),
    (("0.5", "1", "2"), "0.5(1/2)", _bin("*", _num("0.5"), _bin("/", _num("1"), _num("2")), implicit=True)),
    (("2", "1+1", "4"), "2((1+1)/4)",
     _bin("*", _num("2"), _bin("/", _bin("+", _num("1"), _num("1")), _num("4")), implicit=True)),
])
def test_a_stacked_fraction_reads_as_bracketed(parts, text, tree):
    symbols = _stacked(*parts)
    assert expression_text(symbols) == text
    assert parse(tokenize(symbols)).to_dict() == tree == parse_text(text).to_dict()


def test_fractions_side_by_side_and_errors_inside_one_point_at_real_symbols():
    one_half = [("1", "numerator"), ("/", "fraction"), ("2", "denominator")]
    chars = one_half + [("+", "")] + one_half
    symbols = [Symbol(char, i, False, False, role) for i, (char, role) in enumerate(chars)]
    assert expression_text(symbols) == "(1/2)+(1/2)"
    assert parse(tokenize(symbols)).to_dict() == parse_text("1/2+1/2").to_dict()
    with pytest.raises(ExpressionError) as caught:
        parse(tokenize(_stacked("", "1+", "2")))
    assert "needs a number after it" in caught.value.message and caught.value.symbol_index == 1


@pytest.mark.parametrize("chars, text, value", [
    # (1+√5) over 2, and a mixed-number look-alike: a root's digits before a fraction are no whole number.
    ([("1", "numerator"), ("+", "numerator"), ("√", "numerator radical"), ("5", "numerator radicand"),
      ("/", "fraction"), ("2", "denominator")], "((1+sqrt(5))/2)", None),
    ([("√", "radical"), ("4", "radicand"), ("1", "numerator"), ("/", "fraction"), ("2", "denominator")],
     "sqrt(4)(1/2)", Fraction(1)),
    ([("6", "numerator"), ("/", "fraction"), ("√", "denominator radical"), ("9", "denominator radicand"),
      ("2", "denominator radicand", True), ("+", ""), ("1", "")], "(6/(sqrt(9^2)))+1", Fraction(5, 3)),
])
def test_a_root_in_a_stacked_fraction_is_bracketed_in_its_part(chars, text, value):
    symbols = [Symbol(c[0], i, False, len(c) > 2, c[1]) for i, c in enumerate(chars)]
    assert expression_text(symbols) == text
    assert parse(tokenize(symbols)).to_dict() == parse_text(text).to_dict()
    if value is not None:
        assert evaluate(parse(tokenize(symbols))).number == value


def test_a_role_names_its_place_in_a_fraction_and_in_a_root():
    roles = ("", "numerator", "fraction", "radicand", "denominator radical", "numerator radicand")
    assert [(stack_part(r), root_part(r)) for r in roles] == [
        ("", ""), ("numerator", ""), ("fraction", ""), ("", "radicand"), ("denominator", "radical"),
        ("numerator", "radicand")]


def test_objects_with_a_raised_attribute_are_read_as_written():
    class Read:
        def __init__(self, char, index, raised=False):
            self.char, self.index, self.gap_before, self.raised = char, index, False, raised

    assert parse(tokenize([Read("5", 0), Read("2", 1, raised=True)])).text() == "5^2"


def test_nodes_keep_symbol_indices():
    node = parse_text("12 + -3 (4) = 5")
    assert isinstance(node, Equation) and node.symbol == 8
    product = node.left.right
    assert isinstance(product, Binary) and product.implicit and product.symbol is None
    assert isinstance(product.left, Unary) and product.left.symbol == 3
    assert node.left.symbol == 2
    assert isinstance(node.left.left, Number) and node.left.left.symbols == (0, 1)


def test_nesting_up_to_the_bound_works_and_beyond_it_is_a_clear_error():
    depth = MAX_NESTING
    assert parse_text("(" * depth + "1" + ")" * depth).to_dict() == _num("1")
    error = _error("(" * (depth + 1) + "1" + ")" * (depth + 1))
    assert "too deeply nested" in error.message and error.symbol_index == depth
    error = _error("-" * (depth + 1) + "1")
    assert "too deeply nested" in error.message and error.symbol_index == depth
    # Siblings do not add up: forty-one groups of nine levels each are fine.
    siblings = "+".join(["-" * 8 + "(1)"] * 41)
    assert parse_text(siblings).text() == "+".join(["-" * 8 + "1"] * 41)
    # Signs and parentheses count together.
    error = _error("-(" * (depth // 2) + "-1" + ")" * (depth // 2))
    assert "too deeply nested" in error.message and error.symbol_index == depth


# --- errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, words, index", [
    ("(2+3", "'(' is never closed", 0),
    ("1*((2+3)", "'(' is never closed", 2),
    ("2+3)", "')' has no matching '('", 3),
    (")", "')' has no matching '('", 0),
    ("2+", "ends with '+'", 1),
    ("2*-", "ends with '-'", 2),
    ("(", "ends with '('", 0),
    ("()", "empty parentheses", 0),
    ("2+()", "empty parentheses", 2),
    ("*3", "cannot start with '×'", 0),
    ("+3", "cannot start with '+'", 0),
    ("5++3", "'+' cannot follow '+'", 2),
    ("5-+3", "'+' cannot follow '-'", 2),
    ("(/2)", "'/' cannot follow '('", 1),
    ("12 3", "missing operator between 12 and 3", 2),
    ("(1)2 3", "missing operator between 2 and 3", 4),
    ("-1 2", "missing operator between 1 and 2", 2),
    ("2+3=5=1", "only one '='", 5),
    ("2==", "only one '='", 2),
    ("=5", "'=' cannot come first", 0),
    ("(2=3)", "'(' is not closed before '='", 0),
    ("2+=3", "'+' needs a number after it, not '='", 1),
    ("(1-)", "'-' needs a number after it, not ')'", 2),
    ("2=3)", "')' has no matching '('", 3),
    ("2^", "ends with '^'", 1),
    ("^2", "cannot start with '^'", 0),
    ("2+^3", "'^' cannot follow '+'", 2),
    ("2^^3", "'^' cannot follow '^'", 2),
])
def test_syntax_errors_say_what_and_where(text, words, index):
    error = _error(text)
    assert words in error.message
    assert error.symbol_index == index


@pytest.mark.parametrize("chars, words", [
    (["÷", "3"], "cannot start with '÷'"),
    (["8", "÷", "="], "'÷' needs a number after it, not '='"),
    (["8", "-", "÷", "2"], "'÷' cannot follow '-'"),
])
def test_errors_show_the_operator_as_written(chars, words):
    """A ``÷`` is ``/`` in the expression text; an error about it says ``÷``, the sign the person wrote."""
    with pytest.raises(ExpressionError) as caught:
        parse(tokenize([(char, index) for index, char in enumerate(chars)]))
    assert words in caught.value.message


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_input_says_the_drawing_is_empty(text):
    error = _error(text)
    assert "nothing to calculate" in error.message and "empty" in error.message
    assert error.symbol_index is None


def test_deepest_nesting_fits_a_small_stack():
    # Pyodide's recursion limit is lower than CPython's 1000: the parser may use ~2 frames per level.
    frames_in_use = 0
    frame = sys._getframe()
    while frame is not None:
        frames_in_use, frame = frames_in_use + 1, frame.f_back
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(frames_in_use + 2 * MAX_NESTING + 20)
    try:
        node = parse_text("(-" * (MAX_NESTING // 2) + "1" + ")" * (MAX_NESTING // 2))
    finally:
        sys.setrecursionlimit(limit)
    assert node.text() == "-" * (MAX_NESTING // 2) + "1"


def test_explosive_inputs_end_fast_with_a_clear_error():
    # Each is refused in about 0.07 s; the bound is far above that, so a busy machine passes (at 1 s it
    # failed once with other jobs on both cores) while work that grows with the input still fails it.
    for text in ["(" * 10_000 + "1" + ")" * 10_000, "1+" * 50_000 + "1", "9" * 100_000, "-" * 100_000 + "1"]:
        start = time.perf_counter()
        error = _error(text)
        assert time.perf_counter() - start < 5.0
        assert "too many symbols" in error.message and str(MAX_SYMBOLS) in error.message


def test_longest_allowed_input_parses_fast():
    text = "1+" * ((MAX_SYMBOLS - 3) // 2) + "(1)"
    start = time.perf_counter()
    node = parse_text(text)
    node.to_dict()
    assert node.text() == text.replace("(1)", "1")
    assert time.perf_counter() - start < 1.0


def test_fold_walks_trees_deeper_than_any_recursion_limit():
    node = Number("1", Fraction(1), (0,))
    for i in range(100_000):
        node = Binary("+", node, Number("1", Fraction(1), (i,)), i)
    leaves = fold(node, lambda current, children: sum(children) if children else 1)
    assert leaves == 100_001


# --- generated trees ------------------------------------------------------------------------------------
# A generated tree is a tuple: ("num", literal) | ("neg", t) | ("bin", op, l, r) | ("impl", l, r)
# | ("pow", l, r) | ("pct", t) | ("root", t).

_digits = st.text(alphabet="0123456789", min_size=1, max_size=4)
_literals = st.one_of(
    st.integers(0, 10 ** 6).map(str),
    st.builds(lambda whole, part: f"{whole}.{part}", _digits, _digits),
    _digits.map(lambda part: "." + part),
    _digits.map(lambda whole: whole + "."),
)
trees = st.recursive(
    _literals.map(lambda literal: ("num", literal)),
    lambda children: st.one_of(
        children.map(lambda t: ("neg", t)),
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        st.tuples(st.just("impl"), children, children),
        st.tuples(st.just("pow"), children, children),
        children.map(lambda t: ("pct", t)),
        children.map(lambda t: ("root", t)),
    ),
    max_leaves=10,
)


def expected_dict(tree):
    """The to_dict() the parser must produce for a generated tree (trees are shallow: recursion is fine)."""
    if tree[0] == "num":
        return {"number": tree[1]}
    if tree[0] == "neg":
        return {"op": "neg", "operand": expected_dict(tree[1])}
    if tree[0] == "bin":
        return _bin(tree[1], expected_dict(tree[2]), expected_dict(tree[3]))
    if tree[0] == "pow":
        return _bin("^", expected_dict(tree[1]), expected_dict(tree[2]))
    if tree[0] == "pct":
        return {"op": "%", "operand": expected_dict(tree[1])}
    if tree[0] == "root":
        return {"op": "sqrt", "operand": expected_dict(tree[1])}
    return _bin("*", expected_dict(tree[1]), expected_dict(tree[2]), implicit=True)


def render_tokens(tree, rnd):
    """Token strings of one way to write ``tree``; the result can stand as an operand of a sign or operator,
    except that an implicit product comes back unwrapped (``impl`` callers decide)."""
    kind = tree[0]
    if kind == "num":
        tokens = [tree[1]]
    elif kind == "neg":
        tokens = ["-"] + _operand(tree[1], rnd)
    elif kind == "bin":
        tokens = ["("] + _operand(tree[2], rnd) + [tree[1]] + _operand(tree[3], rnd) + [")"]
    elif kind == "pow":
        # A base with a sign or a power in it needs parentheses (-2^2 is -(2^2), 2^3^2 is 2^(3^2)); an
        # exponent with a sign does not (2^-1).
        base_tokens = render_tokens(tree[1], rnd) if tree[1][0] == "num" else _wrapped(tree[1], rnd)
        tokens = ["("] + base_tokens + ["^"] + _operand(tree[2], rnd) + [")"]
    elif kind == "pct":
        # Tighter than anything: only a number or a bracket takes it (-5% is -(5%), 2^3% is 2^(3%)).
        tokens = (render_tokens(tree[1], rnd) if tree[1][0] == "num" else _wrapped(tree[1], rnd)) + ["%"]
    elif kind == "root":
        # Of the atom after it, so of a number, or of a bracket (sqrt9%: the % is of the root).
        radical = rnd.choice(["sqrt", "√"])
        tokens = [radical] + (render_tokens(tree[1], rnd) if tree[1][0] == "num" and rnd.random() < 0.5
                              else _wrapped(tree[1], rnd))
    else:
        left, right = tree[1], tree[2]
        if right[0] == "num" and rnd.random() < 0.4:
            tokens = ["("] + render_tokens(left, rnd) + [")", right[1]]  # (L)R
        else:
            # Left-associative, so an implicit product may stand unwrapped on the left: 2(3)(4).
            left_tokens = render_tokens(left, rnd) if left[0] != "bin" else _wrapped(left, rnd)
            tokens = left_tokens + ["("] + render_tokens(right, rnd) + [")"]
    if rnd.random() < 0.15:
        tokens = ["("] + tokens + [")"]
    return tokens


def _operand(tree, rnd):
    return _wrapped(tree, rnd) if tree[0] == "impl" else render_tokens(tree, rnd)


def _wrapped(tree, rnd):
    return ["("] + render_tokens(tree, rnd) + [")"]


def render(tree, rnd):
    """Text of ``tree`` with random gaps between tokens (never inside a number)."""
    return "".join(token + (" " if rnd.random() < 0.2 else "") for token in render_tokens(tree, rnd))


def _nodes(node):
    return fold(node, lambda current, children: [current] + [n for child in children for n in child])


@settings(max_examples=250, deadline=None)
@given(trees, st.randoms(use_true_random=False))
def test_parser_rebuilds_the_generated_tree(tree, rnd):
    text = render(tree, rnd)
    written = [symbol.char for symbol in symbols_from_text(text)]
    assume(len(written) <= MAX_SYMBOLS)
    node = parse_text(text)
    assert node.to_dict() == expected_dict(tree)
    # Every node points at the symbols it was written with.
    for current in _nodes(node):
        if isinstance(current, Number):
            assert "".join(written[i] for i in current.symbols) == current.literal
        elif isinstance(current, Unary):
            assert written[current.symbol] == "-"
        elif isinstance(current, Percent):
            assert written[current.symbol] == "%"
        elif isinstance(current, Root):
            assert written[current.symbol] == "√"
        elif not current.implicit:
            assert written[current.symbol] == current.op


@settings(max_examples=250, deadline=None)
@given(trees, st.randoms(use_true_random=False))
def test_text_round_trips_with_minimal_parentheses(tree, rnd):
    text = render(tree, rnd)
    assume(len(text.replace(" ", "")) <= MAX_SYMBOLS)
    node = parse_text(text)
    rendered = node.text()
    assert parse_text(rendered).to_dict() == node.to_dict()
    if 2 * len(rendered) + 1 <= MAX_SYMBOLS:
        equation = parse_text(rendered + "=" + rendered)
        assert equation.to_dict() == {"op": "=", "left": node.to_dict(), "right": node.to_dict()}
        assert equation.text() == rendered + "=" + rendered
    # Removing any pair of parentheses must change the meaning or break the text. The documented
    # exceptions: an implicit product's right operand is always parenthesised, so "(1+2)(3)" could be
    # "(1+2)3", and so is a root's operand, so "sqrt(9)" could be "sqrt9".
    for opening, closing in _paren_pairs(rendered):
        inner = rendered[opening + 1:closing]
        # (With powers, a power after a factor too: "(2)(3^2)" could be "(2)3^2", "0((-1)^2)" "0(-1)^2"; and a
        # percentage, which binds tighter still: "2(3%)" could be "2(3)%".)
        after_factor = opening > 0 and rendered[opening - 1] in ")0123456789.%"
        if after_factor and (_is_power(inner) or inner.endswith("%")
                             or (rendered[opening - 1] == ")" and set(inner) <= set("0123456789."))):
            continue
        if rendered[:opening].endswith("sqrt"):
            continue  # a root always writes what it covers in brackets, as its bar shows it
        shorter = rendered[:opening] + inner + rendered[closing + 1:]
        try:
            reparsed = parse_text(shorter).to_dict()
        except ExpressionError:
            continue
        assert reparsed != node.to_dict(), f"redundant parentheses in {rendered!r}"


def _is_power(text):
    try:
        node = parse_text(text)
    except ExpressionError:
        return False
    return isinstance(node, Binary) and node.op == "^"


def _paren_pairs(text):
    pairs, open_positions = [], []
    for i, char in enumerate(text):
        if char == "(":
            open_positions.append(i)
        elif char == ")":
            pairs.append((open_positions.pop(), i))
    return pairs
