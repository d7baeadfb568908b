"""The public surface is explicit, and the core stays free of web, DB and HTTP code."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = [
    "ncpeh.xmlsafe",
    "ncpeh.terminology",
    "ncpeh.documents",
    "ncpeh.transform",
    "ncpeh.net",
    "ncpeh.registry",
    "ncpeh.storage",
    "ncpeh.national",
    "ncpeh.consent",
    "ncpeh.trust",
    "ncpeh.gateway",
    "ncpeh.gateway.wire",
    "ncpeh.render",
]
#: packages whose exported ``...Error`` names are all exceptions (in ``ncpeh.gateway.wire``,
#: ``RegistryError`` is a message part)
ERROR_PACKAGES = [
    "ncpeh.net",
    "ncpeh.registry",
    "ncpeh.storage",
    "ncpeh.national",
    "ncpeh.consent",
    "ncpeh.trust",
    "ncpeh.gateway",
    "ncpeh.render",
]


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


@pytest.mark.parametrize("name", ERROR_PACKAGES)
def test_errors_derive_from_ncpeh_error(name: str) -> None:
    from ncpeh.errors import NcpehError

    module = importlib.import_module(name)
    errors = [getattr(module, n) for n in module.__all__ if n.endswith("Error")]
    assert errors and all(issubclass(e, NcpehError) for e in errors)


def _loaded_after_import(packages: str, candidates: tuple[str, ...]) -> str:
    """Which of ``candidates`` a fresh interpreter has loaded after importing ``packages``."""
    code = f"import sys, {packages}\nprint(','.join(m for m in {candidates!r} if m in sys.modules))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_core_never_imports_web_db_or_http() -> None:
    out = _loaded_after_import(
        "ncpeh.transform, ncpeh.terminology, ncpeh.documents, ncpeh.xmlsafe",
        (
            "httpx",
            "sqlalchemy",
            "starlette",
            "fastapi",
            "uvicorn",
            "psycopg",
            "alembic",
            "typer",
            "jinja2",
        ),
    )
    assert out == ""


def test_registry_needs_no_web_or_http_stack() -> None:
    out = _loaded_after_import("ncpeh.registry", ("httpx", "httpcore", "starlette", "uvicorn"))
    assert out == ""
