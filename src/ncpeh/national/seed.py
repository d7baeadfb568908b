"""Deterministic synthetic patients for FR, PT and NO: same output on every run.

Everything derives from a seeded :class:`random.Random` per country (string
seeds are hashed with SHA-512 by ``random``, so ``PYTHONHASHSEED`` does not
matter) and from fixed dates; document ids are UUID-5 OIDs (``2.25.…``) of
stable names. Regenerating therefore yields byte-identical documents, which
keeps demo screenshots, golden files and bug reports reproducible.

* **Identifiers** are valid for their country: French INS-NIR with a correct
  key, in the *test* domain INS-NIR-TEST ``1.2.250.1.213.1.4.10`` (fictitious
  patients must never look like real ones); Norwegian Tenor-style synthetic
  fødselsnummer (month + 80) with both mod-11 check digits; Portuguese 9-digit
  SNS user numbers in ``2.16.620.1.101.10.1.1``.
* **Documents**: for FR and PT a friendly Patient Summary per patient, built
  from a template (the project's sample ``ncpeh.samples/<CC>-PS-friendly.xml``
  when packaged, else the minimal one in ``data/templates``) by substituting
  the header and refilling the five basic sections from ``data/clinical.json``
  (national language, national diagnosis and procedure codes); for PT also one
  or two friendly ePrescriptions (``pharm`` namespace). Norwegian patients exist for
  identification only (Norway is not planned as country A; france-norway.md §6).
* **Consent**: the three showcase patients have an opt-in grant; patient 4 an
  opt-out refusal of everything; patient 5 an opt-out refusal of eP only.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from ncpeh.consent.adapters.sql import consent_row
from ncpeh.consent.models import ConsentChoice, ConsentRecord, PolicyKind
from ncpeh.documents import PHARM, V3
from ncpeh.national._identifiers import (
    FR_INS_NIR_TEST_OID,
    NO_FNR_OID,
    PT_SNS_OID,
    fodselsnummer_check_digits,
    nir_key,
)
from ncpeh.national._service import content_digest
from ncpeh.national.adapters.sql import find_patient_id, store_document, store_patient
from ncpeh.national.models import (
    Address,
    DocumentClass,
    DocumentFormat,
    DocumentMetadata,
    Gender,
    NationalDocument,
    PatientDemographics,
    PatientIdentifier,
    PrescriptionDetails,
)
from ncpeh.xmlsafe import parse_xml, serialize_xml

__all__ = [
    "COUNTRIES",
    "DEFAULT_COUNT",
    "SEED_VERSION",
    "SHOWCASE_COUNT",
    "SeededPatient",
    "default_ps_template",
    "generate_patients",
    "seed_national_store",
    "showcase_patients",
]

#: Bump when the generator changes output on purpose (it is part of every seed).
SEED_VERSION = 1
COUNTRIES = ("FR", "PT", "NO")
DEFAULT_COUNT = 24
SHOWCASE_COUNT = 3

_BASE_TIME = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
_CONSENT_SINCE = datetime(2025, 1, 1, tzinfo=UTC)
_FIRST_BIRTH = date(1940, 1, 1)
_LAST_BIRTH = date(2015, 12, 31)
#: namespace of every seeded OID: uuid5(NAMESPACE_URL, "https://ncpeh.invalid/seed")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://ncpeh.invalid/seed")
_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_NS = {"h": V3}
_UNIT_TEXT = {"ug": "µg"}


@dataclass(frozen=True, slots=True)
class SeededPatient:
    """One synthetic patient with their documents and consent records."""

    country: str
    index: int
    demographics: PatientDemographics
    documents: tuple[NationalDocument, ...]
    consents: tuple[ConsentRecord, ...]

    @property
    def identifier(self) -> PatientIdentifier:
        return self.demographics.primary_identifier

    @property
    def showcase(self) -> bool:
        """The first three of each country: the ones the demo and docs point at."""
        return self.index < SHOWCASE_COUNT


def _oid(*parts: str) -> str:
    return f"2.25.{uuid.uuid5(_NAMESPACE, '/'.join(parts)).int}"


@cache
def _data(name: str) -> dict[str, Any]:
    text = resources.files("ncpeh.national").joinpath("data", name).read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _template(name: str) -> bytes:
    return resources.files("ncpeh.national").joinpath("data", "templates", name).read_bytes()


def default_ps_template(country: str) -> bytes:
    """The friendly PS used as template: the project's sample when packaged, else ours.

    ``ncpeh.samples`` ships rich hand-written friendly PS (``FR-PS-friendly.xml``,
    ``PT-PS-friendly.xml``); when present they are the better template (more
    sections, reviewed codes). The minimal templates in ``data/templates`` keep
    the seed working without them.
    """
    sample = resources.files("ncpeh.samples").joinpath(f"{country}-PS-friendly.xml")
    if sample.is_file():
        return sample.read_bytes()
    return _template(f"PS-{country}-friendly-template.xml")


# --------------------------------------------------------------------------- public API


def generate_patients(
    country: str, count: int = DEFAULT_COUNT, *, ps_template: bytes | None = None
) -> tuple[SeededPatient, ...]:
    """The synthetic patients of ``country`` (``FR``, ``PT`` or ``NO``), always the same.

    Pure: no database, no clock. ``count`` only truncates or extends the same
    sequence (patient *n* does not depend on ``count``).

    Args:
        country: ISO 3166-1 alpha-2.
        count: how many patients.
        ps_template: friendly PS to build Patient Summaries from; defaults to
            :func:`default_ps_template`.
    """
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"no synthetic patients for {country!r}; choose one of {COUNTRIES}")
    template = ps_template
    if template is None and country in ("FR", "PT"):
        template = default_ps_template(country)
    return _generate(country, count, template or b"")


@cache
def _generate(country: str, count: int, ps_template: bytes) -> tuple[SeededPatient, ...]:
    rng = random.Random(f"ncpeh-seed/{country}/v{SEED_VERSION}")
    taken: set[str] = set()
    return tuple(_patient(rng, country, i, taken, ps_template) for i in range(count))


def showcase_patients(country: str) -> list[SeededPatient]:
    """The first :data:`SHOWCASE_COUNT` patients of ``country``."""
    return list(generate_patients(country)[:SHOWCASE_COUNT])


def seed_national_store(session: Session, country: str) -> list[SeededPatient]:
    """Insert the synthetic patients of ``country`` into the national store tables.

    Idempotent: patients whose identifier is already present are skipped, so
    re-running ``ncpeh demo`` on the same database is harmless. The caller
    owns the transaction and commits.
    """
    patients = generate_patients(country)
    for seeded in patients:
        if find_patient_id(session, seeded.identifier) is not None:
            continue
        row = store_patient(session, seeded.demographics, country=seeded.country)
        for document in seeded.documents:
            store_document(session, document, patient=row)
        session.flush()
        for record in seeded.consents:
            session.add(consent_row(record, patient_id=row.id))
    session.flush()
    return list(patients)


# --------------------------------------------------------------------------- people


def _birth_date(rng: random.Random) -> date:
    return _FIRST_BIRTH + timedelta(days=rng.randrange((_LAST_BIRTH - _FIRST_BIRTH).days + 1))


def _nir(rng: random.Random, *, male: bool, birth: date, cog: str, taken: set[str]) -> str:
    while True:
        first13 = f"{1 if male else 2}{birth:%y%m}{cog}{rng.randint(1, 999):03d}"
        value = first13 + nir_key(first13)
        if value not in taken:
            return value


def _fodselsnummer(rng: random.Random, *, male: bool, birth: date, taken: set[str]) -> str:
    """Tenor-style synthetic number: month + 80, individual number by century, gender parity."""
    low, high = (0, 499) if birth.year < 2000 else (500, 999)
    while True:
        individual = rng.randint(low, high)
        if individual % 2 != (1 if male else 0):
            individual = individual + 1 if individual < high else individual - 1
        first9 = f"{birth:%d}{birth.month + 80:02d}{birth:%y}{individual:03d}"
        checks = fodselsnummer_check_digits(first9)
        if checks is not None and first9 + checks not in taken:
            return first9 + checks


def _sns(rng: random.Random, taken: set[str]) -> str:
    while True:
        value = str(rng.randint(100_000_000, 999_999_999))
        if value not in taken:
            return value


def _patient(
    rng: random.Random, country: str, index: int, taken: set[str], ps_template: bytes
) -> SeededPatient:
    people = _data("people.json")[country]
    male = rng.random() < 0.5
    pool = people["given_male" if male else "given_female"]
    if country == "PT":
        given = tuple(rng.sample(pool, 2))
        family = " ".join(rng.sample(people["family"], 2))
    else:
        given = tuple(rng.sample(pool, rng.choice((1, 1, 2, 3) if country == "FR" else (1, 1, 2))))
        family = rng.choice(people["family"])
    birth = _birth_date(rng)
    place = rng.choice(people["places"])
    street = rng.choice(people["streets"])
    birth_place: str | None = None
    if country == "FR":
        value = _nir(rng, male=male, birth=birth, cog=place["cog"], taken=taken)
        identifier = PatientIdentifier(value, FR_INS_NIR_TEST_OID)
        birth_place = place["cog"]
    elif country == "NO":
        value = _fodselsnummer(rng, male=male, birth=birth, taken=taken)
        identifier = PatientIdentifier(value, NO_FNR_OID)
    else:
        value = _sns(rng, taken)
        identifier = PatientIdentifier(value, PT_SNS_OID)
    taken.add(value)
    demographics = PatientDemographics(
        identifiers=(identifier,),
        family_name=family,
        given_names=given,
        birth_date=birth,
        gender=Gender.MALE if male else Gender.FEMALE,
        birth_place=birth_place,
        address=Address(
            street=street, city=place["city"], postal_code=place["postal_code"], country=country
        ),
    )
    documents: list[NationalDocument] = []
    if country in ("FR", "PT"):
        clinical = _choose_clinical(rng, country, index)
        documents.append(_patient_summary(rng, country, index, demographics, clinical, ps_template))
        if country == "PT":
            count = 2 if rng.random() < 0.4 else 1
            for n, medication in enumerate(clinical["medications"][:count], start=1):
                documents.append(_eprescription(rng, country, index, n, demographics, medication))
    return SeededPatient(
        country, index, demographics, tuple(documents), _consents(identifier, index)
    )


def _consents(patient: PatientIdentifier, index: int) -> tuple[ConsentRecord, ...]:
    if index < SHOWCASE_COUNT:
        return (_consent(patient, PolicyKind.OPT_IN, ConsentChoice.GRANTED),)
    if index == SHOWCASE_COUNT:
        return (_consent(patient, PolicyKind.OPT_OUT, ConsentChoice.REFUSED),)
    if index == SHOWCASE_COUNT + 1:
        only_ep = frozenset({DocumentClass.EPRESCRIPTION.value})
        return (
            _consent(patient, PolicyKind.OPT_OUT, ConsentChoice.REFUSED, document_classes=only_ep),
        )
    return ()


def _consent(
    patient: PatientIdentifier,
    policy: PolicyKind,
    choice: ConsentChoice,
    document_classes: frozenset[str] | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        patient,
        policy,
        choice,
        valid_from=_CONSENT_SINCE,
        recorded_at=_CONSENT_SINCE,
        document_classes=document_classes,
        source="registry:seed",
    )


# --------------------------------------------------------------------------- clinical choice


def _choose_clinical(rng: random.Random, country: str, index: int) -> dict[str, Any]:
    data = _data("clinical.json")
    local = data[country]
    n_allergies = 1 if index == 0 else rng.choice((0, 0, 1, 2))
    agents = rng.sample(local["allergy_agents"], n_allergies)
    # Never prescribe what the patient is allergic to: a reader would flag it.
    allowed = [m for m in data["medications"] if m["atc"] not in {a[0] for a in agents}]
    return {
        "problems": rng.sample(local["problems"], rng.randint(1, 3)),
        "medications": rng.sample(allowed, rng.randint(1, 3)),
        "allergies": [(agent, rng.choice(local["reactions"])) for agent in agents],
        "procedures": rng.sample(local["procedures"], 1) if rng.random() < 0.4 else [],
        "devices": list(local["devices"]) if rng.random() < 0.1 else [],
        "onset_days": [rng.randint(90, 3650) for _ in range(8)],
    }


# --------------------------------------------------------------------------- XML helpers


def _sub(
    parent: etree._Element,
    tag: str,
    attrib: dict[str, str] | None = None,
    text: str | None = None,
    ns: str = V3,
) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", attrib or {})
    if text is not None:
        el.text = text
    return el


def _one(node: etree._Element, path: str) -> etree._Element:
    found = node.find(path, _NS)
    if found is None:  # pragma: no cover - our own templates
        raise ValueError(f"template lacks {path}")
    return found


def _ts(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y%m%d%H%M%S}+0000"


def _day(moment: date | datetime) -> str:
    return f"{moment:%Y%m%d}"


def _coded(
    parent: etree._Element,
    tag: str,
    code: str,
    system: str,
    display: str,
    system_name: str | None = None,
    ns: str = V3,
    xsi_type: str | None = None,
) -> etree._Element:
    attrib = {"code": code, "codeSystem": system, "displayName": display}
    if system_name:
        attrib["codeSystemName"] = system_name
    el = _sub(parent, tag, attrib, ns=ns)
    if xsi_type:
        el.set(f"{{{_XSI}}}type", xsi_type)
    return el


_PERSONAL_CONTACTS = ("NOK", "ECON", "CAREGIVER", "GUARD")


def _set_header(
    root: etree._Element,
    patient: PatientDemographics,
    *,
    doc_id: str,
    created: datetime,
    title: str,
    gender_labels: dict[str, str],
) -> None:
    root.insert(
        0,
        etree.Comment(" Synthetic document generated by ncpeh.national.seed: fictitious patient. "),
    )
    doc_id_el = _one(root, "h:id")
    old_root = doc_id_el.get("root")
    # Entry and section ids of a template are often rooted at the document id:
    # re-root them so that ids stay unique across generated documents.
    if old_root:
        for el in root.iter(f"{{{V3}}}id", f"{{{V3}}}setId"):
            if el.get("root") == old_root:
                el.set("root", doc_id)
    doc_id_el.attrib.clear()
    doc_id_el.set("root", doc_id)
    # Relatives and contacts belong to the template's patient, not to ours.
    for participant in root.findall("h:participant", _NS):
        entity = participant.find("h:associatedEntity", _NS)
        if entity is not None and entity.get("classCode") in _PERSONAL_CONTACTS:
            root.remove(participant)
    _one(root, "h:title").text = title
    for path in ("h:effectiveTime", "h:author/h:time", "h:legalAuthenticator/h:time"):
        found = root.find(path, _NS)
        if found is not None:
            found.set("value", _ts(created))
    high = root.find("h:documentationOf/h:serviceEvent/h:effectiveTime/h:high", _NS)
    if high is not None:
        high.set("value", _day(created))
    role = _one(root, "h:recordTarget/h:patientRole")
    for old in role.findall("h:id", _NS):
        role.remove(old)
    for position, identifier in enumerate(patient.identifiers):
        role.insert(
            position,
            etree.Element(
                f"{{{V3}}}id", {"root": identifier.domain, "extension": identifier.value}
            ),
        )
    address = patient.address or Address()
    addr = _one(role, "h:addr")
    for tag, value in (
        ("streetAddressLine", address.street),
        ("city", address.city),
        ("postalCode", address.postal_code),
        ("country", address.country),
    ):
        _one(addr, f"h:{tag}").text = value or ""
    name = _one(role, "h:patient/h:name")
    for child in list(name):
        name.remove(child)
    for given in patient.given_names:
        _sub(name, "given", text=given)
    _sub(name, "family", text=patient.family_name)
    gender_code = patient.gender.value if patient.gender else "UN"
    gender = _one(role, "h:patient/h:administrativeGenderCode")
    gender.set("code", gender_code)
    gender.set("displayName", gender_labels[gender_code])
    birth = _one(role, "h:patient/h:birthTime")
    if patient.birth_date is None:  # pragma: no cover - seeds always have one
        birth.attrib.clear()
        birth.set("nullFlavor", "UNK")
    else:
        birth.set("value", _day(patient.birth_date))


def _drop_section(root: etree._Element, loinc: str) -> None:
    for section in root.iterfind(".//h:section", _NS):
        code = section.find("h:code", _NS)
        component = section.getparent()
        if code is not None and code.get("code") == loinc and component is not None:
            holder = component.getparent()
            if holder is not None:
                holder.remove(component)
            return


def _section(root: etree._Element, loinc: str) -> etree._Element:
    for section in root.iterfind(".//h:section", _NS):
        code = section.find("h:code", _NS)
        if code is not None and code.get("code") == loinc:
            return section
    raise ValueError(f"template lacks section {loinc}")  # pragma: no cover


def _narrative(section: etree._Element, items: list[tuple[str, str]]) -> None:
    """Replace the section text and entries: one list item per (ID, text), or one paragraph."""
    for entry in section.findall("h:entry", _NS):
        section.remove(entry)
    old = _one(section, "h:text")
    text = etree.Element(f"{{{V3}}}text")
    old.addprevious(text)
    section.remove(old)
    if len(items) == 1 and items[0][0].endswith("-none"):
        _sub(text, "paragraph", {"ID": items[0][0]}, items[0][1])
        return
    lst = _sub(text, "list")
    for ref, line in items:
        _sub(_sub(lst, "item"), "content", {"ID": ref}, line)


def _entry(section: etree._Element, attrib: dict[str, str] | None = None) -> etree._Element:
    """A new ``entry`` after the existing ones, before any sub-section ``component``."""
    entry = etree.Element(f"{{{V3}}}entry", attrib or {})
    component = section.find("h:component", _NS)
    if component is not None:
        component.addprevious(entry)
    else:
        section.append(entry)
    return entry


def _entry_act(
    section: etree._Element, template: str, entry_id: tuple[str, str], onset: date | None
) -> etree._Element:
    act = _sub(_entry(section), "act", {"classCode": "ACT", "moodCode": "EVN"})
    _sub(act, "templateId", {"root": template})
    _sub(act, "id", {"root": entry_id[0], "extension": entry_id[1]})
    _sub(act, "code", {"code": "CONC", "codeSystem": "2.16.840.1.113883.5.6"})
    _sub(act, "statusCode", {"code": "active"})
    low = {"value": _day(onset)} if onset else {"nullFlavor": "NA"}
    _sub(_sub(act, "effectiveTime"), "low", low)
    return act


def _observation(
    parent: etree._Element, template: str, entry_id: tuple[str, str]
) -> etree._Element:
    rel = _sub(parent, "entryRelationship", {"typeCode": "SUBJ", "inversionInd": "false"})
    obs = _sub(rel, "observation", {"classCode": "OBS", "moodCode": "EVN"})
    _sub(obs, "templateId", {"root": template})
    _sub(obs, "id", {"root": entry_id[0], "extension": entry_id[1]})
    return obs


def _concern(
    section: etree._Element,
    templates: tuple[str, str],
    entry_id: tuple[str, str],
    onset: date | None,
    obs_type: list[str],
    snomed: str,
    ref: str,
) -> etree._Element:
    """A concern act holding its observation: typed, referenced, completed, with its onset."""
    act = _entry_act(section, templates[0], entry_id, onset)
    obs = _observation(act, templates[1], (entry_id[0], f"{entry_id[1]}.obs"))
    _coded(obs, "code", obs_type[0], snomed, obs_type[1], "SNOMED CT")
    _sub(_sub(obs, "text"), "reference", {"value": f"#{ref}"})
    _sub(obs, "statusCode", {"code": "completed"})
    if onset is not None:
        _sub(_sub(obs, "effectiveTime"), "low", {"value": _day(onset)})
    return obs


_T = "1.3.6.1.4.1.12559.11.10.1.3.1.3."
#: (concern act, observation) templates
_ALLERGY_TEMPLATES = (_T + "16", _T + "17")
_PROBLEM_TEMPLATES = (_T + "15", _T + "7")


def _fill_allergies(
    root: etree._Element,
    doc_id: str,
    local: dict[str, Any],
    systems: dict[str, str],
    clinical: dict[str, Any],
) -> None:
    section = _section(root, "48765-2")
    labels = local["labels"]
    allergies: list[tuple[list[str], list[str]]] = clinical["allergies"]
    if not allergies:
        none = local["absent"]["no-known-allergies"]
        _narrative(section, [("allergy-none", none)])
        obs = _concern(
            section,
            _ALLERGY_TEMPLATES,
            (doc_id, "allergy.0"),
            None,
            local["allergy_type"],
            systems["SNOMED"],
            "allergy-none",
        )
        _coded(
            obs,
            "value",
            "no-known-allergies",
            systems["ABSENT"],
            none,
            "IPS Absent and Unknown Data",
            xsi_type="CD",
        )
        return
    _narrative(
        section,
        [
            (f"allergy-{n}", f"{agent[1]} ({labels['reaction']}: {reaction[1]})")
            for n, (agent, reaction) in enumerate(allergies, start=1)
        ],
    )
    for n, (agent, reaction) in enumerate(allergies, start=1):
        onset = (_BASE_TIME - timedelta(days=clinical["onset_days"][n])).date()
        obs = _concern(
            section,
            _ALLERGY_TEMPLATES,
            (doc_id, f"allergy.{n}"),
            onset,
            local["allergy_type"],
            systems["SNOMED"],
            f"allergy-{n}",
        )
        role = _sub(
            _sub(obs, "participant", {"typeCode": "CSM"}), "participantRole", {"classCode": "MANU"}
        )
        entity = _sub(role, "playingEntity", {"classCode": "MMAT"})
        _coded(entity, "code", agent[0], systems["ATC"], agent[1], "ATC")
        rel = _sub(obs, "entryRelationship", {"typeCode": "MFST", "inversionInd": "true"})
        reaction_obs = _sub(rel, "observation", {"classCode": "OBS", "moodCode": "EVN"})
        _sub(reaction_obs, "templateId", {"root": _T + "44"})
        _sub(reaction_obs, "id", {"root": doc_id, "extension": f"allergy.{n}.reaction"})
        _sub(reaction_obs, "code", {"code": "ASSERTION", "codeSystem": systems["ACTCODE"]})
        _sub(reaction_obs, "statusCode", {"code": "completed"})
        _coded(
            reaction_obs,
            "value",
            reaction[0],
            systems["SNOMED"],
            reaction[1],
            "SNOMED CT",
            xsi_type="CD",
        )


def _fill_problems(
    root: etree._Element,
    doc_id: str,
    local: dict[str, Any],
    systems: dict[str, str],
    clinical: dict[str, Any],
) -> None:
    section = _section(root, "11450-4")
    problems: list[list[str]] = clinical["problems"]
    system, system_name = local["problem_system"]
    onsets = [
        (_BASE_TIME - timedelta(days=clinical["onset_days"][3 + n])).date()
        for n in range(len(problems))
    ]
    since = local["labels"]["since"]
    _narrative(
        section,
        [
            (f"problem-{n}", f"{p[1]} ({since} {onsets[n - 1].isoformat()})")
            for n, p in enumerate(problems, start=1)
        ],
    )
    for n, problem in enumerate(problems, start=1):
        obs = _concern(
            section,
            _PROBLEM_TEMPLATES,
            (doc_id, f"problem.{n}"),
            onsets[n - 1],
            local["problem_type"],
            systems["SNOMED"],
            f"problem-{n}",
        )
        _coded(obs, "value", problem[0], system, problem[1], system_name, xsi_type="CD")


def _strength_text(strength: list[str]) -> str:
    return f"{strength[0]} {_UNIT_TEXT.get(strength[1], strength[1])}"


def _material(
    product: etree._Element,
    medication: dict[str, Any],
    lang: str,
    local: dict[str, Any],
    systems: dict[str, str],
) -> None:
    forms = _data("clinical.json")["forms"]
    names = medication[lang]
    material = _sub(
        product, "manufacturedMaterial", {"classCode": "MMAT", "determinerCode": "KIND"}
    )
    _sub(material, "name", text=names["product"])
    _coded(
        material,
        "formCode",
        medication["form"],
        systems["EDQM"],
        forms[medication["form"]][lang],
        "EDQM",
        ns=PHARM,
    )
    content = _sub(material, "asContent", {"classCode": "CONT"}, ns=PHARM)
    _sub(content, "quantity", {"value": str(medication["pack_size"]), "unit": "1"}, ns=PHARM)
    package = _sub(
        content,
        "containerPackagedProduct",
        {"classCode": "CONT", "determinerCode": "KIND"},
        ns=PHARM,
    )
    _coded(
        package,
        "formCode",
        local["package"][0],
        systems["EDQM"],
        local["package"][1],
        "EDQM",
        ns=PHARM,
    )
    kind = _sub(
        _sub(material, "asSpecializedKind", {"classCode": "GRIC"}, ns=PHARM),
        "generalizedMaterialKind",
        {"classCode": "MMAT", "determinerCode": "KIND"},
        ns=PHARM,
    )
    _coded(kind, "code", medication["atc"], systems["ATC"], names["substance"], "ATC", ns=PHARM)
    ingredient = _sub(material, "ingredient", {"classCode": "ACTI"}, ns=PHARM)
    quantity = _sub(ingredient, "quantity", ns=PHARM)
    numerator = _sub(
        quantity,
        "numerator",
        {"value": medication["strength"][0], "unit": medication["strength"][1]},
    )
    numerator.set(f"{{{_XSI}}}type", "PQ")
    denominator = _sub(quantity, "denominator", {"value": "1", "unit": "1"})
    denominator.set(f"{{{_XSI}}}type", "PQ")
    substance = _sub(
        ingredient, "ingredientSubstance", {"classCode": "MMAT", "determinerCode": "KIND"}, ns=PHARM
    )
    _coded(
        substance, "code", medication["atc"], systems["ATC"], names["substance"], "ATC", ns=PHARM
    )
    _sub(substance, "name", text=names["substance"], ns=PHARM)


def _dosage(
    admin: etree._Element,
    medication: dict[str, Any],
    start: date,
    end: date | None,
    local: dict[str, Any],
    systems: dict[str, str],
) -> None:
    period = _sub(admin, "effectiveTime")
    period.set(f"{{{_XSI}}}type", "IVL_TS")
    _sub(period, "low", {"value": _day(start)})
    if end is not None:
        _sub(period, "high", {"value": _day(end)})
    frequency = _sub(admin, "effectiveTime", {"institutionSpecified": "true", "operator": "A"})
    frequency.set(f"{{{_XSI}}}type", "PIVL_TS")
    _sub(frequency, "period", {"value": str(medication["period_h"]), "unit": "h"})
    _coded(admin, "routeCode", local["route"][0], systems["EDQM"], local["route"][1], "EDQM")
    _sub(admin, "doseQuantity", {"value": "1", "unit": "1"})


def _administration(
    entry: etree._Element, template: str, entry_id: tuple[str, str], ref: str
) -> etree._Element:
    """An active intended ``substanceAdministration`` whose text refers to ``#ref``."""
    admin = _sub(entry, "substanceAdministration", {"classCode": "SBADM", "moodCode": "INT"})
    _sub(admin, "templateId", {"root": template})
    _sub(admin, "id", {"root": entry_id[0], "extension": entry_id[1]})
    _sub(_sub(admin, "text"), "reference", {"value": f"#{ref}"})
    _sub(admin, "statusCode", {"code": "active"})
    return admin


