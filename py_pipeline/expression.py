"""From recognised symbols to tokens to a syntax tree: what was drawn becomes what it means.

Standard library only, so it loads in a bare Pyodide. Three steps, each usable on its own:

* :func:`tokenize` groups symbols into numbers (digits written together, at most one decimal point),
  operators, parentheses and ``=``. A wide space seen by segmentation (``gap_before``) splits a number.
* :func:`parse` is a recursive-descent parser: ``*`` and ``/`` bind tighter than ``+`` and ``-``, all four
  are left-associative, ``-`` may also be a sign (``--3``, ``2*-3``), and a parenthesis next to a factor
  multiplies (``2(3+4)``, ``(1+2)(3+4)``, ``(2)3``). Implicit multiplication has the same precedence as
  ``*``, so ``8/2(4)`` is ``(8/2)*4``. A power (``^``, or digits written raised: see :class:`Symbol`) binds
  tightest and to the right, as on paper: ``-2^2`` is ``-(2^2)``, ``2^3^2`` is ``2^(3^2)``, and its exponent
  may have a sign (``2^-1``). A square root (``sqrt``, drawn as ``√`` with its bar over what it takes the
  root of) applies to the atom after it, and multiplies what comes before it: ``2sqrt(9)`` is ``2*sqrt(9)``.
  A trailing ``=`` asks for the value; ``a=b`` is an equation to check.
* :func:`parse_text` does both for a plain string, for tests, the CLI and the web app.

Every problem is an :class:`~py_pipeline.errors.ExpressionError` whose ``symbol_index`` is the ``index`` of
the symbol to point at. Work is bounded: at most :data:`MAX_SYMBOLS` symbols and :data:`MAX_NESTING` levels
of parentheses and signs, and every walk over a tree (:func:`fold`) uses an explicit stack, so no input can
exhaust Pyodide's small stack.
"""

from dataclasses import dataclass
from fractions import Fraction

from py_pipeline.errors import ExpressionError
from py_pipeline.symbols import DIGITS, to_ascii, to_display

MAX_SYMBOLS = 500
"""Most symbols one expression may have. A line on a canvas holds a few dozen; the cap keeps every tree (and
the JSON the UI receives) a few hundred levels deep at most, and every literal far below the 4300 digits at
which CPython refuses to convert between ``int`` and ``str``."""

MAX_NESTING = 100
"""Most parentheses and minus signs that may enclose one another. Each parenthesis costs the parser two stack
frames, so the deepest allowed input needs about 200: well inside the recursion limit Pyodide sets."""

_KIND_OF_CHAR = {"+": "op", "-": "op", "*": "op", "/": "op", "^": "op", "(": "lparen", ")": "rparen",
                 "=": "equals", "%": "percent", "sqrt": "root"}

_NUMERIC = DIGITS | {"."}
"""What a number is written with, in expression text."""

POWER = "^"
"""The power operator in expression text; a drawing writes it by raising the exponent (:class:`Symbol`)."""

STACK_PARTS = ("numerator", "fraction", "denominator")
ROOT_PARTS = ("radical", "radicand")
ROLES = ("", *STACK_PARTS, *ROOT_PARTS) + tuple(f"{part} {root}" for part in ("numerator", "denominator")
                                                for root in ROOT_PARTS)
"""Every :attr:`Symbol.role`: on the line, in a stacked fraction, in a square root, or in a square root in a
stacked fraction's numerator or denominator (``"numerator radicand"``: the part first, then the place in the
root)."""

ROOT = "sqrt"
"""The square root in expression text (which stays ASCII); a drawing writes it ``√`` (:class:`Symbol`)."""

# Binding strength, used to render a tree back to text with only the parentheses it needs.
_EQUATION, _SUM, _PRODUCT, _SIGN, _POWER, _ATOM = range(6)


