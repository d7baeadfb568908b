"""In-memory national connector and eDispensation builder, for tests and demo mode.

House style rule 2: every port ships a fake, and fakes beat ``mock.patch``. The
fake follows the same contract as the SQL store (same matching, same 24 h rule,
same idempotency), and the shared contract tests run against both. Flip
:attr:`InMemoryNationalConnector.available` to simulate a national system that
is down.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from ncpeh.national._errors import (
    DispensationNotFoundError,
    DocumentNotFoundError,
    DuplicateDispensationError,
    NotDispensableError,
    PatientNotFoundError,
    PrescriptionNotIdentifiableError,
    RegistryUnavailableError,
    Service,
)
from ncpeh.national._service import (
    check_discard_window_or_raise,
    check_idempotency_key_or_raise,
    check_listable_class_or_raise,
    check_query_or_raise,
    content_digest,
    matches_query,
    prescription_references_or_raise,
    require_aware,
    service_for_class,
)
from ncpeh.national.models import (
    DispensationReceipt,
    DispensationStatus,
    DocumentClass,
    DocumentMetadata,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
)
from ncpeh.xmlsafe import DEFAULT_MAX_BYTES

__all__ = ["InMemoryNationalConnector", "make_edispensation"]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Dispensation:
    receipt: DispensationReceipt
    owner: PatientDemographics
    content: bytes


class InMemoryNationalConnector:
    """A national system held in dictionaries; thread-safe, deterministic.

    Args:
        patients: initial patients.
        documents: initial documents; each must belong to a known patient.
        clock: "now" for dispensation receipts (tests pass a fixed clock).
    """

    def __init__(
        self,
        patients: Iterable[PatientDemographics] = (),
        documents: Iterable[NationalDocument] = (),
        *,
        clock: Callable[[], datetime] = _utcnow,
        max_document_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._max_bytes = max_document_bytes
        self._patients: list[PatientDemographics] = []
        self._documents: dict[str, NationalDocument] = {}
        self._by_key: dict[str, _Dispensation] = {}
        self._by_id: dict[str, _Dispensation] = {}
        #: set to ``False`` to make every call raise :class:`RegistryUnavailableError`
        self.available = True
        for patient in patients:
            self.add_patient(patient)
        for document in documents:
            self.add_document(document)

    @classmethod
    def seeded(
        cls,
        countries: Iterable[str] = ("FR", "PT", "NO"),
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> InMemoryNationalConnector:
        """A fake holding the deterministic synthetic patients of :mod:`ncpeh.national.seed`."""
        from ncpeh.national.seed import generate_patients

        fake = cls(clock=clock)
        for country in countries:
            for seeded in generate_patients(country):
                fake.add_patient(seeded.demographics)
                for document in seeded.documents:
                    fake.add_document(document)
        return fake

    # ----------------------------------------------------------------- loading

    def add_patient(self, patient: PatientDemographics) -> None:
        with self._lock:
            for identifier in patient.identifiers:
                if self._owner(identifier) is not None:
                    raise ValueError("an identifier of this patient is already taken")
            self._patients.append(patient)

    def add_document(self, document: NationalDocument) -> None:
        with self._lock:
            if self._owner(document.metadata.patient) is None:
                raise ValueError("the document's patient is unknown")
            if document.metadata.document_id in self._documents:
                raise ValueError("document id already taken")
            self._documents[document.metadata.document_id] = document

    @property
    def receipts(self) -> tuple[DispensationReceipt, ...]:
        """Every dispensation stored so far, in submission order."""
        with self._lock:
            return tuple(d.receipt for d in self._by_key.values())

    # ----------------------------------------------------------------- the port

    def find_patients(self, query: PatientQuery) -> list[PatientDemographics]:
        self._check_available(Service.IDENTIFICATION)
        check_query_or_raise(query)
        with self._lock:
            found = [p for p in self._patients if matches_query(p, query)]
        return sorted(
            found, key=lambda p: (p.primary_identifier.domain, p.primary_identifier.value)
        )

    def list_documents(self, patient: PatientIdentifier, class_code: str) -> list[DocumentMetadata]:
        service = service_for_class(class_code)
        self._check_available(service)
        check_listable_class_or_raise(class_code)
        with self._lock:
            owner = self._owner_or_raise(patient, service)
            found = [
                replace(d.metadata, patient=patient)
                for d in self._documents.values()
                if d.metadata.class_code == class_code and d.metadata.patient in owner.identifiers
            ]
        return sorted(found, key=lambda m: (-m.created.timestamp(), m.document_id))

    def retrieve_document(
        self, document_id: str, *, patient: PatientIdentifier | None = None
    ) -> NationalDocument:
        self._check_available(None)
        with self._lock:
            document = self._documents.get(document_id)
            if document is None:
                raise DocumentNotFoundError("no such document")
            if patient is None:
                return document
            owner = self._owner(patient)
            if owner is None or document.metadata.patient not in owner.identifiers:
                raise DocumentNotFoundError(
                    "no such document for this patient",
                    service=service_for_class(document.metadata.class_code),
                )
            return replace(document, metadata=replace(document.metadata, patient=patient))

    def submit_dispensation(
        self, patient: PatientIdentifier, document: bytes, *, idempotency_key: str
    ) -> DispensationReceipt:
        self._check_available(Service.DISPENSATION)
        check_idempotency_key_or_raise(idempotency_key)
        digest = content_digest(document)
        with self._lock:
            previous = self._by_key.get(idempotency_key)
            if previous is not None:
                if previous.receipt.sha256 != digest.sha256 or patient not in (
                    previous.owner.identifiers
                ):
                    raise DuplicateDispensationError(
                        "idempotency key already used for another eDispensation"
                    )
                return replace(previous.receipt, patient=patient)
            owner = self._owner_or_raise(patient, Service.DISPENSATION)
            refs = prescription_references_or_raise(document, max_bytes=self._max_bytes)
            prescriptions = [
                d
                for d in self._documents.values()
                if d.metadata.prescription is not None
                and d.metadata.class_code == DocumentClass.EPRESCRIPTION
                and d.metadata.patient in owner.identifiers
                and d.metadata.prescription.prescription_id in refs
            ]
            if not prescriptions:
                raise PrescriptionNotIdentifiableError(
                    "the eDispensation refers to no prescription of this patient"
                )
            if any(
                p.metadata.prescription and not p.metadata.prescription.dispensable
                for p in prescriptions
            ):
                raise NotDispensableError("the prescription is not dispensable")
            receipt = DispensationReceipt(
                dispensation_id=str(uuid.uuid4()),
                idempotency_key=idempotency_key,
                patient=patient,
                prescription_ids=refs,
                received_at=require_aware(self._clock(), "clock()"),
                sha256=digest.sha256,
                status=DispensationStatus.SUBMITTED,
            )
            for p in prescriptions:
                self._set_dispensable(p, False)
            record = _Dispensation(receipt, owner, document)
            self._by_key[idempotency_key] = record
            self._by_id[receipt.dispensation_id] = record
            return receipt

    def cancel_dispensation(
        self, patient: PatientIdentifier, dispensation_id: str, *, now: datetime
    ) -> None:
        self._check_available(Service.DISCARD)
        require_aware(now)
        with self._lock:
            record = self._by_id.get(dispensation_id)
            if record is None or patient not in record.owner.identifiers:
                raise DispensationNotFoundError("no such dispensation for this patient")
            if record.receipt.status is DispensationStatus.CANCELLED:
                return
            check_discard_window_or_raise(record.receipt.received_at, now)
            record.receipt = replace(record.receipt, status=DispensationStatus.CANCELLED)
            for d in list(self._documents.values()):
                p = d.metadata.prescription
                if (
                    p is not None
                    and p.prescription_id in record.receipt.prescription_ids
                    and (d.metadata.patient in record.owner.identifiers)
                ):
                    self._set_dispensable(d, True)

    # ----------------------------------------------------------------- helpers

    def _set_dispensable(self, document: NationalDocument, dispensable: bool) -> None:
        details = document.metadata.prescription
        if details is None:
            return
        metadata = replace(
            document.metadata, prescription=replace(details, dispensable=dispensable)
        )
        self._documents[metadata.document_id] = replace(document, metadata=metadata)

    def _check_available(self, service: Service | None) -> None:
        if not self.available:
            raise RegistryUnavailableError("national system unavailable (fake)", service=service)

    def _owner(self, identifier: PatientIdentifier) -> PatientDemographics | None:
        for p in self._patients:
            if identifier in p.identifiers:
                return p
        return None

    def _owner_or_raise(
        self, identifier: PatientIdentifier, service: Service | None
    ) -> PatientDemographics:
        owner = self._owner(identifier)
        if owner is None:
            raise PatientNotFoundError("unknown patient", service=service)
        return owner


def make_edispensation(
    prescription: DocumentMetadata,
    *,
    language: str = "pt-PT",
    document_id: str | None = None,
    effective_time: datetime | None = None,
    quantity: int = 1,
) -> bytes:
    """A minimal eDispensation L3 (friendly) fulfilling ``prescription``; deterministic.

    Enough for the national connector: eHDSI document templateId, code
    60593-1, the patient, ``inFulfillmentOf/order/id`` and one supply entry
    referring (``REFR``) to the prescription. The portal builds the real ones.
    """
    if prescription.prescription is None:
        raise ValueError("not an ePrescription: no prescription details")
    pid = prescription.prescription.prescription_id
    root, _, extension = pid.partition("^")
    ref = f"<id root={quoteattr(root)}" + (
        f" extension={quoteattr(extension)}" if extension else ""
    )
    ref += "/>"
    when = (effective_time or datetime(2026, 1, 1, tzinfo=UTC)).astimezone(UTC)
    # Same arguments, same bytes: replays in tests are then true replays.
    seed = f"ncpeh-edispensation/{pid}/{quantity}/{when.isoformat()}/{language}"
    doc_id = document_id or f"2.25.{uuid.uuid5(uuid.NAMESPACE_URL, seed).int}"
    product = escape(prescription.prescription.product_name or "?")
    atc = prescription.prescription.atc_code or ""
    patient = prescription.patient
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:pharm="urn:hl7-org:pharm">
  <typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>
  <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.2"/>
  <id root={quoteattr(doc_id)}/>
  <code code="60593-1" codeSystem="2.16.840.1.113883.6.1"
        displayName="Medication dispensed.extended"/>
  <title>eDispensation</title>
  <effectiveTime value="{when:%Y%m%d%H%M%S}+0000"/>
  <confidentialityCode code="N" codeSystem="2.16.840.1.113883.5.25"/>
  <languageCode code={quoteattr(language)}/>
  <recordTarget><patientRole>
    <id root={quoteattr(patient.domain)} extension={quoteattr(patient.value)}/>
    <patient><name><family>-</family></name></patient>
  </patientRole></recordTarget>
  <inFulfillmentOf><order moodCode="RQO">{ref}</order></inFulfillmentOf>
  <component><structuredBody><component><section>
    <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.2.2"/>
    <code code="60590-7" codeSystem="2.16.840.1.113883.6.1" displayName="Medication dispensed"/>
    <title>Medication dispensed</title>
    <text>{product}</text>
    <entry><supply classCode="SPLY" moodCode="EVN">
      <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.3.3"/>
      <id root={quoteattr(doc_id)} extension="1"/>
      <quantity value="{quantity}" unit="1"/>
      <product><manufacturedProduct>
        <manufacturedMaterial><name>{product}</name>
          <pharm:ingredient classCode="ACTI"><pharm:ingredientSubstance>
            <pharm:code code={quoteattr(atc)} codeSystem="2.16.840.1.113883.6.73"/>
          </pharm:ingredientSubstance></pharm:ingredient>
        </manufacturedMaterial>
      </manufacturedProduct></product>
      <entryRelationship typeCode="REFR"><substanceAdministration classCode="SBADM" moodCode="INT">
        {ref}
      </substanceAdministration></entryRelationship>
    </supply></entry>
  </section></component></structuredBody></component>
</ClinicalDocument>
"""
    return xml.encode("utf-8")
