"""``python -m dialogue`` is the ``dialogue`` command."""

import sys

from dialogue.cli import main

sys.exit(main())
