"""Property tests: whatever the catalogue and document, no coded element is lost."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from ncpeh.documents import CDA_NAMESPACES
from ncpeh.terminology import Catalogue, CodeSystem, Concept, ConceptMapping, Designation
from ncpeh.transform import transcode, translate
from ncpeh.xmlsafe import parse_xml, serialize_xml

from .helpers import ICD10, ps

SYSTEMS = [ICD10, "2.16.840.1.113883.6.96", "2.16.620.1.101.10.4.2", "1.2.250.1.213.2.12"]
codes = st.text(alphabet="ABCXYZ0123456789.-", min_size=1, max_size=6)
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
coded = st.tuples(st.sampled_from(SYSTEMS), codes, st.none() | texts)


@st.composite
def catalogue_for(draw: st.DrawFn, pairs: list[tuple[str, str, str | None]]) -> Catalogue:
    concepts: dict[str, list[Concept]] = {}
    maps = []
    for system, code, _ in pairs:
        if draw(st.booleans()):
            langs = draw(st.lists(st.sampled_from(["en", "fr", "nb", "pt"]), unique=True))
            ds = tuple(Designation(lg, draw(texts) or "x") for lg in langs)
            concepts.setdefault(system, []).append(Concept(system, code, "English", ds))
        if draw(st.booleans()):
            target = draw(codes)
            maps.append(ConceptMapping("PT", system, code, ICD10, target, None))
            concepts.setdefault(ICD10, []).append(
                Concept(ICD10, target, "Target", (Designation("fr", "Cible"),))
            )
    systems = [CodeSystem(s, f"urn:oid:{s}", s, concepts=tuple(cs)) for s, cs in concepts.items()]
    return Catalogue.build(systems, mappings=maps)


def body(pairs: list[tuple[str, str, str | None]], nest: list[bool]) -> str:
    t = "1.3.6.1.4.1.12559.11.10.1.3.1.3."
    parts = []
    for (system, code, display), nested in zip(pairs, nest, strict=True):
        disp = "" if display is None else f' displayName="{escape(display)}"'
        inner = (
            (
                f'<originalText>o</originalText><translation code="n{escape(code)}" '
                'codeSystem="9.9.9" displayName="nat"/>'
            )
            if nested
            else ""
        )
        parts.append(
            f'<component><section><entry><act classCode="ACT" moodCode="EVN">'
            f'<templateId root="{t}15"/><entryRelationship typeCode="SUBJ">'
            f'<observation classCode="OBS" moodCode="EVN"><templateId root="{t}7"/>'
            f'<value xsi:type="CD" code="{escape(code)}" codeSystem="{system}"{disp}>{inner}'
            "</value></observation></entryRelationship></act></entry></section></component>"
        )
    return "".join(parts)


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


def all_pairs(tree: etree._ElementTree) -> Counter[tuple[str, str]]:
    return Counter(
        (e.get("codeSystem", ""), e.get("code", ""))
        for e in tree.iter()
        if isinstance(e.tag, str) and e.get("codeSystem") is not None
    )


def count_coded(tree: etree._ElementTree) -> int:
    n = 0
    for e in tree.iter():
        if not isinstance(e.tag, str):
            continue
        q = etree.QName(e)
        if (
            q.namespace in CDA_NAMESPACES
            and q.localname != "translation"
            and (e.get("codeSystem") is not None or e.get("nullFlavor") == "OTH")
        ):
            n += 1
    return n


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), pairs=st.lists(coded, min_size=1, max_size=8))
def test_transcode_then_translate_never_loses_a_coded_element(
    data: st.DataObject, pairs: list[tuple[str, str, str | None]]
) -> None:
    nest = data.draw(st.lists(st.booleans(), min_size=len(pairs), max_size=len(pairs)))
    cat = data.draw(catalogue_for(pairs))
    lang = data.draw(st.sampled_from(["fr", "nb", "pt-PT", "de"]))
    tree = parse_xml(ps(body(pairs, nest)))
    before_pairs, before_count = all_pairs(tree), count_coded(tree)

    a = transcode(tree, catalogue=cat, country="PT", on_missing_mapping="flag")
    b = translate(parse_xml(serialize_xml(tree)), catalogue=cat, language=lang)
    after = b.tree

    assert not (before_pairs - all_pairs(after)), "an original coding disappeared"
    assert count_coded(after) == before_count
    assert a.report.coded_elements == b.report.coded_elements
    r = b.report
    accounted = r.translated + len(r.untranslated) + len(r.unmapped) + r.no_information
    assert accounted == r.coded_elements
    # every value in the output comes from the source or the catalogue
    for el in after.iter():
        shown = el.get("displayName") if isinstance(el.tag, str) else None
        if shown is None or etree.QName(el).localname == "translation":
            continue
        src = {d for _, _, d in pairs} | {
            "Female",
            "Patient summary Document",
            "English",
            "Target",
            "Cible",
        }
        terms = {cat.term(s, c, lg) for s, c, _ in pairs for lg in (lang, "en")} | {
            cat.term(ICD10, el.get("code", ""), lang),
            cat.term(ICD10, el.get("code", ""), "en"),
        }
        assert shown in src | terms
