"""XCA ITI-38 / ITI-39: gematik samples, round trips, errors, statuses, MTOM."""

from __future__ import annotations

import base64

import pytest
from lxml import etree

from ncpeh.gateway.wire import (
    STATUS_FAILURE,
    STATUS_PARTIAL,
    STATUS_SUCCESS,
    XCA_RETRIEVE_RESPONSE,
    Addressing,
    Association,
    Author,
    Code,
    DocumentEntry,
    DocumentRequest,
    FindDocumentsQuery,
    MessageFormatError,
    QueryResponse,
    RegistryError,
    RetrievedDocument,
    RetrieveRequest,
    RetrieveResponse,
    Slot,
    UnexpectedMessageError,
    build_envelope,
    build_query_request,
    build_query_response,
    build_retrieve_request,
    build_retrieve_response,
    load_payload,
    parse_query_request,
    parse_query_response,
    parse_retrieve_request,
    parse_retrieve_response,
)
from ncpeh.trust import PatientId
from ncpeh.xmlsafe import serialize_xml

from .conftest import wire_sample

LOINC = "2.16.840.1.113883.6.1"
RIM = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
XDS = "urn:ihe:iti:xds-b:2007"
PATIENT = PatientId("2.16.17.710.820.1000.990.1.500", "PT-123456789")
PDF = b"%PDF-1.6\n%\xf6\xe4\xfc\xdf\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
CDA = '<ClinicalDocument xmlns="urn:hl7-org:v3"><title>Résumé</title></ClinicalDocument>'.encode()


def _round_trip(el: etree._Element) -> etree._Element:
    return load_payload(serialize_xml(build_envelope(el, addressing=None)))


# ------------------------------------------------------------------ ITI-38 samples


@pytest.mark.parametrize(("name", "code"), [("PSA", "60591-5"), ("EPED", "57833-6")])
def test_gematik_query_requests(name: str, code: str) -> None:
    query = parse_query_request(load_payload(wire_sample(f"xca/AdhocQueryRequest{name}.xml")))
    assert query.patient_id == PatientId("1.2.276.0.76.3.1.580.147", "X110571344|ABC123")
    assert query.class_codes == (Code(code, LOINC),)
    assert query.statuses == ("urn:oasis:names:tc:ebxml-regrep:StatusType:Approved",)
    assert query.return_type == "LeafClass"


def test_gematik_ps_query_response_has_an_l3_l1_pair() -> None:
    res = parse_query_response(load_payload(wire_sample("xca/AdhocQueryResponsePSA.xml")))
    assert res.ok and res.errors == ()
    l3, l1 = res.documents
    assert (l3.unique_id, l3.mime_type) == ("2.16.17.710.813.1000.990.1.1^PS.XML", "text/xml")
    assert (l1.unique_id, l1.mime_type) == (
        "2.16.17.710.813.1000.990.1.1^PS.PDF",
        "application/pdf",
    )
    assert l3.class_code == Code("60591-5", LOINC, "Patient Summary")
    assert l3.format_code == Code(
        "urn:epSOS:ps:ps:2010", "epSOS formatCodes", "epSOS coded Patient Summary"
    )
    assert l1.format_code is not None and l1.format_code.code == "urn:ihe:iti:xds-sd:pdf:2008"
    assert l3.patient_id == PatientId("1.2.276.0.76.3.1.580.147", "X114428538")
    assert l3.repository_unique_id == "2.16.620.1.101.10.3.29.54290"
    assert l3.home_community_id == "urn:oid:1.2.276.0.76.4.291"
    assert (l3.language_code, l3.size, l3.creation_time) == ("de-DE", 54321, "20170914133309")
    assert l3.confidentiality_code == Code("N", "2.16.840.1.113883.5.25", "Normal")
    assert res.associations == (
        Association(
            id="urn:uuid:a0a2a0a8-4c91-46dd-9aa7-e43b5b9bb645",
            type="urn:ihe:iti:2007:AssociationType:XFRM",
            source=l1.entry_uuid,
            target=l3.entry_uuid,
        ),
    )


def test_gematik_ep_query_response_carries_dispensing_metadata() -> None:
    res = parse_query_response(load_payload(wire_sample("xca/AdhocQueryResponseEPED.xml")))
    assert len(res.documents) == 2  # eP L3 + L1
    first = res.documents[0]
    assert first.class_code == Code("57833-6", LOINC, "eHDSI - ePrescription")
    events = {c.scheme: c.code for c in first.event_codes}
    assert events["2.16.840.1.113883.6.73"] == "C08CA13"  # ATC
    assert events["eHDSI_Strength_CodeSystem"] == "10 mg"
    assert first.authors == (Author(person="Manfred Lapp"),)


