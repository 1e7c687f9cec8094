"""The PCN size band (30,000-50,000 registered patients by default), read from data.

The numbers live in src/openpcn/data/rules/size_band.toml with their source and who checked
them, so a change of policy is an edit to a data file, not to code.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from openpcn.exceptions import ConfigError


@dataclass(frozen=True)
class SizeBand:
    """Inclusive bounds on a PCN's registered patients."""

    min: float
    max: float
    source: str = "given by the caller"
    checked_by: str = ""
    date: str = ""

    def position(self, patients: float) -> str:
        """below | in | above."""
        if patients < self.min:
            return "below"
        if patients > self.max:
            return "above"
        return "in"

    def as_list(self) -> list[float]:
        return [_number(self.min), _number(self.max)]


#: what the public functions take as a band: a SizeBand, a (min, max) pair, or None (default)
BandLike = SizeBand | tuple[float, float] | None


def load_band() -> SizeBand:
    """The default band from size_band.toml, with its provenance."""
    source = resources.files("openpcn.data").joinpath("rules", "size_band.toml")
    data = tomllib.loads(source.read_text(encoding="utf-8"))["band"]
    return SizeBand(
        min=float(data["min_registered_patients"]),
        max=float(data["max_registered_patients"]),
        source=str(data["source"]),
        checked_by=str(data["checked_by"]),
        date=str(data["date"]),
    )


def as_band(band: SizeBand | tuple[float, float] | list[float] | None) -> SizeBand:
    """Accept a SizeBand, a (min, max) pair, or None for the default from data."""
    if band is None:
        return load_band()
    if not isinstance(band, SizeBand):
        low, high = band
        band = SizeBand(float(low), float(high))
    if not 0 <= band.min <= band.max:
        raise ConfigError(
            f"the size band {band.min:,.0f}-{band.max:,.0f} is not a range",
            fix="give a minimum no larger than the maximum, e.g. 30000 50000",
        )
    return band


def _number(value: float) -> float | int:
    """Whole numbers as int so JSON shows 30000, not 30000.0."""
    return int(value) if float(value).is_integer() else value
