"""XCPD ITI-55: the gematik samples parse; our messages round-trip; per-country domains."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from lxml import etree

from ncpeh.gateway.wire import (
    EHDSI_XCPD_CODES,
    IHE_XCPD_CODES,
    XCPD_REQUEST,
    Address,
    Addressing,
    Demographics,
    DetectedIssue,
    Hl7Id,
    MessageFormatError,
    PatientMatch,
    PersonName,
    UnexpectedMessageError,
    XcpdRequest,
    XcpdResponse,
    build_envelope,
    build_xcpd_request,
    build_xcpd_response,
    load_payload,
    parse_soap_envelope,
    parse_xcpd_request,
    parse_xcpd_response,
)
from ncpeh.trust import PatientId
from ncpeh.xmlsafe import serialize_xml

from .conftest import wire_sample

HL7 = "urn:hl7-org:v3"
NOW = datetime(2026, 11, 27, 9, 12, 28, 71000, tzinfo=UTC)
PT_PATIENT = PatientId("1.2.208.176.1.2", "0410009234")


def test_gematik_request_sample() -> None:
    req = parse_xcpd_request(load_payload(wire_sample("xcpd/PRPA_IN201305UV02_298.xml")))
    assert req.message_id == Hl7Id(
        "38deb4a3-bc7c-480f-b4e3-6396e19f9416", "452fde50-b69b-4424-b22b-6d651d0e04e3"
    )
    assert req.creation_time == "20230124085038.235+0000"
    assert (req.sender, req.receiver) == ("101", "101")
    assert req.query_id == Hl7Id("1.263507841149")
    assert req.patient_ids() == (
        PatientId("1.2.276.0.76.3.1.580.147", "X114428538"),
        PatientId("1.2.276.0.76.4.298", "A2C4E6"),
    )
    assert req.query.addresses == () and req.query.gender is None


def test_gematik_match_sample() -> None:
    res = parse_xcpd_response(load_payload(wire_sample("xcpd/PRPA_IN201306UV02.xml")))
    assert res.target_message_id == Hl7Id(
        "38deb4a3-bc7c-480f-b4e3-6396e19f9416", "452fde50-b69b-4424-b22b-6d651d0e04e3"
    )
    assert len(res.patients) == 1
    match = res.patients[0]
    assert match.custodian == "HOME_COMM_ID"
    demo = match.demographics
    assert demo.ids == (Hl7Id(None, "X110571344|ABC123"),)  # no root: kept as sent
    assert demo.names == (
        PersonName(family=("GõdofskýTEST-ONLY",), given=("Maude Adelheid Lilo Johanna",),
                   prefix=("Gräfin",)),
    )  # fmt: skip
    assert (demo.gender, demo.birth_time) == ("UN", "19670630")
    assert demo.addresses == (
        Address(("Patientstr. 1",), city="Patientstadt", postal_code="12345", country="D"),
    )
    assert res.details == () and res.issues == ()
    with pytest.raises(MessageFormatError, match="root"):
        demo.ids[0].to_patient_id()


def test_gematik_no_match_sample() -> None:
    res = parse_xcpd_response(load_payload(wire_sample("xcpd/PRPA_IN201306UV02_4.xml")))
    assert res.acknowledgement_code == "AA"
    assert res.query_response_code == "NF"
    assert res.patients == ()
    assert res.details[0].code == "ERROR_PI_NO_MATCH"
    assert res.details[0].type_code == "E"
    assert res.details[0].text == "Patient Identification Error"
    assert res.details[0].location == "No match with an existing patient."
    assert res.issues == (DetectedIssue("AnswerNotAvailable", IHE_XCPD_CODES),)
    assert (res.sender, res.receiver) == ("1.2.276.0.76.4.291", "2.16.17.710.803.1000.990.1")


def _request() -> XcpdRequest:
    return XcpdRequest.create(
        patient_ids=[PT_PATIENT],
        sender_country="FR",
        receiver_country="DK",
        names=[PersonName(family=("Jensen",), given=("Karen", "Marie"))],
        gender="F",
        birth_time="19700101",
        now=NOW,
    )


def test_request_uses_the_country_table() -> None:
    req = _request()
    assert req.sender == "2.16.17.710.790.1000.990.1"  # FR HCID
    assert req.receiver == "2.16.17.710.802.1000.990.1"  # DK HCID
    assert req.creation_time == "20261127091228.071+0000"
    assert req.query.addresses == (Address(country="DK"),)
    assert req.message_id.root and req.query_id.root and req.message_id != req.query_id


def test_request_round_trip_in_a_soap_12_envelope() -> None:
    req = _request()
    env = build_envelope(build_xcpd_request(req), addressing=Addressing.new_request(XCPD_REQUEST))
    parsed = parse_soap_envelope(serialize_xml(env))
    assert parse_xcpd_request(parsed.payload) == req
    root = parsed.payload
    assert root.nsmap.get(None) == HL7
    values = [
        el.text for el in root.iterfind(f".//{{{HL7}}}parameterList/*/{{{HL7}}}semanticsText")
    ]
    assert values == [
        "LivingSubject.administrativeGender", "LivingSubject.birthTime", "LivingSubject.id",
        "LivingSubject.name", "Patient.addr",
    ]  # fmt: skip
    ident = root.find(f".//{{{HL7}}}livingSubjectId/{{{HL7}}}value")
    assert ident is not None
    assert (ident.get("root"), ident.get("extension")) == ("1.2.208.176.1.2", "0410009234")


def test_matched_response_round_trip_and_echo() -> None:
    req = _request()
    match = PatientMatch(
        demographics=Demographics(
            ids=(Hl7Id.of(PT_PATIENT),),
            names=(PersonName(family=("Jensen",), given=("Karen",)),),
            gender="F",
            birth_time="19700101",
            addresses=(Address(("Nørregade 1",), "København", "1165", country="DK"),),
        ),
        custodian=req.receiver,
    )
    res = XcpdResponse.matched(req, [match], now=NOW)
    assert (res.query_response_code, res.acknowledgement_code) == ("OK", "AA")
    assert (res.sender, res.receiver) == (req.receiver, req.sender)
    el = build_xcpd_response(res, request=req)
    assert parse_xcpd_response(load_payload(serialize_xml(el))) == res
    echo = el.find(f"{{{HL7}}}controlActProcess/{{{HL7}}}queryByParameter")
    assert echo is not None  # IHE ITI-55 echoes the query
    assert XcpdResponse.matched(req, [], now=NOW).query_response_code == "NF"


@pytest.mark.parametrize(
    ("code", "system", "issue"),
    [
        (
            "InsufficientRights",
            EHDSI_XCPD_CODES,
            DetectedIssue("InsufficientRights", EHDSI_XCPD_CODES),
        ),
        ("ERROR_PI_NO_MATCH", None, DetectedIssue("AnswerNotAvailable", IHE_XCPD_CODES)),
    ],
)
def test_failed_response_carries_the_ehdsi_code(
    code: str, system: str | None, issue: DetectedIssue
) -> None:
    req = _request()
    res = XcpdResponse.failed(req, code=code, text="refused", now=NOW)
    assert res.details[0].code == code and res.details[0].code_system == system
    assert res.issues == (issue,)
    assert parse_xcpd_response(build_xcpd_response(res)) == res


def test_no_match_looks_like_the_gematik_sample() -> None:
    res = XcpdResponse.no_match(_request(), now=NOW)
    assert (res.acknowledgement_code, res.query_response_code) == ("AA", "NF")
    assert res.details[0].code == "ERROR_PI_NO_MATCH"
    assert res.issues == (DetectedIssue("AnswerNotAvailable", IHE_XCPD_CODES),)
    assert parse_xcpd_response(build_xcpd_response(res)) == res


def test_wrong_messages_are_refused() -> None:
    res = build_xcpd_response(XcpdResponse.matched(_request(), [], now=NOW))
    with pytest.raises(UnexpectedMessageError):
        parse_xcpd_request(res)
    with pytest.raises(UnexpectedMessageError):
        parse_xcpd_response(build_xcpd_request(_request()))
    broken = build_xcpd_request(_request())
    cap = broken.find(f"{{{HL7}}}controlActProcess")
    assert cap is not None
    cap.remove(cap[-1])
    with pytest.raises(MessageFormatError, match="queryByParameter"):
        parse_xcpd_request(broken)
    nosender = build_xcpd_request(_request())
    nosender.remove(nosender.find(f"{{{HL7}}}sender"))  # type: ignore[arg-type]
    with pytest.raises(MessageFormatError, match="sender"):
        parse_xcpd_request(nosender)


def test_ids_without_values_are_null_flavoured() -> None:
    req = XcpdRequest(
        message_id=Hl7Id(), creation_time="20260101", sender="1.2", receiver="1.3",
        query_id=Hl7Id("1.4"), query=Demographics(ids=(Hl7Id("1.2.3", "9"),)),
    )  # fmt: skip
    el = build_xcpd_request(req)
    first = el.find(f"{{{HL7}}}id")
    assert first is not None and first.get("nullFlavor") == "NI"
    assert parse_xcpd_request(el) == req
    assert etree.QName(el).localname == "PRPA_IN201305UV02"
