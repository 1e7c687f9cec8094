"""The prevalence routes' own parameters: the QOF year and the condition (a QOF group code)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

DEFAULT_QOF_YEAR = "2018/19"
QofYear = Annotated[
    str,
    Query(
        pattern=r"^\d{4}[/-]\d{2}$",
        description="QOF year, registers at its 31 March, e.g. 2018/19 (or 2018-19)",
        examples=[DEFAULT_QOF_YEAR],
    ),
]
Condition = Annotated[
    str,
    Query(pattern=r"^[A-Za-z]{1,8}$", description="QOF group code, e.g. HYP", examples=["HYP"]),
]