@dataclass(frozen=True)
class Symbol:
    """One recognised symbol: its ASCII (or ``×``/``÷``) character and its position in reading order.

    ``gap_before`` is True when segmentation saw an unusually wide space before this symbol; it splits a
    number, so digits ``1 2`` drawn far apart are two numbers (and then an error: an operator is missing).

    ``raised`` is True for a symbol written small and high after a number or ``)``: an exponent, the way
    ``2³`` is written by hand, where no ``^`` is drawn. A run of raised symbols reads as ``^`` and the run.

    ``role`` places a symbol in a stacked fraction: ``"numerator"``, ``"fraction"`` (the bar, whose ``char``
    is ``/``) or ``"denominator"``; empty on the line. Nobody draws the brackets a fraction implies, so the
    numerator and the denominator read as if bracketed, and the whole fraction too: ``((1+2)/3)``.
    ``role`` is ``"radical"`` for a drawn ``√`` and ``"radicand"`` for what is written under its bar, which
    reads as if bracketed: ``sqrt(1+3)``. A root written in a numerator or a denominator has both, the
    fraction's part first: ``"numerator radical"``, ``"numerator radicand"`` (see :func:`stack_part`).
    """

    char: str
    index: int
    gap_before: bool = False
    raised: bool = False
    role: str = ""


@dataclass(frozen=True)
class Token:
    """A number, an operator, a parenthesis or ``=``; ``symbols`` are the indices of the symbols it is made of."""

    kind: str  # "number" | "op" | "lparen" | "rparen" | "equals" | "percent" | "root"
    text: str
    symbols: tuple
    written: str = ""
    """The operator as drawn, when it differs from ``text``: an error about a ``÷`` says ``÷``, not ``/``."""

    def to_dict(self):
        return {"kind": self.kind, "text": self.text, "symbols": list(self.symbols)}


class _Node:
    """What every tree node can do; the walks are iterative (see :func:`fold`)."""

    def to_dict(self):
        """The JSON tree the UI draws: ``{"number": "12"}``, ``{"op": "+", "left": …, "right": …,
        "implicit": false}``, ``{"op": "neg", "operand": …}``, ``{"op": "=", "left": …, "right": …}``."""
        return fold(self, _node_dict)

    def text(self):
        """ASCII expression text with only the parentheses needed to parse back to this same tree.

        The one extra: an implicit multiplication keeps its right operand in parentheses (``2(3)``),
        because that is what makes it implicit, unless it is a square root (``2sqrt(9)``).
        """
        return fold(self, _render)[0]


@dataclass(frozen=True)
class Number(_Node):
    """A literal as written (``literal`` is ``"12"``, ``"3.5"``, ``".5"`` or ``"5."``) and its exact value."""

    literal: str
    value: Fraction
    symbols: tuple

    def children(self):
        return ()


@dataclass(frozen=True)
class Unary(_Node):
    """A minus sign (``op`` is ``"-"``) in front of ``operand``; ``symbol`` is the sign's index."""

    op: str
    operand: _Node
    symbol: int

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Percent(_Node):
    """``operand%``; ``symbol`` is the index of the ``%``.

    Worth ``operand``/100, except as what is added or taken away: ``200+10%`` is 200 plus 10% of 200, 220,
    as every calculator and every shop reads it (:func:`py_pipeline.evaluate.evaluate`).
    """

    operand: _Node
    symbol: int

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Root(_Node):
    """The square root of ``operand``; ``symbol`` is the index of the ``√``."""

    operand: _Node
    symbol: int

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Binary(_Node):
    """``left op right`` with op one of ``+ - * / ^``; ``symbol`` is the operator's index, None when implicit.

    A power written raised has no operator symbol of its own: its ``symbol`` is the exponent's first one.
    """

    op: str
    left: _Node
    right: _Node
    symbol: int | None
    implicit: bool = False

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class Equation(_Node):
    """``left = right``, to be checked true or false; ``symbol`` is the index of ``=``."""

    left: _Node
    right: _Node
    symbol: int

    def children(self):
        return (self.left, self.right)


