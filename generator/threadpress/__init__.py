"""threadpress: publish discussion threads as static websites."""

__version__ = "0.1.0"
