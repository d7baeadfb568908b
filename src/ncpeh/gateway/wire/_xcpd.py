"""XCPD ITI-55: ``PRPA_IN201305UV02`` query → ``PRPA_IN201306UV02`` response (HL7 v3).

eHDSI patient identification (``ehdsi-flows.md`` §1, §5 step 3): B asks A by
``livingSubjectId`` in A's identifier domain, plus ``patientAddress/country``
and the demographics A's International Search Mask asks for. Sender and
receiver devices are the home community ids of B and A. The response carries
the matched patients under ``registrationEvent/subject1/patient`` or, on
failure, an ``acknowledgementDetail`` with an eHDSI/IHE code and a
``detectedIssueManagement`` code (``ehdsi-flows.md`` §9, XCPD codes).

Element names and order follow the DK test templates and the gematik samples
(``wire/xcpd/``); the HL7 v3 namespace is the default namespace, as OpenNCP
writes it. Identifiers are kept as ``root``/``extension`` (:class:`Hl7Id`)
because real responses omit the root (gematik sample).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from ncpeh.gateway.wire._countries import country_profile
from ncpeh.gateway.wire._errors import MessageFormatError, UnexpectedMessageError
from ncpeh.gateway.wire._ns import EHDSI_XCPD_CODES, HL7_NS, IHE_XCPD_CODES, XSI_NS, q
from ncpeh.gateway.wire._xml import (
    attr,
    default_ns,
    hl7_timestamp,
    one_or_none,
    required,
    sub,
    text_of,
)
from ncpeh.trust import PatientId

__all__ = [
    "AcknowledgementDetail",
    "Address",
    "Demographics",
    "DetectedIssue",
    "Hl7Id",
    "PatientMatch",
    "PersonName",
    "XcpdRequest",
    "XcpdResponse",
    "build_xcpd_request",
    "build_xcpd_response",
    "parse_xcpd_request",
    "parse_xcpd_response",
]

_REQUEST = q(HL7_NS, "PRPA_IN201305UV02")
_RESPONSE = q(HL7_NS, "PRPA_IN201306UV02")
_INTERACTION_ROOT = "2.16.840.1.113883.1.6"
_GENDER_SYSTEM = "2.16.840.1.113883.5.1"


def _h(local: str) -> str:
    return q(HL7_NS, local)


def _p(*locals_: str) -> str:
    """An ElementPath of HL7 v3 elements."""
    return "/".join(_h(x) for x in locals_)


@dataclass(frozen=True, slots=True)
class Hl7Id:
    """An HL7 v3 ``II``: ``root`` (OID or UUID) and optional ``extension``."""

    root: str | None = None
    extension: str | None = None

    @classmethod
    def new(cls) -> Hl7Id:
        """A fresh message id (UUID root), as OpenNCP sends."""
        return cls(root=str(uuid.uuid4()))

    @classmethod
    def of(cls, patient_id: PatientId) -> Hl7Id:
        return cls(root=patient_id.root, extension=patient_id.extension)

    def to_patient_id(self) -> PatientId:
        """Compare-ready identifier.

        Raises:
            MessageFormatError: no root or no extension, or a root that is not an OID.
        """
        if not self.root or not self.extension:
            raise MessageFormatError(f"patient identifier needs root and extension: {self}")
        try:
            return PatientId(self.root, self.extension)
        except ValueError as exc:
            raise MessageFormatError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class PersonName:
    family: tuple[str, ...] = ()
    given: tuple[str, ...] = ()
    prefix: tuple[str, ...] = ()
    suffix: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Address:
    street_lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None
    state: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Demographics:
    """Identifiers and traits, as queried (``parameterList``) or returned (``patient``).

    ``birth_time`` is an HL7 TS (``19670630``); ``gender`` an
    ``AdministrativeGender`` code (``F``, ``M``, ``UN``).
    """

    ids: tuple[Hl7Id, ...] = ()
    names: tuple[PersonName, ...] = ()
    gender: str | None = None
    birth_time: str | None = None
    addresses: tuple[Address, ...] = ()


@dataclass(frozen=True, slots=True)
class XcpdRequest:
    """A ``PRPA_IN201305UV02`` patient discovery query.

    Attributes:
        sender / receiver: device ids, i.e. the HCIDs of country B and country A.
        query: identifiers and traits in the ``parameterList``.
    """

    message_id: Hl7Id
    creation_time: str
    sender: str
    receiver: str
    query_id: Hl7Id
    query: Demographics

    @classmethod
    def create(
        cls,
        *,
        patient_ids: Sequence[PatientId],
        sender_country: str,
        receiver_country: str,
        names: Sequence[PersonName] = (),
        gender: str | None = None,
        birth_time: str | None = None,
        addresses: Sequence[Address] = (),
        now: datetime | None = None,
    ) -> XcpdRequest:
        """A query from B to A, with HCIDs from the country table and fresh ids.

        ``patientAddress/country`` is set to A when no address is given, as the
        DK template does.
        """
        sender = country_profile(sender_country)
        receiver = country_profile(receiver_country)
        if not patient_ids:
            raise MessageFormatError("XCPD needs at least one patient identifier")
        return cls(
            message_id=Hl7Id.new(),
            creation_time=hl7_timestamp(now or datetime.now(UTC)),
            sender=sender.home_community_id,
            receiver=receiver.home_community_id,
            query_id=Hl7Id.new(),
            query=Demographics(
                ids=tuple(Hl7Id.of(p) for p in patient_ids),
                names=tuple(names),
                gender=gender,
                birth_time=birth_time,
                addresses=tuple(addresses) or (Address(country=receiver.code),),
            ),
        )

    def patient_ids(self) -> tuple[PatientId, ...]:
        """The queried identifiers as comparable ``PatientId`` (those with a root)."""
        return tuple(i.to_patient_id() for i in self.query.ids if i.root and i.extension)


@dataclass(frozen=True, slots=True)
class PatientMatch:
    """One matched patient, with the community that holds its data."""

    demographics: Demographics
    custodian: str | None = None


@dataclass(frozen=True, slots=True)
class AcknowledgementDetail:
    """``acknowledgementDetail``: ``type_code`` E(rror), W(arning) or I(nfo)."""

    type_code: str
    code: str
    code_system: str | None = None
    text: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class DetectedIssue:
    """``detectedIssueManagement/code``: e.g. ``AnswerNotAvailable`` (IHE) or an eHDSI code."""

    code: str
    code_system: str | None = None


@dataclass(frozen=True, slots=True)
class XcpdResponse:
    """A ``PRPA_IN201306UV02`` answer.

    Attributes:
        acknowledgement_code: ``AA`` (accepted) or ``AE`` (application error).
        query_response_code: ``OK`` (match), ``NF`` (no match), ``AE``, ``QE``.
        issues: eHDSI XCPD codes such as ``InsufficientRights``
            (:data:`EHDSI_XCPD_CODES`) or IHE ones (:data:`IHE_XCPD_CODES`).
    """

    message_id: Hl7Id
    creation_time: str
    acknowledgement_code: str | None
    target_message_id: Hl7Id | None
    query_id: Hl7Id | None
    query_response_code: str | None
    patients: tuple[PatientMatch, ...] = ()
    details: tuple[AcknowledgementDetail, ...] = ()
    issues: tuple[DetectedIssue, ...] = ()
    sender: str | None = None
    receiver: str | None = None

    @classmethod
    def matched(
        cls, request: XcpdRequest, patients: Sequence[PatientMatch], *, now: datetime | None = None
    ) -> XcpdResponse:
        """A success answer to ``request`` (``OK``, or ``NF`` when ``patients`` is empty)."""
        return cls(
            message_id=Hl7Id.new(),
            creation_time=hl7_timestamp(now or datetime.now(UTC)),
            acknowledgement_code="AA",
            target_message_id=request.message_id,
            query_id=request.query_id,
            query_response_code="OK" if patients else "NF",
            patients=tuple(patients),
            sender=request.receiver,
            receiver=request.sender,
        )

    @classmethod
    def no_match(cls, request: XcpdRequest, *, now: datetime | None = None) -> XcpdResponse:
        """No patient found: ``AA``/``NF`` with ``ERROR_PI_NO_MATCH`` (gematik sample layout)."""
        return cls.failed(
            request,
            code="ERROR_PI_NO_MATCH",
            text="No match with an existing patient.",
            acknowledgement_code="AA",
            query_response_code="NF",
            now=now,
        )

    @classmethod
    def failed(
        cls,
        request: XcpdRequest,
        *,
        code: str,
        text: str,
        code_system: str | None = None,
        issue: DetectedIssue | None = None,
        acknowledgement_code: str = "AE",
        query_response_code: str = "AE",
        now: datetime | None = None,
    ) -> XcpdResponse:
        """An error answer carrying an eHDSI code (``ERROR_PI_NO_MATCH``, ``InsufficientRights`` …).

        eHDSI XCPD codes (``InsufficientRights`` …) get the eHDSI code system and
        also appear as the detected issue; IHE ``AnswerNotAvailable`` is used
        otherwise, as in the gematik ``ERROR_PI_NO_MATCH`` sample.
        """
        ehdsi = code in _EHDSI_XCPD
        return cls(
            message_id=Hl7Id.new(),
            creation_time=hl7_timestamp(now or datetime.now(UTC)),
            acknowledgement_code=acknowledgement_code,
            target_message_id=request.message_id,
            query_id=request.query_id,
            query_response_code=query_response_code,
            details=(
                AcknowledgementDetail(
                    "E", code, code_system or (EHDSI_XCPD_CODES if ehdsi else None), text
                ),
            ),
            issues=(
                issue
                or (
                    DetectedIssue(code, EHDSI_XCPD_CODES)
                    if ehdsi
                    else DetectedIssue("AnswerNotAvailable", IHE_XCPD_CODES)
                ),
            ),
            sender=request.receiver,
            receiver=request.sender,
        )


_EHDSI_XCPD = frozenset(
    {
        "AdditionalDemographicsRequested",
        "DemographicsQueryNotAllowed",
        "EHICDataRequested",
        "PrivacyViolation",
        "InsufficientRights",
        "PatientAuthenticationRequired",
        "PolicyViolation",
    }
)


# --------------------------------------------------------------------------- build


def build_xcpd_request(request: XcpdRequest) -> etree._Element:
    """The ``PRPA_IN201305UV02`` element (put it in an envelope with ``XCPD_REQUEST``)."""
    root = etree.Element(_REQUEST, nsmap=default_ns(HL7_NS), ITSVersion="XML_1.0")
    _header(root, request.message_id, request.creation_time, "PRPA_IN201305UV02")
    sub(root, _h("processingCode"), code="P")
    sub(root, _h("processingModeCode"), code="T")
    sub(root, _h("acceptAckCode"), code="AL")
    _device(root, "receiver", "RCV", request.receiver)
    _device(root, "sender", "SND", request.sender)
    cap = sub(root, _h("controlActProcess"), classCode="CACT", moodCode="EVN")
    sub(cap, _h("code"), code="PRPA_TE201305UV02", codeSystem=_INTERACTION_ROOT)
    author = sub(cap, _h("authorOrPerformer"), typeCode="AUT")
    sub(author, _h("assignedPerson"), classCode="ASSIGNED")
    _query_by_parameter(cap, request)
    return root


def build_xcpd_response(
    response: XcpdResponse, *, request: XcpdRequest | None = None
) -> etree._Element:
    """The ``PRPA_IN201306UV02`` element; echoes ``request``'s query when given (IHE ITI-55)."""
    root = etree.Element(_RESPONSE, nsmap=default_ns(HL7_NS), ITSVersion="XML_1.0")
    _header(root, response.message_id, response.creation_time, "PRPA_IN201306UV02")
    sub(root, _h("processingCode"), code="P")
    sub(root, _h("processingModeCode"), code="T")
    sub(root, _h("acceptAckCode"), code="NE")
    if response.receiver:
        _device(root, "receiver", "RCV", response.receiver)
    if response.sender:
        _device(root, "sender", "SND", response.sender)
    ack = sub(root, _h("acknowledgement"))
    type_code = sub(ack, _h("typeCode"))
    if response.acknowledgement_code:
        type_code.set("code", response.acknowledgement_code)
    if response.target_message_id is not None:
        target = sub(ack, _h("targetMessage"))
        _id(target, response.target_message_id)
    for d in response.details:
        detail = sub(ack, _h("acknowledgementDetail"), typeCode=d.type_code)
        code = sub(detail, _h("code"), code=d.code)
        if d.code_system:
            code.set("codeSystem", d.code_system)
        if d.text:
            sub(detail, _h("text"), d.text)
        if d.location:
            sub(detail, _h("location"), d.location)
    cap = sub(root, _h("controlActProcess"), classCode="CACT", moodCode="EVN")
    sub(cap, _h("code"), code="PRPA_TE201306UV02", codeSystem=_INTERACTION_ROOT)
    for match in response.patients:
        _subject(cap, match)
    if response.issues:
        reason = sub(cap, _h("reasonOf"), typeCode="RSON")
        event = sub(reason, _h("detectedIssueEvent"), classCode="ALRT", moodCode="EVN")
        sub(
            event,
            _h("code"),
            code="_ActAdministrativeDetectedIssueManagementCode",
            codeSystem="2.16.840.1.113883.5.4",
        )
        for issue in response.issues:
            mitigated = sub(event, _h("mitigatedBy"), typeCode="MITGT")
            management = sub(
                mitigated, _h("detectedIssueManagement"), classCode="ACT", moodCode="EVN"
            )
            code = sub(management, _h("code"), code=issue.code)
            if issue.code_system:
                code.set("codeSystem", issue.code_system)
    query_ack = sub(cap, _h("queryAck"))
    if response.query_id is not None:
        _id(query_ack, response.query_id, "queryId")
    sub(query_ack, _h("statusCode"), code="deliveredResponse")
    if response.query_response_code:
        sub(query_ack, _h("queryResponseCode"), code=response.query_response_code)
    if request is not None:
        _query_by_parameter(cap, request)
    return root


