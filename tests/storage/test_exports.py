"""Explicit public surface (house style rule 3) for storage, national and consent."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["ncpeh.storage", "ncpeh.national", "ncpeh.consent"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_names_exist_and_are_public(name: str) -> None:
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
