"""Small CDA snippets and catalogues for transform tests."""

from __future__ import annotations

from lxml import etree

from ncpeh.terminology import Catalogue, CodeSystem, Concept, ConceptMapping, Designation
from ncpeh.xmlsafe import parse_xml

GENDER = "2.16.840.1.113883.5.1"
LOINC = "2.16.840.1.113883.6.1"
ICD10 = "1.3.6.1.4.1.12559.11.10.1.3.1.44.2"
NATIONAL = "2.16.620.1.101.10.4.2"
TIMING = "2.16.840.1.113883.5.139"


def ps(body: str = "", header_gender: str = "") -> bytes:
    """A minimal eHDSI Patient Summary with the given body components."""
    gender = header_gender or (
        f'<administrativeGenderCode code="F" codeSystem="{GENDER}" displayName="Female"/>'
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:pharm="urn:hl7-org:pharm"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.3"/>
  <code code="60591-5" codeSystem="{LOINC}" displayName="Patient summary Document"/>
  <recordTarget><patientRole><patient>
    {gender}
  </patient></patientRole></recordTarget>
  <component><structuredBody>{body}</structuredBody></component>
</ClinicalDocument>""".encode()


def problem(code: str, system: str = ICD10, display: str = "Asthma") -> str:
    t = "1.3.6.1.4.1.12559.11.10.1.3.1.3."
    return f"""<component><section>
  <code code="11450-4" codeSystem="{LOINC}" displayName="Problem list"/>
  <entry><act classCode="ACT" moodCode="EVN"><templateId root="{t}15"/>
    <entryRelationship typeCode="SUBJ"><observation classCode="OBS" moodCode="EVN">
      <templateId root="{t}7"/>
      <value xsi:type="CD" code="{code}" codeSystem="{system}" displayName="{display}"/>
    </observation></entryRelationship></act></entry>
</section></component>"""


def catalogue(*, with_maps: bool = True) -> Catalogue:
    def c(system: str, code: str, en: str, fr: str | None, nb: str | None) -> Concept:
        ds = [Designation("en", en)]
        if fr:
            ds.append(Designation("fr", fr))
        if nb:
            ds.append(Designation("nb", nb))
        return Concept(system, code, en, tuple(ds))

    systems = [
        CodeSystem(
            GENDER,
            "http://terminology.hl7.org/CodeSystem/v3-AdministrativeGender",
            "AdministrativeGender",
            concepts=(
                c(GENDER, "F", "Female", "Féminin", "Kvinne"),
                c(GENDER, "M", "Male", "Masculin", "Mann"),
            ),
        ),
        CodeSystem(
            LOINC,
            "http://loinc.org",
            "LOINC",
            concepts=(
                c(
                    LOINC,
                    "60591-5",
                    "Patient summary Document",
                    "Synthèse médicale",
                    "Pasientsammendrag",
                ),
                c(LOINC, "11450-4", "Problem list", "Problèmes actifs", None),
            ),
        ),
        CodeSystem(
            ICD10,
            "http://hl7.org/fhir/sid/icd-10",
            "ICD-10",
            concepts=(c(ICD10, "J45", "Asthma", "Asthme", "Astma"),),
        ),
        CodeSystem(
            TIMING,
            "http://terminology.hl7.org/CodeSystem/v3-TimingEvent",
            "TimingEvent",
            concepts=(
                c(TIMING, "ACM", "before breakfast", "avant le petit déjeuner", "før frokost"),
            ),
        ),
        CodeSystem(
            NATIONAL,
            f"urn:oid:{NATIONAL}",
            "ICD9-CM Hospitais",
            concepts=(c(NATIONAL, "493", "Asma", None, None),),
        ),
    ]
    maps = [ConceptMapping("PT", NATIONAL, "493", ICD10, "J45", "Asthma")] if with_maps else []
    return Catalogue.build(systems, mappings=maps)


def parse(data: bytes) -> etree._ElementTree:
    return parse_xml(data)
