"""The formation rules of PCNs, checked for one ICS on one date, each explained in plain English.

Every rule is always listed with pass or fail; each finding names its subject (code and name)
and says why, with the numbers. Findings are breaches (the rule fails), allowed (outside the
rule but covered by a recorded exception) or notes (worth knowing, not a breach).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import ibis
import pandas as pd

from openpcn.orgs.band import BandLike, SizeBand, as_band
from openpcn.orgs.contiguity import pcn_contiguity, site_graph
from openpcn.orgs.dates import DateLike, iso
from openpcn.orgs.hierarchy import IcsView, ics_view, pcn_totals

BREACH, ALLOWED, NOTE = "breach", "allowed", "note"


@dataclass(frozen=True)
class Finding:
    """One subject's result under a rule."""

    code: str
    name: str
    outcome: str  # breach | allowed | note
    reason: str
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    """One rule: pass unless some finding is a breach."""

    rule: str
    title: str
    summary: str
    findings: tuple[Finding, ...] = ()

    @property
    def status(self) -> str:
        return "fail" if any(f.outcome == BREACH for f in self.findings) else "pass"

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "title": self.title,
            "status": self.status,
            "summary": self.summary,
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }


@dataclass(frozen=True)
class CheckReport:
    """Every rule for one ICS on one date."""

    ics: dict[str, object]
    date: str
    band: list[float]
    rules: tuple[RuleResult, ...]

    @property
    def status(self) -> str:
        return "pass" if all(r.status == "pass" for r in self.rules) else "fail"

    def rule(self, rule: str) -> RuleResult:
        return next(r for r in self.rules if r.rule == rule)

    def breaches(self) -> list[tuple[str, Finding]]:
        return [(r.rule, f) for r in self.rules for f in r.findings if f.outcome == BREACH]

    def as_dict(self) -> dict[str, object]:
        return {
            "ics": self.ics,
            "date": self.date,
            "band": self.band,
            "status": self.status,
            "rules": [r.as_dict() for r in self.rules],
        }


def check(con: ibis.BaseBackend, ics: str, date: DateLike, band: BandLike = None) -> CheckReport:
    """Check every rule for the ICS's PCNs on the date."""
    size_band = as_band(band)
    view = ics_view(con, ics, date)
    rules = (
        size_band_rule(view, size_band),
        one_pcn_rule(view),
        coverage_rule(view),
        footprint_rule(view),
        contiguity_rule(view),
    )
    return CheckReport(view.footprint.as_dict(), view.date.isoformat(), size_band.as_list(), rules)


def n(value: float) -> str:
    """Whole patients for display: 27511.75 -> '27,512'."""
    return f"{round(value):,}"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def size_band_rule(view: IcsView, band: SizeBand) -> RuleResult:
    """Rule 1: each PCN's registered patients within the band, unless an exception covers it."""
    totals = pcn_totals(view)
    allowed = dict(zip(view.exceptions["pcn_code"], view.exceptions["reason"], strict=True))
    findings = []
    counts = {"below": 0, "in": 0, "above": 0}
    for row in totals.itertuples():
        patients = row.registered_patients
        where = band.position(patients) if row.practices else "below"
        counts[where] += 1
        details: dict[str, object] = {
            "registered_patients": round(patients, 2),
            "position": where,
            "band": band.as_list(),
        }
        if row.without_list:
            details["without_list"] = list(row.without_list)
        if where == "in" and not row.without_list:
            continue
        if not row.practices:
            text = f"has no member practices on {view.date.isoformat()}"
        elif where == "below":
            gap = band.min - patients
            text = (
                f"has {n(patients)} registered patients, {n(gap)} ({gap / band.min:.1%}) "
                f"below the band minimum of {n(band.min)}"
            )
        elif where == "above":
            gap = patients - band.max
            text = (
                f"has {n(patients)} registered patients, {n(gap)} ({gap / band.max:.1%}) "
                f"above the band maximum of {n(band.max)}"
            )
        else:
            text = f"has {n(patients)} registered patients, within the band"
        if row.without_list:
            text += (
                f"; {_plural(len(row.without_list), 'member practice')} without a list size "
                f"counted as 0: {', '.join(row.without_list)}"
            )
        if where == "in":
            outcome = NOTE
        elif row.pcn_code in allowed:
            outcome, text = ALLOWED, f"allowed: {allowed[row.pcn_code]} ({text})"
            details["exception"] = str(allowed[row.pcn_code])
        else:
            outcome = BREACH
        findings.append(Finding(row.pcn_code, row.name, outcome, text, details))
    excepted = sum(f.outcome == ALLOWED for f in findings)
    summary = (
        f"{counts['in']} of {_plural(len(totals), 'PCN')} within "
        f"{n(band.min)}-{n(band.max)} registered patients; {counts['below']} below, "
        f"{counts['above']} above ({excepted} allowed by a recorded exception)"
    )
    return RuleResult("size_band", "PCN size within the band", summary, tuple(findings))


