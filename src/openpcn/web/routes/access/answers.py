"""What the access pages and API answer: `openpcn.access` results, cached per app.

Published appointments are public data, so the ICS's published figures are open to every
signed-in role. Recorded figures come from the patient records: at ICS level they are exact
counts, shown to the roles that may see ICS-wide figures (`sees_ics`), each view written to the
audit log, and left out for the rest; a PCN's view follows the PCN pages' scope rules, and its
recorded counts are disclosed by the capability (no audit: nothing exact is shown).
"""

from __future__ import annotations

from typing import Any

from openpcn.access.summary import access_summary, pcn_access
from openpcn.web.kit.access import (
    Ask,
    ics_code,
    ics_footprint,
    open_pcn,
    record_view,
    sees_ics,
)
from openpcn.web.kit.cache import Cache
from openpcn.web.routes.access.params import Months

cached = Cache("access", size=128)
WITHHELD = (
    "figures recorded in the patient records are shown at ICS level only to ICS-wide roles; "
    "open your PCN's access page for its own"
)


def ics_access(ask: Ask, ics: str, months: Months) -> dict[str, Any]:
    """The ICS's summary; recorded months only for those who may see ICS-wide figures."""
    code = ics_code(ics)
    key = ("ics", code, months.first, months.last)
    result = cached.query(
        ask.request, key, lambda con: access_summary(con, code, months.first, months.last)
    )
    if sees_ics(ask, ics_footprint(ask, code)):
        if result["recorded"]:
            shown = sum(m["appointments"] for m in result["recorded"])
            record_view(ask, scope=f"ics:{code}:access-recorded", rows=shown)
        return result
    return result | {"recorded": [], "notes": [*result["notes"], WITHHELD]}


def pcn_view(ask: Ask, code: str, months: Months) -> dict[str, Any]:
    """A PCN's summary (404 unknown, 403 out of scope); recorded counts disclosed."""
    detail = open_pcn(ask, code)
    key = ("pcn", detail["code"], months.first, months.last)
    return cached.query(
        ask.request, key, lambda con: pcn_access(con, detail["code"], months.first, months.last)
    ) | {"commissioner": detail["commissioner"]}
