"""Terminology: code systems, designations, MVC value sets and national maps.

The catalogue is compiled once into an in-memory index (:class:`Catalogue`);
lookups on the transformation hot path are dictionary probes.

Exception hierarchy::

    NcpehError
     └── TerminologyError
          └── CatalogueFormatError     a catalogue file is not what it claims
"""

from ncpeh.terminology._catalogue import (
    PIVOT_LANGUAGE,
    Catalogue,
    CatalogueFormatError,
    TerminologyError,
    base_language,
)
from ncpeh.terminology.adapters.fhir_json import (
    CatalogueStore,
    catalogue_from_resources,
    demo_catalogue_dir,
    load_catalogue,
    read_resources,
)
from ncpeh.terminology.models import (
    CodeSystem,
    Concept,
    ConceptMapping,
    Designation,
    Placeholder,
    ValueSet,
)

__all__ = [
    "PIVOT_LANGUAGE",
    "Catalogue",
    "CatalogueFormatError",
    "CatalogueStore",
    "CodeSystem",
    "Concept",
    "ConceptMapping",
    "Designation",
    "Placeholder",
    "TerminologyError",
    "ValueSet",
    "base_language",
    "catalogue_from_resources",
    "demo_catalogue_dir",
    "load_catalogue",
    "read_resources",
]