def one_pcn_rule(view: IcsView) -> RuleResult:
    """Rule 2: no practice is a core member of two PCNs on the date."""
    ms = view.memberships
    findings = []
    for code, rows in ms.groupby("practice_code", sort=True):
        pcns = rows.drop_duplicates("pcn_code")
        if len(pcns) < 2:
            continue
        parts = [
            f"{r.pcn_code} {r.pcn_name if isinstance(r.pcn_name, str) else ''}".strip()
            + f" (since {iso(r.start_date)})"
            for r in pcns.itertuples()
        ]
        text = f"is a core member of {len(pcns)} PCNs on {view.date.isoformat()}: " + " and ".join(
            parts
        )
        details = {"pcns": list(pcns["pcn_code"].astype(str))}
        findings.append(Finding(str(code), view.practice_name(str(code)), BREACH, text, details))
    checked = ms["practice_code"].nunique()
    summary = (
        f"{len(findings)} of {_plural(checked, 'member practice')} in more than one PCN"
        if findings
        else f"each of {_plural(checked, 'member practice')} is in exactly one PCN"
    )
    return RuleResult("one_pcn_per_practice", "One PCN per practice", summary, tuple(findings))


def coverage_rule(view: IcsView) -> RuleResult:
    """Rule 3: every live practice the ICS commissions is in one of its PCNs; patients covered."""
    day = view.date.isoformat()
    ics = view.footprint.code
    members = set(view.members["practice_code"])
    comm = view.commissioned
    findings = []
    for row in comm[~comm["practice_code"].isin(members)].itertuples():
        status = "dormant in epraccur" if row.status == "dormant" else str(row.status)
        text = (
            f"is commissioned by {row.commissioner_code} and {status}, but is not a core member "
            f"of any {ics} PCN on {day}"
        )
        elsewhere = view.memberships[view.memberships["practice_code"] == row.practice_code]
        if not elsewhere.empty:
            e = elsewhere.iloc[0]
            text += (
                f"; it is a member of {e.pcn_code} {e.pcn_name} (parented to {e.pcn_commissioner})"
            )
        if pd.notna(row.registered_patients) and row.registered_patients >= 0.5:
            text += f"; {n(row.registered_patients)} registered patients are not covered"
        elif pd.notna(row.registered_patients):
            text += f"; its list size nearest the date ({iso(row.list_as_of)}) is 0"
        findings.append(
            Finding(str(row.practice_code), str(row.name), BREACH, text, {"status": row.status})
        )
    for row in view.members.drop_duplicates("practice_code").itertuples():
        if not row.in_practices or row.status == "active":
            continue
        if row.status == "dormant":
            text = (
                f"is dormant in epraccur (status D: it exists in ODS but is not operating as a "
                f"separate practice) yet is still a core member of {row.pcn_code} "
                f"{view.pcn_name(row.pcn_code)} on {day}"
            )
        else:
            text = (
                f"has status {row.status} in epraccur yet is still a core member of "
                f"{row.pcn_code} {view.pcn_name(row.pcn_code)} on {day}"
            )
        if pd.notna(row.registered_patients):
            text += f"; its {n(row.registered_patients)} registered patients count in the PCN"
        findings.append(
            Finding(str(row.practice_code), str(row.name), NOTE, text, {"status": row.status})
        )
    listed = comm["registered_patients"].notna()
    total = float(comm.loc[listed, "registered_patients"].sum())
    covered = float(
        comm.loc[listed & comm["practice_code"].isin(members), "registered_patients"].sum()
    )
    share = covered / total if total else 1.0
    in_pcn = comm["practice_code"].isin(members).sum()
    summary = (
        f"{in_pcn} of {_plural(len(comm), 'active or dormant practice')} commissioned by "
        f"{ics} are in its PCNs, covering {share:.1%} of their {n(total)} registered patients"
    )
    if total - covered >= 0.5:
        summary += f" ({n(total - covered)} not covered)"
    unlisted = sorted(comm.loc[~listed, "practice_code"].astype(str))
    if unlisted:
        summary += f"; no list size for {', '.join(unlisted)}"
    return RuleResult(
        "coverage", "Full coverage of practices and patients", summary, tuple(findings)
    )


