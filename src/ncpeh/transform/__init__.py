"""Transcode (country A) and translate (country B) eHDSI CDA documents in place.

The engine edits coded elements of the parsed document and nothing else, so
whatever it does not understand is kept byte for byte. Each changed element
keeps its previous coding as a nested ``translation`` (eHDSI nesting rule).

Exception hierarchy::

    NcpehError
     └── TransformError
"""

from ncpeh.transform._engine import MissingMappingPolicy, TransformError, transcode, translate
from ncpeh.transform.models import (
    CodedElementRef,
    ElementOutcome,
    TransformReport,
    TransformResult,
)

__all__ = [
    "CodedElementRef",
    "ElementOutcome",
    "MissingMappingPolicy",
    "TransformError",
    "TransformReport",
    "TransformResult",
    "transcode",
    "translate",
]
