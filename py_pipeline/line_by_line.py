"""Several lines of writing, each its own calculation: ``12+5=`` over ``3×4=``, one answer after each.

A page of sums, one under the other, is how people use a notes app's calculator (Apple's Math Notes, the
calculators of pen notebooks) and how they use paper: each line is finished with an ``=`` and gets its own
answer. Inkcalc reads a drawing of several lines line by line (:mod:`py_pipeline.lines`); when the lines are
no column of numbers (:mod:`py_pipeline.columns`), which is one calculation down the page, and an ``=`` is
written on one of them, each line is calculated on its own. A line that does not calculate (still being
written, say) is an error of its own and leaves the others' answers standing.

Without an ``=`` anywhere, lines that are no column stay an error: ``25-8`` over ``6/3`` may as well be a
column whose operators were misread as two sums, and nothing written says which the writer meant.

Standard library only, like the parser: the web page's ``evaluate`` request (a symbol corrected by hand)
calculates line by line with it too.
"""

CALCULATED = ("expression", "value", "decimal", "display", "error", "tokens", "tree", "steps")
"""What each line's result holds, as :meth:`py_pipeline.recognize.Recognition.to_dict` names it."""


def calculates_each_line(lines):
    """Whether lines that are no column of numbers are calculated one by one: an ``=`` is written on one.

    ``lines``: each line's symbols (anything with ``char``), top line first.
    """
    return len(lines) > 1 and any(symbol.char == "=" for line in lines for symbol in line)


def combined(results, spans):
    """The result of the whole drawing from each line's, as JSON dicts.

    Parameters
    ----------
    results : list of dict
        Each line's :data:`CALCULATED` fields, with symbol indices counted from the line's first symbol.
    spans : list of (int, int)
        ``[first, stop)``: the indices of each line's symbols among the drawing's.

    Returns
    -------
    dict
        ``expression`` (the lines' joined by newlines), ``error`` (the first line's that has one, or None),
        ``tokens`` (all lines'), ``value``, ``decimal``, ``display`` and ``tree`` None (each line has its
        own), ``steps`` empty, and ``results``: each line's fields with symbol indices counted among the
        drawing's, plus ``symbols``, its span.
    """
    lines = []
    for result, (first, stop) in zip(results, spans):
        line = {key: result.get(key) for key in CALCULATED}
        line["tokens"] = [dict(token, symbols=[first + i for i in token["symbols"]]) for token in result["tokens"]]
        if line["error"] is not None and line["error"].get("symbol_index") is not None:
            line["error"] = dict(line["error"], symbol_index=first + line["error"]["symbol_index"])
        line["steps"] = list(line["steps"] or [])
        line["symbols"] = [first, stop]
        lines.append(line)
    errors = [line["error"] for line in lines if line["error"] is not None]
    return {"expression": "\n".join(line["expression"] for line in lines), "value": None, "decimal": None,
            "display": None, "error": errors[0] if errors else None,
            "tokens": [token for line in lines for token in line["tokens"]], "tree": None, "steps": [],
            "results": lines}
