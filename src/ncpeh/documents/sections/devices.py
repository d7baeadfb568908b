"""Medical devices (.2.4, LOINC 46264-8): ``supply`` .3.5 with a ``DEV`` participant.

The headline is ``participant[@typeCode='DEV']/participantRole/playingDevice/code``
(SNOMED CT or EMDN); the device identifier and implant/use dates follow.
"""

from __future__ import annotations

from lxml import etree

from ncpeh.documents.models import CodedValue, Entry, EntryField
from ncpeh.documents.sections._common import (
    N_,
    Context,
    absent_entry,
    child,
    children,
    coded,
    descend_all,
    end_of,
    field_if,
    headed_entry,
    start_of,
    usable,
)

__all__ = ["device_entry", "extract_devices"]


def device_entry(ctx: Context, supply: etree._Element) -> Entry:
    """One device in use: the device type, its identifier and dates of use."""
    role = None
    for part in children(supply, "participant"):
        if part.get("typeCode") in (None, "DEV"):
            role = child(part, "participantRole")
            if role is not None:
                break
    code = coded(ctx, child(child(role, "playingDevice"), "code"))
    absent = absent_entry("device", code)
    if absent is not None:
        return absent
    headline: CodedValue | str | None = code if usable(code) else None
    if headline is None:
        headline = ctx.referenced_text(child(supply, "text"))
    fields: list[EntryField] = []
    for ident in children(role, "id"):
        fields += field_if(N_("Device identifier"), ident.get("extension"))
    fields += field_if(N_("Start date"), start_of(ctx, supply))
    fields += field_if(N_("End date"), end_of(ctx, supply))
    return headed_entry("device", headline, code, fields)


def extract_devices(ctx: Context, section: etree._Element) -> tuple[Entry, ...]:
    return tuple(device_entry(ctx, supply) for supply in descend_all(section, "entry/supply"))
