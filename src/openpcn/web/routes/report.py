"""The ICS report as a page, an HTML and PDF download, and its figures as JSON."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
