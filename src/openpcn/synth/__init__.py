"""Deterministic synthetic patient population, written into the same tables as a real extract."""

from openpcn.synth.build import build

__all__ = ["build"]
