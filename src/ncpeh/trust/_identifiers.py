"""Patient identifiers compared as (assigning authority OID, id), never as substrings.

The TRC carries the patient in HL7v2 CX form ``<id>^^^&<OID>&ISO``
(``ehdsi-flows.md`` §4, e.g. ``0410009234^^^&1.2.208.176.1.2&ISO``); XDS query
slots quote it (``'…'``) and XCPD uses an HL7v3 ``II`` (root = OID, extension = id).
OpenNCP never emitted ``4206`` on a mismatch (``trust-security.md`` §3); we
compare exactly on every transaction, so the comparison must be on parsed parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PatientId"]

_OID = re.compile(r"^[0-2](\.(0|[1-9][0-9]*))+$")


@dataclass(frozen=True, slots=True, order=True)
class PatientId:
    """A patient identifier: ``root`` is the assigning-authority OID, ``extension`` the id.

    Example:
        >>> PatientId.from_cx("0410009234^^^&1.2.208.176.1.2&ISO")
        PatientId(root='1.2.208.176.1.2', extension='0410009234')
        >>> PatientId("1.2.208.176.1.2", "0410009234").to_cx()
        '0410009234^^^&1.2.208.176.1.2&ISO'
    """

    root: str
    extension: str

    def __post_init__(self) -> None:
        if not _OID.match(self.root):
            raise ValueError(f"patient id root is not an OID: {self.root!r}")
        if not self.extension or self.extension != self.extension.strip():
            raise ValueError(f"patient id is empty or padded: {self.extension!r}")
        if any(ch in self.extension for ch in "^&'"):
            raise ValueError(f"patient id contains a CX delimiter: {self.extension!r}")

    @classmethod
    def from_cx(cls, value: str) -> PatientId:
        """Parse ``id^^^&OID&ISO``; tolerates surrounding whitespace and XDS quotes.

        Raises:
            ValueError: not a CX identifier with an ISO OID assigning authority.
        """
        text = value.strip()
        if len(text) >= 2 and text[0] == text[-1] == "'":
            text = text[1:-1].strip()
        parts = text.split("^")
        if len(parts) < 4:
            raise ValueError(f"not a CX identifier: {value!r}")
        # CX.4 is namespace&universal-id&ISO. eHDSI leaves the namespace empty, but
        # national forms fill it (``ASIP-SANTE-INS-NIR&1.2.250.1.213.1.4.8&ISO``);
        # identity is the OID. CX.2/CX.3 (check digit) and CX.5+ do not change it.
        authority = parts[3].split("&")
        if len(authority) != 3 or authority[2] != "ISO" or not authority[1]:
            raise ValueError(f"CX assigning authority is not '&<OID>&ISO': {value!r}")
        return cls(authority[1], parts[0])

    def to_cx(self) -> str:
        """The CX form used in TRC assertions and XDS slots (unquoted)."""
        return f"{self.extension}^^^&{self.root}&ISO"

    def __str__(self) -> str:
        return self.to_cx()
