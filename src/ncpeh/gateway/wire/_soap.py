"""SOAP envelopes with WS-Addressing and a WS-Security header carrying SAML assertions.

eHDSI NCP-to-NCP traffic is SOAP 1.2 with WS-Addressing (``Action``,
``MessageID``, ``To``, ``RelatesTo``) and a ``wsse:Security`` header holding the
signed HCP (and TRC) assertions; only the assertions are signed, the body relies
on mTLS (``ehdsi-flows.md`` §1, ``trust-security.md`` §1). The parser also reads
SOAP 1.1 (the gematik samples) and bodies sent without an envelope
(``load_payload``), so conformance samples and odd peers can be handled.

The parser refuses ambiguity that could be used for wrapping or confusion:
two ``Header``/``Body`` elements, two ``Security`` headers, repeated WS-A
headers. Header blocks marked ``mustUnderstand`` that we do not process are
listed in :attr:`SoapEnvelope.not_understood`, for the edge to fault on.

SOAP faults carry the eHDSI error code. The eHDSI fault layout is behind the
EC login **[unknown]**; we put the code in an ebRS ``RegistryError`` inside
``Detail`` (the structure eHDSI already uses for XCA/XDR errors) and at the
start of the reason text, and read either back **[inferred]**.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from lxml import etree

from ncpeh.gateway.wire._errors import SoapEnvelopeError
from ncpeh.gateway.wire._ns import (
    RS_NS,
    SAML_NS,
    SEVERITY_ERROR,
    SOAP11_NS,
    SOAP12_NS,
    WSA_ANONYMOUS,
    WSA_NS,
    WSSE_NS,
    q,
)
from ncpeh.gateway.wire._xml import attr, elements, sub, text_of
from ncpeh.xmlsafe import DEFAULT_MAX_BYTES, parse_xml

__all__ = [
    "Addressing",
    "FaultCode",
    "SoapEnvelope",
    "SoapFault",
    "SoapVersion",
    "build_envelope",
    "build_soap_fault",
    "load_payload",
    "parse_soap_envelope",
    "parse_soap_fault",
]

_UNDERSTOOD = frozenset(
    {
        q(WSA_NS, "Action"),
        q(WSA_NS, "MessageID"),
        q(WSA_NS, "To"),
        q(WSA_NS, "RelatesTo"),
        q(WSA_NS, "ReplyTo"),
        q(WSSE_NS, "Security"),
    }
)
_CODE_IN_REASON = re.compile(r"^\s*((?:EHDSI_)?(?:ERROR|WARNING)_[A-Z0-9_]+|[0-9]{4})\b")


class SoapVersion(StrEnum):
    """The envelope namespace: SOAP 1.2 on eHDSI links, 1.1 in some samples."""

    SOAP_12 = SOAP12_NS
    SOAP_11 = SOAP11_NS


class FaultCode(StrEnum):
    """Who is at fault: the requester (``Sender``) or us (``Receiver``)."""

    SENDER = "Sender"
    RECEIVER = "Receiver"


@dataclass(frozen=True, slots=True)
class Addressing:
    """WS-Addressing message information headers.

    Example:
        >>> req = Addressing.new_request("urn:ihe:iti:2007:CrossGatewayQuery")
        >>> res = Addressing.response_to(req, "urn:ihe:iti:2007:CrossGatewayQueryResponse")
        >>> res.relates_to == req.message_id
        True
    """

    action: str
    message_id: str | None = None
    to: str | None = None
    relates_to: str | None = None
    reply_to: str | None = None

    @classmethod
    def new_request(cls, action: str, *, to: str | None = None) -> Addressing:
        """A request with a fresh ``urn:uuid:`` MessageID and an anonymous ReplyTo."""
        return cls(
            action=action, message_id=f"urn:uuid:{uuid.uuid4()}", to=to, reply_to=WSA_ANONYMOUS
        )

    @classmethod
    def response_to(cls, request: Addressing, action: str) -> Addressing:
        """The response headers: a fresh MessageID and ``RelatesTo`` = the request's."""
        return cls(
            action=action, message_id=f"urn:uuid:{uuid.uuid4()}", relates_to=request.message_id
        )


@dataclass(frozen=True, slots=True)
class SoapEnvelope:
    """A parsed envelope.

    Attributes:
        version: SOAP 1.2 or 1.1.
        addressing: WS-A headers, ``None`` when the message has none (gematik samples).
        assertions: the ``saml2:Assertion`` children of ``wsse:Security``, untouched;
            hand them to :func:`ncpeh.trust.select_assertions` and verify them there.
        payload: the single element child of ``Body``.
        not_understood: header blocks marked ``mustUnderstand`` we do not process.
    """

    version: SoapVersion
    addressing: Addressing | None
    assertions: tuple[etree._Element, ...]
    payload: etree._Element
    not_understood: tuple[str, ...] = ()

    @property
    def is_fault(self) -> bool:
        return self.payload.tag == q(self.version.value, "Fault")


