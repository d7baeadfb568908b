"""Every XCPD/XCA/XDR sample of the conformance corpus parses, and our builders
reproduce what we parsed (parse → build → parse is the identity).

Reads ../shared/conformance in place; skips with a visible reason when absent.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from ncpeh.gateway.wire import (
    build_envelope,
    build_provide_and_register,
    build_query_request,
    build_query_response,
    build_registry_response,
    build_retrieve_request,
    build_retrieve_response,
    build_xcpd_request,
    build_xcpd_response,
    load_payload,
    parse_provide_and_register,
    parse_query_request,
    parse_query_response,
    parse_registry_response,
    parse_retrieve_request,
    parse_retrieve_response,
    parse_soap_envelope,
    parse_xcpd_request,
    parse_xcpd_response,
)
from ncpeh.xmlsafe import serialize_xml

from .conftest import WIRE, wire_files

pytestmark = pytest.mark.conformance

Pair = tuple[Callable[[etree._Element], Any], Callable[[Any], etree._Element]]
CODECS: dict[str, Pair] = {
    "PRPA_IN201305UV02": (parse_xcpd_request, build_xcpd_request),
    "PRPA_IN201306UV02": (parse_xcpd_response, build_xcpd_response),
    "AdhocQueryRequest": (parse_query_request, build_query_request),
    "AdhocQueryResponse": (parse_query_response, build_query_response),
    "RetrieveDocumentSetRequest": (parse_retrieve_request, build_retrieve_request),
    "RetrieveDocumentSetResponse": (parse_retrieve_response, build_retrieve_response),
    "ProvideAndRegisterDocumentSetRequest": (
        parse_provide_and_register,
        build_provide_and_register,
    ),
    "RegistryResponse": (parse_registry_response, build_registry_response),
}
FILES = wire_files("xcpd", "xca", "xdr")


def test_the_corpus_is_there_or_we_say_so() -> None:
    if not WIRE.is_dir():
        pytest.skip(f"conformance corpus not found at {WIRE} (../shared/conformance)")
    assert len(FILES) == 14


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_parses_and_round_trips(path: Path) -> None:
    data = path.read_bytes()
    payload = load_payload(data)
    parse, build = CODECS[etree.QName(payload).localname]
    message = parse(payload)
    rebuilt = load_payload(serialize_xml(build_envelope(build(message), addressing=None)))
    assert parse(rebuilt) == message


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_envelopes_are_soap_11_without_headers(path: Path) -> None:
    """MANIFEST: gematik messages use SOAP 1.1, an empty header, no WS-A and no security."""
    data = path.read_bytes()
    if path.name == "AdhocQueryResponse_031.xml":
        assert etree.QName(load_payload(data)).localname == "AdhocQueryResponse"  # bare body
        return
    env = parse_soap_envelope(data)
    assert env.version.value == "http://schemas.xmlsoap.org/soap/envelope/"
    assert env.addressing is None and env.assertions == ()
