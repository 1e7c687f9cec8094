"""The ICS report's "Funding and workforce" section: what each PCN is owed (from
`openpcn.funding.report`) and the ICS's GP workforce indicators.

It lives with workforce because workforce reads funding (the ARR sum is a funding stream) and
funding never reads workforce.
"""

from __future__ import annotations

import ibis

from openpcn.figures import Audience, Figures, Section, SectionData
from openpcn.funding.report import funding_figures
from openpcn.orgs.dates import DateLike, as_date
from openpcn.workforce.indicators import staffing_indicators


def funding_workforce(con: ibis.BaseBackend, ics: str, date: DateLike) -> SectionData | None:
    """Entitlements per PCN for the date's financial year, and the GP workforce indicators;
    None when the funding rules do not cover the date."""
    f = Figures("funding_workforce")
    funding = funding_figures(con, ics, date, f)
    if funding is None:
        return None
    day = as_date(date).isoformat()
    staff = staffing_indicators(con, None, ics, as_date(date))
    workforce = staff["ics"]
    f.add("gp_fte", workforce["gp_fte"], "decimal")
    f.add("gp_fte_per_10k", workforce["gp_fte_per_10k"], "decimal")
    f.add("gp_55_plus_pct", workforce["gp_55_plus_pct"], "pct")
    workforce_source = str(staff["source"]["detail"])
    return {
        "year": funding["year"],
        "pcns": funding["pcns"],
        "unconfirmed": funding["unconfirmed"],
        "workforce_source": workforce_source,
        "figures": f.items,
        "charts": [funding["chart"]],
        "sources": {
            "entitlements": funding["source"],
            "workforce": {"source": workforce_source, "date": day},
        },
    }


SECTION = Section(
    "funding_workforce", "Funding and workforce", funding_workforce, Audience.ICS_WIDE
)