def fold(node, visit):
    """Combine a tree bottom-up without recursion: ``visit(node, child_results)`` for every node, children first.

    Children are visited left to right, so ``visit`` sees nodes in evaluation order. The explicit stack is
    why a tree of any depth can be evaluated, rendered or converted in Pyodide.
    """
    results = []
    pending = [(node, False)]
    while pending:
        current, children_done = pending.pop()
        children = current.children()
        if children_done:
            count = len(children)
            child_results = tuple(results[len(results) - count:])
            del results[len(results) - count:]
            results.append(visit(current, child_results))
        else:
            pending.append((current, True))
            pending.extend((child, False) for child in reversed(children))
    return results[0]


def leftmost_symbol(node):
    """Index of the first symbol of ``node`` in reading order (parentheses are not in the tree)."""
    while True:
        if isinstance(node, Number):
            return node.symbols[0]
        if isinstance(node, (Unary, Root)):
            return node.symbol
        node = node.operand if isinstance(node, Percent) else node.left


def _node_dict(node, children):
    if isinstance(node, Number):
        return {"number": node.literal}
    if isinstance(node, Unary):
        return {"op": "neg", "operand": children[0]}
    if isinstance(node, Percent):
        return {"op": "%", "operand": children[0]}
    if isinstance(node, Root):
        return {"op": "sqrt", "operand": children[0]}
    if isinstance(node, Binary):
        return {"op": node.op, "left": children[0], "right": children[1], "implicit": node.implicit}
    return {"op": "=", "left": children[0], "right": children[1]}


def _render(node, children):
    """``(text, binding)`` of ``node`` given its children's; a child is wrapped when it binds too loosely."""

    def wrapped(child, needs_parentheses):
        return f"({child[0]})" if needs_parentheses else child[0]

    if isinstance(node, Number):
        return node.literal, _ATOM
    if isinstance(node, Unary):
        (operand,) = children
        return "-" + wrapped(operand, operand[1] < _SIGN), _SIGN
    if isinstance(node, Percent):
        (operand,) = children
        return wrapped(operand, operand[1] < _ATOM) + "%", _ATOM
    if isinstance(node, Root):
        (operand,) = children
        return f"{ROOT}({operand[0]})", _ATOM  # always bracketed: what the bar covers, written out
    left, right = children
    if isinstance(node, Equation):
        return f"{left[0]}={right[0]}", _EQUATION
    if node.implicit:  # a root needs no brackets to be implicit: 2sqrt(9)
        right_text = right[0] if isinstance(node.right, Root) else f"({right[0]})"
        return wrapped(left, left[1] < _PRODUCT) + right_text, _PRODUCT
    if node.op == POWER:
        # Right-associative, and tighter than a sign: (-2)^2 and (2^3)^2 need them, 2^-1 and 2^3^2 do not.
        return wrapped(left, left[1] <= _POWER) + POWER + wrapped(right, right[1] < _SIGN), _POWER
    binding = _PRODUCT if node.op in ("*", "/") else _SUM
    # Left-associative: an equally binding right operand needs parentheses, a left one does not.
    return wrapped(left, left[1] < binding) + node.op + wrapped(right, right[1] <= binding), binding


def symbols_from_text(text):
    """Symbols of a plain string: whitespace marks a gap before the next character, indices skip whitespace.

    A power is written ``^`` here (``2^3``); it is a symbol of its own, unlike a raised exponent in a drawing.
    A square root is ``sqrt`` or ``√``, one symbol either way.
    """
    symbols = []
    gap = False
    position = 0
    while position < len(text):
        if text.startswith(ROOT, position):
            char, position = "√", position + len(ROOT)
        else:
            char, position = text[position], position + 1
        if char.isspace():
            gap = True
            continue
        symbols.append(Symbol(char, len(symbols), gap))
        gap = False
    return symbols


def expression_text(symbols):
    """ASCII text of symbols in reading order, with what their layout implies written out: ``^`` in front of
    each run of raised ones (``2^3+1``), a stacked fraction's brackets (``2+((1+2)/3)``) and those around what
    a ``√`` covers (``sqrt(1+3)``).

    The text parses back (:func:`parse_text`) to the same tree as the symbols themselves.
    """
    return "".join(mark if symbol is None else to_ascii(symbol.char) for mark, symbol, _ in _laid_out(symbols))


