"""Wire format of the NCP-to-NCP transactions: SOAP, XCPD, XCA, XDR — pure lxml.

Builders turn typed dataclasses into lxml elements; parsers turn elements (or
bytes, via :func:`load_payload` / :func:`parse_soap_envelope`, always through
the hardened :func:`ncpeh.xmlsafe.parse_xml`) into the same dataclasses, so our
own messages round-trip. No transport, no verification: assertions found in
``wsse:Security`` are handed over untouched to :mod:`ncpeh.trust`.

==========================  ======================================  ==========================
Transaction                 request → response                      functions
==========================  ======================================  ==========================
XCPD ITI-55                 ``PRPA_IN201305UV02`` → ``…306UV02``    ``build/parse_xcpd_*``
XCA ITI-38 FindDocuments    ``AdhocQueryRequest`` → ``…Response``   ``build/parse_query_*``
XCA ITI-39                  ``RetrieveDocumentSetRequest`` → …      ``build/parse_retrieve_*``
XDR ITI-41                  ``ProvideAndRegister…`` → RegistryResp. ``build/parse_provide…``
==========================  ======================================  ==========================

Exception hierarchy::

    NcpehError
     ├── XmlInputError               (ncpeh.xmlsafe) refused XML: DOCTYPE, size, malformed
     └── WireError                   a message we cannot build or understand
          ├── SoapEnvelopeError      not an envelope / ambiguous Header, Body or WS-* headers
          ├── UnexpectedMessageError another message than expected in the Body
          ├── MessageFormatError     a required part is missing or malformed
          ├── UnknownCountryError    no HCID / identifier domain for the country
          └── SoapFaultError         the peer answered with a SOAP fault (``.fault``)

Example:
    >>> query = FindDocumentsQuery.for_class(patient, "60591-5")  # doctest: +SKIP
    >>> env = build_envelope(build_query_request(query),  # doctest: +SKIP
    ...     addressing=Addressing.new_request(XCA_QUERY), assertions=[hcp, trc])
"""

from ncpeh.gateway.wire._countries import (
    CountryProfile,
    IdentifierDomain,
    country_profile,
    country_profiles,
)
from ncpeh.gateway.wire._ebrim import (
    Association,
    Author,
    Code,
    DocumentEntry,
    RegistryError,
    Slot,
)
from ncpeh.gateway.wire._errors import (
    MessageFormatError,
    SoapEnvelopeError,
    SoapFaultError,
    UnexpectedMessageError,
    UnknownCountryError,
    WireError,
)
from ncpeh.gateway.wire._ns import (
    EHDSI_XCPD_CODES,
    IHE_XCPD_CODES,
    SEVERITY_ERROR,
    SEVERITY_WARNING,
    STATUS_FAILURE,
    STATUS_PARTIAL,
    STATUS_SUCCESS,
    XCA_QUERY,
    XCA_QUERY_RESPONSE,
    XCA_RETRIEVE,
    XCA_RETRIEVE_RESPONSE,
    XCPD_REQUEST,
    XCPD_RESPONSE,
    XDR_PROVIDE,
    XDR_PROVIDE_RESPONSE,
)
from ncpeh.gateway.wire._soap import (
    Addressing,
    FaultCode,
    SoapEnvelope,
    SoapFault,
    SoapVersion,
    build_envelope,
    build_soap_fault,
    load_payload,
    parse_soap_envelope,
    parse_soap_fault,
)
from ncpeh.gateway.wire._xca import (
    DocumentRequest,
    FindDocumentsQuery,
    QueryResponse,
    RetrievedDocument,
    RetrieveRequest,
    RetrieveResponse,
    build_query_request,
    build_query_response,
    build_retrieve_request,
    build_retrieve_response,
    parse_query_request,
    parse_query_response,
    parse_retrieve_request,
    parse_retrieve_response,
)
from ncpeh.gateway.wire._xcpd import (
    AcknowledgementDetail,
    Address,
    Demographics,
    DetectedIssue,
    Hl7Id,
    PatientMatch,
    PersonName,
    XcpdRequest,
    XcpdResponse,
    build_xcpd_request,
    build_xcpd_response,
    parse_xcpd_request,
    parse_xcpd_response,
)
from ncpeh.gateway.wire._xdr import (
    ProvideAndRegisterRequest,
    RegistryResponse,
    SubmissionSet,
    SubmittedDocument,
    build_provide_and_register,
    build_registry_response,
    parse_provide_and_register,
    parse_registry_response,
)

__all__ = [
    "EHDSI_XCPD_CODES",
    "IHE_XCPD_CODES",
    "SEVERITY_ERROR",
    "SEVERITY_WARNING",
    "STATUS_FAILURE",
    "STATUS_PARTIAL",
    "STATUS_SUCCESS",
    "XCA_QUERY",
    "XCA_QUERY_RESPONSE",
    "XCA_RETRIEVE",
    "XCA_RETRIEVE_RESPONSE",
    "XCPD_REQUEST",
    "XCPD_RESPONSE",
    "XDR_PROVIDE",
    "XDR_PROVIDE_RESPONSE",
    "AcknowledgementDetail",
    "Address",
    "Addressing",
    "Association",
    "Author",
    "Code",
    "CountryProfile",
    "Demographics",
    "DetectedIssue",
    "DocumentEntry",
    "DocumentRequest",
    "FaultCode",
    "FindDocumentsQuery",
    "Hl7Id",
    "IdentifierDomain",
    "MessageFormatError",
    "PatientMatch",
    "PersonName",
    "ProvideAndRegisterRequest",
    "QueryResponse",
    "RegistryError",
    "RegistryResponse",
    "RetrieveRequest",
    "RetrieveResponse",
    "RetrievedDocument",
    "Slot",
    "SoapEnvelope",
    "SoapEnvelopeError",
    "SoapFault",
    "SoapFaultError",
    "SoapVersion",
    "SubmissionSet",
    "SubmittedDocument",
    "UnexpectedMessageError",
    "UnknownCountryError",
    "WireError",
    "XcpdRequest",
    "XcpdResponse",
    "build_envelope",
    "build_provide_and_register",
    "build_query_request",
    "build_query_response",
    "build_registry_response",
    "build_retrieve_request",
    "build_retrieve_response",
    "build_soap_fault",
    "build_xcpd_request",
    "build_xcpd_response",
    "country_profile",
    "country_profiles",
    "load_payload",
    "parse_provide_and_register",
    "parse_query_request",
    "parse_query_response",
    "parse_registry_response",
    "parse_retrieve_request",
    "parse_retrieve_response",
    "parse_soap_envelope",
    "parse_soap_fault",
    "parse_xcpd_request",
    "parse_xcpd_response",
]
