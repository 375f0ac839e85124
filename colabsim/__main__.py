"""``python -m colabsim``: the command line."""

import sys

from colabsim.cli import main

sys.exit(main())
