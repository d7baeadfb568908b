"""SOAP envelopes, WS-Addressing, WS-Security carriage and faults."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from ncpeh.gateway.wire import (
    XCA_QUERY,
    XCA_QUERY_RESPONSE,
    Addressing,
    FaultCode,
    SoapEnvelopeError,
    SoapFault,
    SoapVersion,
    build_envelope,
    build_soap_fault,
    load_payload,
    parse_soap_envelope,
    parse_soap_fault,
)
from ncpeh.trust import (
    AssertionSigner,
    Transaction,
    TrustStore,
    build_hcp_assertion,
    build_trc_assertion,
    select_assertions,
    verify_hcp_assertion,
    verify_trc_assertion,
)
from ncpeh.xmlsafe import XmlForbiddenError, XmlMalformedError, parse_xml, serialize_xml

from ...trust.factories import PATIENT, doctor
from .conftest import wire_sample

S12 = "http://www.w3.org/2003/05/soap-envelope"
S11 = "http://schemas.xmlsoap.org/soap/envelope/"
WSA = "http://www.w3.org/2005/08/addressing"


def _payload() -> etree._Element:
    return etree.fromstring(b'<p:Ping xmlns:p="urn:test"><p:n>1</p:n></p:Ping>')


def test_request_envelope_round_trip() -> None:
    addressing = Addressing.new_request(XCA_QUERY, to="https://ncp-pt.localhost/xca")
    env = build_envelope(_payload(), addressing=addressing)
    assert env.tag == f"{{{S12}}}Envelope"
    action = env.find(f"{{{S12}}}Header/{{{WSA}}}Action")
    assert action is not None and action.get(f"{{{S12}}}mustUnderstand") == "1"
    parsed = parse_soap_envelope(serialize_xml(env))
    assert parsed.version is SoapVersion.SOAP_12
    assert parsed.addressing == addressing
    assert parsed.addressing.message_id and parsed.addressing.message_id.startswith("urn:uuid:")
    assert parsed.addressing.reply_to == "http://www.w3.org/2005/08/addressing/anonymous"
    assert parsed.payload.tag == "{urn:test}Ping"
    assert parsed.assertions == ()
    assert parsed.not_understood == ()
    assert not parsed.is_fault


def test_response_relates_to_the_request() -> None:
    request = Addressing.new_request(XCA_QUERY)
    response = Addressing.response_to(request, XCA_QUERY_RESPONSE)
    parsed = parse_soap_envelope(serialize_xml(build_envelope(_payload(), addressing=response)))
    assert parsed.addressing is not None
    assert parsed.addressing.relates_to == request.message_id
    assert parsed.addressing.message_id != request.message_id


def test_the_callers_payload_is_not_moved() -> None:
    payload = _payload()
    build_envelope(payload, addressing=None)
    assert payload.getparent() is None


def test_assertions_travel_intact_and_still_verify(
    fr_signer: AssertionSigner, trust: TrustStore
) -> None:
    """Signed assertions survive envelope building, serialisation and parsing."""
    now = datetime.now(UTC)
    hcp_xml = build_hcp_assertion(doctor(), signer=fr_signer, now=now)
    hcp = verify_hcp_assertion(
        hcp_xml, trust=trust, expected_country="FR", transaction=Transaction.PATIENT_SUMMARY,
        now=now,
    )  # fmt: skip
    trc_xml = build_trc_assertion(hcp, patient_id=PATIENT, signer=fr_signer, now=now)
    env = build_envelope(
        _payload(), addressing=Addressing.new_request(XCA_QUERY), assertions=[hcp_xml, trc_xml]
    )
    parsed = parse_soap_envelope(serialize_xml(env))
    selected = select_assertions(parsed.assertions)
    received = verify_hcp_assertion(
        selected.hcp_or_raise(), trust=trust, expected_country="FR",
        transaction=Transaction.PATIENT_SUMMARY, now=now,
    )  # fmt: skip
    assert received.id == hcp.id
    trc = verify_trc_assertion(
        selected.trc_or_raise(), trust=trust, hcp=received, patient_id=PATIENT, now=now
    )
    assert trc.hcp_assertion_id == hcp.id


def test_only_assertions_go_in_the_security_header() -> None:
    with pytest.raises(SoapEnvelopeError, match="only SAML"):
        build_envelope(_payload(), addressing=None, assertions=[etree.Element("x")])


def test_soap_11_envelope() -> None:
    env = build_envelope(
        _payload(), addressing=Addressing.new_request(XCA_QUERY), version=SoapVersion.SOAP_11
    )
    action = env.find(f"{{{S11}}}Header/{{{WSA}}}Action")
    assert action is not None and action.get(f"{{{S11}}}mustUnderstand") == "1"
    parsed = parse_soap_envelope(serialize_xml(env))
    assert parsed.version is SoapVersion.SOAP_11


def _env(header: str, body: str = "<x:P xmlns:x='urn:x'/>", ns: str = S12) -> bytes:
    head = f"<e:Envelope xmlns:e='{ns}' xmlns:a='{WSA}'>"
    return f"{head}{header}<e:Body>{body}</e:Body></e:Envelope>".encode()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"<Envelope/>", "not a SOAP envelope"),
        (_env("<e:Header/><e:Header/>"), "at most one Header"),
        (_env("", body=""), "one element"),
        (_env("", body="<a/><b/>"), "one element"),
        (_env("<e:Header><a:Action>x</a:Action><a:Action>y</a:Action></e:Header>"), "twice"),
        (_env("<e:Header><a:MessageID>urn:uuid:1</a:MessageID></e:Header>"), "without an Action"),
        (
            _env(
                "<e:Header><w:Security xmlns:w='http://docs.oasis-open.org/wss/2004/01/"
                "oasis-200401-wss-wssecurity-secext-1.0.xsd'/><w:Security xmlns:w='http://docs."
                "oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'/></e:Header>"
            ),
            "twice",
        ),
        (
            f"<e:Envelope xmlns:e='{S12}'><e:Body><x/></e:Body><e:Header/></e:Envelope>".encode(),
            "precede",
        ),
        (
            f"<e:Envelope xmlns:e='{S12}'><e:Body><x/></e:Body><y/></e:Envelope>".encode(),
            "unexpected",
        ),
    ],
)
def test_ambiguous_envelopes_are_refused(data: bytes, match: str) -> None:
    with pytest.raises(SoapEnvelopeError, match=match):
        parse_soap_envelope(data)


def test_hostile_xml_is_refused_by_the_hardened_parser() -> None:
    with pytest.raises(XmlForbiddenError):
        parse_soap_envelope(b'<!DOCTYPE e [<!ENTITY x "y">]>' + _env(""))
    with pytest.raises(XmlMalformedError):
        parse_soap_envelope(b"<e:Envelope")


def test_must_understand_headers_we_do_not_process_are_listed() -> None:
    data = _env(
        "<e:Header><a:Action e:mustUnderstand='true'>x</a:Action>"
        "<z:Other xmlns:z='urn:z' e:mustUnderstand='1'/><z:Fine xmlns:z='urn:z'/></e:Header>"
    )
    assert parse_soap_envelope(data).not_understood == ("{urn:z}Other",)


def test_load_payload_accepts_an_envelope_or_a_bare_element() -> None:
    assert load_payload(_env("")).tag == "{urn:x}P"
    assert load_payload(b"<x:P xmlns:x='urn:x'/>").tag == "{urn:x}P"


@pytest.mark.parametrize("version", list(SoapVersion))
@pytest.mark.parametrize("code", list(FaultCode))
def test_fault_round_trip(version: SoapVersion, code: FaultCode) -> None:
    fault = SoapFault(code=code, reason="TRC patient differs", ehdsi_code="4206")
    env = build_envelope(build_soap_fault(fault, version=version), addressing=None, version=version)
    parsed = parse_soap_envelope(serialize_xml(env))
    assert parsed.is_fault
    assert parse_soap_fault(parsed.payload) == fault


def test_fault_without_code_and_code_in_reason_only() -> None:
    plain = SoapFault(code=FaultCode.RECEIVER, reason="internal error")
    assert parse_soap_fault(build_soap_fault(plain)) == plain
    foreign = etree.fromstring(
        f"<e:Fault xmlns:e='{S12}'><e:Code><e:Value>e:Sender</e:Value></e:Code><e:Reason>"
        "<e:Text xml:lang='en'>ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED: bad SAML</e:Text>"
        "</e:Reason></e:Fault>".encode()
    )
    assert parse_soap_fault(foreign) == SoapFault(
        FaultCode.SENDER, "bad SAML", "ERROR_SEC_DATA_INTEGRITY_NOT_ENSURED"
    )
    with pytest.raises(SoapEnvelopeError):
        parse_soap_fault(etree.Element("Fault"))


def test_openncp_header_addressing_is_read_and_trimmed() -> None:
    """The real DK header (pretty-printed variant) inside an envelope."""
    for name in ("openncp_soap_header.xml", "openncp_soap_header_namespace_bug_regression.xml"):
        header = parse_xml(wire_sample(f"saml/{name}")).getroot()
        env = etree.Element(f"{{{S12}}}Envelope")
        env.append(header)
        etree.SubElement(etree.SubElement(env, f"{{{S12}}}Body"), "{urn:x}P")
        parsed = parse_soap_envelope(etree.tostring(env))
        assert parsed.addressing == Addressing(
            action="urn:ihe:iti:2007:CrossGatewayQuery",
            message_id="urn:uuid:67e2f278-6f1c-4dcf-9c21-c1d0392f079e",
            to="https://ncp-training.ehdsi.sundhedsdata.dk:8443/openncp-ws-server/services/XCA_Service",
            reply_to="http://www.w3.org/2005/08/addressing/anonymous",
        )
        assert len(parsed.assertions) == 2
        kinds = select_assertions(parsed.assertions)
        assert kinds.hcp is not None and kinds.trc is not None
