"""The funding routes' own parameter: which list a PCN's money is shared by."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from openpcn.web.routes.funding.models import Basis

BasisQuery = Annotated[
    Basis,
    Query(description="share the PCN's money by the practices' registered or weighted list"),
]
