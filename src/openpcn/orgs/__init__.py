"""The ICS > PCN > practice hierarchy over time, its formation rules, and custom groupings.

Every function takes an Ibis backend over the warehouse and a date, and returns plain dicts or
dataclasses (dates as ISO strings) ready to print as JSON or as a table.
"""

from openpcn.orgs.band import SizeBand, load_band
from openpcn.orgs.contiguity import Contiguity, SiteGraph, pcn_contiguity, site_graph
from openpcn.orgs.groupings import groupings, straddling
from openpcn.orgs.hierarchy import (
    Footprint,
    IcsArea,
    IcsView,
    ics_list,
    ics_view,
    members_of,
    memberships_on,
    pcn_of,
    pcn_totals,
    resolve_ics,
)
from openpcn.orgs.lists import list_history, lists_on
from openpcn.orgs.rules import CheckReport, Finding, RuleResult, check
from openpcn.orgs.summary import pcn_table, show, summary

__all__ = [
    "CheckReport",
    "Contiguity",
    "Finding",
    "Footprint",
    "IcsArea",
    "IcsView",
    "RuleResult",
    "SiteGraph",
    "SizeBand",
    "check",
    "groupings",
    "ics_list",
    "ics_view",
    "list_history",
    "lists_on",
    "load_band",
    "members_of",
    "memberships_on",
    "pcn_contiguity",
    "pcn_of",
    "pcn_table",
    "pcn_totals",
    "resolve_ics",
    "show",
    "site_graph",
    "straddling",
    "summary",
]
