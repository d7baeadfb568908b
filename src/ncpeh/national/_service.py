"""Connector logic shared by every adapter: matching, eD references, 24 h rule.

Pure functions, no I/O: the SQL store, the in-memory fake and the test server
of the REST contract must agree on what "matches" and "may be discarded" mean,
so they all call these.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from ncpeh.documents import V3
from ncpeh.national._errors import (
    DiscardWindowExpiredError,
    DocumentNotFoundError,
    EPrescriptionNotFoundError,
    InvalidDispensationError,
    InvalidRequestError,
    MultiplePatientsError,
    PatientNotFoundError,
    PatientSummaryNotFoundError,
    Service,
    UnsupportedClassCodeError,
)
from ncpeh.national._port import NationalConnector
from ncpeh.national.models import (
    DocumentClass,
    DocumentMetadata,
    PatientDemographics,
    PatientIdentifier,
    PatientQuery,
)
from ncpeh.xmlsafe import DEFAULT_MAX_BYTES, XmlInputError, parse_xml

__all__ = [
    "DISCARD_WINDOW",
    "LISTABLE_CLASSES",
    "ContentDigest",
    "check_discard_window_or_raise",
    "check_idempotency_key_or_raise",
    "check_listable_class_or_raise",
    "check_query_or_raise",
    "content_digest",
    "find_patient_or_raise",
    "list_documents_or_raise",
    "matches_query",
    "normalise_name",
    "prescription_references_or_raise",
    "require_aware",
    "service_for_class",
]

#: An eDispensation may be discarded for 24 h after it was received
#: (eHDSI requirement 07.04; trust-security.md §8).
DISCARD_WINDOW = timedelta(hours=24)

#: Classes NCPeH-A lists through XCA ITI-38. eD is submitted (XDR), never listed.
LISTABLE_CLASSES = frozenset(
    {
        DocumentClass.PATIENT_SUMMARY,
        DocumentClass.EPRESCRIPTION,
        DocumentClass.ORCD_LABORATORY,
        DocumentClass.ORCD_DISCHARGE,
        DocumentClass.ORCD_IMAGING_REPORT,
        DocumentClass.ORCD_IMAGES,
    }
)

_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
_TRANSLITERATE = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
_NS = {"h": V3}


def require_aware(value: datetime, name: str = "now") -> datetime:
    """Refuse naive datetimes: the 24 h rule is meaningless without a zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return value


def service_for_class(class_code: str) -> Service | None:
    """The error-code family of a class code, or ``None`` when unknown."""
    if class_code == DocumentClass.PATIENT_SUMMARY:
        return Service.PATIENT_SUMMARY
    if class_code == DocumentClass.EPRESCRIPTION:
        return Service.EPRESCRIPTION
    if class_code == DocumentClass.EDISPENSATION:
        return Service.DISPENSATION
    if class_code in LISTABLE_CLASSES:
        return Service.ORCD
    return None


def check_listable_class_or_raise(class_code: str) -> DocumentClass:
    """The class as an enum, or :class:`UnsupportedClassCodeError` (legacy 4202)."""
    if class_code not in LISTABLE_CLASSES:
        raise UnsupportedClassCodeError(f"class code {class_code!r} is not served")
    return DocumentClass(class_code)


def normalise_name(name: str) -> str:
    """Compare names the way a clerk would: no accents, case or punctuation.

    ``"Lefèvre-Dupont"`` and ``"LEFEVRE DUPONT"`` match. Letters without a
    Unicode decomposition are transliterated the way a foreign keyboard would
    type them (``œ`` → ``oe``, ``æ`` → ``ae``, ``ø`` → ``o``): a clerk in Lisbon
    types "Odegard" for "Ødegård". Identifiers still have to match as well.
    """
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_TRANSLITERATE))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.split(r"[\s\-'’.,]+", stripped.casefold())
    return " ".join(w for w in words if w)


def check_query_or_raise(query: PatientQuery) -> None:
    """An identifier, or at least a family name and a birth date.

    Anything less would turn patient discovery into a search engine over the
    national index (ERROR_PI_MISSING_REQUIRED_FIELDS).
    """
    if query.identifiers:
        return
    if query.family_name and query.birth_date:
        return
    raise InvalidRequestError(
        "patient query needs an identifier, or a family name and a birth date",
        service=Service.IDENTIFICATION,
    )


