"""XML signature wrapping and friends (trust-security.md §4).

Several variants are first shown to *pass* signxml on its own — the attack is
real — and then to be refused by our location pinning and by reading only the
node signxml returns as signed.
"""

from __future__ import annotations

import copy
from datetime import datetime

import pytest
from lxml import etree
from signxml.algorithms import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from ncpeh.trust import (
    AssertionSigner,
    HcpAssertion,
    InvalidAssertionError,
    SignatureError,
    Transaction,
    TrustStore,
    build_hcp_assertion,
    select_assertions,
    verify_hcp_assertion,
)
from ncpeh.trust._verify import _pin_signature_location  # white-box: structural pinning only

from .factories import DS, SAML, doctor, find, in_header

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _verify(el: etree._Element, trust: TrustStore, t0: datetime) -> HcpAssertion:
    return verify_hcp_assertion(
        el, trust=trust, expected_country="FR", transaction=Transaction.PATIENT_SUMMARY, now=t0
    )


def _signxml_alone(el: etree._Element, signer: AssertionSigner) -> etree._Element:
    """What a naive integration gets: verify() passes, signed_xml is *some* node."""
    result = XMLVerifier().verify(
        etree.tostring(el),
        x509_cert=signer.certificate,
        id_attribute="ID",
        expect_config=SignatureConfiguration(location="./"),
    )
    assert not isinstance(result, list)
    signed = result.signed_xml
    assert signed is not None
    return signed


@pytest.fixture
def genuine(fr_signer: AssertionSigner, t0: datetime) -> etree._Element:
    return build_hcp_assertion(doctor(), signer=fr_signer, now=t0, assertion_id="_genuine")