@pytest.mark.parametrize(
    ("name", "code"),
    [("AdhocQueryResponse_010.xml", "ERROR_GENERIC_DOCUMENT_MISSING"),
     ("AdhocQueryResponse_031.xml", "ERROR_NO_CONSENT")],
)  # fmt: skip
def test_gematik_error_responses(name: str, code: str) -> None:
    res = parse_query_response(load_payload(wire_sample(f"xca/{name}")))
    assert res.status == STATUS_FAILURE and not res.ok
    assert [e.error_code for e in res.errors] == [code]
    assert not res.errors[0].is_warning
    assert res.documents == ()


# ------------------------------------------------------------------ ITI-38 round trips


def test_query_round_trip() -> None:
    query = FindDocumentsQuery(
        patient_id=PatientId("1.2.3", "OBrien-42"),
        class_codes=(Code("60591-5", LOINC), Code("57833-6", LOINC)),
        home_community_id="urn:oid:2.16.17.710.820.1000.990.1",
        other_slots=(Slot("$XDSDocumentEntryCreationTimeFrom", ("20250101",)),),
    )
    el = build_query_request(query)
    patient = el.find(
        f".//{{{RIM}}}Slot[@name='$XDSDocumentEntryPatientId']/{{{RIM}}}ValueList/{{{RIM}}}Value"
    )
    assert patient is not None and patient.text == "'OBrien-42^^^&1.2.3&ISO'"
    classes = el.find(
        f".//{{{RIM}}}Slot[@name='$XDSDocumentEntryClassCode']/{{{RIM}}}ValueList/{{{RIM}}}Value"
    )
    assert classes is not None
    assert classes.text == "('60591-5^^2.16.840.1.113883.6.1','57833-6^^2.16.840.1.113883.6.1')"
    assert parse_query_request(_round_trip(el)) == query


def test_query_for_one_class() -> None:
    query = FindDocumentsQuery.for_class(PATIENT, "60591-5")
    assert parse_query_request(build_query_request(query)).class_codes == (Code("60591-5", LOINC),)


def _entry(uid: str, mime: str, fmt: str) -> DocumentEntry:
    return DocumentEntry(
        entry_uuid=f"urn:uuid:{uid}",
        unique_id=f"2.16.17.710.820.1000.990.1.7^{uid}",
        mime_type=mime,
        patient_id=PATIENT,
        repository_unique_id="2.16.17.710.820.1000.990.1.7",
        home_community_id="urn:oid:2.16.17.710.820.1000.990.1",
        title="Patient Summary",
        description="Resumo do paciente",
        creation_time="20261127091228",
        language_code="pt-PT",
        size=1234,
        hash="da39a3ee5e6b4b0d3255bfef95601890afd80709",
        source_patient_id=PATIENT.to_cx(),
        class_code=Code("60591-5", LOINC, "Patient Summary"),
        type_code=Code("60591-5", LOINC, "Patient Summary"),
        format_code=Code(fmt, "eHDSI formatCodes"),
        confidentiality_code=Code("N", "2.16.840.1.113883.5.25", "Normal"),
        healthcare_facility_type=Code("PT", "1.0.3166.1", "Portugal"),
        practice_setting=Code("Not Used", "eHDSI Practice Setting Codes-Not Used"),
        event_codes=(Code("C08CA13", "2.16.840.1.113883.6.73", "Lercanidipine"),),
        authors=(Author("Dr Ana^Silva", ("Hospital^^^^^&1.2.3&ISO",), ("221",), ()),),
    )


def test_query_response_round_trip_with_pair_and_warning() -> None:
    l3 = _entry("11111111-1111-4111-8111-111111111111", "text/xml", "urn:epSOS:ps:ps:2010")
    l1 = _entry(
        "22222222-2222-4222-8222-222222222222", "application/pdf", "urn:ihe:iti:xds-sd:pdf:2008"
    )
    xfrm = Association(
        "urn:uuid:33333333-3333-4333-8333-333333333333",
        "urn:ihe:iti:2007:AssociationType:XFRM",
        l1.entry_uuid,
        l3.entry_uuid,
    )
    warning = RegistryError.warning("EHDSI_WARNING_PS_MISSING_EXPECTED_TRANSLATION", "fr-FR")
    res = QueryResponse.of(documents=(l3, l1), associations=(xfrm,), errors=(warning,))
    assert res.status == STATUS_SUCCESS  # a warning never drops the data
    assert parse_query_response(_round_trip(build_query_response(res))) == res


@pytest.mark.parametrize(
    ("documents", "errors", "status"),
    [
        ((), (), STATUS_SUCCESS),
        ((), (RegistryError("ERROR_PS_NOT_FOUND", "no PS"),), STATUS_FAILURE),
        (("doc",), (RegistryError("4203", "transcoding"),), STATUS_PARTIAL),
    ],
)
def test_response_status_follows_content(
    documents: tuple[str, ...], errors: tuple[RegistryError, ...], status: str
) -> None:
    docs = tuple(_entry("44444444-4444-4444-8444-444444444444", "text/xml", "x") for _ in documents)
    res = QueryResponse.of(documents=docs, errors=errors)
    assert res.status == status
    assert parse_query_response(build_query_response(res)) == res