@dataclass(frozen=True, slots=True)
class SoapFault:
    """A SOAP fault and the eHDSI error code it carries (when any)."""

    code: FaultCode
    reason: str
    ehdsi_code: str | None = None


def parse_soap_envelope(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SoapEnvelope:
    """Parse a SOAP 1.2 or 1.1 envelope with the hardened parser.

    Raises:
        XmlInputError: not acceptable XML (DOCTYPE, too large, malformed).
        SoapEnvelopeError: not an envelope, or an ambiguous header.
    """
    root = parse_xml(data, max_bytes=max_bytes, source="SOAP message").getroot()
    return envelope_from_element(root)


def envelope_from_element(root: etree._Element) -> SoapEnvelope:
    """:func:`parse_soap_envelope` for an already parsed tree."""
    ns = etree.QName(root).namespace
    if etree.QName(root).localname != "Envelope" or ns not in (SOAP12_NS, SOAP11_NS):
        raise SoapEnvelopeError(f"not a SOAP envelope: {root.tag}")
    version = SoapVersion(ns)
    children = elements(root)
    headers = [c for c in children if c.tag == q(ns, "Header")]
    bodies = [c for c in children if c.tag == q(ns, "Body")]
    if len(bodies) != 1 or len(headers) > 1:
        raise SoapEnvelopeError("an envelope has at most one Header and exactly one Body")
    if any(c.tag not in (q(ns, "Header"), q(ns, "Body")) for c in children):
        raise SoapEnvelopeError("unexpected element in the SOAP envelope")
    if headers and children.index(headers[0]) > children.index(bodies[0]):
        raise SoapEnvelopeError("SOAP Header must precede Body")
    payloads = elements(bodies[0])
    if len(payloads) != 1:
        raise SoapEnvelopeError(f"SOAP Body must hold one element, found {len(payloads)}")
    addressing, assertions, not_understood = _read_header(headers[0] if headers else None, ns)
    return SoapEnvelope(
        version=version,
        addressing=addressing,
        assertions=assertions,
        payload=payloads[0],
        not_understood=not_understood,
    )


def load_payload(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The message element of ``data``: the Body child of an envelope, or the root itself.

    Some peers and samples (``AdhocQueryResponse_031.xml``) carry the bare body
    element without an envelope.
    """
    root = parse_xml(data, max_bytes=max_bytes, source="message").getroot()
    if etree.QName(root).localname == "Envelope" and etree.QName(root).namespace in (
        SOAP12_NS,
        SOAP11_NS,
    ):
        return envelope_from_element(root).payload
    return root


def build_envelope(
    payload: etree._Element,
    *,
    addressing: Addressing | None,
    assertions: Sequence[etree._Element] = (),
    version: SoapVersion = SoapVersion.SOAP_12,
) -> etree._Element:
    """Wrap ``payload`` in an envelope with WS-A and (when given) a ``wsse:Security`` header.

    ``Action`` and ``To`` are marked ``mustUnderstand`` as OpenNCP does. The
    assertions are deep-copied byte-for-byte into the header (never re-serialised
    from models: their signatures cover the exact content). ``payload`` is
    copied too, so the caller's tree is not modified.
    """
    ns = version.value
    env = etree.Element(q(ns, "Envelope"), nsmap={"env": ns})
    header = etree.SubElement(env, q(ns, "Header"), nsmap={"wsa": WSA_NS})
    must = {q(ns, "mustUnderstand"): "1"}  # as OpenNCP writes it; valid in SOAP 1.1 and 1.2
    if addressing is not None:
        sub(header, q(WSA_NS, "Action"), addressing.action, **must)
        if addressing.message_id:
            sub(header, q(WSA_NS, "MessageID"), addressing.message_id)
        if addressing.to:
            sub(header, q(WSA_NS, "To"), addressing.to, **must)
        if addressing.relates_to:
            sub(header, q(WSA_NS, "RelatesTo"), addressing.relates_to)
        if addressing.reply_to:
            reply = sub(header, q(WSA_NS, "ReplyTo"))
            sub(reply, q(WSA_NS, "Address"), addressing.reply_to)
    if assertions:
        security = etree.SubElement(header, q(WSSE_NS, "Security"), nsmap={"wsse": WSSE_NS})
        for assertion in assertions:
            if assertion.tag != q(SAML_NS, "Assertion"):
                raise SoapEnvelopeError(
                    f"only SAML assertions go in wsse:Security, got {assertion.tag}"
                )
            security.append(copy.deepcopy(assertion))
    body = etree.SubElement(env, q(ns, "Body"))
    body.append(copy.deepcopy(payload))
    return env


def build_soap_fault(
    fault: SoapFault, *, version: SoapVersion = SoapVersion.SOAP_12
) -> etree._Element:
    """The ``Fault`` element (put it in a Body with :func:`build_envelope`)."""
    ns = version.value
    reason = f"{fault.ehdsi_code}: {fault.reason}" if fault.ehdsi_code else fault.reason
    el = etree.Element(q(ns, "Fault"), nsmap={"env": ns})
    if version is SoapVersion.SOAP_12:
        code = sub(el, q(ns, "Code"))
        sub(code, q(ns, "Value"), f"env:{fault.code.value}")
        reason_el = sub(el, q(ns, "Reason"))
        sub(
            reason_el, q(ns, "Text"), reason, **{"{http://www.w3.org/XML/1998/namespace}lang": "en"}
        )
        detail_tag = q(ns, "Detail")
    else:
        legacy = "Client" if fault.code is FaultCode.SENDER else "Server"
        sub(el, "faultcode", f"env:{legacy}")
        sub(el, "faultstring", reason)
        detail_tag = "detail"
    if fault.ehdsi_code:
        detail = sub(el, detail_tag)
        errors = etree.SubElement(
            detail,
            q(RS_NS, "RegistryErrorList"),
            nsmap={"rs": RS_NS},
            highestSeverity=SEVERITY_ERROR,
        )
        sub(
            errors,
            q(RS_NS, "RegistryError"),
            errorCode=fault.ehdsi_code,
            codeContext=fault.reason,
            severity=SEVERITY_ERROR,
        )
    return el


def parse_soap_fault(payload: etree._Element) -> SoapFault:
    """Read a SOAP 1.2 or 1.1 ``Fault`` element.

    Raises:
        SoapEnvelopeError: ``payload`` is not a Fault.
    """
    ns = etree.QName(payload).namespace
    if etree.QName(payload).localname != "Fault" or ns not in (SOAP12_NS, SOAP11_NS):
        raise SoapEnvelopeError(f"not a SOAP fault: {payload.tag}")
    if ns == SOAP12_NS:
        value = text_of(payload.find(f"{{{ns}}}Code/{{{ns}}}Value")) or ""
        reason = text_of(payload.find(f"{{{ns}}}Reason/{{{ns}}}Text")) or ""
        detail = payload.find(q(ns, "Detail"))
        sender = value.rpartition(":")[2] == "Sender"
    else:
        value = text_of(payload.find("faultcode")) or ""
        reason = text_of(payload.find("faultstring")) or ""
        detail = payload.find("detail")
        sender = value.rpartition(":")[2].split(".")[0] == "Client"
    code: str | None = None
    if detail is not None:
        error = detail.find(f".//{{{RS_NS}}}RegistryError")
        code = attr(error, "errorCode")
    match = _CODE_IN_REASON.match(reason)
    if match is not None:
        code = code or match.group(1)
        if reason[match.end() :].startswith(":"):
            reason = reason[match.end() + 1 :].strip()
    return SoapFault(
        code=FaultCode.SENDER if sender else FaultCode.RECEIVER, reason=reason, ehdsi_code=code
    )


def _read_header(
    header: etree._Element | None, soap_ns: str
) -> tuple[Addressing | None, tuple[etree._Element, ...], tuple[str, ...]]:
    if header is None:
        return None, (), ()
    blocks = elements(header)
    seen: dict[str, etree._Element] = {}
    for block in blocks:
        if block.tag in _UNDERSTOOD:
            if block.tag in seen:
                raise SoapEnvelopeError(f"header {etree.QName(block).localname} appears twice")
            seen[block.tag] = block
    not_understood = tuple(
        block.tag
        for block in blocks
        if block.tag not in _UNDERSTOOD
        and (attr(block, q(soap_ns, "mustUnderstand")) or "").lower() in ("1", "true")
    )
    addressing = None
    if any(etree.QName(tag).namespace == WSA_NS for tag in seen):
        action = text_of(seen.get(q(WSA_NS, "Action")))
        if action is None:
            raise SoapEnvelopeError("WS-Addressing headers without an Action")
        reply = seen.get(q(WSA_NS, "ReplyTo"))
        addressing = Addressing(
            action=action,
            message_id=text_of(seen.get(q(WSA_NS, "MessageID"))),
            to=text_of(seen.get(q(WSA_NS, "To"))),
            relates_to=text_of(seen.get(q(WSA_NS, "RelatesTo"))),
            reply_to=text_of(reply.find(q(WSA_NS, "Address"))) if reply is not None else None,
        )
    security = seen.get(q(WSSE_NS, "Security"))
    assertions: tuple[etree._Element, ...] = ()
    if security is not None:
        assertions = tuple(c for c in elements(security) if c.tag == q(SAML_NS, "Assertion"))
    return addressing, assertions, not_understood
