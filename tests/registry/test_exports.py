"""The public surface of ncpeh.registry is explicit, and it needs no web stack."""

from __future__ import annotations

import importlib
import subprocess
import sys


def test_all_names_exist_and_are_public() -> None:
    module = importlib.import_module("ncpeh.registry")
    exported = module.__all__
    assert sorted(exported) == sorted(set(exported))
    for item in exported:
        assert hasattr(module, item), f"ncpeh.registry.{item} missing"
    public = {
        k
        for k, v in vars(module).items()
        if not k.startswith("_") and not isinstance(v, type(importlib))
    }
    assert public <= set(exported), f"not in __all__: {sorted(public - set(exported))}"


def test_errors_derive_from_ncpeh_error() -> None:
    from ncpeh.errors import NcpehError

    module = importlib.import_module("ncpeh.registry")
    errors = [getattr(module, n) for n in module.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, NcpehError) for e in errors)


def test_registry_needs_no_web_or_http_stack() -> None:
    code = (
        "import sys, ncpeh.registry\n"
        "print(','.join(m for m in ('httpx', 'httpcore', 'starlette', 'uvicorn') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
