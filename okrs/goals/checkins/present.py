"""A key result's check-ins as its page lists them.

A person's check-in on an automatic key result repeats the synced value: when the demo or a
sync records both at the same instant with the same value, they are one reading, so the page
shows one row (the value from the sync, the confidence and note from the person). Nothing
stored changes; this is how the rows are read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from okrs.goals.checkins.models import CheckIn, source_choices


def source_words(source: str) -> str:
    """Where a check-in came from, in words: "web", "command line", "synced", "Slack"."""
    return dict(source_choices()).get(source, source)


@dataclass(frozen=True)
class HistoryRow:
    at: dt.datetime
    value: float
    confidence: str | None
    note: str
    by: str  # a person's name, or "" for the key result's source alone
    source: str  # in words
    synced: bool  # the value is the source's
    # A person's check-in on an automatic key result alone: its value repeats the last sync.
    repeats_sync: bool = False


def _name(checkin: CheckIn) -> str:
    author = checkin.author
    return (author.name or author.email) if author is not None else ""


def history_rows(checkins: Sequence[CheckIn], *, automatic: bool) -> list[HistoryRow]:
    """The check-ins newest first (as given), a sync reading and a person's check-in at the same
    instant with the same value merged into one row."""
    rows: list[HistoryRow] = []
    used: set[int] = set()
    for i, checkin in enumerate(checkins):
        if i in used:
            continue
        twin = _twin(checkins, i, used)
        if twin is not None:
            used.add(twin)
            person = checkin if checkin.human else checkins[twin]
            rows.append(
                HistoryRow(
                    at=checkin.at,
                    value=(checkins[twin] if checkin.human else checkin).value,
                    confidence=person.confidence,
                    note=person.note,
                    by=_name(person),
                    source=source_words(person.source),
                    synced=True,
                )
            )
            continue
        rows.append(
            HistoryRow(
                at=checkin.at,
                value=checkin.value,
                confidence=checkin.confidence,
                note=checkin.note,
                by=_name(checkin),
                source=source_words(checkin.source),
                synced=not checkin.human,
                repeats_sync=automatic and checkin.human,
            )
        )
    return rows


def _twin(checkins: Sequence[CheckIn], i: int, used: set[int]) -> int | None:
    """The index of the check-in that is the other half of check-in i's reading, if any: the
    other kind (sync or person) at the same instant with the same value."""
    checkin = checkins[i]
    for j in range(i + 1, len(checkins)):
        other = checkins[j]
        if other.at != checkin.at:
            return None
        if j not in used and other.human != checkin.human and other.value == checkin.value:
            return j
    return None
