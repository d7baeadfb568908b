"""Synthetic sample documents written by the ncpeh project (no real person).

``PT-PS-friendly.xml`` and ``FR-PS-friendly.xml`` are friendly Patient Summaries
with national codes, as a national connector would produce them.
"""

from importlib import resources
from pathlib import Path

__all__ = ["sample_path"]


def sample_path(name: str) -> Path:
    """Filesystem path of a bundled sample, e.g. ``sample_path("PT-PS-friendly.xml")``."""
    return Path(str(resources.files("ncpeh.samples").joinpath(name)))
