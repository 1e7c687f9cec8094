"""Funding pages and the JSON API beside them."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
