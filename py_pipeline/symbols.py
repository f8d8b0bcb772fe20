"""The one list of symbols Inkcalc knows.

Training, the converter, the CLI and the web app all read the class order from here, so the CNN's output
column ``i`` always means ``CLASSES[i]``. Standard library only: this module loads in a bare Pyodide.

Two kinds of symbol exist:

* CNN classes (``CLASSES``): what the classifier is trained to tell apart.
* Geometric symbols (``GEOMETRIC``): ``=``, ``÷`` and the decimal point ``.`` or ``,`` are recognised from
  how the pieces of ink are grouped and placed (two stacked bars, a bar between two dots or two dots alone, a
  small blob on the baseline or a comma hanging from it), because their meaning lives in layout that a 28×28 crop
  normalised to a fixed size destroys. A dot at mid-height is read the same way as the multiplication dot,
  ``×``.

A ``%`` is found by its two rings (:func:`py_pipeline.segment.has_percent_rings`) where the classifier cannot
read the glyph as one of its classes; it is ASCII in the expression text already.

Layout also makes the power: digits written small and high are an exponent (:mod:`py_pipeline.exponents`),
a flag on the symbols rather than a symbol, since nothing of the ``^`` in the expression text is drawn. And a
stacked fraction (:mod:`py_pipeline.fraction_bars`): its bar is a geometric ``/``, and the brackets around
its numerator and denominator are implied by each symbol's role. A square root (:mod:`py_pipeline.radicals`)
is a geometric ``√``, and the brackets around what its bar covers are implied the same way; in the expression
text it is ``sqrt``.
"""

CLASSES = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "-", "×", "/", "(", ")")
"""CNN output order. ``×`` is the display form of multiplication; the asterisk is drawn as a variant of it."""

GEOMETRIC = ("=", "÷", ".", ",", "%", "√")

DIGITS = frozenset("0123456789")

_ASCII = {"×": "*", "÷": "/", ",": ".", "√": "sqrt"}
_DISPLAY = {"*": "×", "sqrt": "√"}

CLASS_FOLDER_NAMES = {
    "0": "0", "1": "1", "2": "2", "3": "3", "4": "4", "5": "5", "6": "6", "7": "7", "8": "8", "9": "9",
    "+": "plus", "-": "minus", "×": "multiply", "/": "slash", "(": "lparen", ")": "rparen",
}
"""Folder name of each class in a ``DIR/<class>/*.png`` data set (the common plus/ minus/ multiply/ layout)."""

FOLDER_ALIASES = {
    "add": "+", "sub": "-", "subtract": "-", "mul": "×", "times": "×", "x": "×", "star": "×", "asterisk": "×",
    "div": "/", "divide": "/", "forward_slash": "/", "(": "(", ")": ")", "left_paren": "(", "right_paren": ")",
}
"""Other folder names seen in public symbol sets, mapped to a class."""


def to_ascii(char):
    """Map a display symbol to the ASCII used in expression text (``×`` → ``*``, ``÷`` → ``/``, the decimal
    comma ``,`` → ``.``, ``√`` → ``sqrt``)."""
    return _ASCII.get(char, char)


def to_display(char):
    """Map expression ASCII back to the typeset form shown to people (``*`` → ``×``, ``sqrt`` → ``√``)."""
    return _DISPLAY.get(char, char)


def class_for_folder(name):
    """The class a data-set folder name stands for, or ``None`` if the name is unknown."""
    lowered = name.lower()
    for cls, folder in CLASS_FOLDER_NAMES.items():
        if lowered == folder:
            return cls
    return FOLDER_ALIASES.get(lowered)