def _header(root: etree._Element, message_id: Hl7Id, creation_time: str, interaction: str) -> None:
    _id(root, message_id)
    sub(root, _h("creationTime"), value=creation_time)
    sub(root, _h("versionCode"), code="V3PR1")
    sub(root, _h("interactionId"), root=_INTERACTION_ROOT, extension=interaction)


def _id(parent: etree._Element, value: Hl7Id, local: str = "id") -> etree._Element:
    el = sub(parent, _h(local))
    if value.root:
        el.set("root", value.root)
    if value.extension:
        el.set("extension", value.extension)
    if not value.root and not value.extension:
        el.set("nullFlavor", "NI")
    return el


def _device(root: etree._Element, local: str, type_code: str, hcid: str) -> None:
    party = sub(root, _h(local), typeCode=type_code)
    device = sub(party, _h("device"), classCode="DEV", determinerCode="INSTANCE")
    sub(device, _h("id"), root=hcid)
    agent = sub(device, _h("asAgent"), classCode="AGNT")
    org = sub(agent, _h("representedOrganization"), classCode="ORG", determinerCode="INSTANCE")
    sub(org, _h("id"), root=hcid)


def _query_by_parameter(cap: etree._Element, request: XcpdRequest) -> None:
    qbp = sub(cap, _h("queryByParameter"))
    _id(qbp, request.query_id, "queryId")
    sub(qbp, _h("statusCode"), code="new")
    sub(qbp, _h("responseModalityCode"), code="R")
    sub(qbp, _h("responsePriorityCode"), code="I")
    sub(qbp, _h("matchCriterionList"))
    params = sub(qbp, _h("parameterList"))
    demo = request.query
    # Element order of PRPA_MT201306UV02.ParameterList.
    if demo.gender:
        p = sub(params, _h("livingSubjectAdministrativeGender"))
        sub(p, _h("value"), code=demo.gender, codeSystem=_GENDER_SYSTEM)
        sub(p, _h("semanticsText"), "LivingSubject.administrativeGender")
    if demo.birth_time:
        p = sub(params, _h("livingSubjectBirthTime"))
        sub(p, _h("value"), value=demo.birth_time)
        sub(p, _h("semanticsText"), "LivingSubject.birthTime")
    for pid in demo.ids:
        p = sub(params, _h("livingSubjectId"))
        _id(p, pid, "value")
        sub(p, _h("semanticsText"), "LivingSubject.id")
    for name in demo.names:
        p = sub(params, _h("livingSubjectName"))
        _name(p, name, "value")
        sub(p, _h("semanticsText"), "LivingSubject.name")
    for address in demo.addresses:
        p = sub(params, _h("patientAddress"))
        _address(p, address, "value")
        sub(p, _h("semanticsText"), "Patient.addr")


