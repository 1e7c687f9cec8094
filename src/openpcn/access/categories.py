"""The publication's categories and how the records' values map onto them, read once from
data/rules/access_categories.toml so the mapping is data with its source, not code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: The dimensions of a published row, as (warehouse column, key in a result).
DIMENSIONS = (("mode", "modes"), ("hcp_type", "staff"), ("lead_time", "lead_times"))


@dataclass(frozen=True)
class Categories:
    """Each published dimension's keys in display order, their labels, the records' mapping."""

    published: dict[str, tuple[str, ...]]
    labels: dict[str, str]
    recorded: dict[str, dict[str, str]]
    source: str

    def label(self, key: str) -> str:
        """How a key reads for people: 'face to face' for face_to_face."""
        return self.labels.get(key, key.replace("_", " "))


@cache
def categories() -> Categories:
    """The shipped categories file, parsed once."""
    text = resources.files("openpcn.data").joinpath("rules", "access_categories.toml")
    raw = tomllib.loads(text.read_text("utf-8"))
    return Categories(
        published={k: tuple(v) for k, v in raw["published"].items()},
        labels=dict(raw["labels"]),
        recorded={k: dict(v) for k, v in raw["recorded"].items()},
        source=str(raw["source"]),
    )
