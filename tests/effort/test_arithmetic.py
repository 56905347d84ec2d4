"""Person-weeks: one per author and week with work, split by item counts; roll-ups add up."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from okrs.metrics.effort.arithmetic import (
    Tally,
    Unit,
    person_week_shares,
    roll_up,
    tally_by_bucket,
    total,
    week_of,
)

MONDAY = dt.date(2026, 10, 5)


def unit(author: str, week: int, bucket: object) -> Unit:
    return Unit(author, MONDAY + dt.timedelta(weeks=week), bucket)


def test_one_author_one_week_splits_by_item_counts() -> None:
    units = [unit("ana", 0, "canary")] * 3 + [unit("ana", 0, None)]

    tallies = tally_by_bucket(units)

    assert tallies["canary"] == Tally(Fraction(3, 4), 3, frozenset({"ana"}))
    assert tallies[None] == Tally(Fraction(1, 4), 1, frozenset({"ana"}))


def test_many_items_in_a_week_are_still_one_person_week() -> None:
    units = [unit("ana", 0, "canary")] * 5 + [unit("ana", 1, "canary"), unit("ben", 1, "canary")]

    assert tally_by_bucket(units)["canary"].person_weeks == 3


def test_weeks_start_on_monday_in_the_organisations_timezone() -> None:
    # Sunday 23:30 in London is already Monday in Tokyo.
    moment = dt.datetime(2026, 10, 11, 22, 30, tzinfo=dt.UTC)

    assert week_of(moment, "Europe/London") == dt.date(2026, 10, 5)
    assert week_of(moment, "Asia/Tokyo") == dt.date(2026, 10, 12)


units_strategy = st.lists(
    st.builds(
        Unit,
        author=st.sampled_from(["ana", "ben", "cleo", "dev"]),
        week=st.integers(0, 12).map(lambda n: MONDAY + dt.timedelta(weeks=n)),
        bucket=st.sampled_from([1, 2, 3, 4, None]),
    ),
    max_size=60,
)


@given(units_strategy)
def test_the_shares_of_each_person_week_sum_to_one(units: list[Unit]) -> None:
    for split in person_week_shares(units).values():
        assert sum(split.values()) == 1


@given(units_strategy)
def test_person_weeks_in_all_equal_the_author_weeks_with_work(units: list[Unit]) -> None:
    tallies = tally_by_bucket(units)

    assert total(tallies.values()).person_weeks == len({(u.author, u.week) for u in units})
    assert total(tallies.values()).work_items == len(units)


@given(units_strategy, st.dictionaries(st.sampled_from([1, 2, 3, 4, None]), st.sampled_from("ab")))
def test_a_roll_up_is_the_sum_of_its_parts(units: list[Unit], parents: dict) -> None:
    tallies = tally_by_bucket(units)
    parent_of = {bucket: parents.get(bucket, "z") for bucket in tallies}

    rolled = roll_up(tallies, parent_of)

    for parent, tally in rolled.items():
        parts = [t for bucket, t in tallies.items() if parent_of[bucket] == parent]
        assert tally.person_weeks == sum(t.person_weeks for t in parts)
        assert tally.work_items == sum(t.work_items for t in parts)
        assert tally.authors == frozenset().union(*(t.authors for t in parts))
    assert total(rolled.values()) == total(tallies.values())
