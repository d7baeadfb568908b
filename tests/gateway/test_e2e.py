"""End to end: FR, NO and PT nodes on loopback, talking SOAP over mutual TLS.

PT is country A (exports PS and eP, opt-in consent), FR country B (and A for its own
PS, opt-out consent), NO a consumer only (point-of-care consent) and, in the security
tests, "another country's peer". Requests the initiating gateway cannot be made to
send wrong are crafted by hand (:mod:`tests.gateway.e2e_support`): same payload
builders, assertions built and re-signed with FR's key or another one, posted through
a :class:`~ncpeh.net.PartnerClient` holding FR's (or NO's, or a stranger's) TLS
client certificate. Every refusal is asserted by its exact eHDSI code on the wire.

Refusal tests carry a passing control that differs only in the refused detail (a
re-signed but otherwise untouched assertion, the right TRC, a fresh MessageID, the
right TLS peer ...), so a node that stopped checking would fail them. Three bugs these
tests found are fixed (c969a6d) and kept as regressions: faults that were no SOAP
envelope, the ITI-39 document-id oracle, identification consent refusals audited as
served.
"""

from __future__ import annotations

import base64
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pypdf
import pytest
from lxml import etree
from sqlalchemy import func, select

from ncpeh.gateway._initiator import GatewayError, HpSession
from ncpeh.gateway._network import Network
from ncpeh.gateway._node import demo_hp_identity
from ncpeh.gateway.wire import (
    EHDSI_XCPD_CODES,
    XCA_QUERY,
    XCA_RETRIEVE,
    XCPD_REQUEST,
    DocumentEntry,
    FaultCode,
)
from ncpeh.net import PartnerTimeouts, PartnerUnavailableError
from ncpeh.storage import AccessAuditEntry, access_events_for_patient, pseudonymise
from ncpeh.terminology import Catalogue
from ncpeh.trust import (
    AssertionSigner,
    DemoPki,
    PatientId,
    build_hcp_assertion,
    build_trc_assertion,
)

from .e2e_support import (
    AUDIENCE,
    EP,
    INTEGRITY,
    PS,
    Answer,
    RawPeer,
    make_initiator,
    patient_id,
    query_payload,
    resign,
    resigned_registry,
    retrieve_payload,
    set_audience,
    set_issue_instant,
    set_not_on_or_after,
    set_subject_name,
    tamper,
    xcpd_payload,
    xsw_envelope,
)

V3 = "urn:hl7-org:v3"
L3_PS_FORMAT = "urn:epSOS:ps:ps:2010"
L3_EP_FORMAT = "urn:epsos:ep:pre:2010"
L1_FORMAT = "urn:ihe:iti:xds-sd:pdf:2008"
HP_ID = "fr-hp-0001"  # NameID of demo_hp_identity("FR")


def _pt(network: Network, index: int) -> PatientId:
    return patient_id(network.patients["PT"][index])


def _pt_url(network: Network) -> str:
    return network.nodes["PT"].soap_base_url


def _gateway_error(call: Callable[[], object]) -> GatewayError:
    with pytest.raises(GatewayError) as info:
        call()
    return info.value


def _coded(tree: etree._ElementTree) -> list[etree._Element]:
    """Coded elements in document order, without the ``translation`` children."""
    return [
        el
        for el in tree.iter()
        if isinstance(el.tag, str)
        and el.get("codeSystem")
        and etree.QName(el).localname != "translation"
    ]


def _translations(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == "translation"]


def _coding(els: list[etree._Element]) -> list[tuple[str | None, str | None, str | None]]:
    return [(e.get("code"), e.get("codeSystem"), e.get("displayName")) for e in els]


# =========================================================================== happy paths