def _fill_medications(
    root: etree._Element,
    doc_id: str,
    local: dict[str, Any],
    systems: dict[str, str],
    clinical: dict[str, Any],
    lang: str,
) -> None:
    section = _section(root, "10160-0")
    medications: list[dict[str, Any]] = clinical["medications"]
    _narrative(
        section,
        [
            (f"medication-{n}", f"{m[lang]['product']}: {m[lang]['dosage']}")
            for n, m in enumerate(medications, start=1)
        ],
    )
    for n, medication in enumerate(medications, start=1):
        start = (_BASE_TIME - timedelta(days=clinical["onset_days"][6 + n % 2])).date()
        admin = _administration(
            _entry(section), _T + "4", (doc_id, f"medication.{n}"), f"medication-{n}"
        )
        _dosage(admin, medication, start, None, local, systems)
        product = _sub(_sub(admin, "consumable"), "manufacturedProduct", {"classCode": "MANU"})
        _material(product, medication, lang, local, systems)


def _fill_procedures(
    root: etree._Element,
    doc_id: str,
    local: dict[str, Any],
    systems: dict[str, str],
    clinical: dict[str, Any],
) -> None:
    section = _section(root, "47519-4")
    procedures: list[list[str]] = clinical["procedures"]
    if not procedures:
        none = local["absent"]["no-known-procedures"]
        _narrative(section, [("procedure-none", none)])
        proc = _procedure(section, doc_id, "procedure.0")
        _coded(
            proc,
            "code",
            "no-known-procedures",
            systems["ABSENT"],
            none,
            "IPS Absent and Unknown Data",
        )
        _sub(proc, "statusCode", {"code": "completed"})
        return
    system, system_name = local["procedure_system"]
    _narrative(section, [(f"procedure-{n}", p[1]) for n, p in enumerate(procedures, start=1)])
    for n, procedure in enumerate(procedures, start=1):
        when = (_BASE_TIME - timedelta(days=clinical["onset_days"][2])).date()
        proc = _procedure(section, doc_id, f"procedure.{n}")
        code = _coded(proc, "code", procedure[0], system, procedure[1], system_name)
        _sub(_sub(code, "originalText"), "reference", {"value": f"#procedure-{n}"})
        _sub(proc, "statusCode", {"code": "completed"})
        _sub(proc, "effectiveTime", {"value": _day(when)})


