"""Consent: may this patient's data go to this country, for this purpose, now?

Country A's law decides how patients express consent (trust-security.md §6),
so the policy is pluggable. Three are provided, all reading the
``consent_records`` table through a :class:`ConsentStore`:

* :class:`OptInRegistryPolicy`: refused unless the patient registered a grant;
* :class:`OptOutRegistryPolicy`: granted unless the patient registered a refusal;
* :class:`PointOfCareConsentPolicy`: granted only when the request carries the
  patient's consent given at the point of care, which is then recorded.

There is deliberately no "always granted" policy (OpenNCP's default). A refusal
carries the eHDSI code to answer: ``WARNING_PI_NO_CONSENT`` for identification,
``ERROR_PS_NO_CONSENT`` / ``ERROR_EP_NO_CONSENT`` / ``ERROR_ED_NO_CONSENT``
(legacy ``4701``) for documents. EMERGENCY purpose of use overrides a refusal
only when a policy is built with ``emergency_overrides_refusal=True``.

Example::

    policy = OptOutRegistryPolicy(SqlConsentStore(sessions))
    decision = policy.decide(patient, requesting_country="FR", document_class="60591-5",
                             purpose_of_use=PurposeOfUse.TREATMENT, now=now)
    if not decision.granted:
        answer(decision.error_code, decision.legacy_code)

Exception hierarchy::

    NcpehError
     └── ConsentError                      the caller must refuse
          ├── ConsentStoreUnavailableError  store down
          └── UnknownConsentPatientError    record for a patient not in the index
"""

from ncpeh.consent._errors import (
    ConsentError,
    ConsentStoreUnavailableError,
    UnknownConsentPatientError,
)
from ncpeh.consent._policies import (
    ConsentPolicy,
    ConsentStore,
    OptInRegistryPolicy,
    OptOutRegistryPolicy,
    PointOfCareConsentPolicy,
    refusal_codes,
)
from ncpeh.consent.models import (
    DISCARD_CLASS,
    ConsentChoice,
    ConsentDecision,
    ConsentRecord,
    PolicyKind,
    PurposeOfUse,
)

__all__ = [
    "DISCARD_CLASS",
    "ConsentChoice",
    "ConsentDecision",
    "ConsentError",
    "ConsentPolicy",
    "ConsentRecord",
    "ConsentStore",
    "ConsentStoreUnavailableError",
    "OptInRegistryPolicy",
    "OptOutRegistryPolicy",
    "PointOfCareConsentPolicy",
    "PolicyKind",
    "PurposeOfUse",
    "UnknownConsentPatientError",
    "refusal_codes",
]
