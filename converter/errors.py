"""The one error the converter reports: a one-line message saying what went wrong and what to do.

A subclass of :class:`py_pipeline.errors.InkcalcError`, like the training side's errors, so every command of
the project prints its failures the same way.
"""

from py_pipeline.errors import InkcalcError


class ConversionError(InkcalcError):
    """A conversion that cannot run or was refused; ``str(error)`` is the line printed to the user."""
