"""MASH Desk: the front door of children's social care, in a terminal."""

__version__ = "0.1.0"
