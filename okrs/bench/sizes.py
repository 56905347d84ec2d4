"""Sizes of the generated organisation, importable before Django is set up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Sizes:
    """How big an organisation to generate (the arguments of `generate_large_org`)."""

    people: int
    teams: int
    objectives: int
    key_results: int


FULL = Sizes(people=5000, teams=500, objectives=2500, key_results=7500)
QUICK = Sizes(people=500, teams=50, objectives=250, key_results=750)