def _name(parent: etree._Element, name: PersonName, local: str) -> None:
    el = sub(parent, _h(local))
    for part, values in (
        ("prefix", name.prefix),
        ("given", name.given),
        ("family", name.family),
        ("suffix", name.suffix),
    ):
        for v in values:
            sub(el, _h(part), v)


def _address(parent: etree._Element, address: Address, local: str) -> None:
    el = sub(parent, _h(local))
    for line in address.street_lines:
        sub(el, _h("streetAddressLine"), line)
    for part, value in (
        ("city", address.city),
        ("state", address.state),
        ("postalCode", address.postal_code),
        ("country", address.country),
    ):
        if value:
            sub(el, _h(part), value)


def _subject(cap: etree._Element, match: PatientMatch) -> None:
    subject = sub(cap, _h("subject"), typeCode="SUBJ")
    event = sub(subject, _h("registrationEvent"), classCode="REG", moodCode="EVN")
    sub(event, _h("id"), nullFlavor="NA")
    sub(event, _h("statusCode"), code="active")
    subject1 = sub(event, _h("subject1"), typeCode="SBJ")
    patient = sub(subject1, _h("patient"), classCode="PAT")
    demo = match.demographics
    for pid in demo.ids:
        _id(patient, pid)
    sub(patient, _h("statusCode"), code="active")
    person = sub(patient, _h("patientPerson"), classCode="PSN", determinerCode="INSTANCE")
    for name in demo.names:
        _name(person, name, "name")
    if demo.gender:
        sub(person, _h("administrativeGenderCode"), code=demo.gender, codeSystem=_GENDER_SYSTEM)
    if demo.birth_time:
        sub(person, _h("birthTime"), value=demo.birth_time)
    for address in demo.addresses:
        _address(person, address, "addr")
    sub_of = sub(patient, _h("subjectOf1"))
    observation = sub(sub_of, _h("queryMatchObservation"), classCode="OBS", moodCode="EVN")
    sub(observation, _h("code"), code="IHE_PDQ", codeSystem="2.16.840.1.113883.1.11.19914")
    score = sub(observation, _h("value"), value="100")
    score.set(q(XSI_NS, "type"), "INT")
    if match.custodian:
        custodian = sub(event, _h("custodian"), typeCode="CST")
        entity = sub(custodian, _h("assignedEntity"), classCode="ASSIGNED")
        sub(entity, _h("id"), root=match.custodian)
        sub(
            entity, _h("code"), code="NotHealthDataLocator", codeSystem="1.3.6.1.4.1.19376.1.2.27.2"
        )


