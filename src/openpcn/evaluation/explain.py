"""A study's design and results in words a board member reads: what was compared with what,
and what each effect does and does not show.

Works on the stored JSON (`StudyDefinition.to_json`, `StudyResult.summary`), so the CLI, the
web page and the API say the same sentences about a saved run without running it again. An
increase is never read as harm nor a decrease as proof: observational studies show
associations, and a service that finds unmet need raises hospital use before it lowers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openpcn.evaluation.definition import CONTROL_WORDS, METHOD_WORDS, OUTCOME_WORDS

SMD_TARGET = 0.1  # balance is good when every |SMD| after matching is below this
SMALL_EFFECT = 0.15  # an interval within 15% either side of no difference: any effect is small


def _people(intervention: Mapping[str, Any]) -> str:
    kind = intervention.get("kind")
    if kind == "event":
        return f"people with the coded event {intervention.get('code')} (from their first one)"
    if kind == "cohort":
        on = intervention.get("date")
        when = f" on {on}" if on else ""
        return f"members of the cohort {intervention.get('code')}{when}"
    people = intervention.get("people")
    count = people if isinstance(people, int) else len(people or [])
    return f"the {count:,} people listed in the service's file, from their index dates"


def design(definition: Mapping[str, Any], method: str | None = None) -> list[str]:
    """The study's design as sentences: who was treated, compared with whom, over what."""
    intervention = definition.get("intervention") or {}
    controls = str(definition.get("controls") or "other-pcns")
    outcomes = [OUTCOME_WORDS.get(o, o) for o in definition.get("outcomes") or OUTCOME_WORDS]
    lines = [
        f"Treated: {_people(intervention)}, in {definition.get('ics')}.",
        f"Compared with: similar {CONTROL_WORDS.get(controls, controls)}, each given a "
        "pseudo index date in the same calendar quarter as the person they are matched to.",
        f"Characteristics compared over the {definition.get('prior_months')} months before the "
        "index date; hospital use counted over the "
        f"{definition.get('followup_months')} months after it ({', '.join(outcomes)}), "
        "stopping at death, leaving the practice or the end of the data.",
    ]
    if method:
        lines.append(f"Matching: {METHOD_WORDS.get(method, method)}.")
    if definition.get("description"):
        lines.insert(0, str(definition["description"]))
    return lines


def _percent(ratio: float) -> str:
    return f"{abs(ratio - 1) * 100:.0f}%"


def _first_up(text: str) -> str:
    """The first letter upper-cased, the rest as written (A&E stays A&E)."""
    return text[:1].upper() + text[1:]


def _bound(ratio: float) -> str:
    """A CI limit in words: '19% fewer', '72% more', '3.2 times as many'."""
    if ratio >= 2:
        return f"{ratio:.1f} times as many"
    return f"{_percent(ratio)} {'fewer' if ratio < 1 else 'more'}"


def effect(outcome: Mapping[str, Any]) -> str:
    """One outcome's effect in words, with what it does not show."""
    label = str(outcome.get("label") or OUTCOME_WORDS.get(str(outcome.get("outcome")), "use"))
    ratio, low, high = outcome.get("rate_ratio"), outcome.get("ci_low"), outcome.get("ci_high")
    if ratio is None or low is None or high is None:
        return f"{_first_up(label)}: no estimate (too few events to model)."
    span = f"95% confidence interval {low:.2f} to {high:.2f}"
    if high < 1:
        return (
            f"{_first_up(label)}: {_percent(ratio)} fewer among the people who received the "
            f"service than among similar people who did not (rate ratio {ratio:.2f}, {span}). "
            "This is an association: differences the matching could not see may explain part "
            "of it."
        )
    if low > 1 and outcome.get("outcome") == "death":
        return (
            f"{_first_up(label)}: {_percent(ratio)} more among the people who received the "
            f"service than among similar people who did not (rate ratio {ratio:.2f}, {span}). "
            "This does not show the service caused deaths: people are often referred as their "
            "health fails, for reasons the records do not show and matching cannot see."
        )
    if low > 1:
        return (
            f"{_first_up(label)}: {_percent(ratio)} more among the people who received the "
            f"service than among similar people who did not (rate ratio {ratio:.2f}, {span}). "
            f"This does not show the service reduced {label}; it may have found unmet need "
            "(problems that were not known before), which is not the same as harm."
        )
    fits = f"anything from {_bound(low)} to {_bound(high)} fits the data"
    if low >= 1 - SMALL_EFFECT and high <= 1 + SMALL_EFFECT:
        return (
            f"{_first_up(label)}: no clear difference (rate ratio {ratio:.2f}, {span}: {fits}). "
            "The study is large enough to say that any effect is small."
        )
    return (
        f"{_first_up(label)}: no clear difference (rate ratio {ratio:.2f}, {span}: {fits}). "
        "This does not show the service made no difference; the study may be too small to tell."
    )


def naive_words(outcome: Mapping[str, Any], naive: Mapping[str, Any] | None) -> str | None:
    """What matching corrected for one outcome: the unmatched comparison beside the matched."""
    if not naive or naive.get("rate_ratio") is None or outcome.get("rate_ratio") is None:
        return None
    label = str(outcome.get("label") or outcome.get("outcome"))
    return (
        f"Without matching, {label} would have looked {naive['rate_ratio']:.2f} times as "
        f"common among those treated; after matching the ratio is "
        f"{outcome['rate_ratio']:.2f}. The difference is what comparing like with like "
        "corrected: the people chosen for the service were not typical."
    )


def unbalanced(summary: Mapping[str, Any]) -> list[str]:
    """The covariates whose |SMD| after matching is at or over the target."""
    return [
        str(row.get("label") or row.get("covariate"))
        for row in summary.get("balance") or []
        if row.get("smd_after") is not None and abs(row["smd_after"]) >= SMD_TARGET
    ]


def caveats(summary: Mapping[str, Any]) -> list[str]:
    """Every caveat of a run, plainest first: balance, then each outcome's effect."""
    lines = []
    off = unbalanced(summary)
    if off:
        lines.append(
            "The matched groups still differ on "
            f"{', '.join(off[:4])}{' and more' if len(off) > 4 else ''} (standardised "
            "difference of 0.1 or more), so the effects below may be partly those differences: "
            "read them with caution."
        )
    naive = {row.get("outcome"): row for row in summary.get("naive") or []}
    for outcome in summary.get("outcomes") or []:
        lines.append(effect(outcome))
        corrected = naive_words(outcome, naive.get(outcome.get("outcome")))
        if corrected:
            lines.append(corrected)
    return lines


def other_method_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sensitivity run of each other matching method, one row per method and outcome
    (the summary keeps each method's ratios and limits by outcome)."""
    rows = []
    for entry in (summary.get("sensitivity") or {}).get("other_methods") or []:
        ratios = entry.get("rate_ratio")
        if not isinstance(ratios, Mapping):
            continue
        lows, highs = entry.get("ci_low") or {}, entry.get("ci_high") or {}
        for outcome, ratio in ratios.items():
            rows.append(
                {"method": entry.get("method"), "outcome": outcome,
                 "label": OUTCOME_WORDS.get(outcome, outcome), "rate_ratio": ratio,
                 "ci_low": lows.get(outcome), "ci_high": highs.get(outcome),
                 "n_matched": entry.get("n_matched")}
            )  # fmt: skip
    return rows
