"""One settings object (12-factor): environment variables with prefix ``NCPEH_``.

Reach it through :func:`get_settings` at the edge (CLI, web app) and pass the
values down; the core never reads the environment.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ncpeh.xmlsafe import DEFAULT_MAX_BYTES

__all__ = ["Settings", "get_settings"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NCPEH_", env_file=".env", extra="ignore")

    #: directory of imported FHIR terminology (``ncpeh terminology import``)
    catalogue_dir: Path = Field(default=Path("var/catalogue"))
    #: load the synthetic demo catalogue shipped in the package as well
    demo_catalogue: bool = True
    #: ceiling for one XML document, in bytes
    max_document_bytes: int = Field(default=DEFAULT_MAX_BYTES, gt=0)
    #: what transcoding does with a national code that has no MVC mapping
    on_missing_mapping: str = Field(default="withhold", pattern="^(withhold|flag)$")


def get_settings() -> Settings:
    return Settings()
