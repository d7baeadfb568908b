"""Refusals at NCPeH-A's gate: HTTP status of SOAP faults, and their audit rows."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from ncpeh.gateway import Network, demo_hp_identity
from ncpeh.gateway.wire import XCA_QUERY, XCPD_REQUEST
from ncpeh.gateway.wire._ns import SOAP12_NS
from ncpeh.storage import AccessAuditEntry
from ncpeh.trust import PatientId
from ncpeh.xmlsafe import serialize_xml

from .e2e_support import RawPeer, patient_id, query_payload


def _rows_after(network: Network, last: int) -> list[AccessAuditEntry]:
    with network.nodes["PT"].sessions() as session:
        return list(
            session.scalars(
                select(AccessAuditEntry)
                .where(AccessAuditEntry.id > last)
                .order_by(AccessAuditEntry.id)
            )
        )


def _last(network: Network) -> int:
    with network.nodes["PT"].sessions() as session:
        return int(session.scalar(select(func.max(AccessAuditEntry.id))) or 0)


def test_replay_is_a_sender_fault_with_http_400_and_is_audited(
    e2e_network: Network, e2e_fr_peer: RawPeer
) -> None:
    fr = e2e_network.nodes["FR"].initiator
    session = fr.login(demo_hp_identity("FR"))
    pid: PatientId = patient_id(e2e_network.patients["PT"][0])
    trc = fr.confirm_treatment(session, patient=pid)
    base = e2e_network.nodes["PT"].soap_base_url
    envelope = e2e_fr_peer.envelope(
        base,
        XCA_QUERY,
        query_payload(pid, "60591-5"),
        [session.hcp_element, trc],
        message_id=f"urn:uuid:{uuid.uuid4()}",
    )
    body = serialize_xml(envelope)
    url = f"{base}/ncp/xca"
    first = e2e_fr_peer.client.post_soap_reply(url, body, XCA_QUERY)
    assert first.status_code == 200
    before = _last(e2e_network)
    again = e2e_fr_peer.client.post_soap_reply(url, body, XCA_QUERY)
    assert again.status_code == 400
    assert SOAP12_NS.encode() in again.body and b"ERROR_SEC_GENERIC" in again.body
    [row] = _rows_after(e2e_network, before)
    assert (row.transaction, row.outcome, row.error_code) == (
        "ITI-38",
        "refused",
        "ERROR_SEC_GENERIC",
    )
    assert row.requesting_country == "FR" and row.patient_id_hash is None


def test_unreadable_message_is_a_400_and_audited(
    e2e_network: Network, e2e_fr_peer: RawPeer
) -> None:
    base = e2e_network.nodes["PT"].soap_base_url
    before = _last(e2e_network)
    reply = e2e_fr_peer.client.post_soap_reply(
        f"{base}/ncp/xcpd",
        b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
        XCPD_REQUEST,
    )
    assert reply.status_code == 400
    assert b"ERROR_GENERIC" in reply.body and b"DOCTYPE" in reply.body
    [row] = _rows_after(e2e_network, before)
    # an unreadable message is a failed request, not an authorisation decision
    assert (row.outcome, row.error_code) == ("failure", "ERROR_GENERIC")


def test_xdr_is_answered_with_an_ehdsi_fault_not_a_404(
    e2e_network: Network, e2e_fr_peer: RawPeer
) -> None:
    base = e2e_network.nodes["PT"].soap_base_url
    action = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
    envelope = e2e_fr_peer.envelope(
        base, XCA_QUERY, query_payload(patient_id(e2e_network.patients["PT"][0]), "60591-5"), []
    )
    header = envelope.find("{*}Header")
    assert header is not None
    action_el = header.find("{http://www.w3.org/2005/08/addressing}Action")
    assert action_el is not None
    action_el.text = action
    reply = e2e_fr_peer.client.post_soap_reply(f"{base}/ncp/xdr", serialize_xml(envelope), action)
    assert reply.status_code == 400
    assert b"ERROR_GENERIC_SERVICE_SIGNIFIER_UNKNOWN" in reply.body