# --------------------------------------------------------------------------- parse


def parse_xcpd_request(payload: etree._Element) -> XcpdRequest:
    """Read a ``PRPA_IN201305UV02``.

    Raises:
        UnexpectedMessageError: another message.
        MessageFormatError: no message id, no query or no receiver/sender device.
    """
    if payload.tag != _REQUEST:
        raise UnexpectedMessageError(f"expected PRPA_IN201305UV02, got {payload.tag}")
    qbp = required(payload, _p("controlActProcess", "queryByParameter"), "queryByParameter")
    params = required(qbp, _h("parameterList"), "parameterList")
    ids = tuple(_read_id(v) for v in params.iterfind(_p("livingSubjectId", "value")))
    names = tuple(_read_name(v) for v in params.iterfind(_p("livingSubjectName", "value")))
    addresses = tuple(_read_address(v) for v in params.iterfind(_p("patientAddress", "value")))
    gender_el = one_or_none(params, _p("livingSubjectAdministrativeGender", "value"), "gender")
    birth_el = one_or_none(params, _p("livingSubjectBirthTime", "value"), "birth time")
    return XcpdRequest(
        message_id=_read_id(required(payload, _h("id"), "message id")),
        creation_time=attr(payload.find(_h("creationTime")), "value") or "",
        sender=_device_id(payload, "sender"),
        receiver=_device_id(payload, "receiver"),
        query_id=_read_id(required(qbp, _h("queryId"), "queryId")),
        query=Demographics(
            ids=ids,
            names=names,
            gender=attr(gender_el, "code"),
            birth_time=attr(birth_el, "value"),
            addresses=addresses,
        ),
    )


