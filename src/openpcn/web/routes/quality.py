"""Quality pages (CQC ratings, GP Patient Survey variation) and the JSON API beside them."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