def _procedure(section: etree._Element, doc_id: str, extension: str) -> etree._Element:
    proc = _sub(_entry(section), "procedure", {"classCode": "PROC", "moodCode": "EVN"})
    _sub(proc, "templateId", {"root": _T + "26"})
    _sub(proc, "id", {"root": doc_id, "extension": extension})
    return proc


def _fill_devices(
    root: etree._Element,
    doc_id: str,
    local: dict[str, Any],
    systems: dict[str, str],
    clinical: dict[str, Any],
) -> None:
    section = _section(root, "46264-8")
    devices: list[list[str]] = clinical["devices"]
    if devices:
        items = [(f"device-{n}", d[1]) for n, d in enumerate(devices, start=1)]
        codes = [(d[0], systems["SNOMED"], d[1], "SNOMED CT") for d in devices]
    else:
        none = local["absent"]["no-known-devices"]
        items = [("device-none", none)]
        codes = [("no-known-devices", systems["ABSENT"], none, "IPS Absent and Unknown Data")]
    _narrative(section, items)
    for n, (code, system, display, system_name) in enumerate(codes, start=1):
        supply = _sub(_entry(section), "supply", {"classCode": "SPLY", "moodCode": "EVN"})
        _sub(supply, "templateId", {"root": _T + "5"})
        _sub(supply, "id", {"root": doc_id, "extension": f"device.{n}"})
        role = _sub(
            _sub(supply, "participant", {"typeCode": "DEV"}),
            "participantRole",
            {"classCode": "MANU"},
        )
        device = _sub(role, "playingDevice")
        _coded(device, "code", code, system, display, system_name)