def parse_xcpd_response(payload: etree._Element) -> XcpdResponse:
    """Read a ``PRPA_IN201306UV02`` (match, no match or error).

    Raises:
        UnexpectedMessageError: another message.
        MessageFormatError: no message id.
    """
    if payload.tag != _RESPONSE:
        raise UnexpectedMessageError(f"expected PRPA_IN201306UV02, got {payload.tag}")
    ack = one_or_none(payload, _h("acknowledgement"), "acknowledgement")
    cap = payload.find(_h("controlActProcess"))
    patients: list[PatientMatch] = []
    issues: list[DetectedIssue] = []
    query_ack = None
    if cap is not None:
        for event in cap.iterfind(_p("subject", "registrationEvent")):
            patients.extend(_read_patient(event))
        for code in cap.iterfind(
            _p("reasonOf", "detectedIssueEvent", "mitigatedBy", "detectedIssueManagement", "code")
        ):
            value = attr(code, "code")
            if value:
                issues.append(DetectedIssue(value, attr(code, "codeSystem")))
        query_ack = cap.find(_h("queryAck"))
    details: list[AcknowledgementDetail] = []
    if ack is not None:
        for d in ack.iterfind(_h("acknowledgementDetail")):
            code_el = d.find(_h("code"))
            details.append(
                AcknowledgementDetail(
                    type_code=attr(d, "typeCode") or "E",
                    code=attr(code_el, "code") or "",
                    code_system=attr(code_el, "codeSystem"),
                    text=text_of(d.find(_h("text"))),
                    location=text_of(d.find(_h("location"))),
                )
            )
    target = ack.find(_p("targetMessage", "id")) if ack is not None else None
    query_id = query_ack.find(_h("queryId")) if query_ack is not None else None
    return XcpdResponse(
        message_id=_read_id(required(payload, _h("id"), "message id")),
        creation_time=attr(payload.find(_h("creationTime")), "value") or "",
        acknowledgement_code=attr(ack.find(_h("typeCode")) if ack is not None else None, "code"),
        target_message_id=_read_id(target) if target is not None else None,
        query_id=_read_id(query_id) if query_id is not None else None,
        query_response_code=attr(
            query_ack.find(_h("queryResponseCode")) if query_ack is not None else None, "code"
        ),
        patients=tuple(patients),
        details=tuple(details),
        issues=tuple(issues),
        sender=_device_id_or_none(payload, "sender"),
        receiver=_device_id_or_none(payload, "receiver"),
    )