def footprint_rule(view: IcsView) -> RuleResult:
    """Rule 4: every member of an ICS PCN is commissioned within the ICS's footprint."""
    inside = set(view.footprint.commissioners)
    findings = []
    for row in view.members.drop_duplicates(["practice_code", "pcn_code"]).itertuples():
        pcn = f"{row.pcn_code} {view.pcn_name(row.pcn_code)}"
        lead = view.pcns.loc[view.pcns["pcn_code"] == row.pcn_code, "commissioner_code"]
        lead_code = str(lead.iloc[0]) if not lead.empty else view.footprint.code
        if not row.in_practices:
            text = (
                f"is a core member of {pcn} but is not in the practices table, so its "
                f"commissioner is unknown"
            )
        elif row.commissioner_code in inside:
            continue
        else:
            other = view.commissioner_names.get(row.commissioner_code, "")
            label = f"{row.commissioner_code} ({other})" if other else row.commissioner_code
            text = (
                f"is commissioned by {label} but is a core member of {pcn}, which is "
                f"parented to {lead_code}"
            )
        findings.append(
            Finding(
                str(row.practice_code),
                view.practice_name(row.practice_code),
                BREACH,
                text,
                {"commissioner_code": _str(row.commissioner_code), "pcn_code": row.pcn_code},
            )
        )
    checked = view.members["practice_code"].nunique()
    summary = (
        f"{len(findings)} of {_plural(checked, 'member practice')} commissioned outside "
        f"{'/'.join(sorted(inside))}"
        if findings
        else f"all {_plural(checked, 'member practice')} commissioned by {'/'.join(sorted(inside))}"
    )
    return RuleResult("one_footprint", "One ICS footprint", summary, tuple(findings))


def contiguity_rule(view: IcsView) -> RuleResult:
    """Rule 5: each PCN's member sites form one connected piece of the Delaunay site graph."""
    where = ["practice_code", "lat", "lon"]
    sites = pd.concat([view.members[where], view.commissioned[where]])
    graph = site_graph(sites)
    pcn_of = view.members.drop_duplicates("practice_code").set_index("practice_code")["pcn_code"]
    findings = []
    for pcn in view.pcns.itertuples():
        codes = view.members.loc[view.members["pcn_code"] == pcn.pcn_code, "practice_code"]
        result = pcn_contiguity(graph, codes.astype(str))
        if not result.contiguous:
            parts = [f"[{', '.join(part)}]" for part in result.components]
            between = [
                f"{c} ({pcn_of[c]} {view.pcn_name(pcn_of[c])})" if c in pcn_of else f"{c} (no PCN)"
                for c in result.separators
            ]
            text = (
                f"is split into {len(parts)} parts, {', '.join(parts[:-1])} and {parts[-1]}, "
                f"up to {result.gap_km:.1f} km apart"
            )
            text += f"; between them lie {', '.join(between)}" if between else ""
            findings.append(
                Finding(pcn.pcn_code, pcn.name, BREACH, text, dataclasses.asdict(result))
            )
        if result.unplaced:
            text = (
                f"{_plural(len(result.unplaced), 'member practice')} without coordinates "
                f"cannot be placed: {', '.join(result.unplaced)}; contiguity was judged on the "
                f"other {len(codes) - len(result.unplaced)}"
            )
            findings.append(
                Finding(pcn.pcn_code, pcn.name, NOTE, text, {"unplaced": result.unplaced})
            )
    splits = sum(f.outcome == BREACH for f in findings)
    summary = (
        f"{len(view.pcns) - splits} of {_plural(len(view.pcns), 'PCN')} contiguous on a "
        f"graph of {_plural(len(graph.xy), 'practice site')} ({graph.method})"
    )
    if graph.unplaced:
        summary += f"; {len(graph.unplaced)} without coordinates: {', '.join(graph.unplaced)}"
    return RuleResult("contiguity", "Geographic contiguity", summary, tuple(findings))


def _str(value: object) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
