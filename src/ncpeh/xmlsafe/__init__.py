"""Hardened XML input: the only way ncpeh turns bytes into an lxml tree.

Every XML document that enters the system (CDA, SOAP, SAML, FHIR XML, catalogue
files) goes through :func:`parse_xml`. It refuses DOCTYPE declarations (hence
DTDs, external and internal entities, billion laughs and quadratic blow-up),
never touches the network, never processes XInclude, and bounds the input size.

Exception hierarchy::

    NcpehError
     └── XmlInputError                 any refused XML input
          ├── XmlTooLargeError         over the configured byte limit
          ├── XmlForbiddenError        DOCTYPE / ENTITY / XInclude present
          └── XmlMalformedError        not well-formed XML (or not XML at all)
"""

from ncpeh.xmlsafe._parser import (
    DEFAULT_MAX_BYTES,
    XmlForbiddenError,
    XmlInputError,
    XmlMalformedError,
    XmlTooLargeError,
    element_xpath,
    parse_xml,
    parse_xml_file,
    serialize_xml,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "XmlForbiddenError",
    "XmlInputError",
    "XmlMalformedError",
    "XmlTooLargeError",
    "element_xpath",
    "parse_xml",
    "parse_xml_file",
    "serialize_xml",
]