def _read_id(el: etree._Element) -> Hl7Id:
    return Hl7Id(root=attr(el, "root"), extension=attr(el, "extension"))


def _device_id_or_none(payload: etree._Element, local: str) -> str | None:
    el = payload.find(_p(local, "device", "id"))
    return attr(el, "root")


def _device_id(payload: etree._Element, local: str) -> str:
    value = _device_id_or_none(payload, local)
    if value is None:
        raise MessageFormatError(f"missing {local}/device/id/@root")
    return value


def _texts(el: etree._Element, local: str) -> tuple[str, ...]:
    return tuple(t for t in (text_of(c) for c in el.iterfind(_h(local))) if t)


def _read_name(el: etree._Element) -> PersonName:
    return PersonName(
        family=_texts(el, "family"),
        given=_texts(el, "given"),
        prefix=_texts(el, "prefix"),
        suffix=_texts(el, "suffix"),
    )


def _read_address(el: etree._Element) -> Address:
    return Address(
        street_lines=_texts(el, "streetAddressLine"),
        city=text_of(el.find(_h("city"))),
        postal_code=text_of(el.find(_h("postalCode"))),
        state=text_of(el.find(_h("state"))),
        country=text_of(el.find(_h("country"))),
    )


def _read_patient(event: etree._Element) -> list[PatientMatch]:
    custodian = attr(event.find(_p("custodian", "assignedEntity", "id")), "root")
    matches = []
    for patient in event.iterfind(_p("subject1", "patient")):
        person = patient.find(_h("patientPerson"))
        ids = tuple(_read_id(i) for i in patient.iterfind(_h("id")))
        if person is None:
            demo = Demographics(ids=ids)
        else:
            demo = Demographics(
                ids=ids,
                names=tuple(_read_name(n) for n in person.iterfind(_h("name"))),
                gender=attr(person.find(_h("administrativeGenderCode")), "code"),
                birth_time=attr(person.find(_h("birthTime")), "value"),
                addresses=tuple(_read_address(a) for a in person.iterfind(_h("addr"))),
            )
        matches.append(PatientMatch(demographics=demo, custodian=custodian))
    return matches