def runs_of_one_role(symbols, part=lambda role: role):
    """Positions of the symbols in each run of consecutive ones with the same ``role``: the line, a numerator,
    a bar, a denominator, the line again. Each is a line of writing of its own. ``part`` maps a role to what
    must stay the same along a run (:func:`stack_part`: the part of a stacked fraction, whatever the place
    in a square root)."""
    runs = []
    for position, symbol in enumerate(symbols):
        if runs and part(symbols[runs[-1][-1]].role) == part(symbol.role):
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def stack_part(role):
    """The part of a stacked fraction a symbol of ``role`` is in (``"numerator"``, ``"fraction"``,
    ``"denominator"``), or ``""`` on the line."""
    part = role.split(" ", 1)[0]
    return part if part in STACK_PARTS else ""


def root_part(role):
    """``"radical"`` or ``"radicand"`` for a symbol of ``role`` in a square root, else ``""``."""
    part = role.rsplit(" ", 1)[-1]
    return part if part in ROOT_PARTS else ""


def _laid_out(symbols):
    """The symbols, and between them the marks their layout implies: ``(mark, None, index)`` for a ``^``, a
    fraction's bracket or a mixed number's ``+`` (``index``: the symbol to point at), ``(None, symbol,
    symbol.index)`` for a symbol.

    A stacked fraction is bracketed as a whole, and so are its numerator and its denominator unless they are
    a plain number: ``2+(3/4)``, ``((1+2)/3)``. A whole number written right before a proper fraction is a
    mixed number, as it is on paper: ``2¾`` reads ``(2+(3/4))``. What a ``√`` covers is bracketed, always.
    """
    symbols = list(map(_as_symbol, symbols))
    runs = [[symbols[i] for i in positions] for positions in runs_of_one_role(symbols, stack_part)]
    mixed = _mixed_numbers(runs)
    for number, run in enumerate(runs):
        role = stack_part(run[0].role)
        plain = all(to_ascii(s.char) in _NUMERIC and not s.raised for s in run)
        brackets = role in ("numerator", "denominator") and not plain
        if role == "numerator":
            yield "(", None, run[0].index
        if brackets:
            yield "(", None, run[0].index
        raised = False
        for position, symbol in enumerate(run):
            under_root = root_part(symbol.role) == "radicand"
            if under_root and (position == 0 or root_part(run[position - 1].role) != "radicand"):
                yield "(", None, symbol.index
                raised = False
            if mixed.get(number) == position:
                yield "(", None, symbol.index
            if symbol.raised and not raised:
                yield POWER, None, symbol.index
            raised = symbol.raised
            yield None, symbol, symbol.index
            if under_root and (position == len(run) - 1 or root_part(run[position + 1].role) != "radicand"):
                yield ")", None, symbol.index
                raised = False
        if number in mixed:
            yield "+", None, runs[number + 2][0].index  # the bar
        if brackets:
            yield ")", None, run[-1].index
        if role == "denominator":
            yield ")", None, run[-1].index
            if number - 3 in mixed:
                yield ")", None, run[-1].index


def _mixed_numbers(runs):
    """``{run: position}`` for each line run that ends in a whole number (from ``position`` on) written right
    before a stacked proper fraction of whole numbers: a mixed number, ``2¾``."""
    def digit(symbol):  # a digit of a plain number, not under a root
        return to_ascii(symbol.char) in DIGITS and not symbol.raised and not root_part(symbol.role)

    mixed = {}
    for number, run in enumerate(runs[:-3]):
        numerator, _, denominator = runs[number + 1:number + 4]
        if stack_part(run[0].role) or numerator[0].role != "numerator" or not all(map(digit, numerator + denominator)):
            continue
        start = len(run)
        while start > 0 and digit(run[start - 1]):
            start -= 1
        if start == len(run) or (start > 0 and to_ascii(run[start - 1].char) == "."):
            continue  # no whole number right before the fraction
        over = int("".join(to_ascii(s.char) for s in numerator))
        under = int("".join(to_ascii(s.char) for s in denominator))
        if 0 < over < under:
            mixed[number] = start
    return mixed


