"""The ``ncpeh`` command line."""

from ncpeh.cli._app import app, main

__all__ = ["app", "main"]
