"""The public surface of ncpeh.net is explicit (house-style.md §1 rule 3)."""

from __future__ import annotations

import importlib


def test_all_names_exist_and_are_public() -> None:
    name = "ncpeh.net"
    module = importlib.import_module(name)
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported))
    for item in exported:
        assert hasattr(module, item), f"{name}.{item} missing"
    public = {
        k
        for k, v in vars(module).items()
        if not k.startswith("_") and not isinstance(v, type(importlib))
    }
    assert public <= set(exported), f"not in __all__: {sorted(public - set(exported))}"


def test_errors_derive_from_ncpeh_error() -> None:
    from ncpeh.errors import NcpehError

    module = importlib.import_module("ncpeh.net")
    errors = [getattr(module, n) for n in module.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, NcpehError) for e in errors)
