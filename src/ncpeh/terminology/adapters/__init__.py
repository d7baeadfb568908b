"""File adapters for the terminology catalogue (FHIR R4 JSON in, catalogue store out)."""

from ncpeh.terminology.adapters.fhir_json import (
    CatalogueStore,
    catalogue_from_resources,
    load_catalogue,
    read_resources,
)

__all__ = ["CatalogueStore", "catalogue_from_resources", "load_catalogue", "read_resources"]
