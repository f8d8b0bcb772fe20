"""Errors a person can act on.

Every failure the pipeline reports is an :class:`InkcalcError`: the CLI prints its message as one line and the
web app shows it, at the offending symbol when ``symbol_index`` is set. Standard library only.
"""


class InkcalcError(Exception):
    """Base of every error the pipeline reports to a person."""

    def __init__(self, message, symbol_index=None, box=None):
        super().__init__(message)
        self.message = message
        self.symbol_index = symbol_index
        self.box = box
        """Where the error is in the drawing when it is no one symbol (a second line of writing)."""

    def to_dict(self, boxes=None):
        """JSON form; ``boxes`` (one per symbol) lets the error point at the symbol's box."""
        box = None if self.box is None else list(self.box)
        if boxes is not None and self.symbol_index is not None and 0 <= self.symbol_index < len(boxes):
            box = list(boxes[self.symbol_index])
        return {"message": self.message, "symbol_index": self.symbol_index, "box": box}


class InputImageError(InkcalcError):
    """The image cannot be used: unreadable, corrupt, absurdly large, or not an image at all."""


class EmptyDrawingError(InkcalcError):
    """Nothing was drawn (or only specks too small to be a symbol)."""


class UnreadableSymbolError(InkcalcError):
    """A mark the classifier reads as no symbol it knows: a scribble, a letter, a crossed-out mistake."""


class ExpressionError(InkcalcError):
    """The recognised symbols do not form an expression: ``5++3``, ``(2+3``, an operator at the end."""


class EvaluationError(InkcalcError):
    """The expression parses but has no value: division by zero, or work beyond the safety bounds."""


class ModelError(InkcalcError):
    """The classifier cannot be loaded: missing model files, missing TensorFlow, a class list that differs."""
