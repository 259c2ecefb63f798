"""Example Panoply data sources, each runnable with ``panoply run examples/sources/NAME``."""
