"""``python -m chatport``: serve (or ``migrate``)."""

import sys

from chatport.cli import main

sys.exit(main())
