"""okno: the software a one-window public service centre runs on."""

__version__ = "0.1.0"
