"""Effort in person-weeks (docs/effort.md), as plain arithmetic over plain values.

A week runs from Monday 00:00 to the next Monday 00:00 in the organisation's timezone. Each
author with at least one work item merged in a week counts one person-week that week, split over
the initiatives of those items (and "unlinked", the None bucket) in proportion to how many of
their items each has. Fractions keep the split exact, so the parts of one person-week always sum
to exactly 1 and a roll-up is exactly the sum of its parts; callers round only to show them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeVar

Bucket = TypeVar("Bucket", bound=Hashable)
Parent = TypeVar("Parent", bound=Hashable)


@dataclass(frozen=True)
class Unit:
    """One work item as effort sees it: who, which week, and the bucket it counts in (an
    initiative, or an "unlinked" bucket: callers choose the keys)."""

    author: str
    week: dt.date
    bucket: Hashable


@dataclass(frozen=True)
class Tally:
    person_weeks: Fraction = Fraction(0)
    work_items: int = 0
    # Who contributed, for the count only: no answer lists or ranks them.
    authors: frozenset[str] = field(default_factory=frozenset)

    def __add__(self, other: Tally) -> Tally:
        return Tally(
            self.person_weeks + other.person_weeks,
            self.work_items + other.work_items,
            self.authors | other.authors,
        )


def week_of(moment: dt.datetime, timezone: str) -> dt.date:
    """The Monday (a date in `timezone`) that starts the week holding `moment`."""
    local = moment.astimezone(zoneinfo.ZoneInfo(timezone)).date()
    return local - dt.timedelta(days=local.weekday())


def person_week_shares(
    units: Iterable[Unit],
) -> dict[tuple[str, dt.date], dict[Hashable, Fraction]]:
    """For each (author, week) with work, how its one person-week splits over the buckets."""
    counts: dict[tuple[str, dt.date], Counter[Hashable]] = defaultdict(Counter)
    for unit in units:
        counts[(unit.author, unit.week)][unit.bucket] += 1
    shares = {}
    for person_week, by_initiative in counts.items():
        items = sum(by_initiative.values())
        shares[person_week] = {
            bucket: Fraction(count, items) for bucket, count in by_initiative.items()
        }
    return shares


def tally_by_bucket(units: Iterable[Unit]) -> dict[Hashable, Tally]:
    """Person-weeks, work items and authors per bucket."""
    units = list(units)
    tallies: dict[Hashable, Tally] = defaultdict(Tally)
    for (author, _week), split in person_week_shares(units).items():
        for bucket, part in split.items():
            tallies[bucket] += Tally(part, 0, frozenset({author}))
    for unit in units:
        tallies[unit.bucket] += Tally(Fraction(0), 1, frozenset())
    return dict(tallies)


def total(tallies: Iterable[Tally]) -> Tally:
    result = Tally()
    for tally in tallies:
        result += tally
    return result


def roll_up(
    tallies: Mapping[Bucket, Tally], parent_of: Mapping[Bucket, Parent]
) -> dict[Parent, Tally]:
    """Each parent's tally: the sum of its children's (authors counted once)."""
    rolled: dict[Parent, Tally] = defaultdict(Tally)
    for child, tally in tallies.items():
        rolled[parent_of[child]] += tally
    return dict(rolled)


def share(part: Fraction, whole: Fraction) -> float:
    """`part` as a share of `whole` (0 when there is no effort at all)."""
    return float(part / whole) if whole else 0.0
