"""nlbench: benchmark natural-language visual trackers and grounders."""

__version__ = "0.1.0"
