"""The funding routes' own parameter: which list a PCN's money is shared by."""

from __future__ import annotations

from fastapi import Query

BasisQuery = Query(
    "registered", description="share the PCN's money by the practices' registered or weighted list"
)
