"""NCPeH-B sessions: TRCs are reused while valid, renewed before expiry, never past the HCP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ncpeh.gateway import GatewayError, InitiatingGateway, Network, demo_hp_identity
from ncpeh.trust import AssertionSigner, PatientId


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def _initiator(network: Network, clock: Clock) -> InitiatingGateway:
    fr = network.nodes["FR"]
    return InitiatingGateway(
        country="FR",
        signer=AssertionSigner.from_node_keys(fr.keys),
        trust=fr.trust,
        registry=fr.registry,
        client_ssl_context=fr.initiator._ssl,
        catalogue=fr.initiator._catalogue,
        clock=clock,
    )


def test_trc_is_reused_then_renewed_and_bounded_by_the_hcp(e2e_network: Network) -> None:
    clock = Clock()
    gateway = _initiator(e2e_network, clock)
    session = gateway.login(demo_hp_identity("FR"))
    patient = PatientId(root="2.16.620.1.101.10.1.1", extension="123")
    first = gateway.confirm_treatment(session, patient=patient)
    assert gateway.confirm_treatment(session, patient=patient) is first
    clock.now += timedelta(hours=1, minutes=56)  # less than 5 min left of the 2 h TRC
    second = gateway.confirm_treatment(session, patient=patient)
    assert second is not first
    clock.now += timedelta(hours=1, minutes=56)  # 3 h 52 min into a 4 h HCP assertion
    third = gateway.confirm_treatment(session, patient=patient)
    _, not_after = session.trcs[(patient.root or "", patient.extension or "", "TREATMENT")]
    assert third is not second and not_after <= session.hcp.not_on_or_after
    clock.now += timedelta(minutes=10)
    with pytest.raises(GatewayError) as info:
        gateway.confirm_treatment(session, patient=patient)
    assert info.value.ehdsi_code == "ERROR_HPI_AUTHENTICATION_NOT_RECEIVED"
    assert session.expired(clock.now)
