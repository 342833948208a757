"""`python -m matcher.cli`: the same as the `mentor-match` console script."""

import sys

from . import main

sys.exit(main())