def matches_query(patient: PatientDemographics, query: PatientQuery) -> bool:
    """True when the patient carries a queried identifier and every given trait agrees."""
    if query.identifiers and not set(query.identifiers) & set(patient.identifiers):
        return False
    if query.family_name is not None:
        wanted = normalise_name(query.family_name)
        names = {normalise_name(patient.family_name)}
        if patient.birth_name:
            names.add(normalise_name(patient.birth_name))
        if wanted not in names:
            return False
    if query.given_name is not None:
        wanted = normalise_name(query.given_name)
        given = [normalise_name(g) for g in patient.given_names]
        if wanted not in given and wanted != " ".join(given):
            return False
    if query.birth_date is not None and query.birth_date != patient.birth_date:
        return False
    return query.gender is None or query.gender == patient.gender


def find_patient_or_raise(connector: NationalConnector, query: PatientQuery) -> PatientDemographics:
    """Exactly one patient, or ERROR_PI_NO_MATCH / ERROR_PI_MULTIPLE_MATCHES.

    XCPD answers one identity; with several candidates, B must ask for more
    traits instead of picking one.
    """
    found = connector.find_patients(query)
    if not found:
        raise PatientNotFoundError("no patient matches the query", service=Service.IDENTIFICATION)
    if len(found) > 1:
        raise MultiplePatientsError(
            f"{len(found)} patients match the query", service=Service.IDENTIFICATION
        )
    return found[0]


def list_documents_or_raise(
    connector: NationalConnector, patient: PatientIdentifier, class_code: str
) -> list[DocumentMetadata]:
    """At least one document, or ERROR_PS_NOT_FOUND / ERROR_EP_NOT_FOUND."""
    documents = connector.list_documents(patient, class_code)
    if documents:
        return documents
    if class_code == DocumentClass.PATIENT_SUMMARY:
        raise PatientSummaryNotFoundError("no Patient Summary for this patient")
    if class_code == DocumentClass.EPRESCRIPTION:
        raise EPrescriptionNotFoundError("no ePrescription for this patient")
    raise DocumentNotFoundError(
        f"no {class_code} document for this patient", service=service_for_class(class_code)
    )


@dataclass(frozen=True, slots=True)
class ContentDigest:
    size: int
    sha256: str
    sha1: str


def content_digest(content: bytes) -> ContentDigest:
    """Size and digests of a document, as XDS metadata carries them."""
    return ContentDigest(
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        sha1=hashlib.sha1(content, usedforsecurity=False).hexdigest(),
    )


def check_idempotency_key_or_raise(key: str) -> str:
    """1-255 printable ASCII characters, no spaces: it travels in an HTTP header."""
    if not _KEY.match(key):
        raise InvalidRequestError(
            "idempotency key must be 1-255 printable ASCII characters without spaces",
            service=Service.DISPENSATION,
        )
    return key


def _instance_id(el: etree._Element) -> str | None:
    root = el.get("root")
    if not root:
        return None
    extension = el.get("extension")
    return f"{root}^{extension}" if extension else root


def prescription_references_or_raise(
    document: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> tuple[str, ...]:
    """The prescription ids an eDispensation fulfils, in document order.

    Read from ``inFulfillmentOf/order/id`` (every eD in the conformance corpus
    has it), falling back to the ``REFR`` substance administration ids of the
    supply entries. Ids are ``root`` or ``root^extension``.

    Raises:
        InvalidDispensationError: not XML, refused by the hardened parser, or
            not an eDispensation (``ClinicalDocument/code`` 60593-1).
    """
    try:
        tree = parse_xml(document, max_bytes=max_bytes)
    except XmlInputError as exc:
        raise InvalidDispensationError(f"eDispensation refused: {exc.message}") from None
    root = tree.getroot()
    if root.tag != f"{{{V3}}}ClinicalDocument":
        raise InvalidDispensationError("eDispensation is not an HL7 CDA ClinicalDocument")
    code = root.find("h:code", _NS)
    if code is None or code.get("code") != DocumentClass.EDISPENSATION:
        raise InvalidDispensationError("document is not an eDispensation (code 60593-1)")
    refs: list[str] = []
    for el in root.iterfind("h:inFulfillmentOf/h:order/h:id", _NS):
        ref = _instance_id(el)
        if ref and ref not in refs:
            refs.append(ref)
    if not refs:
        path = ".//h:supply/h:entryRelationship[@typeCode='REFR']/h:substanceAdministration/h:id"
        for el in root.iterfind(path, _NS):
            ref = _instance_id(el)
            if ref and ref not in refs:
                refs.append(ref)
    return tuple(refs)


def check_discard_window_or_raise(received_at: datetime, now: datetime) -> None:
    """Allow a discard up to 24 h (inclusive) after the eD was received."""
    require_aware(now)
    require_aware(received_at, "received_at")
    if now - received_at > DISCARD_WINDOW:
        raise DiscardWindowExpiredError("the dispensation is older than 24 h; discard refused")
