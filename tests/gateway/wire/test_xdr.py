"""XDR ITI-41 (eDispensation submission) and RegistryResponse."""

from __future__ import annotations

import pytest
from lxml import etree

from ncpeh.gateway.wire import (
    STATUS_FAILURE,
    STATUS_SUCCESS,
    Association,
    Author,
    Code,
    DocumentEntry,
    MessageFormatError,
    ProvideAndRegisterRequest,
    RegistryError,
    RegistryResponse,
    Slot,
    SubmissionSet,
    SubmittedDocument,
    UnexpectedMessageError,
    build_envelope,
    build_provide_and_register,
    build_registry_response,
    load_payload,
    parse_provide_and_register,
    parse_registry_response,
)
from ncpeh.trust import PatientId
from ncpeh.xmlsafe import serialize_xml

from .conftest import wire_sample

LOINC = "2.16.840.1.113883.6.1"
XDS = "urn:ihe:iti:xds-b:2007"
PATIENT = PatientId("2.16.17.710.820.1000.990.1.500", "PT-123456789")
ED = b'<ClinicalDocument xmlns="urn:hl7-org:v3"><code code="60593-1"/></ClinicalDocument>'


def test_gematik_edispensation_submission() -> None:
    req = parse_provide_and_register(
        load_payload(wire_sample("xdr/ProvideAndRegisterDocumentSetRequest.xml"))
    )
    ss = req.submission_set
    assert ss.unique_id == "2.16.840.1.113883.2.11.300.451"
    assert ss.source_id == "1.3.6.1.4.1.21367.2009.1.2.1"
    assert ss.patient_id == PatientId("1.2.276.0.76.3.1.580.147", "B123456789|A2C4E6")
    assert ss.content_type == Code("60593-1", LOINC, "eDispensation")
    assert ss.authors[0].person == "Rasa Keraitė^^^&2.16.840.1.113883.2.11.4.6:1000139817&ISO"
    (doc,) = req.documents
    assert doc.entry.class_code == Code("60593-1", LOINC, "Medication dispensed")
    assert (
        doc.entry.format_code is not None and doc.entry.format_code.code == "urn:epSOS:ep:dis:2010"
    )
    assert doc.entry.unique_id == "1.3.6.1.4.1.28284.6.2.4.4^3y5COceLhApapiKC"
    assert doc.entry.language_code == "lt-LT"
    assert doc.content.lstrip().startswith(b"<ClinicalDocument")
    assert req.associations[0].type == "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
    assert req.associations[0].slots == (Slot("SubmissionSetStatus", ("Original",)),)


def test_gematik_registry_response() -> None:
    res = parse_registry_response(
        load_payload(wire_sample("xdr/ProvideAndRegisterDocumentSetResponse.xml"))
    )
    assert res == RegistryResponse(STATUS_SUCCESS)
    assert res.ok


def _request() -> ProvideAndRegisterRequest:
    entry = DocumentEntry(
        entry_uuid="urn:uuid:aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
        unique_id="2.16.17.710.790.1000.990.1.9^ED-1",
        mime_type="text/xml",
        patient_id=PATIENT,
        creation_time="20261127101500",
        language_code="fr-FR",
        class_code=Code("60593-1", LOINC, "eDispensation"),
        type_code=Code("60593-1", LOINC, "eDispensation"),
        format_code=Code("urn:epSOS:ep:dis:2010", "eHDSI formatCodes"),
        confidentiality_code=Code("N", "2.16.840.1.113883.5.25"),
    )
    ss = SubmissionSet(
        entry_uuid="urn:uuid:bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb",
        unique_id="2.16.17.710.790.1000.990.1.9.1",
        source_id="2.16.17.710.790.1000.990.1",
        patient_id=PATIENT,
        submission_time="20261127101501",
        content_type=Code("60593-1", LOINC, "eDispensation"),
        title="eDispensation",
        authors=(Author(person="Pharmacien^Durand", institutions=("Pharmacie du Centre",)),),
    )
    member = Association(
        "urn:uuid:cccccccc-cccc-4ccc-8ccc-cccccccccccc",
        "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember",
        ss.entry_uuid,
        entry.entry_uuid,
        (Slot("SubmissionSetStatus", ("Original",)),),
    )
    return ProvideAndRegisterRequest(ss, (SubmittedDocument(entry, ED),), (member,))


def test_provide_and_register_round_trip() -> None:
    req = _request()
    env = build_envelope(build_provide_and_register(req), addressing=None)
    assert parse_provide_and_register(load_payload(serialize_xml(env))) == req


def test_registry_response_round_trip() -> None:
    failure = RegistryResponse.of((RegistryError("ERROR_ED_NO_CONSENT", "no consent"),))
    assert failure.status == STATUS_FAILURE and not failure.ok
    assert parse_registry_response(build_registry_response(failure)) == failure
    ok = RegistryResponse.of((RegistryError.warning("WARNING_ED_MISSING_BASIC_DATA"),))
    assert ok.ok
    assert parse_registry_response(build_registry_response(ok)) == ok


def test_inconsistent_submissions_are_refused() -> None:
    with pytest.raises(MessageFormatError):
        build_provide_and_register(ProvideAndRegisterRequest(_request().submission_set, ()))
    el = build_provide_and_register(_request())
    doc = el.find(f"{{{XDS}}}Document")
    assert doc is not None
    el.remove(doc)
    with pytest.raises(MessageFormatError, match="without content"):
        parse_provide_and_register(el)
    el.append(doc)
    doc.set("id", "urn:uuid:unknown")
    with pytest.raises(MessageFormatError, match="no matching"):
        parse_provide_and_register(el)
    with pytest.raises(UnexpectedMessageError):
        parse_registry_response(el)
    with pytest.raises(UnexpectedMessageError):
        parse_provide_and_register(etree.Element("x"))
