from __future__ import annotations

import ncpeh.gateway.wire as wire
from ncpeh.errors import NcpehError


def test_public_names_are_exported_and_importable() -> None:
    assert len(set(wire.__all__)) == len(wire.__all__)
    for name in wire.__all__:
        obj = getattr(wire, name)
        module = getattr(obj, "__module__", "ncpeh.gateway.wire")
        if isinstance(obj, str):
            continue
        assert module.startswith("ncpeh.gateway.wire"), name
    public = {n for n in dir(wire) if not n.startswith("_")}
    assert public - set(wire.__all__) == set()


def test_every_message_has_a_builder_and_a_parser() -> None:
    kinds = (
        "xcpd_request", "xcpd_response", "query_request", "query_response",
        "retrieve_request", "retrieve_response", "registry_response", "soap_fault",
    )  # fmt: skip
    for kind in kinds:
        assert f"build_{kind}" in wire.__all__
        assert f"parse_{kind}" in wire.__all__
    assert {"build_provide_and_register", "parse_provide_and_register"} <= set(wire.__all__)


def test_the_docstring_draws_every_exception() -> None:
    errors = [
        n
        for n in wire.__all__
        if isinstance(getattr(wire, n), type) and issubclass(getattr(wire, n), BaseException)
    ]
    assert len(errors) == 6
    for name in errors:
        assert issubclass(getattr(wire, name), NcpehError)
        assert name in (wire.__doc__ or ""), name
    assert not issubclass(wire.RegistryError, BaseException)  # a message part, not an exception