def test_fr_reads_a_pt_patient_summary_translated_into_french(
    e2e_network: Network, e2e_fr_session: HpSession, demo_catalogue: Catalogue
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    seeded = e2e_network.patients["PT"][0]
    assert seeded.showcase
    pid = patient_id(seeded)

    # XCPD: the patient is identified with the demographics PT holds.
    matches = fr.query_patient(e2e_fr_session, country="PT", patient_ids=[pid])
    assert len(matches) == 1
    found = matches[0].demographics
    assert (pid.root, pid.extension) in {(i.root, i.extension) for i in found.ids}
    assert found.names[0].family == (seeded.demographics.family_name,)
    assert found.names[0].given == tuple(seeded.demographics.given_names)
    assert seeded.demographics.birth_date is not None
    assert found.birth_time == seeded.demographics.birth_date.strftime("%Y%m%d")

    # ITI-38: one L3 and its L1 rendition, both for this patient, from PT's community.
    entries = fr.query_documents(e2e_fr_session, country="PT", patient=pid, class_code=PS)
    assert sorted(e.format_code.code for e in entries if e.format_code) == sorted(
        [L3_PS_FORMAT, L1_FORMAT]
    )
    pt_hcid = e2e_network.nodes["PT"].config.home_community_id
    for entry in entries:
        assert entry.class_code is not None and entry.class_code.code == PS
        assert entry.patient_id == pid
        assert entry.home_community_id == f"urn:oid:{pt_hcid}"
    l3 = next(e for e in entries if e.format_code and e.format_code.code == L3_PS_FORMAT)

    # ITI-39 + translation into French.
    got = fr.retrieve_document(
        e2e_fr_session, country="PT", patient=pid, entry=l3, target_language="fr"
    )
    pivot = etree.fromstring(got.pivot).getroottree()
    translated = etree.fromstring(got.translated).getroottree()

    # The pivot speaks MVC only; national codes survive solely as nested translations.
    pivot_coded = _coded(pivot)
    assert pivot_coded
    not_mvc = [
        (e.get("codeSystem"), e.get("code"))
        for e in pivot_coded
        if not demo_catalogue.is_pivot_system(e.get("codeSystem", ""))
        or demo_catalogue.concept(e.get("codeSystem", ""), e.get("code", "")) is None
    ]
    assert not_mvc == []
    national = [
        t
        for e in pivot_coded
        for t in _translations(e)
        if not demo_catalogue.is_pivot_system(t.get("codeSystem", ""))
    ]
    assert national, "no national code was transcoded: the test document proves nothing"

    # Translated: French display, the English pivot display and the Portuguese originals
    # nested beneath it, code by code.
    translated_coded = _coded(translated)
    assert len(translated_coded) == len(pivot_coded)
    portuguese = 0
    for p, t in zip(pivot_coded, translated_coded, strict=True):
        system, code = p.get("codeSystem", ""), p.get("code", "")
        assert (t.get("codeSystem"), t.get("code")) == (system, code)
        assert t.get("displayName") == demo_catalogue.term(system, code, "fr")
        kept = _translations(t)
        if not kept:  # French and English agree: nothing to keep (e.g. "Normal")
            assert t.get("displayName") == p.get("displayName")
            assert _translations(p) == []
            continue
        assert len(kept) == 1
        assert _coding(kept) == [(code, system, p.get("displayName"))]
        assert _coding(_translations(kept[0])) == _coding(_translations(p))
        for original in _translations(kept[0]):
            if original.get("codeSystem") == system:
                assert original.get("displayName") == demo_catalogue.term(system, code, "pt")
                portuguese += 1
    assert portuguese > 0
    report = got.report
    assert report.coded_elements == len(pivot_coded)
    assert report.translated == report.translatable == report.coded_elements
    assert report.untranslated == [] and report.warnings == [] and got.warnings == ()


def test_fr_retrieves_the_l1_rendition_as_a_pdf_in_a_cda(
    e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_session: HpSession
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    pid = _pt(e2e_network, 0)
    entries = fr.query_documents(e2e_fr_session, country="PT", patient=pid, class_code=PS)
    l1 = next(e for e in entries if e.format_code and e.format_code.code == L1_FORMAT)
    trc = fr.confirm_treatment(e2e_fr_session, patient=pid)

    answer = e2e_fr_peer.send(
        _pt_url(e2e_network), XCA_RETRIEVE, retrieve_payload(l1), [e2e_fr_session.hcp_element, trc]
    )
    response = answer.retrieve()
    assert answer.code() is None
    assert [d.document_unique_id for d in response.documents] == [l1.unique_id]
    cda = etree.fromstring(response.documents[0].content)
    assert cda.tag == f"{{{V3}}}ClinicalDocument"
    texts = cda.findall(f"{{{V3}}}component/{{{V3}}}nonXMLBody/{{{V3}}}text")
    assert len(texts) == 1
    assert texts[0].get("mediaType") == "application/pdf"
    assert texts[0].get("representation") == "B64"
    pdf = base64.b64decode(texts[0].text or "", validate=True)
    assert pdf.startswith(b"%PDF-")
    assert cda.find(f"{{{V3}}}component/{{{V3}}}structuredBody") is None
    ids = cda.findall(f"{{{V3}}}recordTarget/{{{V3}}}patientRole/{{{V3}}}id")
    assert (pid.root, pid.extension) in {(i.get("root"), i.get("extension")) for i in ids}
    reader = pypdf.PdfReader(BytesIO(pdf))
    assert len(reader.pages) >= 1
    family = e2e_network.patients["PT"][0].demographics.family_name
    text = "".join(page.extract_text() for page in reader.pages)
    assert family.casefold() in text.casefold()


def test_fr_lists_the_eprescriptions_of_a_pt_patient(
    e2e_network: Network, e2e_fr_session: HpSession
) -> None:
    seeded = e2e_network.patients["PT"][0]
    prescriptions = [d for d in seeded.documents if d.metadata.class_code == EP]
    assert prescriptions

    entries = e2e_network.nodes["FR"].initiator.query_documents(
        e2e_fr_session, country="PT", patient=patient_id(seeded), class_code=EP
    )
    formats = sorted(e.format_code.code for e in entries if e.format_code)
    assert formats == sorted([L3_EP_FORMAT, L1_FORMAT] * len(prescriptions))
    assert {e.class_code.code for e in entries if e.class_code} == {EP}
    l3_ids = {e.unique_id for e in entries if e.format_code and e.format_code.code == L3_EP_FORMAT}
    assert l3_ids == {d.metadata.document_id for d in prescriptions}


def test_no_reads_a_french_patient_summary_in_norwegian(
    e2e_network: Network, demo_catalogue: Catalogue
) -> None:
    # what `ncpeh query --at NO --patient-country FR --lang nb` does
    no = e2e_network.nodes["NO"].initiator
    session = no.login(demo_hp_identity("NO"))
    pid = patient_id(e2e_network.patients["FR"][0])

    assert len(no.query_patient(session, country="FR", patient_ids=[pid])) == 1
    entries = no.query_documents(session, country="FR", patient=pid, class_code=PS)
    assert sorted(e.format_code.code for e in entries if e.format_code) == sorted(
        [L3_PS_FORMAT, L1_FORMAT]
    )
    l3 = next(e for e in entries if e.format_code and e.format_code.code == L3_PS_FORMAT)
    got = no.retrieve_document(session, country="FR", patient=pid, entry=l3, target_language="nb")
    report = got.report
    assert report.language == "nb"
    assert report.coded_elements > 0
    assert report.translated == report.translatable == report.coded_elements
    assert report.untranslated == []
    code = etree.fromstring(got.translated).find(f"{{{V3}}}code")
    assert code is not None and code.get("code") == PS
    norwegian = demo_catalogue.term(code.get("codeSystem", ""), PS, "nb")
    assert norwegian and norwegian != demo_catalogue.term(code.get("codeSystem", ""), PS, "en")
    assert code.get("displayName") == norwegian


# =========================================================================== HCP assertion


def _broken_hcp(
    kind: str,
    session: HpSession,
    fr_signer: AssertionSigner,
    network: Network,
    rogue: Callable[[], DemoPki],
) -> tuple[list[etree._Element], etree._Element | None]:
    """The security header (HCP part) for each way an HCP assertion can be wrong, and, for
    an assertion altered after signing, the genuine signed original.

    Everything keeps the ID and NameID of the session's valid assertion, so the TRC built
    for that assertion still binds to it: only the named defect can cause a refusal.
    """
    base = session.hcp_element
    now = datetime.now(UTC)
    identity = demo_hp_identity("FR")
    # issued 4 h 30 min ago for 4 h: NotOnOrAfter 30 min in the past
    expired = build_hcp_assertion(
        identity,
        signer=fr_signer,
        now=now - timedelta(hours=4, minutes=30),
        assertion_id=session.hcp.id,
    )
    if kind == "control":
        return [resign(base, fr_signer, lambda _el: None)], None
    if kind == "missing":
        return [], None
    if kind == "expired":
        return [expired], None
    if kind == "issued-in-the-future":
        return [resign(base, fr_signer, set_issue_instant(now + timedelta(minutes=10)))], None
    if kind == "validity-over-4h":
        return [resign(base, fr_signer, set_not_on_or_after(now + timedelta(hours=5)))], None
    if kind == "wrong-audience":
        wrong = AUDIENCE.replace("x-border", "national")
        return [resign(base, fr_signer, set_audience(wrong))], None
    if kind == "tampered-hp-name":
        return [tamper(base, set_subject_name("Dr Mallory"))], base
    if kind == "tampered-expired-extended":
        return [tamper(expired, set_not_on_or_after(now + timedelta(hours=1)))], expired
    if kind == "signed-by-untrusted-ca":
        rogue_signer = AssertionSigner.from_node_keys(rogue().nodes["FR"])
        return [resign(base, rogue_signer, lambda _el: None)], None
    if kind == "signed-by-another-country":
        no_signer = AssertionSigner.from_node_keys(network.nodes["NO"].keys)
        return [build_hcp_assertion(identity, signer=no_signer, assertion_id=session.hcp.id)], None
    raise ValueError(kind)


HCP_CASES = [
    ("control", None),
    ("missing", "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED"),
    ("expired", "1001"),
    ("issued-in-the-future", "1001"),
    ("validity-over-4h", "1001"),
    ("wrong-audience", "1001"),
    ("signed-by-another-country", "1001"),
    ("tampered-hp-name", INTEGRITY),
    ("tampered-expired-extended", INTEGRITY),
    ("signed-by-untrusted-ca", INTEGRITY),
]


@pytest.mark.parametrize("transaction", ["ITI-55", "ITI-38"])
@pytest.mark.parametrize(("kind", "expected"), HCP_CASES, ids=[k for k, _ in HCP_CASES])
def test_hcp_assertion_defects_get_their_code(
    kind: str,
    expected: str | None,
    transaction: str,
    e2e_network: Network,
    e2e_fr_peer: RawPeer,
    e2e_fr_session: HpSession,
    e2e_fr_signer: AssertionSigner,
    request: pytest.FixtureRequest,
) -> None:
    pid = _pt(e2e_network, 0)
    hcp, genuine = _broken_hcp(
        kind,
        e2e_fr_session,
        e2e_fr_signer,
        e2e_network,
        lambda: request.getfixturevalue("e2e_rogue_pki"),
    )
    trc = build_trc_assertion(e2e_fr_session.hcp, patient_id=pid, signer=e2e_fr_signer)

    def send(header: list[etree._Element]) -> Answer:
        if transaction == "ITI-55":
            payload = xcpd_payload(pid, sender="FR", receiver="PT")
            return e2e_fr_peer.send(_pt_url(e2e_network), XCPD_REQUEST, payload, header)
        payload = query_payload(pid, PS)
        return e2e_fr_peer.send(_pt_url(e2e_network), XCA_QUERY, payload, [*header, trc])

    if genuine is not None:
        # the node has just verified the genuine signature (and may have cached that)
        assert send([genuine]).code() == (None if kind == "tampered-hp-name" else "1001")
    answer = send(hcp)
    assert answer.code() == expected
    if transaction == "ITI-55":
        assert len(answer.xcpd().patients) == (1 if expected is None else 0)
    else:
        assert len(answer.query().documents) == (2 if expected is None else 0)


WRAPPINGS = ["sibling-header", "inside-security", "nested", "signature-object"]


@pytest.mark.parametrize("transaction", ["ITI-55", "ITI-38"])
@pytest.mark.parametrize("variant", WRAPPINGS)
def test_wrapped_hcp_assertion_is_refused_as_an_integrity_failure(
    variant: str,
    transaction: str,
    e2e_network: Network,
    e2e_fr_peer: RawPeer,
    e2e_fr_session: HpSession,
) -> None:
    pid = _pt(e2e_network, 0)
    url = _pt_url(e2e_network)
    if transaction == "ITI-55":
        action, payload, others = XCPD_REQUEST, xcpd_payload(pid, sender="FR", receiver="PT"), []
    else:
        trc = e2e_network.nodes["FR"].initiator.confirm_treatment(e2e_fr_session, patient=pid)
        action, payload, others = XCA_QUERY, query_payload(pid, PS), [trc]
    envelope = xsw_envelope(
        e2e_fr_peer, url, action, payload, e2e_fr_session.hcp_element, others, variant
    )
    answer = e2e_fr_peer.post_envelope(url, envelope)
    assert answer.code() == INTEGRITY
    if transaction == "ITI-55":
        assert answer.xcpd().patients == ()
    else:
        assert answer.query().documents == ()


# =========================================================================== transport-level


@pytest.mark.parametrize("transaction", ["ITI-55", "ITI-38"])
def test_replayed_message_id_is_refused(
    transaction: str, e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_session: HpSession
) -> None:
    pid = _pt(e2e_network, 0)
    url = _pt_url(e2e_network)
    if transaction == "ITI-55":
        action, payload = XCPD_REQUEST, xcpd_payload(pid, sender="FR", receiver="PT")
        assertions = [e2e_fr_session.hcp_element]
    else:
        trc = e2e_network.nodes["FR"].initiator.confirm_treatment(e2e_fr_session, patient=pid)
        action, payload = XCA_QUERY, query_payload(pid, PS)
        assertions = [e2e_fr_session.hcp_element, trc]
    message_id = f"urn:uuid:{uuid.uuid4()}"
    envelope = e2e_fr_peer.envelope(url, action, payload, assertions, message_id=message_id)

    first = e2e_fr_peer.post_envelope(url, envelope)
    assert not first.is_fault and first.code() is None
    again = e2e_fr_peer.post_envelope(url, envelope)
    assert again.is_fault
    fault = again.fault()
    assert (fault.code, fault.ehdsi_code) == (FaultCode.SENDER, "ERROR_SEC_GENERIC")
    assert "replay" in fault.reason
    # a SOAP 1.2 envelope answering the replayed message (regression: faults used to be a
    # bare env:Fault element that no partner could parse)
    addressing = again.envelope.addressing
    assert addressing is not None and addressing.relates_to == message_id
    # the same request under a fresh MessageID is served: only the MessageID was refused
    fresh = e2e_fr_peer.send(url, action, payload, assertions)
    assert not fresh.is_fault and fresh.code() is None


@pytest.mark.parametrize("transaction", ["ITI-55", "ITI-38"])
def test_hcp_assertion_presented_by_another_countrys_peer_is_refused(
    transaction: str,
    e2e_network: Network,
    e2e_fr_peer: RawPeer,
    e2e_no_peer: RawPeer,
    e2e_fr_session: HpSession,
) -> None:
    """FR's valid assertions over NO's TLS client certificate: issuer country ≠ TLS peer."""
    pid = _pt(e2e_network, 0)
    url = _pt_url(e2e_network)
    if transaction == "ITI-55":
        action, payload = XCPD_REQUEST, xcpd_payload(pid, sender="FR", receiver="PT")
        assertions = [e2e_fr_session.hcp_element]
    else:
        trc = e2e_network.nodes["FR"].initiator.confirm_treatment(e2e_fr_session, patient=pid)
        action, payload = XCA_QUERY, query_payload(pid, PS)
        assertions = [e2e_fr_session.hcp_element, trc]
    assert e2e_fr_peer.send(url, action, payload, assertions).code() is None  # control
    assert e2e_no_peer.send(url, action, payload, assertions).code() == "1001"


def test_client_certificate_from_an_untrusted_ca_fails_the_handshake(
    e2e_network: Network, e2e_rogue_pki: DemoPki, e2e_fr_session: HpSession
) -> None:
    keys = e2e_rogue_pki.nodes["FR"].tls_client
    ca = e2e_network.nodes["FR"].keys.ca_path  # the client itself trusts the real server
    stranger = RawPeer("rogue-FR", keys.certificate_path, keys.key_path, ca)
    try:
        with pytest.raises(PartnerUnavailableError) as info:
            stranger.send(
                _pt_url(e2e_network),
                XCPD_REQUEST,
                xcpd_payload(_pt(e2e_network, 0), sender="FR", receiver="PT"),
                [e2e_fr_session.hcp_element],
            )
    finally:
        stranger.close()
    assert info.value.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"


@pytest.mark.parametrize("who", ["DE", "FR"], ids=["unlisted-country", "unregistered-fr-cert"])
def test_trusted_but_unregistered_client_certificate_gets_a_security_fault(
    who: str,
    e2e_network: Network,
    e2e_unregistered_pki: DemoPki,
    e2e_fr_session: HpSession,
) -> None:
    keys = e2e_unregistered_pki.nodes[who].tls_client
    stranger = RawPeer(
        f"unregistered-{who}", keys.certificate_path, keys.key_path, e2e_unregistered_pki.ca_path
    )
    try:
        answer = stranger.send(
            _pt_url(e2e_network),
            XCPD_REQUEST,
            xcpd_payload(_pt(e2e_network, 0), sender="FR", receiver="PT"),
            [e2e_fr_session.hcp_element],
        )
    finally:
        stranger.close()
    assert answer.is_fault
    fault = answer.fault()
    assert (fault.code, fault.ehdsi_code) == (FaultCode.SENDER, "ERROR_SEC_GENERIC")


def test_initiator_reports_the_security_code_of_a_gate_refusal(
    e2e_network: Network, e2e_unregistered_pki: DemoPki, demo_catalogue: Catalogue
) -> None:
    """An NCPeH-B whose TLS client certificate is not registered learns why it was refused.

    Regression: gate faults were a bare ``env:Fault`` the initiator could not parse, so it
    reported ``ERROR_GENERIC`` ("answered unreadably") instead of the security code.
    """
    fr = e2e_network.nodes["FR"]
    impostor = make_initiator(
        fr, demo_catalogue, tls_client=e2e_unregistered_pki.nodes["FR"].tls_client
    )
    try:
        session = impostor.login(demo_hp_identity("FR"))
        error = _gateway_error(
            lambda: impostor.query_patient(session, country="PT", patient_ids=[_pt(e2e_network, 0)])
        )
    finally:
        impostor.close()
    assert error.ehdsi_code == "ERROR_SEC_GENERIC"


# =========================================================================== TRC and rights


def test_trc_for_another_patient_is_refused_with_4206(
    e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_session: HpSession
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    x, y = _pt(e2e_network, 0), _pt(e2e_network, 1)
    url = _pt_url(e2e_network)
    hcp = e2e_fr_session.hcp_element
    trc_x = fr.confirm_treatment(e2e_fr_session, patient=x)
    trc_y = fr.confirm_treatment(e2e_fr_session, patient=y)

    # ITI-38: query for Y with X's TRC
    assert e2e_fr_peer.send(url, XCA_QUERY, query_payload(y, PS), [hcp, trc_y]).code() is None
    refused = e2e_fr_peer.send(url, XCA_QUERY, query_payload(y, PS), [hcp, trc_x])
    assert refused.code() == "4206"
    assert refused.query().documents == ()

    # ITI-39: retrieve Y's document with X's TRC
    y_entries = fr.query_documents(e2e_fr_session, country="PT", patient=y, class_code=PS)
    l3 = next(e for e in y_entries if e.format_code and e.format_code.code == L3_PS_FORMAT)
    ok = e2e_fr_peer.send(url, XCA_RETRIEVE, retrieve_payload(l3), [hcp, trc_y])
    assert ok.code() is None and len(ok.retrieve().documents) == 1
    refused = e2e_fr_peer.send(url, XCA_RETRIEVE, retrieve_payload(l3), [hcp, trc_x])
    assert refused.code() == "4206"
    assert refused.retrieve().documents == ()


PS_PERMISSIONS = ("PRD-003", "PRD-005", "PRD-010", "PRD-016")


@pytest.mark.parametrize(
    ("permissions", "service", "expected"),
    [
        (("PRD-006",), "xcpd", None),
        (PS_PERMISSIONS, "xcpd", "InsufficientRights"),
        (("PRD-006", *PS_PERMISSIONS), "ps", None),
        (("PRD-006", "PRD-003", "PRD-005", "PRD-010"), "ps", "4703"),
        (("PRD-006",), "ps", "4703"),
        (("PRD-006", "PRD-004", "PRD-010"), "ep", None),
        (("PRD-006", *PS_PERMISSIONS), "ep", "4703"),
    ],
    ids=[
        "xcpd-control",
        "xcpd-without-PRD-006",
        "ps-control",
        "ps-without-PRD-016",
        "ps-with-PRD-006-only",
        "ep-control",
        "ep-without-PRD-004",
    ],
)
def test_missing_permission_is_refused(
    permissions: tuple[str, ...],
    service: str,
    expected: str | None,
    e2e_network: Network,
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    session = fr.login(replace(demo_hp_identity("FR"), permissions=permissions))
    pid = _pt(e2e_network, 0)
    calls: dict[str, Callable[[], object]] = {
        "xcpd": lambda: fr.query_patient(session, country="PT", patient_ids=[pid]),
        "ps": lambda: fr.query_documents(session, country="PT", patient=pid, class_code=PS),
        "ep": lambda: fr.query_documents(session, country="PT", patient=pid, class_code=EP),
    }
    if expected is None:
        assert calls[service]()
    else:
        assert _gateway_error(calls[service]).ehdsi_code == expected


def test_insufficient_rights_travels_with_the_ehdsi_xcpd_code_system(
    e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_signer: AssertionSigner
) -> None:
    weak = replace(demo_hp_identity("FR"), permissions=PS_PERMISSIONS)
    answer = e2e_fr_peer.send(
        _pt_url(e2e_network),
        XCPD_REQUEST,
        xcpd_payload(_pt(e2e_network, 0), sender="FR", receiver="PT"),
        [build_hcp_assertion(weak, signer=e2e_fr_signer)],
    )
    response = answer.xcpd()
    assert [(d.code, d.code_system) for d in response.details] == [
        ("InsufficientRights", EHDSI_XCPD_CODES)
    ]
    assert response.patients == ()


# =========================================================================== consent, lookup


def test_consent_refusals(e2e_network: Network, e2e_fr_session: HpSession) -> None:
    fr = e2e_network.nodes["FR"].initiator
    no = e2e_network.nodes["NO"].initiator
    no_session = no.login(demo_hp_identity("NO"))
    pt = e2e_network.patients["PT"]
    assert not any(p.showcase for p in pt[3:6])

    # PT is opt-in: the showcase patient's grant lets FR in ...
    assert fr.query_patient(e2e_fr_session, country="PT", patient_ids=[_pt(e2e_network, 0)])
    # ... patient 3 (an opt-out refusal) and patient 5 (no record at all) have no grant.
    for index in (3, 5):
        pid = _pt(e2e_network, index)
        error = _gateway_error(
            lambda pid=pid: fr.query_patient(e2e_fr_session, country="PT", patient_ids=[pid])
        )
        assert error.ehdsi_code == "WARNING_PI_NO_CONSENT"
        for class_code, code in ((PS, "ERROR_PS_NO_CONSENT"), (EP, "ERROR_EP_NO_CONSENT")):
            error = _gateway_error(
                lambda pid=pid, c=class_code: fr.query_documents(
                    e2e_fr_session, country="PT", patient=pid, class_code=c
                )
            )
            assert error.ehdsi_code == code

    # FR is opt-out: no record means consent, an opt-out refusal means none.
    fr_patients = e2e_network.patients["FR"]
    silent = patient_id(fr_patients[5])
    assert no.query_documents(no_session, country="FR", patient=silent, class_code=PS)
    refusing = patient_id(fr_patients[3])
    error = _gateway_error(
        lambda: no.query_patient(no_session, country="FR", patient_ids=[refusing])
    )
    assert error.ehdsi_code == "WARNING_PI_NO_CONSENT"
    error = _gateway_error(
        lambda: no.query_documents(no_session, country="FR", patient=refusing, class_code=PS)
    )
    assert error.ehdsi_code == "ERROR_PS_NO_CONSENT"


def test_unknown_patient_is_not_matched(e2e_network: Network, e2e_fr_session: HpSession) -> None:
    known = {p.identifier.value for p in e2e_network.patients["PT"]}
    root = e2e_network.patients["PT"][0].identifier.domain
    unknown = next(v for v in ("123456789", "987654321", "111111111") if v not in known)
    error = _gateway_error(
        lambda: e2e_network.nodes["FR"].initiator.query_patient(
            e2e_fr_session, country="PT", patient_ids=[PatientId(root=root, extension=unknown)]
        )
    )
    assert error.ehdsi_code == "ERROR_PI_NO_MATCH"


@pytest.mark.parametrize(
    ("asker", "partner", "class_code", "patient_country"),
    [("FR", "NO", PS, "NO"), ("NO", "FR", EP, "FR")],
    ids=["FR-asks-NO-for-PS", "NO-asks-FR-for-eP"],
)
def test_class_not_exported_is_an_unknown_service(
    asker: str, partner: str, class_code: str, patient_country: str, e2e_network: Network
) -> None:
    initiator = e2e_network.nodes[asker].initiator
    session = initiator.login(demo_hp_identity(asker))
    pid = patient_id(e2e_network.patients[patient_country][0])
    error = _gateway_error(
        lambda: initiator.query_documents(
            session, country=partner, patient=pid, class_code=class_code
        )
    )
    assert error.ehdsi_code == "ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN"


# =========================================================================== partner down


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that accepts TCP connections and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        yield int(server.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


TIMEOUTS = PartnerTimeouts(connect=0.4, read=0.4, write=0.4, pool=0.4, total=0.8)


@pytest.mark.parametrize("how", ["closed-port", "silent-port"])
def test_unreachable_partner_is_reported_within_the_timeout(
    how: str,
    request: pytest.FixtureRequest,
    e2e_network: Network,
    demo_catalogue: Catalogue,
    tmp_path: Path,
) -> None:
    port = request.getfixturevalue("closed_port" if how == "closed-port" else "silent_port")
    fr = e2e_network.nodes["FR"]
    registry = resigned_registry(
        e2e_network.directory,
        fr.registry.registry.entries,
        fr.keys.ca_certificate,
        tmp_path / "registry.json",
        moved={"PT": f"https://localhost:{port}"},
    )
    initiator = make_initiator(fr, demo_catalogue, registry=registry, timeouts=TIMEOUTS)
    try:
        session = initiator.login(demo_hp_identity("FR"))
        started = time.monotonic()
        error = _gateway_error(
            lambda: initiator.query_patient(
                session, country="PT", patient_ids=[_pt(e2e_network, 0)]
            )
        )
        elapsed = time.monotonic() - started
        # control: the same initiator still reaches a live partner (FR's own node)
        assert initiator.query_patient(
            session, country="FR", patient_ids=[patient_id(e2e_network.patients["FR"][0])]
        )
    finally:
        initiator.close()
    assert error.ehdsi_code == "ERROR_GENERIC_CONNECTION_NOT_POSSIBLE"
    assert elapsed < TIMEOUTS.total + 0.7  # the configured budget, not the 8 s default
    if how == "silent-port":
        assert elapsed >= TIMEOUTS.connect * 0.9  # it did wait for the partner


# =========================================================================== audit


def _audit_rows_after(network: Network, last_id: int) -> list[AccessAuditEntry]:
    pt = network.nodes["PT"]
    with pt.sessions() as session:
        rows = session.scalars(
            select(AccessAuditEntry)
            .where(AccessAuditEntry.id > last_id)
            .order_by(AccessAuditEntry.id)
        ).all()
        session.expunge_all()
    return list(rows)


def _last_audit_id(network: Network) -> int:
    with network.nodes["PT"].sessions() as session:
        return int(session.scalar(select(func.max(AccessAuditEntry.id))) or 0)


def test_every_access_leaves_one_pseudonymised_audit_row(
    e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_session: HpSession
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    pt = e2e_network.nodes["PT"]
    key = pt.config.audit_key
    url = _pt_url(e2e_network)
    hcp = e2e_fr_session.hcp_element
    granted, no_consent, other, refusing = (e2e_network.patients["PT"][i] for i in (1, 5, 2, 3))
    gid, nid, oid = patient_id(granted), patient_id(no_consent), patient_id(other)
    before = _last_audit_id(e2e_network)

    expected: list[tuple[str, str, str | None, str | None, str | None]] = []
    # granted: identify, list, retrieve
    fr.query_patient(e2e_fr_session, country="PT", patient_ids=[gid])
    expected.append(("ITI-55", "success", None, None, granted.identifier.to_cx()))
    entries = fr.query_documents(e2e_fr_session, country="PT", patient=gid, class_code=PS)
    expected.append(("ITI-38", "success", None, PS, granted.identifier.to_cx()))
    l3 = next(e for e in entries if e.format_code and e.format_code.code == L3_PS_FORMAT)
    fr.retrieve_document(e2e_fr_session, country="PT", patient=gid, entry=l3, target_language="fr")
    expected.append(("ITI-39", "success", None, PS, granted.identifier.to_cx()))
    # refused by consent: identification (a warning on the wire, but nothing disclosed:
    # audited as refused; regression, it used to be audited "partial") and a list
    _gateway_error(
        lambda: fr.query_patient(e2e_fr_session, country="PT", patient_ids=[patient_id(refusing)])
    )
    expected.append(
        ("ITI-55", "refused", "WARNING_PI_NO_CONSENT", None, refusing.identifier.to_cx())
    )
    _gateway_error(
        lambda: fr.query_documents(e2e_fr_session, country="PT", patient=nid, class_code=PS)
    )
    expected.append(("ITI-38", "refused", "ERROR_PS_NO_CONSENT", PS, no_consent.identifier.to_cx()))
    # refused: TRC of another patient
    trc_granted = fr.confirm_treatment(e2e_fr_session, patient=gid)
    e2e_fr_peer.send(url, XCA_QUERY, query_payload(oid, PS), [hcp, trc_granted])
    expected.append(("ITI-38", "refused", "4206", PS, other.identifier.to_cx()))
    # refused: tampered HCP assertion (no HP, no patient established)
    tampered = tamper(hcp, set_subject_name("Dr Mallory"))
    e2e_fr_peer.send(url, XCPD_REQUEST, xcpd_payload(gid, sender="FR", receiver="PT"), [tampered])
    expected.append(("ITI-55", "refused", INTEGRITY, None, None))
    # failed: unknown patient
    unknown = PatientId(root=gid.root, extension="123456789")
    _gateway_error(lambda: fr.query_patient(e2e_fr_session, country="PT", patient_ids=[unknown]))
    expected.append(("ITI-55", "failure", "ERROR_PI_NO_MATCH", None, None))

    rows = _audit_rows_after(e2e_network, before)
    assert [(r.transaction, r.outcome, r.error_code, r.document_class) for r in rows] == [
        e[:4] for e in expected
    ]
    assert {r.requesting_country for r in rows} == {"FR"}
    # the HP is whoever the *verified* assertion names: a forged one is not attributed
    hp_hash = pseudonymise(HP_ID, key=key)
    assert [r.hp_id_hash == hp_hash for r in rows] == [e[2] != INTEGRITY for e in expected]
    assert all(re.fullmatch("[0-9a-f]{64}", r.hp_id_hash) for r in rows)
    assert [r.patient_id_hash for r in rows] == [
        pseudonymise(e[4], key=key) if e[4] else None for e in expected
    ]
    # pseudonymised: no identifier in clear anywhere in the new rows
    patients = (granted, no_consent, other, refusing)
    raw = {HP_ID, unknown.extension, *(p.identifier.value for p in patients)}
    for row in rows:
        for column in AccessAuditEntry.__table__.columns:
            value = str(getattr(row, column.key))
            assert not any(r in value for r in raw), (column.key, value)
    # the patient's own access log (by keyed hash) shows exactly their three accesses
    with pt.sessions() as session:
        mine = [
            r.transaction
            for r in access_events_for_patient(
                session, pseudonymise(granted.identifier.to_cx(), key=key)
            )
            if r.id > before
        ]
    assert mine == ["ITI-55", "ITI-38", "ITI-39"]


def test_retrieve_checks_the_assertion_before_looking_the_document_up(
    e2e_network: Network, e2e_fr_peer: RawPeer, e2e_fr_session: HpSession
) -> None:
    """No document-id oracle: without a valid HCP assertion, existing and unknown document
    ids get the same security answer. (Regression: ITI-39 used to look the document up
    before verifying the assertion and answered ERROR_GENERIC_DOCUMENT_MISSING.)"""
    fr = e2e_network.nodes["FR"].initiator
    pid = _pt(e2e_network, 0)
    entries = fr.query_documents(e2e_fr_session, country="PT", patient=pid, class_code=PS)
    real = next(e for e in entries if e.format_code and e.format_code.code == L3_PS_FORMAT)
    fake = DocumentEntry(
        entry_uuid="",
        unique_id="2.25.1" + real.unique_id[5:],
        mime_type="text/xml",
        repository_unique_id=real.repository_unique_id,
        home_community_id=real.home_community_id,
    )
    trc = fr.confirm_treatment(e2e_fr_session, patient=pid)
    forged = tamper(e2e_fr_session.hcp_element, set_subject_name("Dr Mallory"))
    url = _pt_url(e2e_network)
    existing = e2e_fr_peer.send(url, XCA_RETRIEVE, retrieve_payload(real), [forged, trc])
    assert existing.code() == INTEGRITY
    missing = e2e_fr_peer.send(url, XCA_RETRIEVE, retrieve_payload(fake), [forged, trc])
    assert missing.code() == INTEGRITY
    # control: an authenticated caller is told the document does not exist
    hcp = e2e_fr_session.hcp_element
    authenticated = e2e_fr_peer.send(url, XCA_RETRIEVE, retrieve_payload(fake), [hcp, trc])
    assert authenticated.code() == "ERROR_GENERIC_DOCUMENT_MISSING"