def test_moved_assertion_wrapped_in_advice(
    genuine: etree._Element, fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    """Forged outer assertion carries the genuine signature; the genuine one hides in Advice."""
    forged = copy.deepcopy(genuine)
    forged.set("ID", "_forged")
    find(forged, "saml:Subject/saml:NameID").text = "attacker"
    inner = copy.deepcopy(genuine)
    inner.remove(find(inner, "ds:Signature"))  # the signature now sits on the outer element
    advice = etree.Element(f"{{{SAML}}}Advice")
    advice.append(inner)
    find(forged, "saml:Conditions").addnext(advice)

    signed = _signxml_alone(forged, fr_signer)  # the attack passes signxml...
    assert signed.get("ID") == "_genuine"  # ...which returns the *inner* assertion
    with pytest.raises(SignatureError):
        _verify(forged, trust, t0)


def test_signed_node_must_be_the_assertion_even_without_nesting(
    genuine: etree._Element, fr_signer: AssertionSigner
) -> None:
    """Reference to a sibling id: the reference check names the problem."""
    forged = copy.deepcopy(genuine)
    forged.set("ID", "_forged")
    with pytest.raises(SignatureError, match="not the assertion"):
        _pin_signature_location(forged)


def test_duplicated_assertion_with_another_id(
    genuine: etree._Element, trust: TrustStore, t0: datetime
) -> None:
    forged = copy.deepcopy(genuine)
    forged.set("ID", "_copy")
    find(forged, "saml:Subject/saml:NameID").text = "attacker"
    header = in_header(forged, genuine)
    with pytest.raises(InvalidAssertionError, match="more than one"):
        select_assertions(header.iter(f"{{{SAML}}}Assertion"))
    received = header[0][0]
    assert received.get("ID") == "_copy"
    with pytest.raises(SignatureError, match="references '#_genuine'"):
        _verify(received, trust, t0)


def test_duplicated_id_in_the_message(
    genuine: etree._Element, trust: TrustStore, t0: datetime
) -> None:
    """Two elements with the same ID: whichever we verify, the message is ambiguous."""
    forged = copy.deepcopy(genuine)
    find(forged, "saml:Subject/saml:NameID").text = "attacker"
    header = in_header(genuine)
    decoy = etree.SubElement(header, "Decoy")
    decoy.append(forged)
    for candidate in (header[0][0], decoy[0]):
        with pytest.raises(SignatureError, match="not unique"):
            _verify(candidate, trust, t0)


def test_signature_referencing_another_element(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    """The signature is genuine but covers the Subject, not the assertion."""
    base = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    base.remove(find(base, "ds:Signature"))
    subject = find(base, "saml:Subject")
    subject.set("ID", "_subject")
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder")
    find(base, "saml:Issuer").addnext(placeholder)
    signed = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=EXC_C14N,
    ).sign(
        base,
        key=fr_signer.key,
        cert=[fr_signer.certificate],
        reference_uri="#_subject",
        id_attribute="ID",
    )
    assert etree.QName(_signxml_alone(signed, fr_signer)).localname == "Subject"
    with pytest.raises(SignatureError, match="not the assertion"):
        _verify(signed, trust, t0)


def test_comment_injection_in_name_id(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    """CVE-2017-11427 family: a comment splits the text; C14N ignores comments."""
    signed = build_hcp_assertion(
        doctor(name_id="doctor@hospital.fr.attacker.example"), signer=fr_signer, now=t0
    )
    name_id = find(signed, "saml:Subject/saml:NameID")
    name_id.text = "doctor@hospital.fr"
    comment = etree.Comment("")
    comment.tail = ".attacker.example"
    name_id.append(comment)
    assert name_id.text == "doctor@hospital.fr"  # what a naive reader of the tree sees
    hcp = _verify(signed, trust, t0)  # still validly signed...
    assert hcp.name_id == "doctor@hospital.fr.attacker.example"  # ...and we read the signed text


def test_signature_not_right_after_issuer(
    genuine: etree._Element, fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    moved = copy.deepcopy(genuine)
    sig = find(moved, "ds:Signature")
    moved.remove(sig)
    moved.append(sig)
    _signxml_alone(moved, fr_signer)  # still a valid enveloped signature
    with pytest.raises(SignatureError, match="right after"):
        _verify(moved, trust, t0)


def test_signature_missing(genuine: etree._Element, trust: TrustStore, t0: datetime) -> None:
    bare = copy.deepcopy(genuine)
    bare.remove(find(bare, "ds:Signature"))
    with pytest.raises(SignatureError, match="right after"):
        _verify(bare, trust, t0)


def test_two_signatures(genuine: etree._Element, trust: TrustStore, t0: datetime) -> None:
    doubled = copy.deepcopy(genuine)
    doubled.append(copy.deepcopy(find(doubled, "ds:Signature")))
    with pytest.raises(SignatureError, match="more than one ds:Signature"):
        _verify(doubled, trust, t0)


def test_nested_assertion(genuine: etree._Element, trust: TrustStore, t0: datetime) -> None:
    nested = copy.deepcopy(genuine)
    inner = copy.deepcopy(genuine)
    inner.set("ID", "_inner")
    inner.remove(find(inner, "ds:Signature"))
    advice = etree.Element(f"{{{SAML}}}Advice")
    advice.append(inner)
    find(nested, "saml:Conditions").addnext(advice)
    with pytest.raises(SignatureError, match="nested assertion"):
        _verify(nested, trust, t0)


def test_two_certificates_in_key_info(
    genuine: etree._Element, fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    two = copy.deepcopy(genuine)
    data = find(two, "ds:Signature/ds:KeyInfo/ds:X509Data")
    data.append(copy.deepcopy(find(data, "ds:X509Certificate")))
    with pytest.raises(SignatureError, match="exactly one X509Certificate"):
        _verify(two, trust, t0)
    garbage = copy.deepcopy(genuine)
    find(garbage, "ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate").text = "!!"
    with pytest.raises(SignatureError, match="not readable"):
        _verify(garbage, trust, t0)


def test_unexpected_transforms(genuine: etree._Element, trust: TrustStore, t0: datetime) -> None:
    odd = copy.deepcopy(genuine)
    transforms = find(odd, "ds:Signature/ds:SignedInfo/ds:Reference/ds:Transforms")
    etree.SubElement(
        transforms, f"{{{DS}}}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
    )
    with pytest.raises(SignatureError, match="transforms"):
        _verify(odd, trust, t0)


def test_inclusive_c14n_is_refused(
    genuine: etree._Element, trust: TrustStore, t0: datetime
) -> None:
    odd = copy.deepcopy(genuine)
    find(odd, "ds:Signature/ds:SignedInfo/ds:CanonicalizationMethod").set(
        "Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    )
    with pytest.raises(SignatureError, match="exclusive"):
        _verify(odd, trust, t0)


def test_weak_signature_algorithm_is_refused(
    fr_signer: AssertionSigner, trust: TrustStore, t0: datetime
) -> None:
    base = build_hcp_assertion(doctor(), signer=fr_signer, now=t0)
    base.remove(find(base, "ds:Signature"))
    find(base, "saml:Issuer").addnext(etree.Element(f"{{{DS}}}Signature", Id="placeholder"))
    weak = XMLSigner(
        method=SignatureConstructionMethod.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA224,
        digest_algorithm=DigestAlgorithm.SHA224,
        c14n_algorithm=EXC_C14N,
    ).sign(base, key=fr_signer.key, cert=[fr_signer.certificate], id_attribute="ID")
    with pytest.raises(SignatureError, match="forbidden"):
        _verify(weak, trust, t0)


def test_not_an_assertion(trust: TrustStore, t0: datetime) -> None:
    with pytest.raises(SignatureError, match="expected a SAML"):
        _verify(etree.Element("Assertion"), trust, t0)
    with pytest.raises(SignatureError, match="no ID"):
        _verify(etree.Element(f"{{{SAML}}}Assertion"), trust, t0)