def test_query_errors() -> None:
    query = build_query_request(FindDocumentsQuery.for_class(PATIENT, "60591-5"))
    with pytest.raises(UnexpectedMessageError):
        parse_query_response(query)
    other = build_query_request(FindDocumentsQuery(PATIENT, query_id="urn:uuid:other"))
    with pytest.raises(UnexpectedMessageError, match="FindDocuments only"):
        parse_query_request(other)
    value = query.find(
        f".//{{{RIM}}}Slot[@name='$XDSDocumentEntryPatientId']/{{{RIM}}}ValueList/{{{RIM}}}Value"
    )
    assert value is not None
    value.text = "'0410009234'"
    with pytest.raises(MessageFormatError, match="CX"):
        parse_query_request(query)
    value.text = "('a^^^&1.2&ISO','b^^^&1.2&ISO')"
    with pytest.raises(MessageFormatError, match="one patient"):
        parse_query_request(query)
    bad_status = build_query_response(QueryResponse.of())
    bad_status.set("status", "ok")
    with pytest.raises(MessageFormatError, match="status"):
        parse_query_response(bad_status)


# ------------------------------------------------------------------ ITI-39


def test_gematik_retrieve_request() -> None:
    req = parse_retrieve_request(load_payload(wire_sample("xca/RetrieveDocumentSetRequest.xml")))
    assert [d.document_unique_id for d in req.documents] == [
        "2.16.17.710.813.1000.990.1.1^PS.XML",
        "2.16.17.710.813.1000.990.1.1^PS.PDF",
    ]
    assert {d.home_community_id for d in req.documents} == {"urn:oid:1.2.276.0.76.4.291"}


def test_gematik_retrieve_response_l3_and_pdf() -> None:
    res = parse_retrieve_response(load_payload(wire_sample("xca/RetrieveDocumentSetResponse.xml")))
    assert res.ok
    l3, pdf = res.documents
    assert l3.mime_type == "text/xml" and b"<ClinicalDocument" in l3.content
    assert pdf.mime_type == "application/pdf" and pdf.content.startswith(b"%PDF-")
    failed = parse_retrieve_response(
        load_payload(wire_sample("xca/RetrieveDocumentSetResponse_020.xml"))
    )
    assert failed.status == STATUS_FAILURE
    assert failed.errors[0].error_code == "ERROR_GENERIC_DOCUMENT_MISSING"


def test_retrieve_round_trip_with_binary_content() -> None:
    req = RetrieveRequest((
        DocumentRequest("2.16.17.710.820.1000.990.1.7", "2.16.17.710.820.1000.990.1.7^L3",
                        "urn:oid:2.16.17.710.820.1000.990.1"),
        DocumentRequest("2.16.17.710.820.1000.990.1.7", "2.16.17.710.820.1000.990.1.7^L1"),
    ))  # fmt: skip
    assert parse_retrieve_request(_round_trip(build_retrieve_request(req))) == req
    res = RetrieveResponse.of(documents=(
        RetrievedDocument("2.16.17.710.820.1000.990.1.7", "2.16.17.710.820.1000.990.1.7^L3",
                          "text/xml", CDA, "urn:oid:2.16.17.710.820.1000.990.1"),
        RetrievedDocument("2.16.17.710.820.1000.990.1.7", "2.16.17.710.820.1000.990.1.7^L1",
                          "application/pdf", PDF),
    ))  # fmt: skip
    env = build_envelope(
        build_retrieve_response(res),
        addressing=Addressing.response_to(Addressing.new_request("x"), XCA_RETRIEVE_RESPONSE),
    )
    assert parse_retrieve_response(load_payload(serialize_xml(env))) == res


def test_retrieve_errors_and_mtom() -> None:
    with pytest.raises(MessageFormatError):
        build_retrieve_request(RetrieveRequest(()))
    empty = etree.Element(f"{{{XDS}}}RetrieveDocumentSetRequest")
    with pytest.raises(MessageFormatError, match="no document"):
        parse_retrieve_request(empty)
    res = RetrieveResponse.of(documents=(RetrievedDocument("1.2", "1.2^x", "text/xml", CDA),))
    el = build_retrieve_response(res)
    document = el.find(f".//{{{XDS}}}Document")
    assert document is not None and base64.b64decode(document.text or "") == CDA
    document.text = "not base64!"
    with pytest.raises(MessageFormatError, match="base64"):
        parse_retrieve_response(el)
    document.text = None
    etree.SubElement(document, "{http://www.w3.org/2004/08/xop/include}Include",
                     href="cid:part1@ncpeh")  # fmt: skip
    with pytest.raises(MessageFormatError, match="MTOM"):
        parse_retrieve_response(el)
    assert parse_retrieve_response(el, attachments={"part1@ncpeh": CDA}).documents[0].content == CDA
    with pytest.raises(UnexpectedMessageError):
        parse_retrieve_response(
            build_retrieve_request(RetrieveRequest((DocumentRequest("1", "2"),)))
        )
