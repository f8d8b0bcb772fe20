"""Training side of Inkcalc: MNIST digits + generated operators → a small, versioned CNN.

``python -m training train|evaluate|use``. Importing this package imports nothing heavy: TensorFlow is loaded
only by the steps that need it (fitting, saving, loading a model), so the numpy-only modules — ``pen``,
``redraw``, ``operators``, ``augment``, ``idx``, ``mnist_data`` — serve tests and benchmarks without it.
"""