def _as_symbol(item):
    """Accept a :class:`Symbol`, any object with ``char``/``index`` (and maybe ``gap_before``, ``raised``), or
    a tuple."""
    if isinstance(item, Symbol):
        return item
    if hasattr(item, "char"):
        return Symbol(item.char, item.index, bool(getattr(item, "gap_before", False)),
                      bool(getattr(item, "raised", False)), str(getattr(item, "role", "") or ""))
    return Symbol(*item)


def tokenize(symbols):
    """Group recognised symbols into tokens.

    Parameters
    ----------
    symbols : sequence of Symbol, ``(char, index)``, ``(char, index, gap_before)`` or with ``raised`` too
        In reading order. ``char`` is one of ``0-9 + - * / ^ ( ) . = %`` or the display forms ``×`` ``÷``
        ``√``.

    Returns
    -------
    tokens : list of Token
        Digits written together (no gap) with at most one decimal point become one ``number`` token:
        ``12``, ``3.5``, ``.5`` and ``5.`` are numbers, ``1.2.3`` and a lone ``.`` are errors. Where raised
        symbols begin, a ``^`` token (pointing at the first of them) comes first; where they end, so does
        the number: ``2³4`` is ``2^3`` and ``4``. A stacked fraction's brackets are tokens too, pointing at
        the first symbol inside them (an opening one) or the last (a closing one).
    """
    symbols = list(symbols)
    if len(symbols) > MAX_SYMBOLS:
        raise ExpressionError(
            f"too many symbols: {len(symbols)}; one expression may have at most {MAX_SYMBOLS}")
    tokens = []
    number = []  # (char, index) of the number being read
    raised = False  # whether the symbols being read are an exponent written raised
    for mark, symbol, index in _laid_out(symbols):
        if mark is not None:
            if number:
                tokens.append(_number_token(number))
                number = []
            tokens.append(Token(_KIND_OF_CHAR[mark], mark, (index,)))
            continue
        char = to_ascii(symbol.char)
        is_numeric = char in _NUMERIC
        if number and (symbol.gap_before or not is_numeric or symbol.raised != raised):
            tokens.append(_number_token(number))
            number = []
        raised = symbol.raised
        if is_numeric:
            if char == "." and any(c == "." for c, _, _ in number):
                written = "".join(w for _, _, w in number)
                grouping = " (a comma is read as the decimal point: write thousands without it)" \
                    if symbol.char == "," else ""
                raise ExpressionError(
                    f"a second decimal point after {written}: a number has at most one{grouping}", symbol.index)
            number.append((char, symbol.index, symbol.char))
        elif char in _KIND_OF_CHAR:
            tokens.append(Token(_KIND_OF_CHAR[char], char, (symbol.index,), symbol.char))
        else:
            raise ExpressionError(
                f"{symbol.char!r} is not something Inkcalc can calculate with: "
                "use digits, + - × ÷ / ( ) . = % √ and raised exponents", symbol.index)
    if number:
        tokens.append(_number_token(number))
    return tokens


def _number_token(number):
    """The number token of ``(ascii, index, as written)`` characters, or an error for a lone point and for a
    comma that may group thousands."""
    text = "".join(c for c, _, _ in number)
    if text == ".":
        raise ExpressionError("a decimal point on its own: write a digit before or after it", number[0][1])
    written = "".join(w for _, _, w in number)
    whole, comma, part = written.partition(",")
    if comma and 1 <= len(whole) <= 3 and whole[0] != "0" and len(part) == 3:
        # 1,000 is a thousand in English and one in most of Europe: asked, not guessed.
        raise ExpressionError(
            f"{written} reads {whole}{part} where a comma groups thousands and {text} where it is the decimal "
            f"point: write {whole}{part} or {text}", next(i for _, i, w in number if w == ","))
    return Token("number", text, tuple(index for _, index, _ in number))


