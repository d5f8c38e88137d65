"""``python -m gbobjectives`` runs the command line (``gbobjectives compare`` by default)."""

import sys

from .cli import main

sys.exit(main())
