"""nlbench: benchmark natural-language visual trackers and grounders."""

__version__ = "0.1.0"

import logging as _logging

# A library logs and never prints: its records are shown by the application (the CLI: nlbench/cli/messages.py).
_logging.getLogger("nlbench").addHandler(_logging.NullHandler())
