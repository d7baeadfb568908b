"""CLI plumbing: atomic output files, one-line errors, exit codes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

import orjson
import typer

from ncpeh import files
from ncpeh.errors import NcpehError

#: Exit codes (documented in docs/cli.md).
EXIT_OK = 0
EXIT_FINDINGS = 1  # validate found errors
EXIT_BAD_INPUT = 2  # unreadable, hostile or unsupported input; bad options
EXIT_WITHHELD = 3  # transcoding withheld the document (missing mapping)
EXIT_INTERNAL = 70

P = ParamSpec("P")
R = TypeVar("R")


class CliExit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def fail(message: str, code: int = EXIT_BAD_INPUT) -> CliExit:
    typer.echo(f"error: {' '.join(message.split())}", err=True)
    return CliExit(code)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` completely or not at all; failures exit with one line."""
    try:
        (path.parent if str(path.parent) else Path(".")).mkdir(parents=True, exist_ok=True)
        files.write_atomic(path, data)
    except OSError as exc:
        raise fail(f"{path}: cannot write: {exc.strerror}") from None


def write_json(path: Path, data: object) -> None:
    write_atomic(path, orjson.dumps(data, option=orjson.OPT_INDENT_2) + b"\n")


def guarded(func: Callable[P, R]) -> Callable[P, R]:
    """Turn every failure into a one-line message and an exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CliExit as exc:
            raise typer.Exit(exc.code) from None
        except NcpehError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if os.environ.get("NCPEH_DEBUG"):
                raise
            typer.echo(
                f"internal error: {type(exc).__name__}: {exc} (set NCPEH_DEBUG=1 for details)",
                err=True,
            )
            raise typer.Exit(EXIT_INTERNAL) from None

    return wrapper


def echo(message: str) -> None:
    sys.stdout.write(message + "\n")
