"""eHDSI CDA documents: kinds, namespaces, the coded-element table and the view model.

Exception hierarchy::

    NcpehError
     └── DocumentError
          ├── WrongRootError             not an HL7 CDA ClinicalDocument
          └── UnknownDocumentTypeError   a CDA, but not an eHDSI kind we handle
"""

from ncpeh.documents._cda import (
    CDA_NAMESPACES,
    EPSOS,
    PHARM,
    V3,
    DocumentError,
    DocumentKind,
    DocumentType,
    UnknownDocumentTypeError,
    WrongRootError,
    document_kind_or_raise,
    element_path,
)
from ncpeh.documents._coded_elements import (
    CodedElementRule,
    CodedElementTable,
    coded_element_table,
)
from ncpeh.documents._validate import (
    BASIC_PS_SECTIONS,
    Finding,
    SchemaError,
    load_schema,
    validate_document,
)
from ncpeh.documents._view import extract_view

__all__ = [
    "BASIC_PS_SECTIONS",
    "CDA_NAMESPACES",
    "EPSOS",
    "PHARM",
    "V3",
    "CodedElementRule",
    "CodedElementTable",
    "DocumentError",
    "DocumentKind",
    "DocumentType",
    "Finding",
    "SchemaError",
    "UnknownDocumentTypeError",
    "WrongRootError",
    "coded_element_table",
    "document_kind_or_raise",
    "element_path",
    "extract_view",
    "load_schema",
    "validate_document",
]
