"""The consent policy matrix: who may see what, and which code a refusal answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ncpeh.consent import (
    DISCARD_CLASS,
    ConsentChoice,
    ConsentDecision,
    ConsentPolicy,
    ConsentRecord,
    ConsentStoreUnavailableError,
    OptInRegistryPolicy,
    OptOutRegistryPolicy,
    PointOfCareConsentPolicy,
    PolicyKind,
    PurposeOfUse,
    refusal_codes,
)
from ncpeh.consent.testing import InMemoryConsentStore
from ncpeh.national import DocumentClass, PatientIdentifier

P = PatientIdentifier("496321936", "2.16.620.1.101.10.1.1")
OTHER = PatientIdentifier("100000001", "2.16.620.1.101.10.1.1")
NOW = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
PS, EP, ED = (
    DocumentClass.PATIENT_SUMMARY.value,
    DocumentClass.EPRESCRIPTION.value,
    DocumentClass.EDISPENSATION.value,
)
T, E = PurposeOfUse.TREATMENT, PurposeOfUse.EMERGENCY
CLASSES = [None, PS, EP, ED, DISCARD_CLASS, DocumentClass.ORCD_LABORATORY.value]


def record(
    kind: PolicyKind,
    choice: ConsentChoice,
    *,
    days_ago: int = 10,
    countries: set[str] | None = None,
    classes: set[str] | None = None,
    until_days: int | None = None,
    patient: PatientIdentifier = P,
) -> ConsentRecord:
    start = NOW - timedelta(days=days_ago)
    return ConsentRecord(
        patient=patient,
        kind=kind,
        choice=choice,
        valid_from=start,
        recorded_at=start,
        valid_until=None if until_days is None else NOW + timedelta(days=until_days),
        countries=frozenset(countries) if countries is not None else None,
        document_classes=frozenset(classes) if classes is not None else None,
    )


def decide(
    policy: ConsentPolicy,
    document_class: str | None = PS,
    *,
    country: str = "FR",
    purpose: PurposeOfUse = T,
    flag: bool = False,
) -> ConsentDecision:
    return policy.decide(
        P,
        requesting_country=country,
        document_class=document_class,
        purpose_of_use=purpose,
        now=NOW,
        point_of_care_consent=flag,
    )


@pytest.mark.parametrize(
    ("document_class", "code", "legacy"),
    [
        (None, "WARNING_PI_NO_CONSENT", None),
        (PS, "ERROR_PS_NO_CONSENT", "4701"),
        (EP, "ERROR_EP_NO_CONSENT", "4701"),
        (ED, "ERROR_ED_NO_CONSENT", "4701"),
        (DISCARD_CLASS, "ERROR_ED_NO_CONSENT", "4701"),
    ],
)
def test_refusals_carry_the_transaction_s_code(
    document_class: str | None, code: str, legacy: str | None
) -> None:
    decision = decide(OptInRegistryPolicy(InMemoryConsentStore()), document_class)
    assert not decision.granted
    assert (decision.error_code, decision.legacy_code) == (code, legacy)
    assert refusal_codes(document_class) == (code, legacy)


# ------------------------------------------------------------------------- opt-in


def test_opt_in_refuses_without_a_grant_and_grants_with_one() -> None:
    assert not decide(OptInRegistryPolicy(InMemoryConsentStore())).granted
    store = InMemoryConsentStore([record(PolicyKind.OPT_IN, ConsentChoice.GRANTED)])
    decision = decide(OptInRegistryPolicy(store))
    assert decision.granted and decision.error_code is None and decision.record is not None


@pytest.mark.parametrize(
    ("grant", "granted"),
    [
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, countries={"FR"}), True),
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, countries={"fr", "BE"}), True),
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, countries={"DE"}), False),
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, classes={EP}), False),
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, days_ago=-1), False),  # not yet valid
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, days_ago=30, until_days=0), False),
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, until_days=1), True),
        (record(PolicyKind.OPT_OUT, ConsentChoice.GRANTED), False),  # another registry's record
        (record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, patient=OTHER), False),
    ],
)
def test_opt_in_grant_scope(grant: ConsentRecord, granted: bool) -> None:
    policy = OptInRegistryPolicy(InMemoryConsentStore([grant]))
    assert decide(policy, PS).granted is granted


def test_the_latest_decision_wins_and_refusal_wins_a_tie() -> None:
    grant = record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, days_ago=20)
    withdraw = record(PolicyKind.OPT_IN, ConsentChoice.REFUSED, days_ago=5)
    regrant = record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, days_ago=1)
    policy = OptInRegistryPolicy
    assert not decide(policy(InMemoryConsentStore([grant, withdraw]))).granted
    assert decide(policy(InMemoryConsentStore([regrant, grant, withdraw]))).granted
    tie = record(PolicyKind.OPT_IN, ConsentChoice.REFUSED, days_ago=1)
    assert not decide(policy(InMemoryConsentStore([regrant, tie]))).granted


def test_identification_needs_any_grant_but_only_a_total_refusal_blocks_it() -> None:
    ep_only = record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, classes={EP})
    opt_in = OptInRegistryPolicy(InMemoryConsentStore([ep_only]))
    assert decide(opt_in, None).granted
    assert decide(opt_in, EP).granted
    assert not decide(opt_in, PS).granted
    no_ep = record(PolicyKind.OPT_OUT, ConsentChoice.REFUSED, classes={EP})
    opt_out = OptOutRegistryPolicy(InMemoryConsentStore([no_ep]))
    assert decide(opt_out, None).granted
    assert decide(opt_out, PS).granted
    assert not decide(opt_out, EP).granted
    everything = record(PolicyKind.OPT_OUT, ConsentChoice.REFUSED)
    assert not decide(OptOutRegistryPolicy(InMemoryConsentStore([everything])), None).granted


def test_a_discard_is_covered_by_an_edispensation_scope() -> None:
    grant = record(PolicyKind.OPT_IN, ConsentChoice.GRANTED, classes={ED})
    assert decide(OptInRegistryPolicy(InMemoryConsentStore([grant])), DISCARD_CLASS).granted


# ------------------------------------------------------------------------- opt-out


def test_opt_out_grants_unless_refused() -> None:
    assert decide(OptOutRegistryPolicy(InMemoryConsentStore())).granted
    refusal = record(PolicyKind.OPT_OUT, ConsentChoice.REFUSED, countries={"FR"})
    policy = OptOutRegistryPolicy(InMemoryConsentStore([refusal]))
    refused = decide(policy)
    assert not refused.granted and refused.error_code == "ERROR_PS_NO_CONSENT"
    assert decide(policy, country="BE").granted
    lifted = record(PolicyKind.OPT_OUT, ConsentChoice.GRANTED, days_ago=1)
    assert decide(OptOutRegistryPolicy(InMemoryConsentStore([refusal, lifted]))).granted


# ------------------------------------------------------------------------- emergency


@pytest.mark.parametrize(
    "make",
    [
        lambda s, e: OptInRegistryPolicy(s, emergency_overrides_refusal=e),
        lambda s, e: OptOutRegistryPolicy(s, emergency_overrides_refusal=e),
        lambda s, e: PointOfCareConsentPolicy(s, emergency_overrides_refusal=e),
    ],
    ids=["opt-in", "opt-out", "point-of-care"],
)
def test_emergency_overrides_a_refusal_only_when_configured(make) -> None:  # type: ignore[no-untyped-def]
    refusals = [record(kind, ConsentChoice.REFUSED) for kind in PolicyKind]
    default = make(InMemoryConsentStore(refusals), False)
    assert not decide(default, purpose=E).granted
    assert not decide(default, purpose=T).granted
    configured = make(InMemoryConsentStore(refusals), True)
    emergency = decide(configured, purpose=E)
    assert emergency.granted and emergency.emergency_override
    assert "EMERGENCY" in emergency.reason
    treatment = decide(configured, purpose=T)
    assert not treatment.granted and not treatment.emergency_override


# ------------------------------------------------------------------------- point of care


def test_point_of_care_needs_the_flag_every_time_and_records_it() -> None:
    store = InMemoryConsentStore(known_patients=[P])
    policy = PointOfCareConsentPolicy(store)
    refused = decide(policy, EP)
    assert not refused.granted and refused.error_code == "ERROR_EP_NO_CONSENT"
    assert store.records == ()
    granted = decide(policy, EP, country="be", flag=True)
    assert granted.granted and granted.record is not None
    assert len(store.records) == 1
    evidence = store.records[0]
    assert evidence.kind is PolicyKind.POINT_OF_CARE
    assert evidence.countries == frozenset({"BE"})
    assert evidence.document_classes == frozenset({EP})
    assert evidence.source == "point-of-care:BE"
    # the recorded consent does not grant the next request by itself
    assert not decide(policy, EP, country="BE").granted


def test_point_of_care_refuses_when_it_cannot_record() -> None:
    unknown = PointOfCareConsentPolicy(InMemoryConsentStore(known_patients=[OTHER]))
    assert not decide(unknown, PS, flag=True).granted
    store = InMemoryConsentStore()
    store.available = False
    assert not decide(PointOfCareConsentPolicy(store), PS, flag=True).granted


def test_registry_failures_are_raised_never_granted() -> None:
    store = InMemoryConsentStore()
    store.available = False
    for policy in (OptInRegistryPolicy(store), OptOutRegistryPolicy(store)):
        with pytest.raises(ConsentStoreUnavailableError):
            decide(policy)


def test_now_must_be_aware() -> None:
    with pytest.raises(ValueError):
        OptOutRegistryPolicy(InMemoryConsentStore()).decide(
            P,
            requesting_country="FR",
            document_class=PS,
            purpose_of_use=T,
            now=datetime(2026, 1, 1),
        )
    with pytest.raises(ValueError):
        ConsentRecord(
            P,
            PolicyKind.OPT_IN,
            ConsentChoice.GRANTED,
            valid_from=datetime(2026, 1, 1),
            recorded_at=NOW,
        )


# ------------------------------------------------------------------------- properties

records = st.builds(
    record,
    kind=st.sampled_from(list(PolicyKind)),
    choice=st.sampled_from(list(ConsentChoice)),
    days_ago=st.integers(-3, 30),
    countries=st.one_of(st.none(), st.sets(st.sampled_from(["FR", "BE", "NO"]), min_size=1)),
    classes=st.one_of(st.none(), st.sets(st.sampled_from([PS, EP, ED]), min_size=1)),
    until_days=st.one_of(st.none(), st.integers(4, 10)),
)


@given(
    st.lists(records, max_size=6),
    st.sampled_from(CLASSES),
    st.sampled_from(["FR", "NO"]),
    st.sampled_from(list(PurposeOfUse)),
)
def test_no_policy_is_always_true(
    recs: list[ConsentRecord], document_class: str | None, country: str, purpose: PurposeOfUse
) -> None:
    def applicable(kind: PolicyKind, choice: ConsentChoice) -> bool:
        return any(
            r.kind is kind
            and r.choice is choice
            and r.applies_to(requesting_country=country, document_class=document_class, now=NOW)
            for r in recs
        )

    store = InMemoryConsentStore(recs)
    opt_in = decide(OptInRegistryPolicy(store), document_class, country=country, purpose=purpose)
    if opt_in.granted:  # an opt-in grant never comes from nowhere
        assert applicable(PolicyKind.OPT_IN, ConsentChoice.GRANTED)
    opt_out = decide(OptOutRegistryPolicy(store), document_class, country=country, purpose=purpose)
    if not opt_out.granted:  # an opt-out refusal never comes from nowhere
        assert applicable(PolicyKind.OPT_OUT, ConsentChoice.REFUSED)
    for decision in (opt_in, opt_out):
        assert decision.granted == (decision.error_code is None)
        assert not decision.emergency_override
    assert not decide(
        PointOfCareConsentPolicy(store), document_class, country=country, purpose=purpose
    ).granted
