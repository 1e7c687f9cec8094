"""Threshold statuses (the FIT indicator's bands, e.g. CAN-01's 40% and 80%), judged
on the EXACT counts, and what of them may stand next to disclosure-controlled figures.

A share recomputed from rounded counts can land on the other side of a threshold (39.2% exact,
40.0% from the rounded counts), so a status is never judged on shown figures. Next to disclosed
figures the exact status is shown when both counts it rests on are shown (a band says far less
than a count: it cannot undo the rounding to 5), or when the shown figures imply it whatever
the hidden count is; otherwise it is `suppressed`, since the band would narrow a hidden count of
1 to 7 (3 of 10 against 4 of 10 across 40%). docs/cohorts.md says the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from openpcn.cohorts.disclosure import REDACT_AT_MOST, ROUND_TO, disclose

UNKNOWN = "unknown"  # no share: nothing to divide by, or a count not counted
SUPPRESSED = "suppressed"
SUPPRESSED_NOTE = (
    f"not shown: a count it rests on is hidden (1 to {REDACT_AT_MOST}), and the status would "
    "narrow it down"
)


@dataclass(frozen=True)
class Bands:
    """Bands of a share cut at percentages (ascending; a share equal to a cut is in the band
    above it), named lowest first, with how each reads on a page."""

    cuts: tuple[float, ...]
    names: tuple[str, ...]
    labels: tuple[str, ...]

    def of_share(self, share: Fraction) -> str:
        """The band of a share (0 to 1), compared exactly (13.96% is 1396/10000, not a float)."""
        above = sum(1 for cut in self.cuts if share * 100 >= Fraction(str(cut)))
        return self.names[above]

    def judged(self, numerator: int | None, denominator: int | None) -> str:
        """The status of the exact counts (`unknown` with nothing to divide by)."""
        if numerator is None or denominator is None or denominator <= 0:
            return UNKNOWN
        return self.of_share(Fraction(min(numerator, denominator), denominator))

    def disclosed(self, numerator: int | None, denominator: int | None) -> str:
        """The status to show next to the disclosed counts: judged on the exact ones, unless a
        hidden count makes it say more than the shown figures do (then `suppressed`)."""
        status = self.judged(numerator, denominator)
        if status == UNKNOWN:
            return status
        shown = disclose(numerator), disclose(denominator)
        if None not in shown:
            return status
        (n_low, n_high), (d_low, d_high) = (_possible(v) for v in shown)
        lowest = Fraction(n_low, d_high)
        highest = min(Fraction(n_high, d_low), Fraction(1))
        return status if self.of_share(lowest) == self.of_share(highest) else SUPPRESSED

    def label(self, status: str) -> str:
        """How a status reads: "Below 40%", "Not known", "Not shown"."""
        if status == UNKNOWN:
            return "Not known"
        if status == SUPPRESSED:
            return "Not shown"
        return self.labels[self.names.index(status)]


def _possible(shown: int | None) -> tuple[int, int]:
    """The exact counts a disclosed count can stand for (hidden: 1 to REDACT_AT_MOST)."""
    if shown is None:
        return 1, REDACT_AT_MOST
    if shown == 0:
        return 0, 0
    half = ROUND_TO // 2
    return max(shown - half, REDACT_AT_MOST + 1), shown + half
