"""Helpers for the view tests: wrap hand-written CDA fragments into whole documents."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from ncpeh.documents._view import extract_view
from ncpeh.documents.models import DocumentView, Section
from ncpeh.xmlsafe import parse_xml

DATA = Path(__file__).resolve().parents[1] / "data" / "documents"

_HEAD = """<ClinicalDocument xmlns="urn:hl7-org:v3"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:pharm="urn:hl7-org:pharm" xmlns:epsos="urn:epsos-org:ep:medication">
  <templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.1.{tpl}"/>
  <id root="2.999" extension="DOC-1"/>
  <code code="{code}" codeSystem="2.16.840.1.113883.6.1"/>
  <languageCode code="{lang}"/>
  <recordTarget><patientRole><id root="2.999.1" extension="P-1"/>
    <patient><name><given>Test</given><family>Person</family></name>
    <birthTime value="19800101"/></patient></patientRole></recordTarget>
  <custodian><assignedCustodian><representedCustodianOrganization>
    <name>Custodian</name><addr><country>FR</country></addr>
  </representedCustodianOrganization></assignedCustodian></custodian>
  <component><structuredBody>{body}</structuredBody></component>
</ClinicalDocument>"""

_KINDS = {"PS": ("3", "60591-5"), "EP": ("1", "57833-6"), "ED": ("2", "60593-1")}


def document(body: str, *, kind: str = "PS", lang: str = "en-GB") -> etree._ElementTree:
    """A whole eHDSI document of ``kind`` around ``body`` (``component`` elements)."""
    tpl, code = _KINDS[kind]
    xml = _HEAD.format(tpl=tpl, code=code, lang=lang, body=body)
    return parse_xml(xml.encode("utf-8"))


def section_xml(
    loinc: str,
    entries: str,
    *,
    text: str = "<paragraph>narrative</paragraph>",
    template: str | None = None,
) -> str:
    tpl = f'<templateId root="1.3.6.1.4.1.12559.11.10.1.3.1.2.{template}"/>' if template else ""
    return (
        f'<component><section>{tpl}<code code="{loinc}" codeSystem="2.16.840.1.113883.6.1"/>'
        f"<title>T</title><text>{text}</text>{entries}</section></component>"
    )


def one_section(loinc: str, entries: str, *, kind: str = "PS", **kwargs: str) -> Section:
    view = extract_view(
        document(section_xml(loinc, entries, **kwargs), kind=kind), display_language="fr"
    )
    assert len(view.sections) == 1, view.sections
    return view.sections[0]


def load(name: str, language: str = "fr") -> DocumentView:
    tree = parse_xml((DATA / name).read_bytes())
    return extract_view(tree, display_language=language)