# --------------------------------------------------------------------------- documents


def _document(country: str, kind: str, index: int, n: int = 0) -> str:
    return _oid(country, str(index), kind, str(n))


def _serialize(root: etree._Element) -> bytes:
    etree.indent(root, space="  ")
    return serialize_xml(root)


def _national_document(
    *,
    doc_id: str,
    country: str,
    patient: PatientDemographics,
    class_code: DocumentClass,
    title: str,
    created: datetime,
    language: str,
    content: bytes,
    prescription: PrescriptionDetails | None = None,
) -> NationalDocument:
    digest = content_digest(content)
    metadata = DocumentMetadata(
        document_id=doc_id,
        repository_id=_oid("repository", country),
        patient=patient.primary_identifier,
        class_code=class_code.value,
        format=DocumentFormat.L3,
        title=title,
        created=created,
        language=language,
        mime_type="text/xml",
        size=digest.size,
        sha256=digest.sha256,
        sha1=digest.sha1,
        prescription=prescription,
    )
    return NationalDocument(metadata=metadata, content=content)


def _patient_summary(
    rng: random.Random,
    country: str,
    index: int,
    patient: PatientDemographics,
    clinical: dict[str, Any],
    template: bytes,
) -> NationalDocument:
    data = _data("clinical.json")
    local, systems = data[country], data["systems"]
    lang = local["language"][:2]
    created = _BASE_TIME - timedelta(days=rng.randrange(0, 365), minutes=rng.randrange(0, 600))
    doc_id = _document(country, "ps", index)
    root = parse_xml(template).getroot()
    _set_header(
        root,
        patient,
        doc_id=doc_id,
        created=created,
        title=local["labels"]["title"],
        gender_labels=local["gender"],
    )
    if patient.gender is not Gender.FEMALE:
        _drop_section(root, "10162-6")  # a template's pregnancy history
    _fill_allergies(root, doc_id, local, systems, clinical)
    _fill_medications(root, doc_id, local, systems, clinical, lang)
    _fill_problems(root, doc_id, local, systems, clinical)
    _fill_procedures(root, doc_id, local, systems, clinical)
    _fill_devices(root, doc_id, local, systems, clinical)
    return _national_document(
        doc_id=doc_id,
        country=country,
        patient=patient,
        class_code=DocumentClass.PATIENT_SUMMARY,
        title=local["labels"]["title"],
        created=created,
        language=local["language"],
        content=_serialize(root),
    )


