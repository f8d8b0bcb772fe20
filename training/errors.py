"""Errors of the training side, as values a person can act on.

They subclass :class:`py_pipeline.errors.InkcalcError` so the CLI prints every failure the same way: one line
that says what went wrong, which file, and what to do about it.
"""

from py_pipeline.errors import InkcalcError


class TrainingDataError(InkcalcError):
    """Training or evaluation data is missing, corrupt, or not what the code expects."""
