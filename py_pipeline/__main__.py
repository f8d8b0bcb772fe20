"""``python -m py_pipeline``: see :mod:`py_pipeline.cli`."""

import sys

from py_pipeline.cli import main

sys.exit(main())