def _eprescription(
    rng: random.Random,
    country: str,
    index: int,
    n: int,
    patient: PatientDemographics,
    medication: dict[str, Any],
) -> NationalDocument:
    data = _data("clinical.json")
    local, systems = data[country], data["systems"]
    lang = local["language"][:2]
    labels = local["labels"]
    created = _BASE_TIME - timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(0, 600))
    doc_id = _document(country, "ep", index, n)
    substitution = rng.random() < 0.7
    packages = rng.choice((1, 1, 2))
    names = medication[lang]
    root = parse_xml(_template(f"EP-{country}-friendly-template.xml")).getroot()
    title = f"{labels['ep_title']} - {names['product']}"
    _set_header(
        root, patient, doc_id=doc_id, created=created, title=title, gender_labels=local["gender"]
    )
    section = _section(root, "57828-6")
    substitution_text = labels["substitution_allowed" if substitution else "substitution_none"]
    _narrative(
        section,
        [
            ("ep-1", f"{names['product']} - {packages} {labels['packages']}"),
            ("ep-1-dosage", names["dosage"]),
            ("ep-1-substitution", substitution_text),
        ],
    )
    admin = _administration(_entry(section, {"typeCode": "COMP"}), _T + "2", (doc_id, "1"), "ep-1")
    start = created.date()
    _dosage(admin, medication, start, start + timedelta(days=90), local, systems)
    product = _sub(_sub(admin, "consumable"), "manufacturedProduct", {"classCode": "MANU"})
    _sub(product, "templateId", {"root": _T + "1"})
    _material(product, medication, lang, local, systems)
    supply = _sub(
        _sub(admin, "entryRelationship", {"typeCode": "COMP"}),
        "supply",
        {"classCode": "SPLY", "moodCode": "RQO"},
    )
    _sub(supply, "independentInd", {"value": "false"})
    _sub(supply, "quantity", {"value": str(packages), "unit": "1"})
    obs = _sub(
        _sub(admin, "entryRelationship", {"typeCode": "SUBJ", "inversionInd": "true"}),
        "observation",
        {"classCode": "OBS", "moodCode": "EVN"},
    )
    _sub(obs, "code", {"code": "SUBST", "codeSystem": systems["ACTCLASS"]})
    code, display = data["substitution"]["allowed" if substitution else "none"]
    _coded(
        obs,
        "value",
        code,
        systems["SUBSTITUTION"],
        display,
        "SubstanceAdminSubstitution",
        xsi_type="CE",
    )
    act = _sub(
        _sub(admin, "entryRelationship", {"typeCode": "SUBJ", "inversionInd": "true"}),
        "act",
        {"classCode": "ACT", "moodCode": "INT"},
    )
    _sub(act, "templateId", {"root": "1.3.6.1.4.1.19376.1.5.3.1.4.3"})
    _sub(
        act,
        "code",
        {
            "code": "PINSTRUCT",
            "codeSystem": "1.3.6.1.4.1.19376.1.5.3.2",
            "codeSystemName": "IHEActCode",
        },
    )
    _sub(_sub(act, "text"), "reference", {"value": "#ep-1-dosage"})
    _sub(act, "statusCode", {"code": "completed"})
    details = PrescriptionDetails(
        prescription_id=doc_id,
        dispensable=True,
        atc_code=medication["atc"],
        atc_display=names["substance"],
        product_name=names["product"],
        dose_form=_data("clinical.json")["forms"][medication["form"]][lang],
        strength=_strength_text(medication["strength"]),
        substitution_allowed=substitution,
    )
    return _national_document(
        doc_id=doc_id,
        country=country,
        patient=patient,
        class_code=DocumentClass.EPRESCRIPTION,
        title=title,
        created=created,
        language=local["language"],
        content=_serialize(root),
        prescription=details,
    )
