"""Entry point of ``python -m converter``."""

import sys

from .cli import main

sys.exit(main())
