"""sign_registry / load_registry: round trip, tamper detection, anchors, schema."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ncpeh.registry import (
    ALG_ECDSA,
    ALG_RSA_PSS,
    RegistryContentError,
    RegistryError,
    RegistryFormatError,
    RegistrySignatureError,
    RegistryUnsignedError,
    certificate_fingerprint,
    load_registry,
    registry_summary,
    sign_registry,
)

from ..net.pki import Issued, make_ca
from .conftest import ISSUED, RegistryPki, entries


def signed(rpki: RegistryPki, authority: Issued | None = None, **kwargs) -> bytes:  # type: ignore[no-untyped-def]
    authority = authority or rpki.authority_rsa
    kwargs.setdefault("issued_at", ISSUED)
    kwargs.setdefault("version", 1)
    return sign_registry(entries(rpki), authority.key, authority.cert, **kwargs)  # type: ignore[arg-type]


def envelope(data: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(data)  # type: ignore[no-any-return]


def resign(rpki: RegistryPki, payload: dict, authority: Issued | None = None) -> bytes:  # type: ignore[type-arg]
    """Sign an arbitrary payload as the authority would (to test the schema checks)."""
    authority = authority or rpki.authority_rsa
    raw = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    assert isinstance(authority.key, rsa.RSAPrivateKey)
    sig = authority.key.sign(
        raw, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256()
    )
    return json.dumps(
        {
            "format": "ncpeh-trust-registry/1",
            "payload": base64.b64encode(raw).decode(),
            "signature": {
                "alg": ALG_RSA_PSS,
                "value": base64.b64encode(sig).decode(),
                "authority_sha256": certificate_fingerprint(authority.cert),
            },
        }
    ).encode()


def payload_of(data: bytes) -> dict:  # type: ignore[type-arg]
    return json.loads(base64.b64decode(envelope(data)["payload"]))  # type: ignore[no-any-return]


@pytest.mark.parametrize("which,alg", [("authority_rsa", ALG_RSA_PSS), ("authority_ec", ALG_ECDSA)])
def test_round_trip(rpki: RegistryPki, which: str, alg: str) -> None:
    authority: Issued = getattr(rpki, which)
    data = signed(rpki, authority, version=7)
    assert envelope(data)["signature"]["alg"] == alg
    registry = load_registry(data, anchor_cert=authority.cert)
    assert registry.version == 7
    assert registry.issued_at == ISSUED
    assert registry.countries == ("DE", "FR", "PT")
    assert registry.authority_sha256 == certificate_fingerprint(authority.cert)
    pt = registry.country("PT")
    assert pt.home_community_id == "2.16.620.1.101.10.1"
    assert pt.endpoint("xca") == "https://ncp.pt.test:8443/xca/v1"
    assert pt.exports == {"PS", "EP"} and pt.consumes == {"PS"}
    assert pt.tls_client_cert == rpki.nodes["PT"].tls_client.cert
    assert pt.tls_server_cert == rpki.nodes["PT"].tls_server.cert
    assert pt.signing_cert == rpki.nodes["PT"].signing.cert
    assert registry.country("DE").endpoints.xdr is None
    assert list(registry) == list(registry.entries) and len(registry) == 3
    assert set(registry.entries) == set(entries(rpki))


def test_payload_is_canonical_and_reproducible(rpki: RegistryPki) -> None:
    a, b = signed(rpki), signed(rpki)
    assert envelope(a)["payload"] == envelope(b)["payload"]
    raw = base64.b64decode(envelope(a)["payload"])
    assert raw == json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    assert json.loads(a) == json.loads(a.decode())  # the file itself is compact JSON
    assert b" " not in a


def test_every_single_byte_change_is_detected(rpki: RegistryPki) -> None:
    data = signed(rpki, rpki.authority_ec)
    anchor = rpki.authority_ec.cert
    load_registry(data, anchor_cert=anchor)
    for i in range(0, len(data), 4):  # every fourth byte keeps the test quick
        for replacement in (data[i] ^ 0x01, ord("A") if data[i] != ord("A") else ord("B")):
            tampered = data[:i] + bytes([replacement]) + data[i + 1 :]
            with pytest.raises(RegistryError):
                load_registry(tampered, anchor_cert=anchor)


def test_changed_payload_byte_names_the_signature(rpki: RegistryPki) -> None:
    data = signed(rpki)
    env = envelope(data)
    raw = base64.b64decode(env["payload"]).replace(b"ncp.pt.test", b"ncp.pt.evil", 1)
    env["payload"] = base64.b64encode(raw).decode()
    with pytest.raises(RegistrySignatureError, match="does not verify"):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)


def test_wrong_anchor_is_refused(rpki: RegistryPki) -> None:
    data = signed(rpki)
    with pytest.raises(RegistrySignatureError, match="not the pinned anchor"):
        load_registry(data, anchor_cert=rpki.rogue_authority.cert)


def test_rogue_signer_claiming_the_anchor_is_refused(rpki: RegistryPki) -> None:
    # Signed by another RSA key, but naming the pinned anchor's fingerprint.
    rogue = make_ca(rpki.directory, "rogue-rsa", "registry authority", kind="rsa")
    env = envelope(signed(rpki, rogue))
    env["signature"]["authority_sha256"] = certificate_fingerprint(rpki.authority_rsa.cert)
    with pytest.raises(RegistrySignatureError, match="does not verify"):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)


def test_algorithm_comes_from_the_anchor_not_the_file(rpki: RegistryPki) -> None:
    env = envelope(signed(rpki))
    env["signature"]["alg"] = ALG_ECDSA
    with pytest.raises(RegistrySignatureError, match="does not match the anchor"):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)


def test_unsigned_data_is_never_trusted(rpki: RegistryPki) -> None:
    data = signed(rpki)
    plain = json.dumps(payload_of(data)).encode()
    with pytest.raises(RegistryUnsignedError, match="not signed"):
        load_registry(plain, anchor_cert=rpki.authority_rsa.cert)
    env = envelope(data)
    del env["signature"]
    with pytest.raises(RegistryUnsignedError):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)


@pytest.mark.parametrize(
    "data,match",
    [
        (b"\xff\xfe", "not JSON"),
        (b"[]", "expected an object"),
        (b'{"format":"ncpeh-trust-registry/1","payload":"","signature":{}}', "missing"),
    ],
)
def test_garbage_is_a_format_error(rpki: RegistryPki, data: bytes, match: str) -> None:
    with pytest.raises(RegistryFormatError, match=match):
        load_registry(data, anchor_cert=rpki.authority_rsa.cert)


def test_unknown_envelope_format_or_extra_keys(rpki: RegistryPki) -> None:
    env = envelope(signed(rpki))
    env["format"] = "ncpeh-trust-registry/2"
    with pytest.raises(RegistryFormatError, match="unsupported"):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)
    env = envelope(signed(rpki))
    env["comment"] = "hi"
    with pytest.raises(RegistryFormatError, match="unknown"):
        load_registry(json.dumps(env).encode(), anchor_cert=rpki.authority_rsa.cert)


def test_signed_but_invalid_payloads(rpki: RegistryPki) -> None:
    anchor = rpki.authority_rsa.cert
    good = payload_of(signed(rpki))

    bad_cc = json.loads(json.dumps(good))
    bad_cc["countries"][0]["country"] = "fr"
    with pytest.raises(RegistryContentError, match=r"countries\[0\].*two upper-case"):
        load_registry(resign(rpki, bad_cc), anchor_cert=anchor)

    http = json.loads(json.dumps(good))
    http["countries"][1]["endpoints"]["xca"] = "http://ncp.fr.test/xca"
    with pytest.raises(RegistryContentError, match="https"):
        load_registry(resign(rpki, http), anchor_cert=anchor)

    missing = json.loads(json.dumps(good))
    del missing["countries"][2]["certificates"]["signing"]
    with pytest.raises(RegistryFormatError, match=r"countries\[2\]\.certificates: missing"):
        load_registry(resign(rpki, missing), anchor_cert=anchor)

    not_pem = json.loads(json.dumps(good))
    not_pem["countries"][0]["certificates"]["tls_client"] = "hello"
    with pytest.raises(RegistryFormatError, match="tls_client: not a PEM"):
        load_registry(resign(rpki, not_pem), anchor_cert=anchor)

    duplicate = json.loads(json.dumps(good))
    duplicate["countries"].append(duplicate["countries"][0])
    with pytest.raises(RegistryContentError, match="twice"):
        load_registry(resign(rpki, duplicate), anchor_cert=anchor)

    version = json.loads(json.dumps(good))
    version["version"] = "3"
    with pytest.raises(RegistryFormatError, match="version: expected an integer"):
        load_registry(resign(rpki, version), anchor_cert=anchor)


def test_issue_time_rules(rpki: RegistryPki) -> None:
    anchor = rpki.authority_rsa.cert
    data = signed(rpki, issued_at=ISSUED)
    load_registry(data, anchor_cert=anchor, now=ISSUED - dt.timedelta(seconds=59))
    with pytest.raises(RegistryContentError, match="future"):
        load_registry(data, anchor_cert=anchor, now=ISSUED - dt.timedelta(seconds=61))
    before_anchor = anchor.not_valid_before_utc - dt.timedelta(days=1)
    with pytest.raises(RegistrySignatureError, match="not valid at the issue time"):
        load_registry(signed(rpki, issued_at=before_anchor), anchor_cert=anchor)
    with pytest.raises(RegistryContentError, match="timezone"):
        signed(rpki, issued_at=dt.datetime(2026, 1, 1))  # noqa: DTZ001 - on purpose


def test_signer_refuses_mismatched_or_weak_keys(rpki: RegistryPki) -> None:
    with pytest.raises(RegistrySignatureError, match="does not match"):
        sign_registry(entries(rpki), rpki.authority_ec.key, rpki.authority_rsa.cert)  # type: ignore[arg-type]
    weak = make_ca(rpki.directory, "weak", "weak authority", kind="rsa1024")
    with pytest.raises(RegistrySignatureError, match="2048"):
        sign_registry(entries(rpki), weak.key, weak.cert)  # type: ignore[arg-type]
    with pytest.raises(RegistryContentError, match="version"):
        signed(rpki, version=0)


def test_summary_is_json_ready(rpki: RegistryPki) -> None:
    summary = registry_summary(load_registry(signed(rpki), anchor_cert=rpki.authority_rsa.cert))
    text = json.dumps(summary)
    assert "BEGIN CERTIFICATE" not in text
    assert summary["countries"]["PT"]["exports"] == ["EP", "PS"]  # type: ignore[index]