def parse(tokens):
    """Build the syntax tree of a token list.

    Returns a :class:`Number`, :class:`Unary` or :class:`Binary` for a calculation (with or without a
    trailing ``=``) and an :class:`Equation` for ``a=b``. Raises :class:`ExpressionError` pointing at the
    symbol to fix.
    """
    tokens = list(tokens)
    if not tokens:
        raise ExpressionError("nothing to calculate: the drawing is empty")
    equals = [token for token in tokens if token.kind == "equals"]
    if tokens[0].kind == "equals":
        raise ExpressionError("'=' cannot come first: write the calculation before it", tokens[0].symbols[0])
    if len(equals) > 1:
        raise ExpressionError("only one '=' is allowed: remove the extra one", equals[1].symbols[0])
    return _Parser(tokens).statement()


def parse_text(text):
    """Parse a plain string such as ``"12+7*(3-1)"`` (spaces are gaps, see :func:`symbols_from_text`)."""
    return parse(tokenize(symbols_from_text(text)))


def _shown(token):
    return to_display(token.written or token.text)


class _Parser:
    """Recursive descent over a token list. Recursion happens only at a parenthesis (two frames per level,
    at most MAX_NESTING levels); chains of operators and of signs are loops."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.position = 0
        self.nesting = 0

    def peek(self):
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def previous(self):
        return self.tokens[self.position - 1] if self.position > 0 else None

    def advance(self):
        token = self.tokens[self.position]
        self.position += 1
        return token

    def statement(self):
        """``expression``, ``expression =`` (evaluate) or ``expression = expression`` (equation)."""
        left = self.expression()
        token = self.peek()
        if token is None:
            return left
        if token.kind != "equals":
            raise _unmatched_closing(token)
        equals = self.advance()
        if self.peek() is None:
            return left
        right = self.expression()
        token = self.peek()
        if token is not None:
            raise _unmatched_closing(token)
        return Equation(left, right, equals.symbols[0])

    def expression(self):
        """Operands joined by ``+ - * /`` and implicit multiplication, up to ``)``, ``=`` or the end.

        Both precedence levels live in one loop (``total`` is the sum so far, ``product`` the term being
        built) so that each level of parentheses costs two stack frames, not four.
        """
        total, total_operator = None, None
        product = self.operand()
        while (token := self.peek()) is not None:
            if token.kind == "op" and token.text in ("*", "/"):
                self.advance()
                product = Binary(token.text, product, self.operand(), token.symbols[0])
            elif token.kind in ("lparen", "root") or (token.kind == "number" and self.previous().kind == "rparen"):
                product = Binary("*", product, self.operand(), None, implicit=True)
            elif token.kind == "number":
                before = self.previous()
                between = f"after '%' and before {token.text}" if before.kind == "percent" else \
                    f"between {before.text} and {token.text}"
                raise ExpressionError(
                    f"missing operator {between}: write +, -, × or ÷ between them", token.symbols[0])
            elif token.kind == "op" and token.text != POWER:  # + or -: the term is complete
                self.advance()
                total = product if total is None else _joined(total, total_operator, product)
                total_operator = token
                product = self.operand()
            else:
                break
        return product if total is None else _joined(total, total_operator, product)

    def operand(self):
        """Any number of minus signs, then a power: an atom, or atoms joined by ``^``, each exponent with signs
        of its own. Built right to left in a loop, so a tower of powers costs no stack."""
        signs = self.signs()
        atoms = [self.atom(len(signs))]
        powers = []  # (the ^ token, the exponent's signs), one per atom after the first
        while (token := self.peek()) is not None and token.kind == "op" and token.text == POWER:
            self.advance()
            exponent_signs = self.signs()
            powers.append((token, exponent_signs))
            atoms.append(self.atom(len(exponent_signs)))
        node = atoms[-1]
        for base, (caret, exponent_signs) in zip(reversed(atoms[:-1]), reversed(powers)):
            node = Binary(POWER, base, _signed(node, exponent_signs), caret.symbols[0])
        return _signed(node, signs)

    def signs(self):
        """The minus signs in front of an operand. ``+`` is not a sign."""
        signs = []
        while (token := self.peek()) is not None and token.kind == "op" and token.text == "-":
            self.advance()
            signs.append(token)
            if self.nesting + len(signs) > MAX_NESTING:
                raise _too_deep(token)
        return signs

    def atom(self, signs):
        """A number, a parenthesised expression or a square root, each maybe followed by ``%``; ``signs`` in
        front of it count towards the nesting."""
        node = self.bare_atom(signs)
        while (token := self.peek()) is not None and token.kind == "percent":
            self.advance()
            node = Percent(node, token.symbols[0])
        return node

    def bare_atom(self, signs):
        token = self.peek()
        if token is not None and token.kind == "number":
            self.advance()
            return Number(token.text, _literal_value(token.text), token.symbols)
        if token is not None and token.kind == "root":  # sqrt(9), sqrt9; a % after it is of the root
            radical = self.advance()
            self.nesting += signs + 1
            if self.nesting > MAX_NESTING:
                raise _too_deep(radical)
            node = Root(self.bare_atom(0), radical.symbols[0])
            self.nesting -= signs + 1
            return node
        if token is not None and token.kind == "lparen":
            opening = self.advance()
            self.nesting += signs + 1
            if self.nesting > MAX_NESTING:
                raise _too_deep(opening)
            node = self.expression()
            closing = self.peek()
            if closing is None or closing.kind != "rparen":
                raise _unclosed(opening, closing)
            self.advance()
            self.nesting -= signs + 1
            return node
        raise self._missing_operand(token)

    def _missing_operand(self, token):
        """The error for finding ``token`` (None at the end) where a number or '(' must be."""
        before = self.previous()
        if token is None:
            if before.kind == "lparen":
                return ExpressionError(
                    "the expression ends with '(': write what goes inside and close it with ')'", before.symbols[0])
            return ExpressionError(f"the expression ends with '{_shown(before)}': write a number after it",
                                   before.symbols[0])
        if before is not None and before.kind == "op" and token.kind in ("rparen", "equals"):
            return ExpressionError(f"'{_shown(before)}' needs a number after it, not '{_shown(token)}'",
                                   before.symbols[0])
        if token.kind == "rparen":
            if before is not None and before.kind == "lparen":
                return ExpressionError("empty parentheses '()': write something between them", before.symbols[0])
            return _unmatched_closing(token)
        if token.kind == "equals":
            return _unclosed(before, token)
        if before is None:
            hint = ": a number needs no '+' sign" if token.text == "+" else ""
            return ExpressionError(f"the expression cannot start with '{_shown(token)}'{hint}", token.symbols[0])
        return ExpressionError(f"'{_shown(token)}' cannot follow '{_shown(before)}': remove one of them or "
                               "write a number between them", token.symbols[0])


def _signed(node, signs):
    for sign in reversed(signs):
        node = Unary("-", node, sign.symbols[0])
    return node


def _joined(left, operator, right):
    return Binary(operator.text, left, right, operator.symbols[0])


def _literal_value(text):
    """Exact value of ``12``, ``3.5``, ``.5`` or ``5.`` (decimals are exact fractions, never floats)."""
    whole, _, fraction = text.partition(".")
    return Fraction(int(whole + fraction or "0"), 10 ** len(fraction))


def _unmatched_closing(token):
    return ExpressionError("')' has no matching '(': remove it or add '(' before it", token.symbols[0])


def _unclosed(opening, found):
    if found is None:
        return ExpressionError("'(' is never closed: add ')'", opening.symbols[0])
    return ExpressionError(f"'(' is not closed before '{found.text}': add ')'", opening.symbols[0])


def _too_deep(token):
    return ExpressionError(
        f"too deeply nested: more than {MAX_NESTING} parentheses and minus signs inside one another",
        token.symbols[0])
